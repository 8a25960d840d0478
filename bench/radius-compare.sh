#!/bin/bash
# radius-compare.sh: napserver against Debian's FreeRADIUS 3.2 under the same RADIUS load, in one
# run, on the loopback interface (docs/benchmarks.md, "napserver").
#
#   bench/radius-compare.sh [--build DIR] [--rounds R] [--seconds S] [--windows "64 256"]
#                           [--workers N] [--keep]
#
# Starts napserver (DIR/apps/napserver/napserver; build it with the release preset) with the
# shipped configuration (packaging/server.toml: the built-in WSHA SHV and policies) on a free
# port, log level warn, audit ON to SQLite in a temporary directory, metrics on a free loopback
# port (after each napserver run the script prints how many decision records were still queued
# for the audit store and waits until they are written, so that this writing neither hides in
# napserver's figure nor takes CPU from the next run); and FreeRADIUS
# (/usr/sbin/freeradius) with a private configuration in a temporary directory whose default
# site runs the `soh` module on the request's MS-Quarantine-SoH and answers Access-Accept (rlm_soh
# rejects an SoH it cannot decode). Then, R rounds, for each window: radius_load against one
# server and then the other (the order alternates between rounds, since the machine's speed
# drifts), S seconds each. Prints every run, then the median and the range of each figure and the
# napserver / FreeRADIUS ratio of the medians, and the budget a 2x ratio would leave napserver:
# the machine's CPU time per request at twice FreeRADIUS's rate, less what the load generator (on
# the same cores) spent per request driving napserver. The same rounds also measure radius_floor
# (bench/radius_floor.cc: receive, verify the Message-Authenticator, answer a signed Access-Accept,
# nothing else), the ceiling this machine and this load generator allow any RADIUS server; both
# servers' rates are also given as a share of it. Everything it started is stopped (by pid) and the
# temporary directory removed on the way out (--keep keeps it, e.g. to read the audit database).
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build/release"
rounds=3
seconds=5
windows="64 256"
workers=""
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --rounds) rounds=$2; shift 2 ;;
        --seconds) seconds=$2; shift 2 ;;
        --windows) windows=$2; shift 2 ;;
        --workers) workers=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--build DIR] [--rounds R] [--seconds S] [--windows \"64 256\"] [--workers N] [--keep]" >&2
           exit 2 ;;
    esac
done

napserver="$build/apps/napserver/napserver"
load="$build/bench/radius_load"
floor="$build/bench/radius_floor"
freeradius=/usr/sbin/freeradius
for f in "$napserver" "$load" "$floor" "$freeradius"; do
    [ -x "$f" ] || { echo "radius-compare: $f not found (cmake --build --preset release --target napserver radius_load radius_floor; FreeRADIUS: scripts/bootstrap)" >&2; exit 2; }
done

tmp=$(mktemp -d /tmp/radius-compare-XXXXXX)
nap_pid=""
fr_pid=""
floor_pid=""
cleanup() {
    [ -n "$floor_pid" ] && kill "$floor_pid" 2>/dev/null && wait "$floor_pid" 2>/dev/null || true
    [ -n "$nap_pid" ] && kill "$nap_pid" 2>/dev/null && wait "$nap_pid" 2>/dev/null || true
    [ -n "$fr_pid" ] && kill "$fr_pid" 2>/dev/null && wait "$fr_pid" 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"

# ---- napserver: the shipped configuration, audit to SQLite in $tmp, metrics on (for the audit
# queue: a run can end with records still queued, whose writing would then take CPU from the
# next run, so each napserver run is followed by a wait until the queue is drained)
nap_port=$(free_port)
metrics_port=$(free_port t)
server_toml "$nap_port" "$tmp/audit.db" "$metrics_port" > "$tmp/server.toml"
if [ -n "$workers" ]; then
    sed -i -e "s|^workers = .*|workers = $workers|" "$tmp/server.toml"
fi
"$napserver" --config "$tmp/server.toml" > "$tmp/napserver.log" 2>&1 &
nap_pid=$!
wait_ready "$nap_port" napserver "$nap_pid" "$tmp/napserver.log"

# ---- FreeRADIUS: a private configuration; the default site decodes the SoH with rlm_soh
fr_port=$(free_port)
mkdir -p "$tmp/freeradius"
cat > "$tmp/freeradius/radiusd.conf" <<EOF
prefix = /usr
exec_prefix = /usr
sysconfdir = /etc
localstatedir = /var
confdir = $tmp/freeradius
raddbdir = $tmp/freeradius
radacctdir = $tmp/freeradius
logdir = $tmp/freeradius
run_dir = $tmp/freeradius
libdir = /usr/lib/freeradius
pidfile = $tmp/freeradius/radiusd.pid
name = radius-compare
hostname_lookups = no
# Debian's shipped request limits.
max_request_time = 30
cleanup_delay = 5
max_requests = 16384
log {
  destination = files
  file = $tmp/freeradius.log
  auth = no
}
security {
  allow_core_dumps = no
}
# Debian's shipped thread pool settings.
thread pool {
  start_servers = 5
  max_servers = 32
  min_spare_servers = 3
  max_spare_servers = 10
  max_requests_per_server = 0
  max_queue_size = 65536
}
client loopback {
  ipaddr = 127.0.0.1
  secret = testing123
  require_message_authenticator = no
}
modules {
  soh {
    dhcp = no
  }
}
server default {
  listen {
    type = auth
    ipaddr = 127.0.0.1
    port = $fr_port
  }
  authorize {
    soh
    update control {
      &Auth-Type := Accept
    }
  }
  authenticate {
  }
}
EOF
"$freeradius" -f -d "$tmp/freeradius" >> "$tmp/freeradius.log" 2>&1 &
fr_pid=$!
wait_ready "$fr_port" freeradius "$fr_pid" "$tmp/freeradius.log"

floor_port=$(free_port)
"$floor" --listen "127.0.0.1:$floor_port" --threads 1 > "$tmp/radius_floor.log" 2>&1 &
floor_pid=$!
wait_ready "$floor_port" radius_floor "$floor_pid" "$tmp/radius_floor.log"

echo "machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//'), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "napserver $napserver (workers: $(sed -n 's/^workers = //p' "$tmp/server.toml")), FreeRADIUS $($freeradius -v | sed -n 's/.*\(Version [0-9.]*\).*/\1/p' | head -1)"

# napserver's audit queue (records not yet committed), from its metrics; empty if unreadable.
audit_queue() {
    metric "$metrics_port" opennap_audit_queue_records
}

# After a napserver run: waits until the records it left queued are written, down to less than
# one batch (the rest waits for the writer's flush interval, idle time that is not catching up);
# prints how many there were and the seconds that took (fractions of 0.1 s: the polling interval).
drain_audit() {
    local left start q batch
    batch=$(sed -n 's/^batch_size = \([0-9]*\).*/\1/p' "$tmp/server.toml")
    left=$(audit_queue)
    start=$(date +%s.%N)
    for _ in $(seq 1 600); do
        q=$(audit_queue)
        [ -n "$q" ] || break
        awk -v q="$q" -v b="${batch:-100}" 'BEGIN { exit !(q < b) }' && break
        sleep 0.1
    done
    echo "${left:-0} $(awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { printf "%.2f", b - a }')"
}

run() {  # run NAME PORT PID WINDOW ROUND
    local out
    out=$("$load" --server "127.0.0.1:$2" --window "$4" --seconds "$seconds" --requests 100000000 \
        --server-pid "$3" --label "$1" --json) || true
    echo "$out" >> "$tmp/results.jsonl"
    local extra=""
    if [ "$1" = napserver ]; then
        # Its rate counting the time to write what the run left queued for the audit store.
        local drained left took rps
        drained=$(drain_audit)
        left=${drained% *}
        took=${drained#* }
        rps=$(echo "$out" | sed -E 's/.*"answered":([0-9]+),.*"seconds":([0-9.]+),.*/\1 \2/' |
            awk -v t="$took" '{ printf "%.0f", $1 / ($2 + t) }')
        echo "{\"label\":\"napserver-audited\",\"window\":$4,\"rps\":$rps}" >> "$tmp/results.jsonl"
        extra="; audit queue at the end $left records, written in $took s: $rps req/s with them"
    fi
    echo "round $5 window $4 $1: $(echo "$out" | sed -E 's/.*"rps":([0-9.]+).*"p50":([0-9.]+),"p99":([0-9.]+),"p999":([0-9.]+),"max":([0-9.]+).*/\1 req\/s, p50 \2 us, p99 \3 us, p99.9 \4 us, max \5 us/'), $(echo "$out" | sed -E 's/.*"accept":([0-9]+),"reject":([0-9]+).*"timeouts":([0-9]+),"late":([0-9]+),"bad":([0-9]+).*/accept \1 reject \2 timeouts \3 late \4 bad \5/'), server CPU $(echo "$out" | sed -E 's/.*"server_cpu_us_per_request":([0-9.]+).*/\1/') us/req, radius_load CPU $(echo "$out" | sed -E 's/.*"cpu_us_per_request":([0-9.]+).*/\1/') us/req$extra"
}

for r in $(seq 1 "$rounds"); do
    for w in $windows; do
        if [ $((r % 2)) = 1 ]; then
            run napserver "$nap_port" "$nap_pid" "$w" "$r"
            run freeradius "$fr_port" "$fr_pid" "$w" "$r"
        else
            run freeradius "$fr_port" "$fr_pid" "$w" "$r"
            run napserver "$nap_port" "$nap_pid" "$w" "$r"
        fi
        run floor "$floor_port" "$floor_pid" "$w" "$r"
    done
done

# ---- medians and ranges
field() { sed -E "s/.*\"$1\":([0-9.]+).*/\1/"; }
stats() {  # stats NAME WINDOW FIELD -> "median (min-max)"
    local values
    values=$(grep "\"label\":\"$1\"" "$tmp/results.jsonl" | grep "\"window\":$2," | field "$3" | sort -g)
    local n
    n=$(echo "$values" | wc -l)
    echo "$(echo "$values" | sed -n "$(( (n + 1) / 2 ))p") ($(echo "$values" | head -1)-$(echo "$values" | tail -1))"
}
median() { stats "$@" | cut -d' ' -f1; }
total() { grep "\"label\":\"$1\"" "$tmp/results.jsonl" | grep "\"window\":$2," | field "$3" | awk '{s+=$1} END {print s+0}'; }

echo
echo "medians of $rounds rounds of $seconds s (range in parentheses):"
for w in $windows; do
    echo "  window $w napserver counting its audit catch-up: $(stats napserver-audited "$w" rps) req/s"
    for name in napserver freeradius floor; do
        echo "  window $w $name: $(stats $name "$w" rps) req/s; p50 $(stats $name "$w" p50) us; p99 $(stats $name "$w" p99) us; p99.9 $(stats $name "$w" p999) us; server CPU $(stats $name "$w" server_cpu_us_per_request) us/req; radius_load CPU $(stats $name "$w" cpu_us_per_request) us/req; timeouts $(total $name "$w" timeouts), bad $(total $name "$w" bad), rejects $(total $name "$w" reject)"
    done
    echo "  window $w ratio napserver/FreeRADIUS (median req/s): $(awk -v a="$(median napserver "$w" rps)" -v b="$(median freeradius "$w" rps)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'); counting napserver's audit catch-up: $(awk -v a="$(median napserver-audited "$w" rps)" -v b="$(median freeradius "$w" rps)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
    # What 2x FreeRADIUS's rate would leave napserver: the machine's CPU time per request at that
    # rate (every core busy, which no run quite reaches), less what the load generator took per
    # request while driving napserver. A ceiling: the idle moments of a real run come off it.
    echo "  window $w budget for 2x FreeRADIUS: $(awk -v f="$(median freeradius "$w" rps)" -v c="$(nproc)" -v l="$(median napserver "$w" cpu_us_per_request)" -v n="$(median napserver "$w" server_cpu_us_per_request)" 'BEGIN { if (f > 0) { t = c * 1e6 / (2 * f); printf "%.0f req/s leave %.1f us of CPU per request on %d cores; radius_load takes %.1f, so napserver would have at most %.1f us (it used %.1f during its runs)", 2 * f, t, c, l, t - l, n } else print "n/a" }')"
    echo "  window $w share of the floor (median req/s): napserver $(awk -v a="$(median napserver "$w" rps)" -v b="$(median floor "$w" rps)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'), FreeRADIUS $(awk -v a="$(median freeradius "$w" rps)" -v b="$(median floor "$w" rps)" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }')"
done
if command -v sqlite3 >/dev/null; then
    echo "  napserver audit records so far: $(sqlite3 "$tmp/audit.db" 'select count(*) from opennap_decision' 2>/dev/null || echo '?')"
fi
