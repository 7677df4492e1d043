#!/usr/bin/env bash
# Evidence throughput and memory, local folder vs S3 (moto), against a
# release build on the embedded database: a 20 MB file uploaded (a new case
# each time) and downloaded ROUNDS times one after the other, then 16
# concurrent 20 MB uploads; prints MB/s and the server's resident memory
# (VmRSS) and peak (VmHWM) from /proc.
# Usage: tests/bench/uploads.sh   (needs: curl, python3, PostgreSQL binaries,
# moto in target/moto as .ci/run installs it)
set -euo pipefail
cd "$(dirname "$0")/../.."
. tests/bench/login.sh
DIR=${BENCH_DIR:-/tmp/vigie-bench-uploads}
PORT=${PORT:-3103}
MOTO_PORT=${MOTO_PORT:-3104}
ROUNDS=${ROUNDS:-5}
BIN=target/release/vigie
[ -x "$BIN" ] || SQLX_OFFLINE=true cargo build --release
rm -rf "$DIR"; mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT" LOGIN_MAX_PER_IP=1000
unset DATABASE_URL
base="http://127.0.0.1:$PORT"
"$BIN" demo >/dev/null

target/moto/bin/moto_server -H 127.0.0.1 -p "$MOTO_PORT" >/dev/null 2>&1 & moto=$!
server=
trap 'kill $server $moto 2>/dev/null; wait $server $moto 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -s -o /dev/null "http://127.0.0.1:$MOTO_PORT/" && break; sleep 0.1; done
curl -s -X PUT -o /dev/null "http://127.0.0.1:$MOTO_PORT/vigie-bench"

# A PNG header then random bytes: accepted as an image, not compressible.
python3 - "$DIR/big.png" <<'PY'
import os, sys
open(sys.argv[1], "wb").write(b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR" + os.urandom(20 * 1024 * 1024 - 16))
PY
mb=20
fields=(-F urgency=high -F victim_kind=pupil -F victim_name=Mesure -F "victim_group=4e B"
        -F "description=Des messages insultants circulent sur un groupe de classe."
        -F started_on=2026-10-01 -F platforms=snapchat -F kinds=insults -F checklist=secured)

mem() { awk '/VmRSS|VmHWM/ {printf "%s %.0f MB  ", $1, $2 / 1024}' "/proc/$server/status"; }

run() { # $1: label; the store comes from the environment
  "$BIN" serve & server=$!
  for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done
  local jar="$DIR/jar-$1"; rm -f "$jar"
  local token
  demo_login "$base" "$jar" principale@college-jean-moulin.example.org
  token=$(curl -s -b "$jar" "$base/school/cases/new" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
  local start end case href
  start=$(date +%s.%N)
  for _ in $(seq "$ROUNDS"); do
    case=$(curl -s -o /dev/null -w '%{redirect_url}' -b "$jar" -F "csrf_token=$token" "${fields[@]}" \
      -F "evidence=@$DIR/big.png" "$base/school/cases")
  done
  end=$(date +%s.%N)
  local up; up=$(echo "$ROUNDS * $mb / ($end - $start)" | bc -l)
  href=$(curl -s -b "$jar" "$case" | grep -o 'href="/cases/[^"]*/evidence/[^"/]*"' | head -1 | cut -d'"' -f2)
  start=$(date +%s.%N)
  for _ in $(seq "$ROUNDS"); do
    curl -s -o "$DIR/back.png" -b "$jar" "$base$href"
  done
  end=$(date +%s.%N)
  local down; down=$(echo "$ROUNDS * $mb / ($end - $start)" | bc -l)
  cmp -s "$DIR/big.png" "$DIR/back.png" || { echo "the download differs from the upload" >&2; exit 1; }
  local pids=() i
  for i in $(seq 16); do
    curl -s -o /dev/null -w '%{http_code}\n' -b "$jar" -F "csrf_token=$token" "${fields[@]}" \
      -F "evidence=@$DIR/big.png" "$base/school/cases" > "$DIR/upload-$1-$i" & pids+=($!)
  done
  start=$(date +%s.%N)
  wait "${pids[@]}"
  end=$(date +%s.%N)
  printf '| %s | %.0f MB/s | %.0f MB/s | %.1f s, answers: %s | %s |\n' "$1" "$up" "$down" \
    "$(echo "$end - $start" | bc -l)" "$(cat "$DIR"/upload-"$1"-* | sort | uniq -c | xargs)" "$(mem)"
  kill "$server"; wait "$server" 2>/dev/null || true; server=
}

echo "| store | upload 20 MB | download 20 MB | 16 concurrent 20 MB uploads | server memory after (peak) |"
echo "|---|---|---|---|---|"
EVIDENCE_STORE=local run local
EVIDENCE_STORE=s3://vigie-bench S3_ENDPOINT="http://127.0.0.1:$MOTO_PORT" S3_ACCESS_KEY_ID=bench \
  S3_SECRET_ACCESS_KEY=bench run s3
