#!/usr/bin/env bash
# The two NORC-C transports side by side in one sitting: the same norc-load scenario against a
# fresh, warmed server on Netty (the default) and on pekko-http's stream (norc.client.transport =
# pekko), one after the other, through one-node.sh; then both summaries.
#
#   norc-load/bench/transports.sh OUT_DIR storm -n 19000 --rate 600 --hold 60 --workers 2 ...
#
# Environment as for one-node.sh (SERVER_JAVA, SERVER_OPTS, HOLD_AT, WARMUP, PROFILE).
set -euo pipefail
out=${1:?usage: transports.sh OUT_DIR SCENARIO [ARGS...]}
shift
here=$(cd "$(dirname "$0")" && pwd)
for transport in netty pekko; do
    CONFIG_FORCE_norc_client_transport=$transport "$here/one-node.sh" "$out/$transport" "$@" > "$out-$transport.log" 2>&1 \
        || { echo "$transport run failed: $out-$transport.log"; exit 1; }
done
for transport in netty pekko; do
    echo "== $transport"
    grep -E "sessions:|messages:|server:|server cost|latency|session_setup|end_to_end|errors" "$out-$transport.log" | grep -v '^\[' || true
    grep -h "live heap" "$out/$transport/server.txt" || true
done
