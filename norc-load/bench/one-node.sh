#!/usr/bin/env bash
# One benchmark run against one fresh server node on this machine, as docs/benchmarks.md records it.
#
#   norc-load/bench/one-node.sh OUT_DIR storm -n 19000 --rate 300 --hold 90 --workers 2
#   norc-load/bench/one-node.sh OUT_DIR chat -p 100 --messages-per-minute 240 --duration 30
#
# 1. starts the server jar with a fresh data directory in OUT_DIR/data (H2 file, self-signed TLS),
#    its rate limits raised so that chat can offer more than the spec's 60 messages/min a device,
#    and its per-source admission limits off (the generator connects from one address);
# 2. warms it up with the norc-load arguments in WARMUP (default: a 2,000-session storm with 80
#    reconnects/s for 60 s; `none` skips it), so the JIT has compiled the hot paths before anything
#    is measured (a fresh JVM spends about a third of its CPU compiling during the first minute);
# 3. runs `norc-load <scenario> <args>` with --server-pid, --trust-cert and --out filled in;
# 4. while it runs, once the server reports HOLD_AT authenticated connections (default: none),
#    forces a full GC and records the live heap (heap-held.txt), next to the same figure before
#    the run (heap-before.txt): the server's heap per held session, free of garbage, and the
#    classes that hold it (heap-histogram.txt);
# 5. stops the server and leaves its log in OUT_DIR/server.log.
#
# Environment: NORC_ROOT (the checkout; default: this script's), SERVER_JAVA (java for the server; default `java`), SERVER_OPTS (default -Xmx4g),
# LOAD (the norc-load launcher), WARMUP (norc-load arguments, or none), HOLD_AT (authenticated connections that start the
# heap measurement), PROFILE (a path: record the server with async-profiler's agent library at
# that path, written to OUT_DIR/server-profile.jfr).
set -euo pipefail

out=${1:?usage: one-node.sh OUT_DIR SCENARIO [ARGS...]}
shift
root=${NORC_ROOT:-$(cd "$(dirname "$0")/../.." && pwd)}
load=${LOAD:-$root/norc-load/bin/norc-load}
server_java=${SERVER_JAVA:-java}
server_opts=${SERVER_OPTS:--Xmx4g}
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -rf "$out/data"

agent=()
if [[ -n "${PROFILE:-}" ]]; then
    agent=("-agentpath:$PROFILE=start,event=itimer,interval=1ms,file=$out/server-profile.jfr")
fi

# shellcheck disable=SC2086
NORC_DATA_DIR="$out/data" \
CONFIG_FORCE_norc_limits_messages__per__minute=100000 \
CONFIG_FORCE_norc_limits_message__burst=100000 \
CONFIG_FORCE_norc_client_max__connections__per__source=0 \
CONFIG_FORCE_norc_client_new__connections__per__source__per__minute=0 \
    "$server_java" $server_opts "${agent[@]}" -jar "$root/norc-actors/target/norc-server.jar" \
    > "$out/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 120); do
    grep -q 'TLS cert' "$out/server.log" && break
    kill -0 $server 2>/dev/null || { cat "$out/server.log"; exit 1; }
    sleep 0.5
done
cert="$out/data/tls/server-cert.pem"
echo "server pid $server ($("$server_java" -version 2>&1 | head -1); $server_opts)" | tee "$out/server.txt"

jcmd=$(dirname "$(readlink -f "$(command -v "$server_java")")")/jcmd
live_heap() { # the heap in use right after a full collection, as the JVM prints it
    "$jcmd" "$server" GC.run > /dev/null || return 0
    "$jcmd" "$server" GC.heap_info > "$1" || return 0
    awk '/used/ { for (i = 1; i <= NF; i++) if ($i == "used") { print $(i+1); exit } }' "$1"
}

warmup=${WARMUP:-storm -n 2000 --rate 300 --hold 60 --churn 80}
if [[ "$warmup" != none ]]; then
    # shellcheck disable=SC2086
    "$load" $warmup --trust-cert "$cert" --admin-token-file "$out/data/admin/token" --progress OFF --out "$out/warmup" \
        > "$out/warmup.txt" 2>&1
fi
echo "live heap before: $(live_heap "$out/heap-before.txt")" | tee -a "$out/server.txt"

"$load" "$@" --trust-cert "$cert" --admin-token-file "$out/data/admin/token" --server-pid "$server" --out "$out/report" \
    --progress LINE &
run=$!
if [[ -n "${HOLD_AT:-}" ]]; then
    while kill -0 $run 2>/dev/null; do
        held=$(curl -sf -H "Authorization: Bearer $(cat "$out/data/admin/token")" http://127.0.0.1:8080/admin/connections | sed -n 's/.*"authenticated":\([0-9]*\).*/\1/p' || true)
        if [[ -n "$held" && "$held" -ge "$HOLD_AT" ]]; then
            echo "live heap with $held sessions: $(live_heap "$out/heap-held.txt")" | tee -a "$out/server.txt"
            "$jcmd" "$server" GC.class_histogram > "$out/heap-histogram.txt" || true
            break
        fi
        sleep 2
    done
fi
wait $run
kill $server
wait $server 2>/dev/null || true
