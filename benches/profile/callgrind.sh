#!/usr/bin/env bash
# Instructions per request, counted with callgrind: repeatable for the same build whatever else
# the machine runs, so two builds compare without the noise of a throughput run.
#
#   benches/profile/callgrind.sh [TOKCTL_BINARY] [OUT_DIR]
#
# Starts the server (default: target/profiling/tokctl, build it with `cargo build --profile profiling`:
# the release binary is stripped, so its totals are right but cannot be split by function)
# under `valgrind --tool=callgrind` on a fresh SQLite database, mints a gateway and a target
# token, warms both endpoints, then counts 4,000 `POST /v1/verify` (plus the usage flush that
# writes their access-log rows), 4,000 `GET /v1/forward-auth` and 4,000 `GET /healthz`, each in
# its own dump. Prints
# instructions per request; read the dumps with `callgrind_annotate --inclusive=yes FILE`.
# Needs valgrind, curl and python3.
set -euo pipefail
BIN=$(realpath "${1:-target/profiling/tokctl}")
OUT=$(mkdir -p "${2:-target/callgrind}" && realpath "${2:-target/callgrind}")
HERE=$(dirname "$(realpath "$0")")
REQUESTS=4000
D=$(mktemp -d)
trap 'kill "$VPID" 2>/dev/null || true; rm -rf "$D"' EXIT
export HOME=$D
echo "profile-password-123" | "$BIN" server init --org profile --owner profile@example.com \
  --password-stdin --database "$D/p.db" >/dev/null
PORT=$((20000 + RANDOM % 10000))
TOKCTL_LOG=warn valgrind --tool=callgrind --instr-atstart=no \
  --callgrind-out-file="$OUT/callgrind.%p" \
  "$BIN" server --listen "127.0.0.1:$PORT" --database "$D/p.db" 2>"$D/valgrind.log" &
VPID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 120); do curl -sf "$URL/healthz" >/dev/null && break; sleep 1; done
json() { python3 -c "import json,sys; print(json.load(sys.stdin)['secret'])"; }
SESSION=$(curl -sf -X POST "$URL/v1/sessions" -H 'content-type: application/json' \
  -d '{"email":"profile@example.com","password":"profile-password-123"}' | json)
mint() {
  curl -sf -X POST "$URL/v1/tokens" -H "authorization: Bearer $SESSION" \
    -H 'content-type: application/json' \
    -d "{\"name\":\"$1\",\"scopes\":[\"$2\"],\"rate_limit\":{\"per_minute\":4000000000,\"per_hour\":4000000000}}" | json
}
GATEWAY=$(mint gateway tokens:verify)
TARGET=$(mint target work:read)
BODY="{\"token\":\"$TARGET\",\"permission\":\"work:read\"}"
FORWARD="/v1/forward-auth?permission=work:read"
load() {
  case "$1" in
  /v1/forward-auth*) python3 "$HERE/load.py" "$URL" "$1" "$2" "" "$TARGET" ;;
  *) python3 "$HERE/load.py" "$URL" "$1" "$2" "$BODY" "$GATEWAY" ;;
  esac
}
# Warm up for long enough that the usage flush (every second) has run on every pooled
# connection: each prepares its own copy of the access-log INSERTs, once. A shorter warm-up
# counted those one-off parses (about 5k instructions per verify) as a cost of every verify.
WARM_UNTIL=$((SECONDS + 12))
while [ "$SECONDS" -lt "$WARM_UNTIL" ]; do load /v1/verify 500; done
load /healthz 500
load "$FORWARD" 500
count() { # name path
  callgrind_control -z "$VPID" >/dev/null 2>&1
  callgrind_control -i on "$VPID" >/dev/null 2>&1
  load "$2" "$REQUESTS"
  sleep 2.5 # the usage flush (every second) writes this round's access-log rows
  callgrind_control -i off "$VPID" >/dev/null 2>&1
  callgrind_control -d "$1" "$VPID" >/dev/null 2>&1
}
count verify /v1/verify
count forward-auth "$FORWARD"
count healthz /healthz
# Inclusive count of the first function matching $2 in dump $1 (0 when it never ran).
inclusive() {
  callgrind_annotate --inclusive=yes "$1" 2>/dev/null |
    awk -v fn="$2" '!found && index($0, fn) { found = 1; gsub(",", "", $1); print $1 }'
}
for f in "$OUT"/callgrind."$VPID".*; do
  name=$(sed -n 's/^desc: Trigger: dump //p' "$f")
  total=$(sed -n 's/^totals: //p' "$f")
  echo "$name: $((total / REQUESTS)) instructions per request ($f)"
  # The access-log write (SQLite's writer threads, and the flush task that binds the rows)
  # varies from run to run with where the B-tree pages split; the rest, the request path,
  # repeats to within a few hundred instructions, so two builds compare best on it.
  writer=$(inclusive "$f" "sqlx-sqlite-0.9.0/src/connection/worker.rs:std::sys::backtrace::__rust_begin_short_backtrace")
  flush=$(inclusive "$f" "src/server/startup/run.rs:tokctl::server::startup::run::flush_loop::{{closure}}")
  writer=${writer:-0} flush=${flush:-0}
  echo "  request path $(((total - writer - flush) / REQUESTS)), access-log write $(((writer + flush) / REQUESTS))"
done
