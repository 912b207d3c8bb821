#!/usr/bin/env bash
# Federated NORC servers on one box: each its own server (own domain, data, identity key and
# certificate, embedded H2), talking NORC-F to the others over HTTP/2 with mutual TLS.
#
#   cluster-config/local-federation.sh up a b        # starts a.localhost and b.localhost
#   cluster-config/local-federation.sh trust a b     # b admits a, a asks b for basic (dns proof): both grant basic
#   cluster-config/local-federation.sh stop b        # SIGTERM
#   cluster-config/local-federation.sh kill a        # SIGKILL
#   cluster-config/local-federation.sh start a       # starts it again (same data)
#   cluster-config/local-federation.sh status        # one line per server: running, ready, ports
#   cluster-config/local-federation.sh down          # every server
#
# Server NAME (a letter, a..j) is NAME.localhost; with k = its position in the alphabet (a = 0) it
# serves NORC-C on wss://127.0.0.1:(9443+10k)/norc-c, its admin API on http://127.0.0.1:(9080+10k),
# NORC-F on 127.0.0.1:(9843+10k), pekko-management on 127.0.0.1:(9558+10k), remoting on
# 127.0.0.1:(26520+k). The servers share one DNS zone file (<dir>/zone.txt) through which the dns
# trust method proves control on one machine. Environment: LOCAL_FEDERATION_DIR (default
# ./data/federation), NORC_SERVER_JAR, JAVA, LOCAL_FEDERATION_JAVA_OPTS (default -Xmx512m); every
# CONFIG_FORCE_... variable passes through to every server.
set -euo pipefail

root=$(cd "$(dirname "$0")/.." && pwd)
dir=${LOCAL_FEDERATION_DIR:-./data/federation}
mkdir -p "$dir"
dir=$(cd "$dir" && pwd)
jar=${NORC_SERVER_JAR:-$root/norc-actors/target/norc-server.jar}
java=${JAVA:-java}
java_opts=${LOCAL_FEDERATION_JAVA_OPTS:--Xmx512m}

