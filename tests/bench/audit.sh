#!/usr/bin/env bash
# What the chained audit trail costs: a case page (each view writes one
# audit row) at 64 connections with the chain trigger, then with it turned
# off (a plain insert), in the same run on the same embedded cluster; then
# `vigie audit verify` over what was written.
# Usage: tests/bench/audit.sh   (needs: wrk, curl, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
DIR=${BENCH_DIR:-/tmp/vigie-bench-audit}
PORT=${PORT:-3105}
DURATION=${DURATION:-8s}
BIN=target/release/vigie
[ -x "$BIN" ] || SQLX_OFFLINE=true cargo build --release
rm -rf "$DIR"; mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT" LOGIN_MAX_PER_IP=1000
unset DATABASE_URL
base="http://127.0.0.1:$PORT"
"$BIN" demo >/dev/null
"$BIN" serve & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
psql=("$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")/psql" -qAt -h "$DATA_DIR/run" -U postgres -d vigie)

jar="$DIR/jar"
demo_login "$base" "$jar" principale@college-jean-moulin.example.org
cookie="vigie_session=$(awk '$6 == "vigie_session" {print $7}' "$jar")"
case_id=$("${psql[@]}" -c "select c.id from cases c join schools s on s.id = c.school_id where s.uai = '0691664K' limit 1")
page="$base/school/cases/$case_id"

measure() {
  local before after out
  before=$("${psql[@]}" -c "select count(*) from audit_log")
  out=$(wrk -t2 -c64 -d"$DURATION" --latency -H "Cookie: $cookie" "$page")
  after=$("${psql[@]}" -c "select count(*) from audit_log")
  printf '| %s | %s | %s | %s | %s |\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" "$((after - before))"
}
# The audit write alone: 64 clients inserting audit rows (pgbench), chained
# then plain.
bin=$(dirname "${psql[0]}")
echo "insert into audit_log (actor_id, action, record_type, record_id, result) values (gen_random_uuid(), 'view_case', 'case', gen_random_uuid(), 'ok');" > "$DIR/insert.sql"
inserts() {
  "$bin/pgbench" -n -h "$DATA_DIR/run" -U postgres -c 64 -j 2 -T "${DURATION%s}" -f "$DIR/insert.sql" vigie 2>&1 \
    | tee "$DIR/pgbench.log" | awk -v l="$1" '/^tps/ {tps=$3} /latency average/ {lat=$4} END {printf "| %s | %.0f inserts/s | %.1f ms average |\n", l, tps, lat}'
}
unchain="alter table audit_log disable trigger audit_chain; alter table audit_log alter column chain_seq drop not null, alter column canonical drop not null, alter column prev_hash drop not null, alter column hash drop not null"
rechain="begin; set local vigie.purge = 'on'; delete from audit_log where chain_seq is null; commit; alter table audit_log alter column chain_seq set not null, alter column canonical set not null, alter column prev_hash set not null, alter column hash set not null; alter table audit_log enable trigger audit_chain"
echo "| audit insert alone, 64 clients (pgbench) | throughput | latency |"
echo "|---|---|---|"
inserts "chained"
"${psql[@]}" -c "$unchain"
inserts "plain"
"${psql[@]}" -c "$rechain"
echo

echo "| case page, 64 connections | req/s | p50 | p99 | audit rows written |"
echo "|---|---|---|---|---|"
measure "chained (trigger, head row locked to commit)"
"${psql[@]}" -c "$unchain"
measure "plain insert (chain off, for comparison)"
# The unchained rows go again (as only the purge may delete).
"${psql[@]}" -c "$rechain"
kill $server; wait $server 2>/dev/null || true
start=$(date +%s.%N)
DATABASE_URL= "$BIN" audit verify | tail -2
echo "verify took $(echo "$(date +%s.%N) - $start" | bc) s (including starting the embedded cluster)"
