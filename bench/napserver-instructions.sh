#!/bin/bash
# napserver-instructions.sh: the instructions napserver executes per Access-Request (valgrind
# callgrind), a figure that does not move with the load of a shared machine as requests/s and CPU
# time do (docs/benchmarks.md, "napserver"). Used to measure each optimisation of the request path.
#
#   bench/napserver-instructions.sh [--build DIR] [--napserver BIN] [--requests N] [--keep]
#
# Starts napserver (the shipped configuration, audit ON to SQLite in a temporary directory, on a
# free loopback port) under callgrind, counting only inside the request path
# (NapServer::Impl::process: decode, verify, SHVs, policies, answer, send) and the audit writer's
# thread (AuditWriter::Impl::run: the SQLite inserts); sends N requests (vector 10 SoH) with
# radius_load, window 16; waits for the audit batch to be written; prints instructions per request.
# Everything it started is stopped by pid; the temporary directory is removed unless --keep.
set -euo pipefail

here=$(cd "$(dirname "$0")/.." && pwd)
build="$here/build/release"
napserver=""
requests=3000
keep=0
while [ $# -gt 0 ]; do
    case "$1" in
        --build) build=$(cd "$2" && pwd); shift 2 ;;
        --napserver) napserver=$2; shift 2 ;;
        --requests) requests=$2; shift 2 ;;
        --keep) keep=1; shift ;;
        *) echo "usage: $0 [--build DIR] [--napserver BIN] [--requests N] [--keep]" >&2; exit 2 ;;
    esac
done
[ -n "$napserver" ] || napserver="$build/apps/napserver/napserver"
load="$build/bench/radius_load"
for f in "$napserver" "$load"; do
    [ -x "$f" ] || { echo "napserver-instructions: $f not found (cmake --build --preset release --target napserver radius_load)" >&2; exit 2; }
done
command -v valgrind >/dev/null || { echo "napserver-instructions: valgrind not found (scripts/bootstrap)" >&2; exit 2; }

tmp=$(mktemp -d /tmp/napserver-instructions-XXXXXX)
pid=""
cleanup() {
    [ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
    if [ "$keep" = 1 ]; then echo "kept $tmp"; else rm -rf "$tmp"; fi
}
trap cleanup EXIT

# shellcheck source=bench/lib.sh
. "$here/bench/lib.sh"
port=$(free_port)
server_toml "$port" "$tmp/audit.db" > "$tmp/server.toml"
valgrind --tool=callgrind --collect-atstart=no \
    '--toggle-collect=opennap::serverd::NapServer::Impl::process*' \
    '--toggle-collect=opennap::store::AuditWriter::Impl::run*' \
    --callgrind-out-file="$tmp/callgrind.out" \
    "$napserver" --config "$tmp/server.toml" > "$tmp/napserver.log" 2>&1 &
pid=$!
wait_ready "$port" napserver "$pid" "$tmp/napserver.log" 60 2000  # slow under valgrind
"$load" --server "127.0.0.1:$port" --requests "$requests" --window 16 --timeout-ms 10000 --seconds 600 | sed -n 2p
sleep 3  # the audit writer's flush interval (1 s) and its batch
kill "$pid"
wait "$pid" 2>/dev/null || true
pid=""
total=$(callgrind_annotate "$tmp/callgrind.out" 2>/dev/null | awk '/PROGRAM TOTALS/ && !done { gsub(",", "", $1); print $1; done = 1 }')
# The readiness probe is one more request.
echo "napserver $napserver: $total instructions in the request path and the audit writer, $((total / (requests + 1))) per request"
