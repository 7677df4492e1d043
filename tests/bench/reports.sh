#!/usr/bin/env bash
# Public report submissions under load: 64 connections post complete reports,
# each with a ~200 KB PNG screenshot, against a release build with the per-IP
# limits lifted. Reports requests/s, latency percentiles, errors, and the
# weight of the form page.
# Usage: tests/bench/reports.sh   (needs: wrk, curl, python3, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${BENCH_DIR:-/tmp/vigie-bench-reports}
PORT=${PORT:-3101}
DURATION=${DURATION:-20s}
BIN=target/release/vigie
[ -x "$BIN" ] || SQLX_OFFLINE=true cargo build --release
rm -rf "$DIR"; mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT" REPORT_MAX_PER_IP=100000000 REPORT_REPLENISH_SECONDS=1
unset DATABASE_URL

# A real 256×256 PNG of noise: about 200 KB, as a phone screenshot weighs.
python3 tests/bench/noise_png.py "$DIR/capture.png"

"$BIN" demo >/dev/null
"$BIN" serve & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" >/dev/null && break; sleep 0.1; done

uai=0691664K
jar="$DIR/jar"
page=$(curl -s -b "$jar" -c "$jar" "http://127.0.0.1:$PORT/signaler/$uai")
token=$(grep -o 'name="csrf_token" value="[^"]*"' <<<"$page" | head -1 | cut -d'"' -f4)
cookie="vigie_session=$(awk '$6 == "vigie_session" {print $7}' "$jar")"

html=$(printf %s "$page" | wc -c)
css=$(curl -s "http://127.0.0.1:$PORT/static/css/vigie.css" | wc -c)
js=$(curl -s "http://127.0.0.1:$PORT/static/js/vigie.js" | wc -c)
echo "Form page weight: HTML $html B + CSS $css B + JS $js B = $((html + css + js)) B (no image, no font, no third party)"
echo "Screenshot posted: $(wc -c < "$DIR/capture.png") B"

psql=("$(dirname "$(readlink -f "$(command -v pg_ctl || ls /usr/lib/postgresql/*/bin/pg_ctl | tail -1)")")/psql" -qAt -h "$DATA_DIR/run" -U postgres -d vigie)
run() {
  local label=$1 delay=$2
  local before after
  before=$("${psql[@]}" -c "select count(*) from reports")
  echo
  echo "== $label: 64 connections, $DURATION"
  COOKIE="$cookie" TOKEN="$token" FILE="$DIR/capture.png" PATH_="/signaler/$uai" DELAY_MS="$delay" \
    wrk -t2 -c64 -d"$DURATION" --latency -s tests/bench/submit.lua "http://127.0.0.1:$PORT" \
    | grep -E "Requests/sec|non-200|Socket errors|50%|90%|99%|requests in"
  after=$("${psql[@]}" -c "select count(*) from reports")
  echo "reports stored: $((after - before))"
}
run "Paced at about 100 submissions/s (each connection waits 560 ms between its requests)" 560
run "As fast as the server answers (saturation)" 0
# Requests wrk cut off at the end are cancelled server-side: give their clean-up a moment.
sleep 1
# Reports' files and the demo cases' own.
rows=$("${psql[@]}" -c "select (select count(*) from report_evidence) + (select count(*) from evidence)")
echo
echo "Evidence rows: $rows; files on disk: $(find "$DATA_DIR/evidence" -type f | wc -l) (equal: no orphan file)"
