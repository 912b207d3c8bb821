#!/usr/bin/env bash
# The operator's local NORC cluster on one box: N server JVMs on loopback over one PostgreSQL.
#
#   cluster-config/local-cluster.sh up 3      # PostgreSQL (installed and started if needed), then 3 nodes
#   cluster-config/local-cluster.sh status    # members and their state, JSON
#   cluster-config/local-cluster.sh kill 2    # SIGKILL node 2
#   cluster-config/local-cluster.sh start 2   # node 2 starts again and rejoins
#   cluster-config/local-cluster.sh stop 3    # SIGTERM: node 3 drains (clients hear 9002), hands off, leaves
#   cluster-config/local-cluster.sh down      # every node, and PostgreSQL if this script started it
#   cluster-config/local-cluster.sh postgres stop|start|pause|resume
#                                             # outages for tests: stop -m immediate, start again,
#                                             # SIGSTOP / SIGCONT every PostgreSQL process
#
# Node i (1-based) serves NORC-C on wss://127.0.0.1:(8443+10(i-1))/norc-c, its admin API on
# http://127.0.0.1:(8080+10(i-1)), NORC-F on 127.0.0.1:(8843+10(i-1)), pekko-management on http://127.0.0.1:(8558+10(i-1)) and
# remoting on 127.0.0.1:(25520+i-1). The first three nodes are the seeds. All nodes are one server:
# one server id (NORC_SERVER_ID, default localhost), one identity key and one TLS certificate
# (node 1 generates them; <dir>/node1/tls/server-cert.pem is what clients trust).
#
# Environment: LOCAL_CLUSTER_DIR (data, logs, pids; default ./data/cluster), NORC_SERVER_ID,
# NORC_SERVER_JAR (default norc-actors/target/norc-server.jar; built if missing), JAVA,
# LOCAL_CLUSTER_JAVA_OPTS (default -Xmx1g), LOCAL_CLUSTER_PG_PORT (5432), LOCAL_CLUSTER_DB (the
# journal's database, default norc; created if missing), LOCAL_CLUSTER_READY_TIMEOUT (seconds,
# default 120), LOCAL_CLUSTER_DISTINCT_ADDRESSES=1 (node i's remoting on 127.0.0.(i+1), also as the
# source of its outbound cluster connections, so that firewall rules can cut nodes apart; the
# client, admin and management ports stay on 127.0.0.1). Every CONFIG_FORCE_... variable passes
# through to every node, e.g.
#   CONFIG_FORCE_norc_limits_messages__per__minute=600 local-cluster.sh up 3
# PostgreSQL is Debian's (apt-get install postgresql when missing: needs root); the journal is
# database norc, user norc, password norc, on 127.0.0.1 only. jdbc-journal.parallelism defaults to 4
# here (PostgreSQL takes concurrent inserts).
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOCAL_CLUSTER_DIR:-./data/cluster}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
server_id=${NORC_SERVER_ID:-localhost}
jar=${NORC_SERVER_JAR:-$root/norc-actors/target/norc-server.jar}
java=${JAVA:-java}
java_opts=${LOCAL_CLUSTER_JAVA_OPTS:--Xmx1g}
pg_port=${LOCAL_CLUSTER_PG_PORT:-5432}
db=${LOCAL_CLUSTER_DB:-norc}
# PostgreSQL takes concurrent batch inserts (H2 has a single writer: the default there is 1)
export CONFIG_FORCE_jdbc__journal_parallelism=${CONFIG_FORCE_jdbc__journal_parallelism:-4}
ready_timeout=${LOCAL_CLUSTER_READY_TIMEOUT:-120}

