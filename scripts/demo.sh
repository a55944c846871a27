#!/usr/bin/env bash
# A tour of dv on the bundled sample data (sample/): a daily weather feed whose upstream
# publishes corrections. Builds a repository in a temporary directory, commits each
# release, inspects history, travels back to an old version, and lets `dv bisect run`
# find the release that broke a data check.
#
#   npm run demo                      (builds first)
#   DV_DEMO_DIR=/some/dir bash scripts/demo.sh   keeps the repository there
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
DV_BIN="$ROOT/bin/dv"
SAMPLE="$ROOT/sample"
CHECK="$ROOT/scripts/demo-check.mjs"

if [[ -n "${DV_DEMO_DIR:-}" ]]; then
  WORK="$DV_DEMO_DIR"
  mkdir -p "$WORK"
else
  WORK="$(mktemp -d "${TMPDIR:-/tmp}/dv-demo.XXXXXX")"
  trap 'rm -rf "$WORK"' EXIT
fi

# A fixed identity and commit times make every id in the demo reproducible.
export DV_AUTHOR_NAME="Ada Lovelace" DV_AUTHOR_EMAIL="ada@example.org"
unset DV_DATE

dv() { node "$DV_BIN" "$@"; }

# Shows a command the way a user would type it, then runs it.
show_cmd() {
  local out="" a
  for a in "$@"; do
    a="${a//$SAMPLE/\$SAMPLE}"
    a="${a//$CHECK/\$CHECK}"
    if [[ "$a" =~ ^[][A-Za-z0-9_./:=@%^~+,\$-]+$ ]]; then out+=" $a"; else out+=" '$a'"; fi
  done
  printf '$%s\n' "$out"
}
run() { show_cmd "$@"; "$@"; }
# Runs a command that is expected to fail, showing its exit code.
run_failing() {
  show_cmd "$@"
  local code=0
  "$@" || code=$?
  printf '(exit %d)\n' "$code"
}
if [[ -t 1 ]]; then BOLD=$'\033[1m' PLAIN=$'\033[0m'; else BOLD='' PLAIN=''; fi
step() { printf '\n%s== %s%s\n' "$BOLD" "$*" "$PLAIN"; }
# Sets the time the next commit records (DV_DATE, ISO 8601).
at() { export DV_DATE="$1"; }

printf 'dv demo in %s\n' "$WORK"
printf 'SAMPLE=%s\nCHECK=%s\n' "$SAMPLE" "$CHECK"

step "Create a repository"
REPO="$WORK/weather"
rm -rf "$REPO"
mkdir -p "$REPO/data"
cd "$REPO"
run dv init

step "Import upstream release 2024.1 and tag it"
run cp "$SAMPLE/stations.csv" data/stations.csv
run cp "$SAMPLE/weather-2024.1.csv" data/weather.csv
run dv add data
run dv status
at 2025-01-15T09:30:00+01:00
run dv commit -m "Import weather feed release 2024.1"
run dv tag v1

step "Add station elevations"
run cp "$SAMPLE/stations-2.csv" data/stations.csv
run dv add data/stations.csv
at 2025-01-20T14:05:00+01:00
run dv commit -m "Add station elevations"

step "Upstream correction 2024.2: Oslo rain gauge recalibrated, Madrid gaps filled"
run cp "$SAMPLE/weather-2024.2.csv" data/weather.csv
run dv status
run dv add data/weather.csv
at 2025-02-03T10:00:00+01:00
run dv commit -m "Upstream correction 2024.2: recalibrate Oslo March rain, fill Madrid gaps"
run dv tag v2

step "Upstream hotfix 2024.2.1: Helsinki June rain re-issued"
run cp "$SAMPLE/weather-2024.2.1.csv" data/weather.csv
run dv add data/weather.csv
at 2025-02-10T16:45:00+01:00
run dv commit -m "Upstream hotfix 2024.2.1: re-issue Helsinki June rain after gauge swap"

step "Document the feed"
printf '$ cat > data/README.md\n'
cat > data/README.md <<'EOF'
# Weather feed

Daily observations for four stations, 2024, as published by the upstream feed.
Columns: date, station, temp_max_c, temp_min_c, precip_mm, wind_kmh.
EOF
run dv add data/README.md
at 2025-02-11T08:20:00+01:00
run dv commit -m "Describe the weather feed columns"

step "Upstream release 2024.3: Berlin temperatures rounded"
run cp "$SAMPLE/weather-2024.3.csv" data/weather.csv
run dv add data
at 2025-03-01T11:00:00+01:00
run dv commit -m "Upstream release 2024.3"
run dv tag v3
unset DV_DATE

step "History"
run dv log --oneline
run dv diff v1 v2 --stat
run dv show v2

step "Back to release 2024.1, and back again"
run dv checkout v1
run head -n 3 data/stations.csv
run dv status
run dv checkout main
run head -n 3 data/stations.csv

step "Which data change broke the check?"
run_failing node "$CHECK" data/weather.csv
run dv bisect start HEAD v1
run dv bisect run node "$CHECK" data/weather.csv
run dv bisect reset

printf '\nDone. The repository is in %s%s\n' "$REPO" "$([[ -n "${DV_DEMO_DIR:-}" ]] && echo '' || echo ' (removed on exit)')"
