#!/usr/bin/env bash
# Schemathesis against the server's own /openapi.json: every operation, generated and mutated
# requests, as the org's owner, as a member, and with no credential, with every schemathesis
# check. Fails on any 5xx, any response that breaks the documented schema (status, content type,
# headers, body), any schema-invalid request accepted, any schema-valid request refused (but for
# the state-dependent refusals .ci/schemathesis_hooks.py names), and any operation that answers
# without the credential it documents.
#
# Usage: .ci/schemathesis.sh            (about 3.5 minutes on 2 cores)
#        ST_MAX_TIME=30 .ci/schemathesis.sh   (seconds per pass; there are 5 passes)
# Needs python3; installs schemathesis with pip when `st` is missing. Loopback only.
set -euo pipefail
cd "$(dirname "$0")/.."

max_time=${ST_MAX_TIME:-40}
seed=${ST_SEED:-$RANDOM}

if ! command -v st >/dev/null; then
  echo "== installing schemathesis"
  python3 -m pip install --quiet schemathesis
fi
echo "== building tokctl"
cargo build --quiet
bin=target/debug/tokctl

work=$(mktemp -d)
server_pid=
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

# A throwaway dev org; its `export` lines say where it listens and give an owner token.
"$bin" server --dev --listen 127.0.0.1:0 >"$work/out" 2>"$work/log" &
server_pid=$!
for _ in $(seq 100); do grep -q '^export TOKCTL_TOKEN=' "$work/out" 2>/dev/null && break; sleep 0.1; done
server=$(sed -n 's/^export TOKCTL_SERVER=//p' "$work/out")
dev_token=$(sed -n 's/^export TOKCTL_TOKEN=//p' "$work/out")
[ -n "$server" ] && [ -n "$dev_token" ] || { echo "the dev server did not start:"; cat "$work/log"; exit 1; }
echo "== server $server (log: only on failure)"

# Small JSON helper: curl with a bearer token, prints the body, fails on HTTP >= 400.
api() { # METHOD PATH TOKEN [BODY]
  curl -sS --fail-with-body -X "$1" -H "Authorization: Bearer $3" -H 'Content-Type: application/json' \
    ${4:+-d "$4"} "$server$2"
}
field() { python3 -c 'import json,sys; d=json.load(sys.stdin); print(eval("d"+sys.argv[1]))' "$1"; }

# Limits high enough that the run measures the API, not the rate limiter (429 is documented
# and still checked for shape); tokens made after this change get them.
# The longest expiry and `never` allowed, so that a generated `expires` is refused only when the
# clock rules it out (a date in the past).
api PATCH /v1/org/policy "$dev_token" \
  '{"default_rate_limit":"1000000/min,100000000/hour","session_rate_limit":"1000000/min,100000000/hour","max_expiry":"366000d","allow_never":true}' >/dev/null
mint() { api POST /v1/tokens "$1" "{\"name\":\"$2\"}" | field '["secret"]'; }
owner=$(mint "$dev_token" st-owner)
member_pw="member-pass-$RANDOM-$RANDOM"
api POST /v1/users "$owner" "{\"email\":\"member@example.com\",\"role\":\"member\",\"password\":\"$member_pw\"}" >/dev/null
member_session=$(curl -sS --fail-with-body -H 'Content-Type: application/json' \
  -d "{\"email\":\"member@example.com\",\"password\":\"$member_pw\"}" "$server/v1/sessions" | field '["secret"]')
member=$(mint "$member_session" st-member)
# /metrics needs audit:read. The scrape credential belongs to a service account with a name the
# fuzzer cannot guess, so no destructive pass (bulk revoke by owner, member removal) ends it.
scraper="st-scraper-$RANDOM$RANDOM"
api POST /v1/users "$owner" "{\"name\":\"$scraper\",\"role\":\"admin\",\"service\":true}" >/dev/null
scrape=$(api POST /v1/tokens "$owner" "{\"name\":\"scrape\",\"owner\":\"$scraper\",\"scopes\":[\"audit:read\"]}" | field '["secret"]')

