#!/usr/bin/env bash
# How long the case dossier takes to make (release build): the demo's case
# with two screenshots, given 30 more notes, downloaded as a PDF 50 times one
# after the other, then 50 times by 8 clients at once; then the sealed ZIP
# (PDF + files + signed manifest) 50 times. Prints p50/p90/p99 and the
# server's peak memory.
# Usage: tests/bench/dossier.sh   (needs: curl, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
DIR=${BENCH_DIR:-/tmp/vigie-bench-dossier}
PORT=${PORT:-3106}
N=${N:-50}
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
token() { curl -s -b "$jar" -c "$jar" "$1" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4; }
demo_login "$base" "$jar" principale@college-jean-moulin.example.org
case_id=$("${psql[@]}" -c "select case_id from evidence group by case_id order by count(*) desc limit 1")
page="$base/school/cases/$case_id"
for i in $(seq 30); do
  t=$(token "$page")
  curl -s -b "$jar" -o /dev/null -d "csrf_token=$t" --data-urlencode "note=Point $i : élève reçue avec sa famille, captures conservées." "$page/notes"
done
events=$("${psql[@]}" -c "select count(*) from case_events where case_id = '$case_id'")
files=$("${psql[@]}" -c "select count(*) from evidence where case_id = '$case_id'")

stats() {  # reads seconds, one per line; prints p50 p90 p99 in ms
  sort -n | awk '{v[NR]=$1} END {printf "%.0f ms | %.0f ms | %.0f ms", v[int(NR*0.5+0.5)]*1000, v[int(NR*0.9+0.5)]*1000, v[int(NR*0.99+0.5)]*1000}'
}
fetch() { curl -s -b "$jar" -o "$DIR/out" -w '%{time_total}\n' "$1"; }
export -f fetch; export jar DIR
echo "Case with $events events and $files files (release build, $(nproc) cores)."
echo
echo "| what | requests | p50 | p90 | p99 | size |"
echo "|---|---|---|---|---|---|"
fetch "$base/cases/$case_id/dossier.pdf" >/dev/null  # fonts loaded once
pdf_size=$(stat -c %s "$DIR/out")
echo "| PDF, one client | $N | $(for _ in $(seq "$N"); do fetch "$base/cases/$case_id/dossier.pdf"; done | stats) | $((pdf_size / 1024)) KB |"
echo "| PDF, 8 clients at once | $N | $(seq "$N" | xargs -P 8 -I{} bash -c 'curl -s -b "$jar" -o /dev/null -w "%{time_total}\n" "$0"' "$base/cases/$case_id/dossier.pdf" | stats) | |"
fetch "$base/cases/$case_id/dossier" >/dev/null
zip_size=$(stat -c %s "$DIR/out")
echo "| sealed ZIP, one client | $N | $(for _ in $(seq "$N"); do fetch "$base/cases/$case_id/dossier"; done | stats) | $((zip_size / 1024)) KB |"
echo
echo "Server peak memory: $(awk '/VmHWM/ {printf "%d MB", $2/1024}' "/proc/$server/status")"
"$BIN" dossier verify "$DIR/out" | tail -1

# As a recipient would: logged out, on /verification; then one byte changed.
anon="$DIR/anon"
verdict() {
  local t
  t=$(curl -s -c "$anon" -b "$anon" "$base/verification" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
  curl -s -c "$anon" -b "$anon" -F "csrf_token=$t" -F "dossier=@$1;type=application/zip" "$base/verification" \
    | grep -o '<h2 id="verdict-titre">[^<]*' | sed 's/.*>//'
}
cp "$DIR/out" "$DIR/dossier.zip"
python3 -c 'import sys; b = bytearray(open(sys.argv[1], "rb").read()); b[len(b) // 3] ^= 1; open(sys.argv[2], "wb").write(b)' \
  "$DIR/dossier.zip" "$DIR/changed.zip"
echo "/verification, the dossier as exported: $(verdict "$DIR/dossier.zip")"
echo "/verification, one byte changed: $(verdict "$DIR/changed.zip")"
