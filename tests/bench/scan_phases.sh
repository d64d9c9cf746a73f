#!/usr/bin/env bash
# The serial parts of a scan, which no -j shortens: the head, from exec to the
# first worker thread (listing the input, loading the rules), and the tail,
# from the last worker's exit to the process's (merging the workers' state,
# building, sorting and writing the findings). They decide how far from N x a
# scan on N cores can get, and on a short scan (one JSON-lines export of a few
# hundred MB) they are a quarter of the run. Taken from thread start and exit
# times under strace -f, which stops only at those syscalls but still slows
# the scan between them: read the head and the tail, not the middle.
# Runs the binaries in turn, ROUNDS times, prints each run, then per binary
# the median head and tail.
#
#   tests/bench/scan_phases.sh ROUNDS BINARY... [-- SCAN_ARGS...]
#
# Each run is `BINARY scan -q --no-summary --format json -o /dev/null
# SCAN_ARGS` (so SCAN_ARGS name no --format or -o). They default to all rules
# (the checkout's rules/ and testdata/sigma-rules) at -j 2 over
# /tmp/trailsweep-bench; give -j N in them (the N longest-lived threads are
# taken as the workers). Needs strace, python3.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 2 ]; then
  sed -n '2,19p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
rounds=$1
shift
binaries=()
while [ $# -gt 0 ] && [ "$1" != "--" ]; do binaries+=("$1"); shift; done
[ $# -gt 0 ] && shift
scan_args=("$@")
# The script runs `BINARY scan ...` itself: a leading `scan` here would make
# the scan read a path named scan and fail before any worker started.
if [ "${scan_args[0]:-}" = scan ]; then scan_args=("${scan_args[@]:1}"); fi
if [ ${#scan_args[@]} -eq 0 ]; then
  scan_args=(--rules "$root/rules" --rules "$root/testdata/sigma-rules" -j 2 /tmp/trailsweep-bench)
fi
jobs=$(nproc)
for ((i = 0; i + 1 < ${#scan_args[@]}; i++)); do
  [ "${scan_args[$i]}" = "-j" ] && jobs=${scan_args[$((i + 1))]}
done
command -v strace > /dev/null || { echo "scan_phases: needs strace" >&2; exit 2; }
for b in "${binaries[@]}"; do
  [ -x "$b" ] || { echo "scan_phases: $b is not an executable" >&2; exit 2; }
done

trace=$(mktemp)
runs=$(mktemp)
trap 'rm -f "$trace" "$runs"' EXIT
for ((r = 1; r <= rounds; r++)); do
  for b in "${binaries[@]}"; do
    # Exit status 1 or 3 (findings, evictions) is the scan's answer, not a failure here.
    strace -f -ttt --seccomp-bpf -e trace=execve,clone3,clone,exit,exit_group -o "$trace" \
      "$b" scan -q --no-summary --format json -o /dev/null "${scan_args[@]}" || true
    python3 - "$b" "$jobs" "$trace" <<'EOF' | tee -a "$runs"
import re, sys
binary, jobs, path = sys.argv[1], int(sys.argv[2]), sys.argv[3]
lines = open(path).read().splitlines()
main, start = lines[0].split()[0], float(lines[0].split()[1])
exits = {l.split()[0]: float(l.split()[1]) for l in lines if "+++ exited" in l}
threads = []  # (created, tid) of the main thread's threads
for l in lines:
    m = re.search(r"parent_tid=\[(\d+)\]", l)
    if l.split()[0] == main and "clone3(" in l and m:
        threads.append((float(l.split()[1]), m.group(1)))
workers = sorted(((exits[t] - c, c, t) for c, t in threads if t in exits), reverse=True)[:jobs]
if not workers or main not in exits:
    sys.exit(f"scan_phases: no worker threads found in the trace of {binary}")
first = min(c for _, c, _ in workers)
last = max(exits[t] for _, _, t in workers)
end = exits[main]
print(f"{binary} head_ms {1000 * (first - start):.1f} tail_ms {1000 * (end - last):.1f} total_s {end - start:.3f}")
EOF
  done
done
python3 - "$runs" <<'EOF'
import statistics, sys
by = {}
for line in open(sys.argv[1]):
    b, _, head, _, tail, _, _ = line.split()
    by.setdefault(b, []).append((float(head), float(tail)))
for b, v in by.items():
    print(f"{b}: median head {statistics.median(h for h, _ in v):.1f} ms, "
          f"median tail {statistics.median(t for _, t in v):.1f} ms over {len(v)} runs")
EOF
