#!/usr/bin/env bash
# 1:1 chat through a local cluster of 1 and then of 3 nodes, same offered load, same sitting:
# messages/s, end-to-end p50/p99, and the server CPU per message summed over all node JVMs; the
# difference is what crossing nodes costs (docs/benchmarks.md, "Cluster").
#
#   cluster-config/bench/cross-node.sh OUT_DIR [PAIRS] [MESSAGES_PER_MINUTE_PER_DEVICE] [SECONDS]
#
# Each cluster gets a fresh data directory and database, a 60 s warm-up chat, then the measured
# chat. The generator (norc-load, one worker JVM) shares the machine with the nodes, as in the
# single-node figures. Needs what local-cluster.sh needs (root or PostgreSQL set up).
set -euo pipefail
out=${1:?usage: cross-node.sh OUT_DIR [PAIRS] [PER_MINUTE] [SECONDS]}
pairs=${2:-100}
per_minute=${3:-300}
seconds=${4:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
load=${LOAD:-$root/norc-load/bin/norc-load}
mkdir -p "$out"; out=$(cd "$out" && pwd)
export CONFIG_FORCE_norc_limits_messages__per__minute=100000 CONFIG_FORCE_norc_limits_message__burst=100000 \
       CONFIG_FORCE_norc_client_max__connections__per__source=0 CONFIG_FORCE_norc_client_new__connections__per__source__per__minute=0
export LOCAL_CLUSTER_JAVA_OPTS=${LOCAL_CLUSTER_JAVA_OPTS:--Xmx2g}

cpu_ticks() { # utime + stime of the given pids, in clock ticks
    local total=0 pid
    for pid in "$@"; do total=$((total + $(awk '{print $14 + $15}' "/proc/$pid/stat"))); done
    echo "$total"
}

for n in 1 3; do
    export LOCAL_CLUSTER_DIR=$out/cluster-$n LOCAL_CLUSTER_DB=norc_bench_${n}_$$
    rm -rf "$LOCAL_CLUSTER_DIR"
    "$root/cluster-config/local-cluster.sh" up "$n" | tee "$out/up-$n.txt"
    servers=(); for i in $(seq 1 "$n"); do servers+=(--server "wss://127.0.0.1:$((8443 + 10 * (i - 1)))/norc-c"); done
    common=(--trust-cert "$LOCAL_CLUSTER_DIR/node1/tls/server-cert.pem" --admin http://127.0.0.1:8080 --admin-token-file "$LOCAL_CLUSTER_DIR/node1/admin/token" --workers 1 "${servers[@]}")
    "$load" chat -p "$pairs" --messages-per-minute "$per_minute" --duration 60 "${common[@]}" --out "$out/warmup-$n" > "$out/warmup-$n.txt"
    pids=(); for i in $(seq 1 "$n"); do pids+=("$(cat "$LOCAL_CLUSTER_DIR/node$i/pid")"); done
    before=$(cpu_ticks "${pids[@]}")
    "$load" chat -p "$pairs" --messages-per-minute "$per_minute" --duration "$seconds" "${common[@]}" --out "$out/chat-$n" > "$out/chat-$n.txt"
    after=$(cpu_ticks "${pids[@]}")
    received=$(jq '.totals.messages_received' "$out/chat-$n/report.json")
    hz=$(getconf CLK_TCK)
    cpu_us=$(( (after - before) * 1000000 / hz ))
    jq -n --argjson nodes "$n" --argjson received "$received" --argjson cpu_us "$cpu_us" --argjson seconds "$seconds" \
        --slurpfile r "$out/chat-$n/report.json" \
        '{nodes: $nodes, messages_per_second: ($received / $seconds), server_cpu_us_per_message: ($cpu_us / ([$received,1]|max)),
          e2e_p50_ms: $r[0].latency_ms.end_to_end.p50, e2e_p99_ms: $r[0].latency_ms.end_to_end.p99,
          lost: $r[0].queue.lost, failed: $r[0].totals.messages_failed}' | tee "$out/summary-$n.json"
    "$root/cluster-config/local-cluster.sh" down
done
