#!/bin/bash
# napserver-cpu.sh: napserver's CPU time per Access-Request, counting all of its audit writing, and
# an A/B of two builds in alternating pairs (docs/benchmarks.md, "napserver"). On a shared machine
# whose speed moves over the day, requests/s alone mislead: this is the figure the optimisations
# of the request path were judged by.
#
#   bench/napserver-cpu.sh [--build DIR] [--requests N] [--window W] [--pairs K] BIN [BIN_B]
#
# For each run: starts BIN (a napserver binary) with the shipped configuration (packaging/
# server.toml: the built-in SHVs and policies, audit ON to SQLite in a temporary directory) on
# free loopback ports, sends N requests (default 300,000; vector 10 SoH) with radius_load keeping
# W in flight (default 64), waits until the audit writer has committed every one of them
# (opennap_audit_records_written_total), and prints requests/s and the CPU napserver used from
# the first request to the last record written, per request: in all, and per thread kind
# (the request workers, the audit writer), user and system time. With BIN_B, K pairs (default 4)
# alternate the two binaries, the order flipping each pair, and a summary gives each one's range
# and median and in how many pairs BIN_B used less CPU. Everything started is stopped by pid.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build/release"
requests=300000
window=64
pairs=4
bins=()
usage() {
    echo "usage: $0 [--build DIR] [--requests N] [--window W] [--pairs K] BIN [BIN_B]" >&2
    exit 2
}
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --window) window=$2; shift 2 ;;
        --pairs) pairs=$2; shift 2 ;;
        -*) usage ;;
        *) bins+=("$1"); shift ;;
    esac
done
[ ${#bins[@]} -ge 1 ] && [ ${#bins[@]} -le 2 ] || usage
load="$build/bench/radius_load"
for f in "${bins[@]}" "$load"; do
    [ -x "$f" ] || { echo "napserver-cpu: $f not found (cmake --build --preset release --target napserver radius_load)" >&2; exit 2; }
done
ticks=$(getconf CLK_TCK)
# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

tmp=$(mktemp -d /tmp/napserver-cpu-XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    rm -rf "$tmp"
}
trap cleanup EXIT

# Per thread kind (radius-io-*: workers; audit-writer), user and system clock ticks so far.
ticks_of() {
    for t in /proc/"$1"/task/*; do
        local comm
        comm=$(cat "$t/comm" 2>/dev/null) || continue
        case "$comm" in radius-io-*) comm=workers ;; audit-writer) ;; *) comm=other ;; esac
        # Fields 14 and 15 of stat, counted after the ")" that ends the command name.
        sed 's/.*) //' "$t/stat" | awk -v c="$comm" '{ print c, $12, $13 }'
    done | awk '{ u[$1] += $2; s[$1] += $3 } END { for (k in u) print k, u[k], s[k] }'
}

# run BIN -> "$tmp/result": "rate cpu_us workers_user workers_sys writer_user writer_sys" (not
# run in a $(...) subshell, so that the EXIT trap knows the server's pid)
run() {
    local bin=$1 port mport conf
    port=$(free_port)
    mport=$(free_port t)
    rm -rf "$tmp/run" && mkdir "$tmp/run"
    conf="$tmp/run/server.toml"
    server_toml "$port" "$tmp/run/audit.db" "$mport" > "$conf"
    grep -q "127.0.0.1:$mport" "$conf" || { echo "napserver-cpu: no metrics listen line in packaging/server.toml" >&2; exit 1; }
    "$bin" --config "$conf" > "$tmp/run/napserver.log" 2>&1 &
    pid=$!
    wait_ready "$port" "$bin" "$pid" "$tmp/run/napserver.log" 10 1000
    local before after out rate n0 w
    n0=1  # the readiness probe's record
    before=$(ticks_of "$pid")
    out=$("$load" --server "127.0.0.1:$port" --requests "$requests" --window "$window" --seconds 600)
    rate=$(echo "$out" | grep -oE '[0-9]+ requests/s' | head -1 | cut -d' ' -f1)
    for _ in $(seq 1 600); do
        w=$(metric "$mport" opennap_audit_records_written_total)
        w=${w%%.*}
        [ "${w:-0}" -ge $((requests + n0)) ] && break
        sleep 0.05
    done
    after=$(ticks_of "$pid")
    kill "$pid"
    wait "$pid" 2>/dev/null || true
    pid=""
    [ "${w:-0}" -ge $((requests + n0)) ] || { echo "napserver-cpu: only ${w:-0} of $((requests + n0)) records written" >&2; exit 1; }
    { echo "$before" | sed 's/^/b /'; echo "$after" | sed 's/^/a /'; } | awk -v n="$requests" -v hz="$ticks" -v rate="$rate" '
        { k = $2; if ($1 == "b") { bu[k] = $3; bs[k] = $4 } else { au[k] = $3; as[k] = $4 } }
        END {
            f = 1e6 / hz / n; tot = 0
            for (k in au) tot += (au[k] - bu[k]) + (as[k] - bs[k])
            printf "%s %.2f %.2f %.2f %.2f %.2f\n", rate, tot * f,
                (au["workers"] - bu["workers"]) * f, (as["workers"] - bs["workers"]) * f,
                (au["audit-writer"] - bu["audit-writer"]) * f, (as["audit-writer"] - bs["audit-writer"]) * f
        }' > "$tmp/result"
}

show() {  # label line
    set -- "$1" $2
    printf '%-40s %7s requests/s, CPU %6s us/request (workers user %s sys %s, audit writer user %s sys %s)\n' \
        "$1" "$2" "$3" "$4" "$5" "$6" "$7"
}

if [ ${#bins[@]} -eq 1 ]; then
    run "${bins[0]}"
    show "${bins[0]}" "$(cat "$tmp/result")"
    exit 0
fi

: > "$tmp/a"
: > "$tmp/b"
for i in $(seq 1 "$pairs"); do
    if [ $((i % 2)) = 1 ]; then order="0 1"; else order="1 0"; fi
    for k in $order; do
        run "${bins[$k]}"
        r=$(cat "$tmp/result")
        show "pair $i ${bins[$k]}" "$r"
        if [ "$k" = 0 ]; then echo "$i $r" >> "$tmp/a"; else echo "$i $r" >> "$tmp/b"; fi
    done
done
join "$tmp/a" "$tmp/b" | awk -v a="${bins[0]}" -v b="${bins[1]}" '
    function median(v, n,   i, j, t) {
        for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (v[j] < v[i]) { t = v[i]; v[i] = v[j]; v[j] = t }
        return n % 2 ? v[(n + 1) / 2] : (v[n / 2] + v[n / 2 + 1]) / 2
    }
    { n++; ca[n] = $3; cb[n] = $9; ra[n] = $2; rb[n] = $8; if ($9 < $3) less++ }
    END {
        minA = maxA = ca[1]; minB = maxB = cb[1]
        for (i = 1; i <= n; i++) {
            if (ca[i] < minA) minA = ca[i]; if (ca[i] > maxA) maxA = ca[i]
            if (cb[i] < minB) minB = cb[i]; if (cb[i] > maxB) maxB = cb[i]
        }
        printf "A %s: CPU %.2f-%.2f us/request (median %.2f), median %d requests/s\n", a, minA, maxA, median(ca, n), median(ra, n)
        printf "B %s: CPU %.2f-%.2f us/request (median %.2f), median %d requests/s\n", b, minB, maxB, median(cb, n), median(rb, n)
        printf "B used less CPU than A in %d of %d pairs\n", less, n
    }'
