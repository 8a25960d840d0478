#!/bin/sh
# Runs an example program unchanged against a real napagent daemon: starts the daemon on a private
# socket and state directory, points the example at it with OPENNAP_AGENT_SOCKET, and stops the
# daemon. Usage: run_against_napagent.sh NAPAGENT EXAMPLE
set -eu
napagent=$1
example=$2
dir=$(mktemp -d /tmp/opennap-example-XXXXXX)
trap 'kill "$pid" 2>/dev/null || true; wait "$pid" 2>/dev/null || true; rm -rf "$dir"' EXIT
cat > "$dir/agent.toml" <<TOML
[daemon]
socket = "$dir/agent.sock"
state_dir = "$dir/state"
TOML
"$napagent" --config "$dir/agent.toml" 2> "$dir/napagent.log" &
pid=$!
i=0
while [ ! -S "$dir/agent.sock" ]; do
    i=$((i + 1))
    if [ $i -gt 200 ]; then
        echo "napagent did not start:" >&2
        cat "$dir/napagent.log" >&2
        exit 1
    fi
    sleep 0.05
done
status=0
OPENNAP_AGENT_SOCKET="$dir/agent.sock" "$example" || status=$?
if [ $status -ne 0 ]; then
    echo "---- napagent log ----" >&2
    cat "$dir/napagent.log" >&2
fi
exit $status
