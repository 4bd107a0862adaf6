#!/usr/bin/env bash
# Batch classification throughput: `aivis classify --batch` on NDJSON requests built from a
# generated combined log (every request line's referrer, URL and user agent: pages, assets,
# bots and all, so the mix of referrers and user agents is a real log's).
#
#   bash benches/classify_batch.sh            # ~1M lines
#   LINES=3000000 bash benches/classify_batch.sh
#
# Prints wall time, lines/s and peak RSS of aivis reading the file and writing answers to a file.
# aivis runs single-threaded here (one core).
set -euo pipefail
cd "$(dirname "$0")/.."

LINES="${LINES:-1000000}"
if ! command -v python3 >/dev/null 2>&1 || ! [ -x /usr/bin/time ]; then
  echo "installing python3 and time (Debian packages)" >&2
  apt-get update -qq && apt-get install -y -qq python3 time >/dev/null
fi

cargo build --release --quiet
AIVIS="$PWD/target/release/aivis"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# About 7.0 log lines per generated session.
"$AIVIS" demo --write-log "$work/access.log" --sessions $(( LINES * 100 / 702 )) --days 28 > /dev/null
python3 - "$work/access.log" "$work/requests.ndjson" <<'PY'
import json, re, sys
line_re = re.compile(r'^\S+ \S+ \S+ \[[^\]]*\] "(?:\S+ )?(\S*)[^"]*" \d+ \S+ "((?:[^"\\]|\\.)*)" "((?:[^"\\]|\\.)*)"')
with open(sys.argv[1], encoding="utf-8", errors="replace") as log, open(sys.argv[2], "w") as out:
    for line in log:
        m = line_re.match(line)
        if not m:
            continue
        url, referrer, ua = m.groups()
        request = {"url": "https://www.acme.test" + url if url.startswith("/") else url, "ua": ua}
        if referrer != "-":
            request["referrer"] = referrer
        out.write(json.dumps(request) + "\n")
PY
lines=$(wc -l < "$work/requests.ndjson")
echo "requests: $lines lines, $(du -h "$work/requests.ndjson" | cut -f1)"

/usr/bin/time -f "%e %M" -o "$work/time" taskset -c 0 "$AIVIS" classify --batch --host www.acme.test --host acme.test \
  < "$work/requests.ndjson" > "$work/answers.ndjson"
read -r secs rss < "$work/time"
answers=$(wc -l < "$work/answers.ndjson")
[ "$answers" = "$lines" ] || { echo "expected $lines answers, got $answers"; exit 1; }
awk -v l="$lines" -v s="$secs" -v k="$rss" \
  'BEGIN { printf "aivis classify --batch  %.2f s  %.0f lines/s  peak RSS %.1f MiB\n", s, (s > 0 ? l / s : 0), k / 1024 }'
echo "channels of the answers:"
grep -o '"channel":"[a-z_]*"' "$work/answers.ndjson" | sort | uniq -c | sort -rn
