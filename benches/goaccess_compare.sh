#!/usr/bin/env bash
# Ingest throughput and memory: aivis against GoAccess 1.7 on the same generated combined log.
#
#   bash benches/goaccess_compare.sh              # ~1M lines
#   LINES=10000000 bash benches/goaccess_compare.sh
#
# Generates a combined log with `aivis demo --write-log`, then times, on that same file:
#   aivis ingest into a fresh SQLite database (parse, classify, sessionize, store),
#   GoAccess 1.7 (`goaccess --log-format=COMBINED -o report.json`),
#   aivis ingest into a fresh PostgreSQL database (AIVIS_BENCH_POSTGRES_URL, default local).
# Prints wall time, lines/s and peak RSS for each, and the aivis/GoAccess ratio.
LINES="${LINES:-1000000}"
source "$(dirname "$0")/lib.sh"

# About 7.0 lines per generated session (pageviews, assets, bots, redirects/errors, malformed).
sessions=$(( LINES * 100 / 702 ))
"$AIVIS" demo --write-log "$work/access.log" --sessions "$sessions" --days 28 > "$work/truth.json"
lines=$(wc -l < "$work/access.log")
echo "log: $lines lines, $(du -h "$work/access.log" | cut -f1)"

write_demo_config

# measure NAME COMMAND... : wall seconds and peak RSS (KiB) via GNU time.
measure() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" \
    || { echo "$name failed:"; cat "$work/$name.err"; exit 1; }
  read -r secs rss < "$work/$name.time"
  local lps
  lps=$(awk -v l="$lines" -v s="$secs" 'BEGIN { printf "%.0f", (s > 0 ? l / s : 0) }')
  printf '%-16s %8.2f s  %12s lines/s  peak RSS %6.1f MiB\n' "$name" "$secs" "$lps" "$(awk -v k="$rss" 'BEGIN{print k/1024}')"
  eval "${name//-/_}_lps=$lps"
}

cd "$work"
measure aivis-sqlite env AIVIS_DATABASE_URL="sqlite://$work/bench.db" "$AIVIS" --config aivis.toml ingest --format combined access.log
measure goaccess goaccess access.log --log-format=COMBINED -o report.json
db="aivis_bench_$$"
psql "$PG_ADMIN" -q -c "CREATE DATABASE $db" >/dev/null
pg_url="${PG_ADMIN%/*}/$db"
measure aivis-postgres env AIVIS_DATABASE_URL="$pg_url" "$AIVIS" --config aivis.toml ingest --format combined access.log
psql "$PG_ADMIN" -q -c "DROP DATABASE $db WITH (FORCE)" >/dev/null

awk -v a="$aivis_sqlite_lps" -v g="$goaccess_lps" 'BEGIN { printf "aivis (SQLite) / GoAccess lines/s ratio: %.1fx\n", a / g }'
grep -E "lines read|skipped" aivis-sqlite.out
