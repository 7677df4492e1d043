#!/usr/bin/env bash
# Helpline queue at national scale: seeds CASES cases (default 1,000,000) in a
# private cluster, starts a release build, and measures with wrk:
#   - each queue page with one client (server latency p50/p99),
#   - the first page and /healthz with 64 connections,
# then prints the plans PostgreSQL used for the queue queries (auto_explain).
# Usage: tests/bench/queue.sh   (needs: wrk, curl, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
CASES=${CASES:-1000000}
DIR=${BENCH_DIR:-/tmp/vigie-bench}
PORT=${PORT:-3100}
DURATION=${DURATION:-10s}
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

"$BIN" serve & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

jar=$(mktemp)
demo_login "http://127.0.0.1:$PORT" "$jar" ecoutante@3018.example.org
cookie=$(awk '$6 == "vigie_session" {print $7}' "$jar")
[ -n "$cookie" ] || { echo "login failed"; exit 1; }
rm -f "$jar"

pages=(
  "/helpline"
  "/helpline?urgency=danger"
  "/helpline?platform=telegram"
  "/helpline?assigned=unassigned"
  "/helpline?academie=Lyon"
  "/helpline?uai=9000123T"
)
echo
echo "One client, $DURATION each (latency as seen by wrk on loopback):"
printf '%-34s %10s %10s %10s %8s\n' page req/s p50 p99 rows
for p in "${pages[@]}"; do
  rows=$(curl -s -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p" | grep -c '<td><a href="/helpline/cases/' || true)
  out=$(wrk -t1 -c1 -d"$DURATION" --latency -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  printf '%-34s %10s %10s %10s %8s\n' "$p" "$rps" "$p50" "$p99" "$rows"
done

echo
echo "64 connections, 2 threads, $DURATION:"
printf '%-34s %10s %10s %10s %8s\n' page req/s p50 p99 errors
for p in "/helpline" "/healthz"; do
  out=$(wrk -t2 -c64 -d"$DURATION" --latency -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p")
  rps=$(awk '/Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1 == "50%" {print $2}' <<<"$out")
  p99=$(awk '$1 == "99%" {print $2}' <<<"$out")
  errs=$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr '\n' ' ' || true)
  printf '%-34s %10s %10s %10s %8s\n' "$p" "$rps" "$p50" "$p99" "${errs:-0}"
done

echo
echo "Plans of the queue queries (auto_explain):"
psql=("$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")/psql" -q -h "$DATA_DIR/run" -U postgres -d vigie)
"${psql[@]}" -c "alter database vigie set session_preload_libraries = 'auto_explain'" \
  -c "alter database vigie set auto_explain.log_min_duration = 0" -c "alter database vigie set auto_explain.log_analyze = on"
kill $server; wait $server 2>/dev/null || true
"$BIN" serve & server=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done
log="$DATA_DIR/postgres.log"
start=$(wc -l < "$log")
for p in "${pages[@]}"; do curl -s -o /dev/null -H "Cookie: vigie_session=$cookie" "http://127.0.0.1:$PORT$p"; done
sleep 0.5
"${psql[@]}" -c "alter database vigie reset session_preload_libraries" -c "alter database vigie reset auto_explain.log_min_duration" \
  -c "alter database vigie reset auto_explain.log_analyze"
tail -n +"$start" "$log" | awk '/Query Text: select c.id as "id: CaseId", c.reference, s.name as school_name, s.uai/ {on=1} on {print} /Execution Time/ && on {on=0; print "----"}' \
  | grep -E "Execution Time|Index|Seq Scan|Bitmap|Limit|Sort|----" | sed 's/^.*LOG: *//'
