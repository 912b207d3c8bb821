#!/usr/bin/env bash
# Sessions held by a local cluster on this box, the generator beside it (docs/benchmarks.md,
# "Cluster"): N nodes, a storm of SESSIONS authenticated sessions spread over them, held for
# HOLD seconds, with each node's RSS and authenticated connections sampled every 5 s.
#
#   cluster-config/bench/sessions.sh OUT_DIR NODES SESSIONS [RATE] [HOLD]
#
# WORKER_JVM_OPTS (default -Xmx1500m): the norc-load workers' JVM options; LOCAL_CLUSTER_JAVA_OPTS
# the nodes'. REGISTRATION (default storm): each device registers in its first session of the storm, so
# provisioning is only the admin API's user and token; `provisioned` registers every device in a
# session of its own before the storm (twice the set-ups).
#
# Each process may hold at most 20,000 open files: give each node at most ~18,000 sessions
# (6 nodes for 100,000); norc-load spreads its devices over as many worker JVMs as it needs.
set -euo pipefail
out=${1:?usage: sessions.sh OUT_DIR NODES SESSIONS [RATE] [HOLD]}
nodes=${2:?nodes}
sessions=${3:?sessions}
rate=${4:-200}
hold=${5:-60}
root=$(cd "$(dirname "$0")/../.." && pwd)
load=${LOAD:-$root/norc-load/bin/norc-load}
mkdir -p "$out"; out=$(cd "$out" && pwd)
export CONFIG_FORCE_norc_client_max__connections__per__source=0 CONFIG_FORCE_norc_client_new__connections__per__source__per__minute=0
export LOCAL_CLUSTER_JAVA_OPTS=${LOCAL_CLUSTER_JAVA_OPTS:--Xmx1200m -XX:+UseG1GC}
export LOCAL_CLUSTER_DIR=$out/cluster LOCAL_CLUSTER_DB=norc_sessions_$$ LOCAL_CLUSTER_READY_TIMEOUT=300
rm -rf "$LOCAL_CLUSTER_DIR"
"$root/cluster-config/local-cluster.sh" up "$nodes" | tee "$out/up.txt"
servers=(); for i in $(seq 1 "$nodes"); do servers+=(--server "wss://127.0.0.1:$((8443 + 10 * (i - 1)))/norc-c"); done

sample() {
    echo "time,node,rss_kb,authenticated" > "$out/nodes.csv"
    while true; do
        for i in $(seq 1 "$nodes"); do
            pid=$(cat "$LOCAL_CLUSTER_DIR/node$i/pid")
            rss=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || echo 0)
            # a node too loaded to answer within 5 s is a missing sample, not the end of sampling
            # (set -e would stop this loop at the first failed curl)
            auth=$(curl -s --max-time 5 "http://127.0.0.1:$((8080 + 10 * (i - 1)))/metrics" \
                   | awk '/^norc_connections\{state="authenticated"/ {print $2}' || true)
            echo "$(date +%s),$i,$rss,${auth:-0}" >> "$out/nodes.csv"
        done
        sleep 5
    done
}
sample & sampler=$!
trap 'kill $sampler 2>/dev/null || true' EXIT
worker_options=(); for o in ${WORKER_JVM_OPTS:--Xmx1500m}; do worker_options+=("--worker-jvm-option=$o"); done
"$load" storm -n "$sessions" --rate "$rate" --hold "$hold" --workers auto --provision-concurrency 64 \
    --registration "${REGISTRATION:-storm}" "${worker_options[@]}" "${servers[@]}" \
    --trust-cert "$LOCAL_CLUSTER_DIR/node1/tls/server-cert.pem" --admin http://127.0.0.1:8080 \
    --admin-token-file "$LOCAL_CLUSTER_DIR/node1/admin/token" --out "$out/storm" \
    | tee "$out/storm.txt"
kill $sampler 2>/dev/null || true
# the sample with the most sessions held, per node
awk -F, 'NR > 1 { if ($4 + 0 >= best[$2] + 0) { best[$2] = $4; rss[$2] = $3 } }
         END { for (n in best) { total += best[n]; printf "node %s: %d sessions, RSS %.0f MB, %.1f KB/session\n", n, best[n], rss[n] / 1024, best[n] ? rss[n] / best[n] : 0 }
               printf "total: %d sessions held\n", total }' "$out/nodes.csv" | sort -V | tee "$out/summary.txt"
"$root/cluster-config/local-cluster.sh" down