client_port() { echo $((8443 + 10 * ($1 - 1))); }
admin_port() { echo $((8080 + 10 * ($1 - 1))); }
management_port() { echo $((8558 + 10 * ($1 - 1))); }
federation_port() { echo $((8843 + 10 * ($1 - 1))); }
remoting_port() { echo $((25520 + $1 - 1)); }
distinct=${LOCAL_CLUSTER_DISTINCT_ADDRESSES:-0}
remoting_host() { if [[ $distinct == 1 ]]; then echo "127.0.0.$(($1 + 1))"; else echo 127.0.0.1; fi; }
node_dir() { echo "$dir/node$1"; }
pid_of() { cat "$(node_dir "$1")/pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }

die() { echo "local-cluster: $*" >&2; exit 1; }

as_postgres() {
    if [[ $(id -un) == postgres ]]; then "$@"; else runuser -u postgres -- "$@"; fi
}

pg_version() { ls /usr/lib/postgresql 2>/dev/null | sort -n | tail -1; }

postgres_up() {
    if ! command -v pg_ctlcluster >/dev/null || [[ -z "$(pg_version)" ]]; then
        [[ $(id -u) == 0 ]] || die "PostgreSQL is not installed and installing it needs root (apt-get install postgresql)"
        echo "local-cluster: installing PostgreSQL (Debian package)" >&2
        DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null \
            || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql >/dev/null; }
    fi
    local version; version=$(pg_version)
    if ! pg_lsclusters -h 2>/dev/null | awk -v v="$version" '$1 == v && $2 == "main"' | grep -q .; then
        pg_createcluster "$version" main -p "$pg_port" >/dev/null
    fi
    if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online"' | grep -q .; then
        # loopback only, whatever the cluster's own configuration says
        pg_ctlcluster "$version" main start -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c max_connections=200"
        touch "$dir/postgres-started-here"
    fi
    for _ in $(seq 1 30); do
        as_postgres psql -p "$pg_port" -qAtc 'select 1' >/dev/null 2>&1 && break
        sleep 1
    done
    as_postgres psql -p "$pg_port" -qAtc "select 1 from pg_roles where rolname = 'norc'" | grep -q 1 \
        || as_postgres psql -p "$pg_port" -qc "create role norc login password 'norc'" >/dev/null
    as_postgres psql -p "$pg_port" -qAtc "select 1 from pg_database where datname = '$db'" | grep -q 1 \
        || as_postgres psql -p "$pg_port" -qc "create database \"$db\" owner norc" >/dev/null
}

postgres_down() {
    if [[ -f "$dir/postgres-started-here" ]]; then
        pg_ctlcluster "$(pg_version)" main stop -m fast || true
        rm -f "$dir/postgres-started-here"
    fi
}

seeds() {
    local n=$1 list="" i
    for i in $(seq 1 $((n < 3 ? n : 3))); do list+="${list:+,}$(remoting_host "$i"):$(remoting_port "$i")"; done
    echo "$list"
}

start_node() {
    local i=$1 seeds=$2 d; d=$(node_dir "$i")
    alive "$i" && { echo "local-cluster: node $i already runs (pid $(pid_of "$i"))" >&2; return 0; }
    mkdir -p "$d"
    local tls=()
    if [[ $i != 1 ]]; then
        local keystore; keystore=$(node_dir 1)/tls/server.p12
        [[ -f $keystore ]] || die "node 1 has not created the cluster's TLS keystore yet ($keystore)"
        tls=(NORC_TLS_KEYSTORE="$keystore" NORC_TLS_KEYSTORE_PASSWORD="$(cat "$keystore.password")")
    fi
    echo "$seeds" > "$dir/seeds"
    env "${tls[@]}" \
        NORC_DATA_DIR="$d" NORC_SERVER_ID="$server_id" NORC_IDENTITY_KEY="$(node_dir 1)/identity/server-ed25519.key" \
        NORC_AUDIT_SECRET_FILE="$(node_dir 1)/audit/pseudonym.key" \
        NORC_STORAGE_KEY_FILE="$(node_dir 1)/storage/seal.key" NORC_ADMIN_TOKEN_FILE="$(node_dir 1)/admin/token" \
        NORC_CLIENT_INTERFACE=127.0.0.1 NORC_CLIENT_PORT="$(client_port "$i")" \
        NORC_ADMIN_PORT="$(admin_port "$i")" NORC_MANAGEMENT_PORT="$(management_port "$i")" \
        NORC_FEDERATION_INTERFACE=127.0.0.1 NORC_FEDERATION_PORT="$(federation_port "$i")" \
        NORC_CLUSTER_HOST="$(remoting_host "$i")" NORC_CLUSTER_PORT="$(remoting_port "$i")" NORC_SEED_NODES="$seeds" \
        CONFIG_FORCE_pekko_remote_artery_advanced_tcp_outbound__client__hostname="$(remoting_host "$i")" \
        NORC_DB_URL="jdbc:postgresql://127.0.0.1:$pg_port/$db" NORC_DB_USER=norc NORC_DB_PASSWORD=norc \
        nohup "$java" $java_opts -jar "$jar" >>"$d/server.log" 2>&1 &
    echo $! > "$d/pid"
}

wait_ready() {
    local i=$1 deadline=$((SECONDS + ready_timeout))
    until curl -sf -o /dev/null "http://127.0.0.1:$(management_port "$i")/ready"; do
        alive "$i" || die "node $i exited; see $(node_dir "$i")/server.log"
        ((SECONDS < deadline)) || die "node $i not ready after ${ready_timeout}s; see $(node_dir "$i")/server.log"
        sleep 0.5
    done
}

