#!/usr/bin/env bash
# A scan of an archive that is not in the page cache, as a year of an
# organization trail never is: the kernel's cache is dropped before each cold
# run. Alternates, round by round, a cold scan without the read-ahead
# (--read-ahead 0), a cold scan with the default read-ahead, and a warm scan
# (the archive cached, what run_bench.sh measures); prints each run, then the
# median wall time of each and the ratios to the warm one.
#
#   sudo tests/bench/cold_cache.sh [BINARY] [ROUNDS] [ARCHIVE] [-- SCAN_ARGS...]
#
# BINARY defaults to build/release/trailsweep; ARCHIVE to /tmp/trailsweep-bench
# (run_bench.sh makes one). SCAN_ARGS default to all rules at all cores. Needs
# root (it writes /proc/sys/vm/drop_caches), python3 and GNU time. The archive
# should live on a real disk: tmpfs has no cache to drop.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
bin=$root/build/release/trailsweep
rounds=3
archive=/tmp/trailsweep-bench
if [ $# -gt 0 ] && [ "$1" != "--" ]; then bin=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then rounds=$1; shift; fi
if [ $# -gt 0 ] && [ "$1" != "--" ]; then archive=$1; shift; fi
[ $# -gt 0 ] && [ "$1" = "--" ] && shift
scan_args=("$@")
if [ ${#scan_args[@]} -eq 0 ]; then scan_args=(--rules "$root/rules" --rules "$root/testdata/sigma-rules"); fi
[ -x "$bin" ] || { echo "cold_cache: $bin is not an executable" >&2; exit 2; }
[ -e "$archive" ] || { echo "cold_cache: no archive at $archive (tests/bench/run_bench.sh makes one)" >&2; exit 2; }
[ -w /proc/sys/vm/drop_caches ] || { echo "cold_cache: cannot drop the page cache (run as root)" >&2; exit 2; }

times=$(mktemp)
trap 'rm -f "$times" "$times".one' EXIT
run() {  # name, then extra scan arguments
  local name=$1
  shift
  # Exit status 1 or 3 (findings, evictions) is the scan's answer, not a failure here.
  /usr/bin/time -f "%e %U %S" -o "$times.one" "$bin" scan -q --no-summary --format json -o /dev/null \
    "${scan_args[@]}" "$@" "$archive" || true
  read -r wall user sys < <(tail -n 1 "$times.one")
  echo "$name $wall $user $sys" | tee -a "$times"
}
drop() { sync; echo 3 > /proc/sys/vm/drop_caches; }
for ((i = 1; i <= rounds; i++)); do
  drop
  run cold-no-read-ahead --read-ahead 0
  drop
  run cold-read-ahead
  run warm
done
python3 - "$times" <<'EOF'
import statistics, sys
runs = {}
for line in open(sys.argv[1]):
    name, wall, user, sys_ = line.split()
    runs.setdefault(name, []).append(float(wall))
warm = statistics.median(runs["warm"])
for name in ("cold-no-read-ahead", "cold-read-ahead", "warm"):
    m = statistics.median(runs[name])
    print(f"{name:20} median {m:.2f} s  {m / warm:.2f}x warm  ({len(runs[name])} runs)")
EOF
