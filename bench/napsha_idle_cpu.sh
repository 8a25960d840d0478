#!/usr/bin/env bash
# napsha's CPU while idle: starts napagent and napsha (default [checks]: every check, every
# watcher, timer 300 s) on a private socket, lets napsha settle, then samples utime + stime of
# napsha (and napagent) from /proc/PID/stat over SECONDS. Figures in docs/benchmarks.md.
#
#   bench/napsha_idle_cpu.sh BUILD_DIR [SECONDS]     e.g. build/release 60
set -euo pipefail
build=${1:?build dir}
secs=${2:-60}
dir=$(mktemp -d /tmp/napsha-idle.XXXXXX)
cat > "$dir/agent.toml" <<TOML
[daemon]
socket = "$dir/agent.sock"
state_dir = "$dir/state"
[checks.security_updates]
cache_dir = "$dir/apt"
TOML
"$build/apps/napagent/napagent" --config "$dir/agent.toml" 2> "$dir/napagent.log" &
agent=$!
for _ in $(seq 100); do [ -S "$dir/agent.sock" ] && break; sleep 0.1; done
"$build/apps/napsha/napsha" --config "$dir/agent.toml" 2> "$dir/napsha.log" &
sha=$!
trap 'kill $sha $agent 2>/dev/null; wait $sha $agent 2>/dev/null; rm -rf "$dir"' EXIT
for _ in $(seq 300); do grep -q "linux SHA 0x007ED902 bound" "$dir/napsha.log" && break; sleep 0.1; done
sleep 5
hz=$(getconf CLK_TCK)
ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
s0=$(ticks $sha); a0=$(ticks $agent); t0=$(date +%s.%N)
sleep "$secs"
s1=$(ticks $sha); a1=$(ticks $agent); t1=$(date +%s.%N)
awk -v s=$((s1 - s0)) -v a=$((a1 - a0)) -v hz="$hz" -v t0="$t0" -v t1="$t1" 'BEGIN {
  w = t1 - t0
  printf "over %.1f s: napsha %d ticks = %.4f %% of one core; napagent %d ticks = %.4f %%\n",
         w, s, 100 * s / hz / w, a, 100 * a / hz / w }'