wait_file() {
    local file=$1 i=$2 deadline=$((SECONDS + ready_timeout))
    until [[ -f $file ]]; do
        alive "$i" || die "node $i exited; see $(node_dir "$i")/server.log"
        ((SECONDS < deadline)) || die "node $i did not create $file"
        sleep 0.2
    done
}

describe() {
    local i=$1
    printf 'node %d pid %s wss://127.0.0.1:%d/norc-c admin http://127.0.0.1:%d management http://127.0.0.1:%d remoting %s:%d\n' \
        "$i" "$(pid_of "$i")" "$(client_port "$i")" "$(admin_port "$i")" "$(management_port "$i")" "$(remoting_host "$i")" "$(remoting_port "$i")"
}

nodes() { ls -d "$dir"/node* 2>/dev/null | sed 's/.*node//' | sort -n; }

ensure_jar() {
    [[ -f $jar ]] && return 0
    echo "local-cluster: building $jar" >&2
    (cd "$root" && mvn -q -B -ntp -pl norc-actors -am package -DskipTests) || die "build failed"
}

cmd=${1:-}
case "$cmd" in
    up)
        n=${2:?usage: local-cluster.sh up N}
        [[ $n =~ ^[1-9][0-9]*$ ]] || die "N must be a positive number"
        ensure_jar
        postgres_up
        s=$(seeds "$n")
        start_node 1 "$s"
        wait_file "$(node_dir 1)/tls/server.p12" 1
        wait_file "$(node_dir 1)/identity/server-ed25519.key" 1
        wait_file "$(node_dir 1)/audit/pseudonym.key" 1
        for i in $(seq 2 "$n"); do start_node "$i" "$s"; done
        for i in $(seq 1 "$n"); do wait_ready "$i"; done
        for i in $(seq 1 "$n"); do describe "$i"; done
        ;;
    start)
        i=${2:?usage: local-cluster.sh start I}
        ensure_jar
        [[ -f $dir/seeds ]] || die "no cluster here: run up first"
        start_node "$i" "$(cat "$dir/seeds")"
        wait_ready "$i"
        describe "$i"
        ;;
    kill)
        i=${2:?usage: local-cluster.sh kill I}
        alive "$i" || die "node $i is not running"
        kill -9 "$(pid_of "$i")"
        while alive "$i"; do sleep 0.1; done
        echo "node $i killed"
        ;;
    stop)
        i=${2:?usage: local-cluster.sh stop I}
        alive "$i" || die "node $i is not running"
        kill -TERM "$(pid_of "$i")"
        deadline=$((SECONDS + 60))
        while alive "$i"; do
            ((SECONDS < deadline)) || die "node $i did not stop within 60 s"
            sleep 0.2
        done
        echo "node $i stopped"
        ;;
    status)
        members=null
        for i in $(nodes); do
            if alive "$i" && members=$(curl -sf --max-time 3 "http://127.0.0.1:$(management_port "$i")/cluster/members"); then
                break
            fi
            members=null
        done
        printf '{"nodes":['
        sep=""
        for i in $(nodes); do
            running=false; ready=false
            alive "$i" && running=true
            $running && curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$(management_port "$i")/ready" && ready=true
            printf '%s{"node":%d,"pid":%s,"running":%s,"ready":%s,"client":"wss://127.0.0.1:%d/norc-c","remoting":"%s:%d"}' \
                "$sep" "$i" "$(pid_of "$i" | grep . || echo null)" "$running" "$ready" "$(client_port "$i")" "$(remoting_host "$i")" "$(remoting_port "$i")"
            sep=","
        done
        printf '],"members":%s}\n' "$members"
        ;;
    down)
        for i in $(nodes); do
            if alive "$i"; then kill -TERM "$(pid_of "$i")"; fi
        done
        for i in $(nodes); do
            deadline=$((SECONDS + 45))
            while alive "$i" && ((SECONDS < deadline)); do sleep 0.2; done
            alive "$i" && kill -9 "$(pid_of "$i")"
            rm -f "$(node_dir "$i")/pid"
        done
        postgres_down
        echo "cluster down"
        ;;
    postgres)
        action=${2:?usage: local-cluster.sh postgres stop|start|pause|resume}
        version=$(pg_version)
        case "$action" in
            stop) pg_ctlcluster "$version" main stop -m immediate ;;
            start) pg_ctlcluster "$version" main start -o "-c listen_addresses=127.0.0.1 -c port=$pg_port -c max_connections=200" ;;
            pause) pkill -STOP -x postgres ;;
            resume) pkill -CONT -x postgres ;;
            *) die "postgres: stop, start, pause or resume" ;;
        esac
        echo "postgres $action"
        ;;
    *)
        sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
