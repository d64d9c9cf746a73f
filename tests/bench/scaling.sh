#!/usr/bin/env bash
# How an all-rules scan scales with threads, and that its report does not
# change: for each -j, the best wall time of ROUNDS runs, CPU time and peak
# RSS, and the checksum of the --deterministic JSON report (one checksum for
# every -j, or the line says which differ). Then the triage commands at the
# largest and smallest -j, with their output checksums.
#
#   tests/bench/scaling.sh ARCHIVE [ROUNDS] [JOBS...]
#
# JOBS default to 1, 2, 4, ... up to the machine's cores; ROUNDS to 2. Uses
# build/release (cmake --preset release). Needs GNU time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
if [ $# -lt 1 ] || [ ! -d "$1" ]; then
  sed -n '2,11p' "$0" | sed 's/^# \{0,1\}//'
  exit 2
fi
archive=$1
rounds=${2:-2}
shift $(( $# >= 2 ? 2 : 1 ))
jobs=("$@")
for n in "$rounds" ${jobs[@]+"${jobs[@]}"}; do
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || { echo "scaling: ROUNDS and JOBS are positive integers, not '$n'" >&2; exit 2; }
done
if [ ${#jobs[@]} -eq 0 ]; then
  for ((j = 1; j < $(nproc); j *= 2)); do jobs+=("$j"); done
  jobs+=("$(nproc)")
fi
bin=$root/build/release/trailsweep
[ -x "$bin" ] || { echo "scaling: build the release preset first ($bin is missing)" >&2; exit 2; }
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# timed LABEL COMMAND...: the command's stdout to $tmp/out; prints wall, CPU, RSS.
timed() {
  local label=$1
  shift
  local rc=0
  /usr/bin/time -f "%e %U %S %M" -o "$tmp/time" "$@" > "$tmp/out" 2> "$tmp/err" || rc=$?
  # 1 and 3 are a scan's answers (findings, evictions), not failures here.
  if [ "$rc" -ne 0 ] && [ "$rc" -ne 1 ] && [ "$rc" -ne 3 ]; then
    echo "scaling: $label exited $rc:" >&2
    cat "$tmp/err" >&2
    exit 1
  fi
  read -r wall user sys rss < <(tail -n 1 "$tmp/time")
  echo "$wall $user $sys $rss"
}

rules=(--rules "$root/rules" --rules "$root/testdata/sigma-rules")
echo "| -j | wall (best of $rounds) | speed-up over the first | CPU s | peak RSS | report md5 |"
echo "|---|---|---|---|---|---|"
sums=()
first_wall=""
for j in "${jobs[@]}"; do
  best=""
  for ((r = 0; r < rounds; r++)); do
    read -r wall user sys rss < <(timed "scan -j $j" "$bin" scan -q --no-summary --format json \
      --deterministic --fail-on never "${rules[@]}" -j "$j" "$archive")
    if [ -z "$best" ] || awk -v a="$wall" -v b="$best" 'BEGIN { exit !(a < b) }'; then
      best=$wall best_cpu=$(awk -v u="$user" -v s="$sys" 'BEGIN { printf "%.2f", u + s }') best_rss=$rss
    fi
  done
  sum=$(grep -v '"elapsed' "$tmp/out" | md5sum | cut -c1-12)
  sums+=("$sum")
  [ -n "$first_wall" ] || first_wall=$best
  speedup=$(awk -v a="$first_wall" -v b="$best" 'BEGIN { if (b > 0) printf "%.2fx", a / b; else printf "-" }')
  echo "| $j | $best s | $speedup | $best_cpu | $((best_rss / 1024)) MB | $sum |"
done
if [ "$(printf '%s\n' "${sums[@]}" | sort -u | wc -l)" -ne 1 ]; then
  echo "scaling: the report differs between -j values (above)" >&2
  exit 1
fi

first=${jobs[0]}
last=${jobs[${#jobs[@]}-1]}
echo
declare -A seen
for j in "$last" "$first"; do
  read -r wall user sys rss < <(timed "summary -j $j" "$bin" summary --format jsonl --max-principals 20000 -j "$j" "$archive")
  sum=$(md5sum < "$tmp/out" | cut -c1-12)
  echo "summary --max-principals 20000 -j $j: $wall s, $((rss / 1024)) MB, md5 $sum"
  seen[summary]+="$sum "
  read -r wall user sys rss < <(timed "search -j $j" "$bin" search -j "$j" --where 'requestParameters.instanceType=*' "$archive")
  sum=$(md5sum < "$tmp/out" | cut -c1-12)
  echo "search --where 'requestParameters.instanceType=*' -j $j: $wall s, $((rss / 1024)) MB, md5 $sum"
  seen[search]+="$sum "
done
for command in summary search; do
  if [ "$(tr ' ' '\n' <<< "${seen[$command]}" | sort -u | grep -c .)" -ne 1 ]; then
    echo "scaling: $command's output differs between -j $first and -j $last" >&2
    exit 1
  fi
done
