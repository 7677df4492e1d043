# Sourced by the benchmarks. `demo_login BASE JAR EMAIL` signs a demo account
# in, into the curl cookie jar JAR: its password, then a code computed from
# the demo's published second-factor secret (README, "Demo accounts").

# The code of the demo secret at the time step now + $1 (RFC 6238).
demo_totp() {
  python3 - "$1" <<'PY'
import base64, hashlib, hmac, struct, sys, time
key = base64.b32decode("VIGIEDEMOVIGIEDEMOVIGIEDEMOVIGIE")
step = int(time.time()) // 30 + int(sys.argv[1])
h = hmac.new(key, struct.pack(">Q", step), hashlib.sha1).digest()
o = h[-1] & 15
print("%06d" % ((struct.unpack(">I", h[o:o + 4])[0] & 0x7fffffff) % 1000000))
PY
}

demo_login() {
  local base=$1 jar=$2 email=$3 t where offset
  t=$(curl -s -b "$jar" -c "$jar" "$base/login" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
  where=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' -d "csrf_token=$t" \
    --data-urlencode "email=$email" --data-urlencode "password=vigie-demo-2026" "$base/login")
  case "$where" in
    */connexion/code) ;;
    *) echo "login failed for $email (password step: '$where')" >&2; return 1 ;;
  esac
  t=$(curl -s -b "$jar" -c "$jar" "$base/connexion/code" | grep -o 'name="csrf_token" value="[^"]*"' | head -1 | cut -d'"' -f4)
  # A code is accepted once per account: the current one, else the next;
  # two logins of one account in the same 30 s wait for a fresh step.
  for offset in 0 1 wait; do
    if [ "$offset" = wait ]; then sleep 31; offset=0; fi
    where=$(curl -s -b "$jar" -c "$jar" -o /dev/null -w '%{redirect_url}' -d "csrf_token=$t" \
      --data-urlencode "code=$(demo_totp "$offset")" "$base/connexion/code")
    [ -n "$where" ] && return 0
  done
  echo "login failed for $email (code step)" >&2
  return 1
}
