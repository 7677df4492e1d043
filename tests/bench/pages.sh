#!/usr/bin/env bash
# Vigie's logged-in pages against the bare stack, in the same run, on the same
# cluster: a bare axum + sqlx + askama page (src/bin/bare.rs: 12 rows read,
# sorted, escaped), /healthz, the helpline queue over CASES cases (default
# 1,000,000), a head teacher's dashboard of a school with 2,000 cases, and a
# case page with 200 events and 50 files. 64 connections (wrk -t2 -c64), then
# one client for every queue filter and the search box; then cases filed with
# two screenshots each, paced at about 300/s and as fast as the server
# answers (the filed cases are deleted again at the end).
# Usage: tests/bench/pages.sh   (needs: wrk, curl, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
CASES=${CASES:-1000000}
DIR=${BENCH_DIR:-/tmp/vigie-bench}
PORT=${PORT:-3100}
BARE_PORT=${BARE_PORT:-3199}
DURATION=${DURATION:-10s}
[ -x target/release/vigie ] && [ -x target/release/bare ] || SQLX_OFFLINE=true cargo build --release
BIN=target/release/vigie
mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT" LOGIN_MAX_PER_IP=1000 LOGIN_MAX_PER_ACCOUNT=1000
unset DATABASE_URL
base="http://127.0.0.1:$PORT"

if [ ! -f "$DIR/seeded-$CASES" ]; then
  echo "Seeding $CASES cases (once)…"
  /usr/bin/time -f "seeding took %e s" "$BIN" demo --cases "$CASES"
  touch "$DIR/seeded-$CASES"
fi

"$BIN" serve & server=$!
bare=
trap 'kill $server $bare 2>/dev/null; wait $server $bare 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
url="postgres://postgres@localhost:5432/vigie?host=$DATA_DIR/run"
psql=("$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")/psql" -qAt -h "$DATA_DIR/run" -U postgres -d vigie)

# Once: the fortunes table, 2,000 cases at the Lyon demo school, one of them
# with 200 events and 50 files.
if [ ! -f "$DIR/pages-prepared" ]; then
  "${psql[@]}" <<'SQL'
create table if not exists fortunes (id int primary key, message text not null);
insert into fortunes select i, 'Fortune n° ' || i || ' <script>alert("x")</script> & co' from generate_series(1, 12) i
  on conflict do nothing;
with lyon as (select id from schools where uai = '0691664K')
update cases set school_id = (select id from lyon)
 where id in (select id from cases where school_id <> (select id from lyon) order by id limit 1997);
with c as (select c.id, c.created_by from cases c join schools s on s.id = c.school_id
           where s.uai = '0691664K' order by c.created_at desc limit 1)
insert into case_events (case_id, actor_id, kind, note, data)
select c.id, c.created_by, 'note', 'Note de suivi n° ' || i, '{}'::jsonb from c, generate_series(1, 200) i;
with c as (select c.id, c.created_by from cases c join schools s on s.id = c.school_id
           where s.uai = '0691664K' order by c.created_at desc limit 1)
insert into evidence (id, case_id, storage_key, original_name, mime_type, size_bytes, sha256, added_by)
select gen_random_uuid(), c.id, md5(random()::text) || md5(random()::text), 'capture-' || i || '.png',
       'image/png', 200000, md5(i::text) || md5((i + 1)::text), c.created_by
from c, generate_series(1, 50) i;
select fold_school_status_changes();
SQL
  touch "$DIR/pages-prepared"
fi
big_case=$("${psql[@]}" -c "select e.case_id from evidence e group by e.case_id order by count(*) desc limit 1")
echo "Lyon school: $("${psql[@]}" -c "select count(*) from cases c join schools s on s.id = c.school_id where s.uai = '0691664K'") cases; case $big_case: $("${psql[@]}" -c "select count(*) from case_events where case_id = '$big_case'") events, $("${psql[@]}" -c "select count(*) from evidence where case_id = '$big_case'") files"

target/release/bare "127.0.0.1:$BARE_PORT" "$url" & bare=$!
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$BARE_PORT/fortunes" >/dev/null && break; sleep 0.1; done

login() {
  local jar t cookie
  jar=$(mktemp)
  demo_login "$base" "$jar" "$1" || exit 1
  cookie=$(awk '$6 == "vigie_session" {print $7}' "$jar")
  rm -f "$jar"
  [ -n "$cookie" ] || { echo "login failed for $1" >&2; exit 1; }
  echo "vigie_session=$cookie"
}
agent=$(login ecoutante@3018.example.org)
head=$(login principale@college-jean-moulin.example.org)

