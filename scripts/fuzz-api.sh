#!/usr/bin/env bash
# `npm run fuzz-api`: schemathesis (property-based API testing, from PyPI) against the engine's own OpenAPI
# document, with a token of each role, on a throwaway `npm start` (embedded dev server, fresh state).
# Looks for 5xx answers and answers that do not match the document. Not part of `npm test` (it needs Python and
# takes minutes); the README reports its last numbers.
# Environment: FUZZ_EXAMPLES (default 50 per operation), FUZZ_SEED (default 1), FUZZ_PORT (default 3311).
set -euo pipefail
cd "$(dirname "$0")/.."
cache="${WAAKVLAM_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/waakvlam}"
venv="$cache/schemathesis-venv"
version=4.32.5
if [ ! -x "$venv/bin/st" ] || ! "$venv/bin/st" --version | grep -q "$version"; then
  echo "fuzz-api: installing schemathesis $version into $venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install --progress-bar off "schemathesis==$version"
fi
port="${FUZZ_PORT:-3311}"
data=$(mktemp -d)
log="$data/npm-start.log"
echo "fuzz-api: starting the engine on port $port (state in $data)"
PORT=$port TEMPORAL_DEV_PORT=$((port + 4000)) TEMPORAL_UI_PORT=$((port + 5000)) WAAKVLAM_DATA_DIR="$data" LOG_LEVEL=warn \
  WAAKVLAM_RATE_LIMIT=1000000 WAAKVLAM_JWT_SECRET= WAAKVLAM_JWKS_URL= setsid npm run --silent start > "$log" 2>&1 &
engine=$!
trap 'kill -INT -- -$engine 2>/dev/null || true; wait $engine 2>/dev/null || true; rm -rf "$data"' EXIT
for _ in $(seq 1 120); do grep -q "Press Ctrl-C" "$log" && break; sleep 1; done
grep -q "Press Ctrl-C" "$log" || { cat "$log"; echo "fuzz-api: the engine did not start"; exit 1; }
status=0
for role in case-system operator manager; do
  token=$(npm run --silent token -- --role "$role" --municipality GM0363 --sub "fuzz-$role" --expires 2h)
  echo; echo "== $role"
  "$venv/bin/st" run "http://127.0.0.1:$port/v1/openapi.json" -H "Authorization: Bearer $token" \
    --checks all --max-examples "${FUZZ_EXAMPLES:-50}" --workers 1 --seed "${FUZZ_SEED:-1}" || status=1
done
exit $status
