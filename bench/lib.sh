# bench/lib.sh: what the napserver benchmark scripts share (sourced, not run). The caller sets
# `here` (the source tree) and, for wait_ready, `load` (radius_load) first.

# A loopback port nothing listens on: free_port u (UDP, the default), t (TCP) or ut (both).
free_port() {
    local p kinds=${1:-u}
    while :; do
        p=$((20000 + RANDOM % 40000))
        [[ $kinds == *u* ]] && ss -Hlun "sport = :$p" | grep -q . && continue
        [[ $kinds == *t* ]] && ss -Hltn "sport = :$p" | grep -q . && continue
        echo "$p"
        return
    done
}

# napserver's configuration for a benchmark, on standard output: packaging/server.toml (the
# built-in defaults) listening on 127.0.0.1:PORT, its audit database at DB, log level warn, and
# metrics on 127.0.0.1:METRICS_PORT when given.   server_toml PORT DB [METRICS_PORT]
server_toml() {
    local metrics=()
    [ -n "${3:-}" ] && metrics=(-e "s|^# listen = \"127.0.0.1:9464\"|listen = \"127.0.0.1:$3\"|")
    sed -e "s|^listen = .*|listen = [\"127.0.0.1:$1\"]|" "${metrics[@]}" \
        -e "s|^sqlite_path = .*|sqlite_path = \"$2\"|" \
        -e 's|^log_level = .*|log_level = "warn"|' \
        "$here/packaging/server.toml"
}

# Waits until the RADIUS server at 127.0.0.1:PORT answers one request, each try waiting up to
# TIMEOUT_MS (default 200) for the answer. Exits the script, with the server's LOG, when PID has
# ended or SECONDS (default 20) have passed.   wait_ready PORT NAME PID LOG [SECONDS [TIMEOUT_MS]]
wait_ready() {
    local port=$1 name=$2 pid=$3 log=$4 limit=${5:-20} timeout=${6:-200} start=$SECONDS
    while [ $((SECONDS - start)) -lt "$limit" ]; do
        kill -0 "$pid" 2>/dev/null || { echo "${0##*/}: $name exited; its log:" >&2; cat "$log" >&2; exit 1; }
        if "$load" --server "127.0.0.1:$port" --requests 1 --window 1 \
            --seconds $((timeout / 1000 + 1)) --timeout-ms "$timeout" >/dev/null 2>&1; then
            return
        fi
        sleep 0.2
    done
    echo "${0##*/}: $name does not answer on 127.0.0.1:$port; its log:" >&2
    cat "$log" >&2
    exit 1
}

# napserver's metric NAME from its metrics endpoint at 127.0.0.1:PORT; empty if unreadable.
#   metric PORT NAME
metric() {
    local reply
    reply=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf 'GET /metrics HTTP/1.0\r\nHost: 127.0.0.1\r\n\r\n' >&3 && cat <&3) 2>/dev/null || true
    echo "$reply" | sed -n "s/^$2 \([0-9.e+]*\).*/\1/p" | head -1
}
