#!/usr/bin/env bash
# Memory under a flood: VISITORS distinct visitors (default 2 million), all active within one
# session timeout, each seen twice (a pageview, and a second one 50 minutes later; one in ten
# reaches the purchase goal). aivis must hold at most its session cap in memory, set the rest
# aside to the database, find each again when its visitor returns, and count exactly.
#
#   bash benches/flood_memory.sh                  # 2M visitors, 4M lines
#   VISITORS=200000 bash benches/flood_memory.sh  # a quick run
#   SKIP_POSTGRES=1 bash benches/flood_memory.sh
#
# Runs on the same generated combined log: aivis ingest into SQLite, GoAccess 1.7 (which keeps
# every visitor in memory), and aivis ingest into PostgreSQL (AIVIS_BENCH_POSTGRES_URL). Prints
# wall time and peak RSS of each, and checks aivis' totals against the generated truth.
VISITORS="${VISITORS:-2000000}"
source "$(dirname "$0")/lib.sh"

# Round 1 spreads the visitors over 2,000 s from 08:00 UTC; round 2 repeats them 3,000 s later.
awk -v n="$VISITORS" 'BEGIN {
  ua = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0 Safari/537.36";
  for (round = 0; round < 2; round++) {
    for (v = 0; v < n; v++) {
      t = 8 * 3600 + int(v * 2000 / n) + round * 3000;
      path = (round == 1 && v % 10 == 0) ? "/checkout/complete" : "/";
      printf "10.%d.%d.%d - - [01/Nov/2026:%02d:%02d:%02d +0000] \"GET %s HTTP/1.1\" 200 512 \"-\" \"%s\"\n",
        int(v / 65536), int(v / 256) % 256, v % 256, int(t / 3600), int(t / 60) % 60, t % 60, path, ua;
    }
  }
}' > "$work/flood.log"
lines=$(wc -l < "$work/flood.log")
echo "log: $lines lines, $(du -h "$work/flood.log" | cut -f1), $VISITORS visitors active within one 24 h session timeout"

cat > "$work/aivis.toml" <<TOML
[[sites]]
name = "acme"
session_timeout_minutes = 1440
[[sites.goals]]
name = "purchase"
path = "^/checkout/complete"
kind = "macro"
TOML
cat > "$work/totals.sql" <<'SQL'
-- Sessions, pageviews and converted sessions, from the sessions and from the rollup.
SELECT (SELECT CAST(COUNT(*) AS BIGINT) FROM sessions) AS sessions,
       (SELECT CAST(SUM(pageviews) AS BIGINT) FROM sessions) AS pageviews,
       (SELECT CAST(SUM(converted) AS BIGINT) FROM sessions) AS converted,
       (SELECT CAST(SUM(sessions) AS BIGINT) FROM daily_traffic) AS rollup_sessions,
       (SELECT CAST(SUM(pageviews) AS BIGINT) FROM daily_traffic) AS rollup_pageviews,
       (SELECT CAST(SUM(conversions) AS BIGINT) FROM daily_traffic) AS rollup_conversions
SQL
expected="$VISITORS,$(( 2 * VISITORS )),$(( (VISITORS + 9) / 10 )),$VISITORS,$(( 2 * VISITORS )),$(( (VISITORS + 9) / 10 ))"

# measure NAME COMMAND... : wall seconds and peak RSS (KiB) via GNU time.
measure() {
  local name="$1"; shift
  /usr/bin/time -f "%e %M" -o "$work/$name.time" "$@" > "$work/$name.out" 2> "$work/$name.err" \
    || { echo "$name failed:"; cat "$work/$name.err"; exit 1; }
  read -r secs rss < "$work/$name.time"
  printf '%-16s %8.2f s  %10.0f lines/s  peak RSS %7.1f MiB\n' "$name" "$secs" \
    "$(awk -v l="$lines" -v s="$secs" 'BEGIN { print (s > 0 ? l / s : 0) }')" \
    "$(awk -v k="$rss" 'BEGIN { print k / 1024 }')"
}

# check NAME DATABASE_URL : the totals aivis stored against the generated truth.
check() {
  local got
  got=$(AIVIS_DATABASE_URL="$2" "$AIVIS" --config aivis.toml query totals.sql --format csv | tail -n 1 | tr -d '\r')
  if [ "$got" = "$expected" ]; then
    echo "$1 totals exact: $got (sessions, pageviews, converted; rollup the same)"
  else
    echo "$1 totals WRONG: got $got, expected $expected"; exit 1
  fi
}

cd "$work"
measure aivis-sqlite env AIVIS_DATABASE_URL="sqlite://$work/flood.db" "$AIVIS" --config aivis.toml ingest --format combined flood.log
grep -E "memory:" aivis-sqlite.out || true
check aivis-sqlite "sqlite://$work/flood.db"
measure goaccess goaccess flood.log --log-format=COMBINED -o report.json
if [ -z "${SKIP_POSTGRES:-}" ]; then
  db="aivis_flood_$$"
  psql "$PG_ADMIN" -q -c "CREATE DATABASE $db" >/dev/null
  pg_url="${PG_ADMIN%/*}/$db"
  measure aivis-postgres env AIVIS_DATABASE_URL="$pg_url" "$AIVIS" --config aivis.toml ingest --format combined flood.log
  grep -E "memory:" aivis-postgres.out || true
  check aivis-postgres "$pg_url"
  psql "$PG_ADMIN" -q -c "DROP DATABASE $db WITH (FORCE)" >/dev/null
fi
