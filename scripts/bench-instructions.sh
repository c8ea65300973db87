#!/usr/bin/env bash
# Instructions per request under valgrind's callgrind: unlike req/s, the same
# figure on every run, however busy the machine is. Runs the release binary
# (`make run` or `make bench` builds it) on a fresh SQLite database with the
# demo data, signs in as the demo owner, and sends each request N times after
# WARM warm-up requests, one at a time. The warm-ups are many because each of
# the pool's SQLite connections prepares a statement the first time it runs
# it, and the pool opens connections as the page's resources ask for them in
# parallel: after 12, callgrind still caught two connections opening (and
# reading the schema) among 20 measured /team requests, 8% of their count.
set -euo pipefail
cd "$(dirname "$0")/.."
target=${CARGO_TARGET_DIR:-$PWD/target}
bin=$target/release/plinth
n=${N:-30}
warm=${WARM:-40}
port=${PORT:-3917}
[ -x "$bin" ] || { echo "no release build at $bin: run make run or make bench first" >&2; exit 1; }
command -v valgrind >/dev/null || { echo "valgrind is needed (apt-get install valgrind)" >&2; exit 1; }
work=$(mktemp -d)
trap 'kill $pid 2>/dev/null || true; wait 2>/dev/null || true; rm -rf "$work"' EXIT
export DATABASE_URL="sqlite://$work/plinth.db?mode=rwc" PLINTH_BIND=127.0.0.1:$port PLINTH_LOG=warn
"$bin" migrate >/dev/null && "$bin" seed-demo >/dev/null
valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$work/cg.out" "$bin" serve >"$work/server.log" 2>&1 &
pid=$!
base=http://127.0.0.1:$port
for _ in $(seq 120); do curl -sf -o /dev/null $base/healthz && break; sleep 1; done
curl -sf -c "$work/cookies" -o /dev/null -X POST $base/api/login -H "origin: $base" \
  -d 'email=owner@demo.plinth.dev&password=plinth-demo'
cookie="plinth_session=$(awk '/plinth_session/ {print $7}' "$work/cookies")"
callgrind_control -i on $pid >/dev/null 2>&1
dumps=0
measure() { # label, curl arguments
  local label=$1; shift
  for _ in $(seq "$warm"); do curl -sf -o /dev/null -H "cookie: $send_cookie" -H "origin: $base" "$@"; done
  callgrind_control -z $pid >/dev/null 2>&1
  for _ in $(seq "$n"); do curl -sf -o /dev/null -H "cookie: $send_cookie" -H "origin: $base" "$@"; done
  callgrind_control -d $pid >/dev/null 2>&1
  dumps=$((dumps + 1))
  local ir
  ir=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.out.$dumps")
  printf '  %-28s %8d k instructions/request\n' "$label" $((ir / n / 1000))

}
echo "instructions per request ($n requests each, release build, callgrind):"
send_cookie=$cookie
measure "signed-in /team" $base/team
team=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.out.$dumps")
measure "team/page server fn" -X POST -d 'search=&role=&sort=name&desc=false&page=0' $base/api/team/page
fn=$(awk '/^(summary|totals):/ {print $2; exit}' "$work/cg.out.$dumps")
measure "signed-in /profile" $base/profile
measure "orgs/nav server fn" -X POST $base/api/orgs/nav
send_cookie=
measure "/login, signed out" $base/login
awk -v t="$team" -v f="$fn" 'BEGIN { printf "  %-28s %8.2f  (goal ≥ 0.70)\n", "/team ÷ team/page (rate)", f / t }'
