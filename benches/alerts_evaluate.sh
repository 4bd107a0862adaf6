#!/usr/bin/env bash
# How long `aivis alerts evaluate` takes over a large history: SESSIONS stored sessions (10M by
# default) over 90 days on SQLite, with their daily rollups, written straight into the tables
# (an ingest of the ~70M log lines they stand for would take the benchmark's time instead).
#
#   bash benches/alerts_evaluate.sh
#   SESSIONS=1000000 bash benches/alerts_evaluate.sh
#
# The evaluation reads the daily rollups and the prompt-check answers, never the sessions
# table, so its time should not grow with the sessions stored. Prints the best of 3 runs of
# `alerts evaluate --dry-run` and of `report compare`.
SESSIONS="${SESSIONS:-10000000}"
source "$(dirname "$0")/lib.sh"

write_demo_config "database_url = \"sqlite://$work/history.db\""
cd "$work"
"$AIVIS" --config aivis.toml report compare --as-of 2026-01-01 > /dev/null  # creates the tables

python3 - "$SESSIONS" <<'PY'
import sqlite3, sys, time
sessions = int(sys.argv[1])
started = time.time()
db = sqlite3.connect("history.db")
db.execute("PRAGMA journal_mode = WAL")
db.execute("PRAGMA synchronous = OFF")
# 90 days from 2026-08-28; channel and source from the session number; 3% convert (AI 6%).
db.execute("""
WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < ?)
INSERT INTO sessions (id, site, visitor_key, started_at, last_hit_at, day, channel, source,
                      landing_path, pageviews, converted)
SELECT i, 'acme', printf('%016x', i * 2654435761 % 4294967296),
       1787875200 + (i % 90) * 86400 + (i % 86000), 1787875200 + (i % 90) * 86400 + (i % 86000) + 60,
       date(1787875200 + (i % 90) * 86400, 'unixepoch'),
       CASE WHEN i % 100 < 12 THEN 'ai_assistant' WHEN i % 100 < 55 THEN 'organic_search'
            WHEN i % 100 < 60 THEN 'paid_search' ELSE 'direct' END,
       CASE WHEN i % 100 < 6 THEN 'chatgpt' WHEN i % 100 < 9 THEN 'perplexity'
            WHEN i % 100 < 12 THEN 'claude' WHEN i % 100 < 60 THEN 'google' ELSE '(direct)' END,
       '/pricing', 1 + i % 4,
       CASE WHEN i % 100 < 12 THEN (i / 100) % 17 = 0 ELSE (i / 100) % 33 = 0 END
FROM n
""", (sessions,))
db.execute("""
INSERT INTO daily_traffic (site, day, channel, source, sessions, pageviews, conversions)
SELECT site, day, channel, source, COUNT(*), SUM(pageviews), SUM(converted)
FROM sessions GROUP BY site, day, channel, source
""")
db.commit()
count = db.execute("SELECT COUNT(*) FROM sessions").fetchone()[0]
print(f"history: {count} sessions over 90 days written in {time.time() - started:.0f} s")
db.execute("PRAGMA wal_checkpoint(TRUNCATE)")
db.close()
PY

best() {
  local name="$1"; shift
  local min="" start end secs
  for _ in 1 2 3; do
    start=$EPOCHREALTIME
    "$@" > out.txt 2> err.txt || { cat err.txt; exit 1; }
    end=$EPOCHREALTIME
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.3f", b - a }')
    if [ -z "$min" ] || awk -v a="$secs" -v b="$min" 'BEGIN { exit !(a < b) }'; then min="$secs"; fi
  done
  printf '%-28s best of 3: %.3f s (process start, migration check and the queries)\n' "$name" "$min"
}
best "alerts evaluate --dry-run" "$AIVIS" --config aivis.toml alerts evaluate --as-of 2026-11-25 --dry-run
best "report compare" "$AIVIS" --config aivis.toml report compare --as-of 2026-11-25
"$AIVIS" --config aivis.toml report compare --as-of 2026-11-25 | head -8
"$AIVIS" --config aivis.toml alerts evaluate --as-of 2026-11-25 --dry-run | head -5
