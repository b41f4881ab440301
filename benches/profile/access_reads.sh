#!/usr/bin/env bash
# What reading the access log back costs on SQLite: usage summaries and first pages of a busy
# token, of a token used a little all along, and of the whole org, in a log written by real
# traffic. Run it on two builds to compare (the access log in segments reads whole segments,
# docs/decisions/0012-sqlite-access-log-in-segments.md).
#
#   benches/profile/access_reads.sh [TOKCTL_BINARY] [VERIFIES]
#
# Starts the release server (default target/release/tokctl) on a fresh SQLite database, mints a
# gateway, a target and a "sparse" token, sends VERIFIES verifies (default 200,000: two
# access-log rows each) while the sparse token calls /v1/me about ten times a second, then
# times each read 7 times with curl and prints the median in ms. Needs curl and python3.
set -euo pipefail
BIN=$(realpath "${1:-target/release/tokctl}")
VERIFIES=${2:-200000}
HERE=$(dirname "$(realpath "$0")")
D=$(mktemp -d)
trap 'kill "$SPID" "$SPARSE_PID" 2>/dev/null || true; rm -rf "$D"' EXIT
export HOME=$D
echo "profile-password-123" | "$BIN" server init --org profile --owner profile@example.com \
  --password-stdin --database "$D/p.db" >/dev/null 2>&1
PORT=$((20000 + RANDOM % 10000))
TOKCTL_LOG=warn "$BIN" server --listen "127.0.0.1:$PORT" --database "$D/p.db" 2>"$D/server.log" &
SPID=$!
URL="http://127.0.0.1:$PORT"
for _ in $(seq 1 100); do curl -sf "$URL/healthz" >/dev/null && break; sleep 0.1; done
field() { python3 -c "import json,sys; print(json.load(sys.stdin)['$1'])"; }
SESSION=$(curl -sf -X POST "$URL/v1/sessions" -H 'content-type: application/json' \
  -d '{"email":"profile@example.com","password":"profile-password-123"}' | field secret)
mint() { # name scope -> "id secret"
  curl -sf -X POST "$URL/v1/tokens" -H "authorization: Bearer $SESSION" \
    -H 'content-type: application/json' \
    -d "{\"name\":\"$1\",\"scopes\":[\"$2\"],\"rate_limit\":{\"per_minute\":4000000000,\"per_hour\":4000000000}}" |
    python3 -c "import json,sys; t=json.load(sys.stdin); print(t['token']['id'], t['secret'])"
}
read -r GATEWAY_ID GATEWAY <<<"$(mint gateway tokens:verify)"
read -r _ TARGET <<<"$(mint target work:read)"
read -r SPARSE_ID SPARSE <<<"$(mint sparse work:read)"
(while true; do curl -sf "$URL/v1/me" -H "authorization: Bearer $SPARSE" >/dev/null; sleep 0.1; done) &
SPARSE_PID=$!
python3 "$HERE/load.py" "$URL" /v1/verify "$VERIFIES" \
  "{\"token\":\"$TARGET\",\"permission\":\"work:read\"}" "$GATEWAY"
kill "$SPARSE_PID"
sleep 1.5 # the last usage flush
median_ms() { # path
  for _ in 1 2 3 4 5 6 7; do
    curl -sf -o /dev/null -w '%{time_total}\n' "$URL$1" -H "authorization: Bearer $SESSION"
  done | sort -n | sed -n 4p | python3 -c "import sys; print(f'{float(sys.stdin.read())*1000:.1f}')"
}
rows=$(curl -sf "$URL/v1/tokens/$GATEWAY_ID/usage" -H "authorization: Bearer $SESSION" | field requests)
sparse=$(curl -sf "$URL/v1/tokens/$SPARSE_ID/usage" -H "authorization: Bearer $SESSION" | field requests)
echo "$(basename "$BIN"): $rows gateway rows (as many for the target), $sparse sparse rows; median ms of 7:"
echo "  usage, busy token         $(median_ms "/v1/tokens/$GATEWAY_ID/usage")"
echo "  usage, sparse token       $(median_ms "/v1/tokens/$SPARSE_ID/usage")"
echo "  first page, busy token    $(median_ms "/v1/audit?kind=access&token=$GATEWAY_ID&limit=100")"
echo "  first page, sparse token  $(median_ms "/v1/audit?kind=access&token=$SPARSE_ID&limit=100")"
echo "  first page, whole org     $(median_ms "/v1/audit?kind=access&limit=100")"
echo "  /healthz                  $(median_ms "/healthz")"
