#!/usr/bin/env bash
# The daemon following a log: a writer appends generated access-log lines at a fixed rate for
# a minute while `aivis run` (release build, ingest every second) follows the file; then the
# daemon sits idle for a minute with nothing to read.
#
# Reports: the lag from a line's write to its storage (the ingest checkpoint covering it
# committed), p50 and p99 over the writer's 100 ms bursts; lines per second sustained; and the
# idle daemon's CPU (share of one core) and resident memory.
#
#   bash benches/daemon_follow.sh [LINES_PER_SECOND] [SECONDS] [sqlite|postgres]
#
# Defaults: 20000 lines/s for 60 s on SQLite. PostgreSQL uses a fresh database on
# $AIVIS_BENCH_POSTGRES_URL's server.
source "$(dirname "$0")/lib.sh"

rate="${1:-20000}"
seconds="${2:-60}"
backend="${3:-sqlite}"
lines_wanted=$((rate * seconds))

# About seven log lines per generated session.
sessions=$((lines_wanted / 7 + 1000))
"$AIVIS" demo --write-log "$work/generated.log" --sessions "$sessions" --days 30 >/dev/null
echo "generated $(wc -l <"$work/generated.log") lines; writing $lines_wanted at $rate lines/s"

daemon=""
db=""
cleanup() {
  [ -n "$daemon" ] && kill -TERM "$daemon" 2>/dev/null || true
  [ -n "$db" ] && psql -q "$PG_ADMIN" -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" || true
  rm -rf "$work"
}
trap cleanup EXIT
case "$backend" in
  sqlite) url="sqlite://$work/aivis.db" ;;
  postgres)
    db="aivis_bench_follow_$$"
    psql -q "$PG_ADMIN" -c "CREATE DATABASE $db"
    url="${PG_ADMIN%/*}/$db"
    ;;
  *) echo "backend: sqlite or postgres" >&2; exit 2 ;;
esac

write_demo_config "database_url = \"$url\"" \
  "[schedule]" "ingest = \"* * * * * *\"" "deliver = \"0 0 0 1 1 *\""
cat >>"$work/aivis.toml" <<TOML
[[sites.logs]]
path = "$work/live.log"
TOML
: >"$work/live.log"
"$AIVIS" --config "$work/aivis.toml" status >/dev/null # creates and migrates the database

AIVIS_CONFIG="$work/aivis.toml" RUST_LOG=warn "$AIVIS" run 2>"$work/daemon.log" &
daemon=$!
sleep 1

python3 - "$work" "$rate" "$seconds" "$daemon" "$url" <<'PY'
import os, sqlite3, subprocess, sys, threading, time

work, rate, seconds, pid, url = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4]), sys.argv[5]
lines = open(f"{work}/generated.log", "rb").read().split(b"\n")[:-1]
total = min(len(lines), rate * seconds)
burst = rate // 10

def stored_lines():
    sql = "SELECT COALESCE(SUM(lines), 0) FROM ingest_checkpoints"
    if url.startswith("sqlite://"):
        con = sqlite3.connect(f"file:{url[len('sqlite://'):]}?mode=ro", uri=True, timeout=5)
        try:
            return con.execute(sql).fetchone()[0]
        finally:
            con.close()
    out = subprocess.run(["psql", "-qtA", url, "-c", sql], capture_output=True, text=True)
    return int(out.stdout.strip() or 0)

bursts = []  # (cumulative lines written, time written)
polls = []   # (time, lines stored)
done = threading.Event()

def poll():
    while not done.is_set():
        polls.append((time.monotonic(), stored_lines()))
        time.sleep(0.05)

poller = threading.Thread(target=poll)
poller.start()
start = time.monotonic()
written = 0
with open(f"{work}/live.log", "ab", buffering=0) as live:
    while written < total:
        n = min(burst, total - written)
        live.write(b"\n".join(lines[written:written + n]) + b"\n")
        written += n
        bursts.append((written, time.monotonic()))
        next_at = start + len(bursts) * 0.1
        time.sleep(max(0.0, next_at - time.monotonic()))
write_end = time.monotonic()
deadline = time.monotonic() + 120
while (not polls or polls[-1][1] < total) and time.monotonic() < deadline:
    time.sleep(0.05)
done.set()
poller.join()
caught_up = next((t for t, n in polls if n >= total), None)

lags = []
for cumulative, at in bursts:
    seen = next((t for t, n in polls if n >= cumulative and t >= at), None)
    if seen is not None:
        lags.append(seen - at)
lags.sort()
pct = lambda p: lags[min(len(lags) - 1, int(p / 100 * len(lags)))]
print(f"written: {total} lines in {write_end - start:.1f} s ({total / (write_end - start):.0f} lines/s)")
if caught_up is None:
    print(f"NOT caught up: {polls[-1][1]} of {total} lines stored after 120 s")
    sys.exit(1)
print(f"stored:  all {total} lines {caught_up - write_end:.2f} s after the last write; "
      f"sustained {total / (caught_up - start):.0f} lines/s")
print(f"lag write -> stored over {len(lags)} bursts: p50 {pct(50):.2f} s, p99 {pct(99):.2f} s, max {lags[-1]:.2f} s")

# Idle: nothing more to read for a minute.
def cpu_ticks():
    fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
    return int(fields[11]) + int(fields[12])
def rss_kib():
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
hz = os.sysconf("SC_CLK_TCK")
t0, c0, peak = time.monotonic(), cpu_ticks(), 0
while time.monotonic() - t0 < 60:
    peak = max(peak, rss_kib())
    time.sleep(1)
cpu = (cpu_ticks() - c0) / hz / (time.monotonic() - t0)
print(f"idle for 60 s: CPU {cpu * 100:.2f}% of one core, RSS {rss_kib() / 1024:.1f} MiB (peak {peak / 1024:.1f} MiB)")
PY

kill -TERM "$daemon"
status=0
wait "$daemon" || status=$?
daemon=""
echo "daemon exited with $status after SIGTERM"
