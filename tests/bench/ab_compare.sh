#!/usr/bin/env bash
# A/B: two trailsweep binaries on the same archive, alternating run by run, so
# that the drift of a shared machine (30% and more within the hour) falls on
# both alike. Prints each run, then per binary the median wall time and the
# mean CPU time (user + system), and the ratio of the medians. Judge a change
# by this, not by two runs of run_bench.sh minutes apart.
#
#   tests/bench/ab_compare.sh OLD_BINARY NEW_BINARY [ROUNDS] [ARCHIVE] [-- SCAN_ARGS...]
#
# ARCHIVE: a directory or one file (a JSON-lines export).
#
# SCAN_ARGS default to all rules at all cores: --rules rules --rules
# testdata/sigma-rules (relative to the checkout). The report goes to
# /dev/null. An old binary: `git worktree add /tmp/old REV && cmake -S
# /tmp/old -B /tmp/old/build -DCMAKE_BUILD_TYPE=Release && cmake --build
# /tmp/old/build --target trailsweep`. Needs: python3, GNU time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 2 ]; then
  sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
old=$1 new=$2
shift 2
rounds=5
archive=/tmp/trailsweep-bench
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then archive=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
scan_args=("$@")
if [ ${#scan_args[@]} -eq 0 ]; then scan_args=(--rules "$root/rules" --rules "$root/testdata/sigma-rules"); fi
for b in "$old" "$new"; do
  [ -x "$b" ] || { echo "ab_compare: $b is not an executable" >&2; exit 2; }
done
[ -e "$archive" ] || { echo "ab_compare: no archive at $archive (tests/bench/run_bench.sh makes one)" >&2; exit 2; }

times=$(mktemp)
trap 'rm -f "$times" "$times".one' EXIT
for ((i = 1; i <= rounds; i++)); do
  for side in old new; do
    bin=$old
    [ "$side" = new ] && bin=$new
    # Exit status 1 or 3 (findings, evictions) is the scan's answer, not a failure here.
    /usr/bin/time -f "%e %U %S" -o "$times.one" "$bin" scan -q --no-summary --format json -o /dev/null \
      "${scan_args[@]}" "$archive" || true
    read -r wall user sys < <(tail -n 1 "$times.one")
    echo "$side $wall $user $sys" | tee -a "$times"
  done
done
python3 - "$times" <<'EOF'
import statistics, sys
runs = {"old": [], "new": []}
for line in open(sys.argv[1]):
    side, wall, user, sys_ = line.split()
    runs[side].append((float(wall), float(user) + float(sys_)))
median = {}
for side in ("old", "new"):
    walls = [w for w, _ in runs[side]]
    median[side] = statistics.median(walls)
    cpu = statistics.mean(c for _, c in runs[side])
    print(f"{side}: median wall {median[side]:.2f} s over {len(walls)} runs, mean CPU {cpu:.2f} s")
print(f"new / old (median wall): {median['new'] / median['old']:.3f}")
EOF
