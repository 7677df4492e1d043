#!/usr/bin/env bash
# Statistics at national scale: seeds CASES generated cases (default
# 1,000,000, with returns, platform requests and their answers, public
# reports) in a private cluster, starts a release build, and measures every
# statistics page with one client (p50/p99 as seen by wrk on loopback).
# Then runs the retention purge and checks that the national figures (CSV)
# did not move.
# Usage: tests/bench/stats.sh   (needs: wrk, curl, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
CASES=${CASES:-1000000}
DIR=${BENCH_DIR:-/tmp/vigie-bench-stats}
PORT=${PORT:-3101}
DURATION=${DURATION:-5s}
BIN=target/release/vigie
[ -x "$BIN" ] || SQLX_OFFLINE=true cargo build --release
mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT" LOGIN_MAX_PER_IP=1000 LOGIN_MAX_PER_ACCOUNT=1000
unset DATABASE_URL

if [ ! -f "$DIR/seeded-$CASES" ]; then
  echo "Seeding $CASES cases (once)…"
  /usr/bin/time -f "seeding took %e s" "$BIN" demo --cases "$CASES"
  touch "$DIR/seeded-$CASES"
fi

# The first purge of generated data is large: done before measuring, so
# that the background jobs of `vigie serve` have none to do meanwhile.
/usr/bin/time -f "purge before measuring took %e s" "$BIN" purge

start_server() {
  "$BIN" serve & server=$!
  for _ in $(seq 600); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.2; done
}
start_server
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT

cookie_of() {
  local jar; jar=$(mktemp)
  demo_login "http://127.0.0.1:$PORT" "$jar" "$1"
  awk '$6 == "vigie_session" {print $7}' "$jar"
  rm -f "$jar"
}
admin=$(cookie_of admin@academie.example.org)
head=$(cookie_of principale@college-jean-moulin.example.org)
[ -n "$admin" ] && [ -n "$head" ] || { echo "login failed"; exit 1; }
year=$(date +%Y)

pages=(
  "$admin /admin/statistiques"
  "$admin /admin/statistiques?annee=$((year - 1))"
  "$admin /admin/statistiques?academie=Lyon"
  "$admin /admin/statistiques.csv"
  "$admin /helpline/plateformes"
  "$admin /helpline/plateformes?annee=$((year - 1))&mois=3"
  "$admin /helpline/supervision"
  "$head /school/chiffres"
)
echo
echo "One client, $DURATION each:"
printf '%-44s %10s %10s %10s %8s\n' page req/s p50 p99 status
for entry in "${pages[@]}"; do
  cookie=${entry%% *}; p=${entry#* }
  status=$(curl -s -o /dev/null -w '%{http_code}' -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p")
  out=$(wrk -t1 -c1 -d"$DURATION" --latency -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-44s %10s %10s %10s %8s\n' "$p" "$rps" "$p50" "$p99" "$status"
done

echo
echo "Retention purge with every closed case past its time, then the same figures:"
before=$(curl -s -H "Cookie: vigie_session=$admin" "http://127.0.0.1:$PORT/admin/statistiques.csv?annee=$((year - 2))")
kill $server; wait $server 2>/dev/null || true
RETENTION_NO_FOLLOW_UP_DAYS=1 RETENTION_WITH_FOLLOW_UP_DAYS=1 RETENTION_UNDECIDED_REPORT_DAYS=1 \
  /usr/bin/time -f "purge took %e s" "$BIN" purge
start_server
admin=$(cookie_of admin@academie.example.org)
after=$(curl -s -H "Cookie: vigie_session=$admin" "http://127.0.0.1:$PORT/admin/statistiques.csv?annee=$((year - 2))")
if [ "$before" = "$after" ]; then
  echo "figures of $((year - 2)) unchanged ($(wc -l <<<"$after") CSV lines)"
else
  echo "FIGURES MOVED:"; diff <(echo "$before") <(echo "$after") | head -20; exit 1
fi