# Every check schemathesis has (`st run --help`): server errors, conformance of status, content
# type, headers and body to the document, schema-valid requests accepted and schema-invalid ones
# refused (both directions: the document states every constraint the server enforces,
# src/api/schema.rs), missing required headers, unsupported methods and Allow, auth ignored,
# use after free, resource availability, object-level authorization. The only exclusion: no
# `ignored_auth` in the anonymous pass, which sends no credential to ignore.
checks=all
# The refusals no schema can foresee (the clock, the org policy of the moment, what kind of
# member or credential a request names), each named in the hooks file; nothing else is dropped.
export SCHEMATHESIS_HOOKS=schemathesis_hooks
export PYTHONPATH="$PWD/.ci${PYTHONPATH:+:$PYTHONPATH}"
# Operations that can end the caller's own credential (revoke, logout, remove or demote a member),
# and the policy change (it changes what every later request may ask for), run in their own
# passes at the end, with credentials nobody needs afterwards.
destructive='^(revoke|bulk_revoke|logout|remove|set_role|patch_policy)$'

status=0
failed=()
pass() { # NAME TOKEN-or-empty EXTRA-ARGS...
  local name=$1 token=$2; shift 2
  echo "== schemathesis: $name (${max_time}s, seed $seed)"
  local auth=()
  [ -n "$token" ] && auth=(-H "Authorization: Bearer $token")
  # Run from the temp dir so schemathesis' example database stays out of the repository.
  # MCP's streamable HTTP transport wants clients to accept both JSON and SSE; OpenAPI ignores an
  # `Accept` parameter, so every request says it (the REST routes answer JSON whatever it says).
  # One worker: the debug server on two shared cores is the bottleneck anyway, the run stays
  # reproducible from its seed, and CPython 3.11 < 3.11.8 can fail `ast.parse` in concurrent
  # threads ("AST constructor recursion depth mismatch"), which Hypothesis calls to describe filters.
  if ! (cd "$work" && st run "$server/openapi.json" "${auth[@]}" -H 'Accept: application/json, text/event-stream' \
      --checks "$checks" --max-time "$max_time" \
      --workers 1 --seed "$seed" --suppress-health-check all "$@") >"$work/st-$name" 2>&1; then
    status=1
    failed+=("$name")
    echo "FAILED: $name"
    cat "$work/st-$name"
  else
    # The summary: what was generated and what was found.
    sed -n '/^API Operations:/,$p' "$work/st-$name"
  fi
}

pass owner "$owner" --exclude-operation-id-regex "$destructive"
pass member "$member" --exclude-operation-id-regex "$destructive"
pass anonymous "" --exclude-checks ignored_auth
pass owner-destructive "$(mint "$owner" st-owner-2)" --include-operation-id-regex "$destructive"
pass member-destructive "$(mint "$member" st-member-2)" --include-operation-id-regex "$destructive"

if ! kill -0 "$server_pid" 2>/dev/null; then
  echo "the server died during the run:"; cat "$work/log"; exit 1
fi
# No 5xx may hide anywhere in the run: the server's own counter must still be zero.
fives=$(curl -sS -H "Authorization: Bearer $scrape" "$server/metrics" | sed -n 's/^tokctl_http_requests_total{class="5xx"} //p')
if [ "${fives:-missing}" != "0" ]; then
  echo "the server answered ${fives:-an unknown number of} 5xx during the run; its log:"
  grep -E 'status=5[0-9][0-9]' "$work/log" | head -20
  status=1
fi
# A CI page may show only the head and tail of a long log: each failure again, last.
for name in "${failed[@]}"; do
  echo "== schemathesis: what failed in the $name pass (seed $seed; the whole log is above)"
  sed -n '/ FAILURES /,/ SUMMARY /p' "$work/st-$name" | head -120
done
[ $status -eq 0 ] && echo "schemathesis: all passes clean (seed $seed)"
exit $status
