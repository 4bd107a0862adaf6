# Shared by the benchmark scripts (sourced, not run): installs GoAccess, GNU time and the
# PostgreSQL client when missing, builds aivis in release mode, and makes a work directory
# that is removed on exit. Sets PG_ADMIN, AIVIS and work.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

PG_ADMIN="${AIVIS_BENCH_POSTGRES_URL:-postgres://postgres@127.0.0.1:5432/test}"

need() { command -v "$1" >/dev/null 2>&1; }
if ! need goaccess || ! [ -x /usr/bin/time ] || ! need psql; then
  echo "installing goaccess, time and the postgres client (Debian packages)" >&2
  apt-get update -qq && apt-get install -y -qq goaccess time postgresql-client >/dev/null
fi
goaccess --version | head -n1

cargo build --release --quiet
AIVIS="$PWD/target/release/aivis"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

# write_demo_config [LINE...]: writes $work/aivis.toml for the generated logs' site acme (its
# hosts, the macro goal purchase and the micro goal newsletter), with LINEs (top-level keys such
# as database_url) first.
write_demo_config() {
  {
    for line in "$@"; do echo "$line"; done
    cat <<'TOML'
[[sites]]
name = "acme"
hosts = ["www.acme.test", "acme.test"]
[[sites.goals]]
name = "purchase"
path = "^/checkout/complete"
kind = "macro"
[[sites.goals]]
name = "newsletter"
path = "^/newsletter/thanks"
kind = "micro"
TOML
  } > "$work/aivis.toml"
}
