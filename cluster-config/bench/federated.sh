#!/usr/bin/env bash
# 1:1 chat within one server and across two federated servers, same offered load, same sitting:
# messages/s, end-to-end p50/p99 and the servers' CPU per message (docs/benchmarks.md, "Federation").
#
#   cluster-config/bench/federated.sh OUT_DIR [PAIRS] [MESSAGES_PER_MINUTE_PER_DEVICE] [SECONDS]
#
# Two servers from local-federation.sh (a.localhost, b.localhost: H2 each), trusted with
# `trust a b`. Run 1: every pair on a (b idle). Run 2: `norc-load chat --federated`, each pair's
# users on a and on b, so every message crosses NORC-F; CPU summed over both server JVMs. Each
# run is preceded by a 30 s warm-up chat. The generator (one worker JVM) shares the 2 cores.
set -euo pipefail
out=${1:?usage: federated.sh OUT_DIR [PAIRS] [PER_MINUTE] [SECONDS]}
pairs=${2:-50}
per_minute=${3:-120}
seconds=${4:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
load=${LOAD:-$root/norc-load/bin/norc-load}
fed=$root/cluster-config/local-federation.sh
mkdir -p "$out"; out=$(cd "$out" && pwd)
export CONFIG_FORCE_norc_limits_messages__per__minute=100000 CONFIG_FORCE_norc_limits_message__burst=100000 \
       CONFIG_FORCE_norc_client_max__connections__per__source=0 CONFIG_FORCE_norc_client_new__connections__per__source__per__minute=0
# the spec's per-peer ingress budget (1000 requests a minute, profile §5.3) caps a peer at ~16 relays and acks a
# second; INGRESS (requests a minute) raises it for the measurement, as the message budgets are raised above
export CONFIG_FORCE_norc_federation_ingress_requests__per__minute=${INGRESS:-1000000}
export LOCAL_FEDERATION_DIR=$out/federation LOCAL_FEDERATION_JAVA_OPTS=${LOCAL_FEDERATION_JAVA_OPTS:--Xmx2g}
rm -rf "$LOCAL_FEDERATION_DIR"
trap '"$fed" down > /dev/null 2>&1 || true' EXIT
"$fed" up a b | tee "$out/servers.txt"
"$fed" trust a b >> "$out/servers.txt"
A=(--server wss://127.0.0.1:9443/norc-c --admin http://127.0.0.1:9080 --admin-token-file "$LOCAL_FEDERATION_DIR/a/admin/token"
   --trust-cert "$LOCAL_FEDERATION_DIR/a/tls/server-cert.pem")
B=(--server wss://127.0.0.1:9453/norc-c --admin http://127.0.0.1:9090 --admin-token-file "$LOCAL_FEDERATION_DIR/b/admin/token"
   --trust-cert "$LOCAL_FEDERATION_DIR/b/tls/server-cert.pem")
pa=$(cat "$LOCAL_FEDERATION_DIR/a/pid"); pb=$(cat "$LOCAL_FEDERATION_DIR/b/pid")
run() { # NAME ARGS...: warm-up, then the measured chat
    local name=$1; shift
    "$load" chat "$@" --user-prefix "${name}w" -p "$pairs" --messages-per-minute "$per_minute" --duration 30 --progress OFF --out "$out/$name-warmup" \
        > "$out/$name-warmup.txt" 2>&1
    "$load" chat "$@" --user-prefix "${name}m" -p "$pairs" --messages-per-minute "$per_minute" --duration "$seconds" --progress OFF --out "$out/$name" \
        > "$out/$name.txt" 2>&1
    uptime >> "$out/$name.txt"
}
run one-server "${A[@]}" --server-pid "$pa"
run federated --federated "${A[@]}" "${B[@]}" --server-pid "$pa" --server-pid "$pb"
for name in one-server federated; do echo "== $name"; cat "$out/$name.txt"; done
