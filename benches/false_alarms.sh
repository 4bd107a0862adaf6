#!/usr/bin/env bash
# False alarms: how many alerts `aivis alerts evaluate` raises on months where nothing shifts.
#
#   bash benches/false_alarms.sh              # 40 stable months, 3 evaluations each
#   MONTHS=100 SESSIONS=20000 bash benches/false_alarms.sh
#
# Each month is generated with `aivis demo --write-log --story stable` (every day drawn alike,
# a different seed each), ingested into a fresh SQLite database and evaluated as of days 14,
# 21 and 28 (a week against the days before, the default thresholds). Every alert raised is a
# false alarm. Prints the count per kind and the total per evaluation.
MONTHS="${MONTHS:-40}"
SESSIONS="${SESSIONS:-6000}"
source "$(dirname "$0")/lib.sh"

write_demo_config

cd "$work"
: > alerts.jsonl
evaluations=0
for seed in $(seq 1 "$MONTHS"); do
  rm -f month.db month.db-wal month.db-shm
  "$AIVIS" demo --write-log month.log --story stable --seed "$seed" --sessions "$SESSIONS" --days 28 > truth.json
  AIVIS_DATABASE_URL="sqlite://$work/month.db" "$AIVIS" --config aivis.toml ingest --format combined month.log > /dev/null
  for offset in 13 20 27; do
    day=$(date -u -d "2026-10-26 + $offset days" +%F)
    AIVIS_DATABASE_URL="sqlite://$work/month.db" "$AIVIS" --config aivis.toml alerts evaluate \
      --as-of "$day" --dry-run --format json \
      | python3 -c 'import json,sys; [print(json.dumps(a)) for a in json.load(sys.stdin)]' >> alerts.jsonl
    evaluations=$((evaluations + 1))
  done
done
python3 - "$evaluations" "$MONTHS" "$SESSIONS" <<'PY'
import collections, json, sys
evaluations, months, sessions = int(sys.argv[1]), sys.argv[2], sys.argv[3]
alerts = [json.loads(line) for line in open("alerts.jsonl")]
kinds = collections.Counter(a["kind"] for a in alerts)
print(f"{months} stable months of {sessions} sessions, {evaluations} evaluations (as of days 14, 21, 28)")
for kind in ["ai_conversion_rate", "search_conversion_rate", "ai_search_ratio", "ai_traffic_share", "ai_source_new", "ai_crawler_change"]:
    print(f"  {kind:<24} {kinds.get(kind, 0)}")
print(f"false alarms: {len(alerts)} in {evaluations} evaluations ({len(alerts) / evaluations:.3f} per evaluation)")
for a in alerts:
    print("  ", a["key"], a["sentence"])
PY