die() { echo "local-federation: $*" >&2; exit 1; }
index() { [[ $1 =~ ^[a-j]$ ]] || die "server names are single letters a..j, not '$1'"; printf '%d' $(($(printf '%d' "'$1") - 97)); }
client_port() { echo $((9443 + 10 * $(index "$1"))); }
admin_port() { echo $((9080 + 10 * $(index "$1"))); }
federation_port() { echo $((9843 + 10 * $(index "$1"))); }
management_port() { echo $((9558 + 10 * $(index "$1"))); }
remoting_port() { echo $((26520 + $(index "$1"))); }
server_dir() { echo "$dir/$1"; }
pid_of() { cat "$(server_dir "$1")/pid" 2>/dev/null || true; }
alive() { local pid; pid=$(pid_of "$1"); [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; }
servers() { ls -d "$dir"/?/ 2>/dev/null | xargs -r -n1 basename | sort; }

ensure_jar() {
    [[ -f $jar ]] && return 0
    echo "local-federation: building $jar" >&2
    (cd "$root" && mvn -q -B -ntp -pl norc-actors -am package -DskipTests) || die "build failed"
}

start_server() {
    local name=$1 d; d=$(server_dir "$1")
    alive "$name" && { echo "local-federation: $name already runs (pid $(pid_of "$name"))" >&2; return 0; }
    mkdir -p "$d"
    env NORC_DATA_DIR="$d" NORC_SERVER_ID="$name.localhost" \
        NORC_CLIENT_INTERFACE=127.0.0.1 NORC_CLIENT_PORT="$(client_port "$name")" NORC_ADMIN_PORT="$(admin_port "$name")" \
        NORC_FEDERATION_INTERFACE=127.0.0.1 NORC_FEDERATION_PORT="$(federation_port "$name")" \
        NORC_MANAGEMENT_PORT="$(management_port "$name")" NORC_CLUSTER_HOST=127.0.0.1 NORC_CLUSTER_PORT="$(remoting_port "$name")" \
        NORC_TRUST_DNS_ZONE_FILE="$dir/zone.txt" \
        nohup "$java" $java_opts -jar "$jar" >>"$d/server.log" 2>&1 &
    echo $! > "$d/pid"
}

wait_ready() {
    local name=$1 deadline=$((SECONDS + 120))
    until curl -sf -o /dev/null "http://127.0.0.1:$(admin_port "$name")/ready"; do
        alive "$name" || die "$name exited; see $(server_dir "$name")/server.log"
        ((SECONDS < deadline)) || die "$name not ready after 120 s; see $(server_dir "$name")/server.log"
        sleep 0.5
    done
}

describe() {
    printf '%s.localhost pid %s wss://127.0.0.1:%d/norc-c admin http://127.0.0.1:%d norc-f 127.0.0.1:%d cert %s\n' "$1" \
        "$(pid_of "$1")" "$(client_port "$1")" "$(admin_port "$1")" "$(federation_port "$1")" "$(server_dir "$1")/tls/server-cert.pem"
}

admin() { # admin NAME PATH JSON
    curl -sS --max-time 100 -H 'Content-Type: application/json' -H "Authorization: Bearer $(cat "$(server_dir "$1")/admin/token")" \
        -d "$3" "http://127.0.0.1:$(admin_port "$1")$2"
}

cmd=${1:-}
case "$cmd" in
    up)
        shift
        (($# > 0)) || set -- a b
        ensure_jar
        for name in "$@"; do index "$name" >/dev/null; start_server "$name"; done
        for name in "$@"; do wait_ready "$name"; done
        for name in "$@"; do describe "$name"; done
        ;;
    start)
        name=${2:?usage: local-federation.sh start NAME}
        ensure_jar
        start_server "$name"
        wait_ready "$name"
        describe "$name"
        ;;
    trust)
        from=${2:?usage: local-federation.sh trust A B [level]}; to=${3:?usage: local-federation.sh trust A B [level]}
        level=${4:-basic}
        admin "$to" /admin/federation/peers "{\"server_id\":\"$from.localhost\",\"address\":\"127.0.0.1:$(federation_port "$from")\"}" >/dev/null
        answer=$(admin "$from" "/admin/federation/peers/$to.localhost/request" \
            "{\"level\":\"$level\",\"address\":\"127.0.0.1:$(federation_port "$to")\"}")
        echo "$answer"
        [[ $answer == *'"outcome":"granted"'* || $answer == *'"outcome":"pending"'* ]] || die "the trust request failed"
        ;;
    kill)
        name=${2:?usage: local-federation.sh kill NAME}
        alive "$name" || die "$name is not running"
        kill -9 "$(pid_of "$name")"
        while alive "$name"; do sleep 0.1; done
        echo "$name killed"
        ;;
    stop)
        name=${2:?usage: local-federation.sh stop NAME}
        alive "$name" || die "$name is not running"
        kill -TERM "$(pid_of "$name")"
        deadline=$((SECONDS + 60))
        while alive "$name"; do
            ((SECONDS < deadline)) || die "$name did not stop within 60 s"
            sleep 0.2
        done
        echo "$name stopped"
        ;;
    status)
        for name in $(servers); do
            running=false; ready=false
            alive "$name" && running=true
            $running && curl -sf -o /dev/null --max-time 3 "http://127.0.0.1:$(admin_port "$name")/ready" && ready=true
            echo "$name.localhost running=$running ready=$ready client=wss://127.0.0.1:$(client_port "$name")/norc-c admin=http://127.0.0.1:$(admin_port "$name")"
        done
        ;;
    down)
        for name in $(servers); do
            if alive "$name"; then kill -TERM "$(pid_of "$name")"; fi
        done
        for name in $(servers); do
            deadline=$((SECONDS + 45))
            while alive "$name" && ((SECONDS < deadline)); do sleep 0.2; done
            alive "$name" && kill -9 "$(pid_of "$name")"
            rm -f "$(server_dir "$name")/pid"
        done
        echo "federation down"
        ;;
    *)
        sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
        exit 2
        ;;
esac
