#!/usr/bin/env bash
# Server memory under hostile input, against a release build on the embedded
# database: 120 logins with 200 KB typed e-mails, then 16 concurrent 50 MB
# uploads carrying a wrong CSRF token. Prints the server's resident memory
# (VmRSS) and peak (VmHWM) from /proc before and after each.
# Usage: tests/bench/memory.sh   (needs: curl, python3, PostgreSQL binaries)
set -euo pipefail
cd "$(dirname "$0")/../.."
DIR=${BENCH_DIR:-/tmp/vigie-bench-memory}
PORT=${PORT:-3102}
BIN=target/release/vigie
[ -x "$BIN" ] || SQLX_OFFLINE=true cargo build --release
rm -rf "$DIR"; mkdir -p "$DIR"; chmod 755 "$DIR"
export DATA_DIR="$DIR/data" VIGIE_ENV=development RUST_LOG=warn MAIL_WORKER_IN_SERVE=0 \
       BIND_ADDR="127.0.0.1:$PORT"
unset DATABASE_URL
base="http://127.0.0.1:$PORT"

"$BIN" demo >/dev/null
"$BIN" serve & server=$!
trap 'kill $server 2>/dev/null; wait $server 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "$base/healthz" >/dev/null && break; sleep 0.1; done

mem() {
  awk '/VmRSS|VmHWM/ {printf "%s %.1f MB  ", $1, $2 / 1024}' "/proc/$server/status"
  echo
}
echo "at rest:                                  $(mem)"

# 120 logins, each typing a different 200 KB e-mail.
jar="$DIR/jar"
token=$(curl -s -b "$jar" -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
python3 - "$DIR" <<'PY'
import sys
for i in range(120):
    open(f"{sys.argv[1]}/email-{i}", "w").write(f"{i}-" + "x" * 200_000 + "@example.org")
PY
codes=$(for i in $(seq 0 119); do
  curl -s -o /dev/null -w '%{http_code}\n' -b "$jar" -c "$jar" \
    --data-urlencode "csrf_token=$token" --data-urlencode "email@$DIR/email-$i" \
    --data-urlencode "password=nimporte" "$base/login"
done | sort | uniq -c | tr '\n' ' ')
echo "after 120 logins with 200 KB e-mails:     $(mem) answers: $codes"

# 16 concurrent 50 MB uploads with a session but a wrong token.
head -c $((50 * 1024 * 1024)) /dev/urandom > "$DIR/big.png"
curl -s -o /dev/null -b "$jar" -c "$jar" "$base/signaler/0691664K"
pids=()
for i in $(seq 16); do
  curl -s -o /dev/null -w '%{http_code}\n' -b "$jar" \
    -F csrf_token=faux -F reporter_kind=parent -F "evidence=@$DIR/big.png" \
    "$base/signaler/0691664K" > "$DIR/upload-$i" &
  pids+=($!)
done
wait "${pids[@]}" || true
echo "after 16 x 50 MB uploads with a bad token: $(mem) answers: $(cat "$DIR"/upload-* | sort | uniq -c | tr '\n' ' ')"