measure() { # label, url, cookie, connections
  local out
  # Two seconds unmeasured first: the pool's connections opened, their
  # statements prepared, the kept pages read once.
  wrk -t"$([ "$4" = 1 ] && echo 1 || echo 2)" -c"$4" -d2s ${3:+-H "Cookie: $3"} "$2" >/dev/null
  out=$(wrk -t"$([ "$4" = 1 ] && echo 1 || echo 2)" -c"$4" -d"$DURATION" --latency ${3:+-H "Cookie: $3"} "$2")
  printf '%-44s %10s %10s %10s %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(grep -E "Non-2xx|Socket errors" <<<"$out" | tr '\n' ' ' || true)"
  awk '/Requests\/sec/ {print $2}' <<<"$out" > "$DIR/last-rps"
}

echo
echo "64 connections, 2 threads, $DURATION each ($(date -u +%F), $(nproc) cores, server + PostgreSQL + wrk on one machine):"
printf '%-44s %10s %10s %10s %s\n' page req/s p50 p99 errors
measure "bare axum+sqlx+askama page (12 rows)" "http://127.0.0.1:$BARE_PORT/fortunes" "" 64
bare_rps=$(cat "$DIR/last-rps")
measure "/healthz" "$base/healthz" "" 64
for p in "/helpline" "/school" "/school/cases/$big_case"; do
  cookie=$agent; [[ $p == /school* ]] && cookie=$head
  measure "$p" "$base$p" "$cookie" 64
  echo "    = $(awk -v a="$(cat "$DIR/last-rps")" -v b="$bare_rps" 'BEGIN {printf "%.0f %%", 100 * a / b}') of the bare page"
done

echo
echo "One client, $DURATION each:"
printf '%-44s %10s %10s %10s %s\n' page req/s p50 p99 errors
ref=$("${psql[@]}" -c "select reference from cases where status = 'referred' limit 1")
for p in "/helpline" "/helpline?urgency=danger" "/helpline?platform=telegram" "/helpline?assigned=unassigned" \
         "/helpline?academie=Lyon" "/helpline?uai=9000123T" "/helpline?status=awaiting_school" \
         "/helpline?q=Lyon" "/helpline?q=$ref" "/helpline?q=9000123T"; do
  measure "$p" "$base$p" "$agent" 1
done
measure "/school (2,000 cases)" "$base/school" "$head" 1
measure "case page (200 events, 50 files)" "$base/school/cases/$big_case" "$head" 1

# Filing: a complete case with two real PNG screenshots of about 200 KB.
python3 tests/bench/noise_png.py "$DIR/capture.png"
count() { "${psql[@]}" -c "select (select count(*) from cases), (select count(*) from evidence)"; }
files() { find "$DATA_DIR/evidence" -type f | wc -l; }
token=$(curl -s -H "Cookie: $head" "$base/school/cases/new" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
file_cases() { # label, mean pause between a connection's requests (ms), duration
  local out before after files_before
  before=$(count); files_before=$(files)
  out=$(COOKIE="$head" TOKEN="$token" FILE="$DIR/capture.png" DELAY_MS="$2" \
    wrk -t2 -c64 -d"$3" --latency -s tests/bench/file_case.lua "$base")
  printf '%-44s %10s %10s %10s %s\n' "$1" "$(awk '/Requests\/sec/ {print $2}' <<<"$out")" \
    "$(awk '$1 == "50%" {print $2}' <<<"$out")" "$(awk '$1 == "99%" {print $2}' <<<"$out")" \
    "$(grep -E "answers|Socket errors" <<<"$out" | tr '\n' ' ')"
  # Requests wrk cut off at the end are cancelled server-side: give their clean-up a moment.
  sleep 1
  after=$(count)
  echo "    cases filed: $(( ${after%|*} - ${before%|*} )); evidence rows added: $(( ${after#*|} - ${before#*|} )); files stored: $(( $(files) - files_before ))"
}
echo
echo "Filing a case with two screenshots ($(wc -c < "$DIR/capture.png") B each), 64 connections:"
printf '%-44s %10s %10s %10s %s\n' "POST /school/cases" req/s p50 p99 errors
# Paced: each connection pauses 0-350 ms (175 on average) between its
# cases, at random so that the 64 do not stay in step; then as fast as the
# server answers (64 always waiting: by Little's law their latency is 64
# divided by the rate).
file_cases "paced, about 300 cases/s, 30 s" 175 30s
file_cases "saturated, $DURATION" 0 "$DURATION"
# The filed cases and their files go: the next run starts from the same data.
"${psql[@]}" -c "select storage_key from evidence e join cases c on c.id = e.case_id where c.victim_name = 'Banc E.'" \
  | while read -r key; do rm -f "$DATA_DIR/evidence/${key:0:2}/$key"; done
"${psql[@]}" >/dev/null <<'SQL'
begin;
set local vigie.purge = on;
delete from pending_deletions where storage_key in
  (select storage_key from evidence e join cases c on c.id = e.case_id where c.victim_name = 'Banc E.');
delete from cases where victim_name = 'Banc E.';
commit;
select fold_school_status_changes();
select fold_school_touches();
vacuum analyze cases;
SQL
echo
echo "Server memory: $(awk '/VmRSS|VmHWM/ {printf "%s %.1f MB  ", $1, $2 / 1024}' "/proc/$server/status")"
