#!/usr/bin/env bash
# Benchmark: trailsweep against the inflate-only limit and what users do otherwise,
# on the same machine in one run. Prints a Markdown table (the README keeps it).
# Each fast command is timed three times and the best kept (the Python and jq
# baselines, slow and stable, once); the 1-thread runs behind the scaling
# figures alternate with the N-thread ones.
#
#   tests/bench/run_bench.sh [ARCHIVE_DIR] [SIZE_MB] [PRINCIPALS]
#
# The issue's DuckDB row runs when TRAILSWEEP_BENCH_DUCKDB names a folder with
# DuckDB's Node.js package in it (npm install --prefix DIR @duckdb/node-api;
# DuckDB is not packaged for Debian 12); otherwise that row says how.
#
# TRAILSWEEP_BENCH_CPUS (a taskset list, e.g. 0,1) pins every timed command to
# those CPUs and sets the thread count to theirs: a bigger machine then
# measures the 2-core targets.
#
# Builds the release preset if needed and generates the archive (deterministic)
# if ARCHIVE_DIR has none, and ARCHIVE_DIR-export.jsonl.gz (a quarter of it as one
# JSON-lines stream) if missing. Needs: python3, jq, gzip, GNU time.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
archive=${1:-/tmp/trailsweep-bench}
size_mb=${2:-2000}
principals=${3:-100000}
jobs=$(nproc)
pin=()
if [ -n "${TRAILSWEEP_BENCH_CPUS:-}" ]; then
  pin=(taskset -c "$TRAILSWEEP_BENCH_CPUS")
  jobs=$("${pin[@]}" nproc)
fi
build=$root/build/release
if [ ! -x "$build/trailsweep" ] || [ ! -x "$build/tests/bench/trailsweep_inflate_only" ] ||
   [ ! -x "$build/tests/bench/trailsweep_prototype_ondemand" ]; then
  (cd "$root" && cmake --preset release >/dev/null && cmake --build --preset release >/dev/null)
fi
if [ ! -d "$archive/AWSLogs" ]; then
  python3 "$root/tests/bench/make_bench_archive.py" "$archive" --size-mb "$size_mb" --principals "$principals"
fi
list=$(mktemp)
trap 'rm -rf "$list" "$list".*' EXIT
find "$archive" -name '*.json.gz' | sort > "$list"
nfiles=$(wc -l < "$list")
gz_mb=$(du -sm --apparent-size "$archive" | cut -f1)
sync

# seconds and peak RSS (KB) of a command
measure_once() { /usr/bin/time -f "%e %M" -o "$list.time" "${pin[@]}" "$@" > /dev/null 2>"$list.err" || true; tail -n 1 "$list.time"; }
# The best of three: on a shared machine the neighbours' load only ever adds time.
# (peak RSS: the largest of the three).
# fold BEST PEAK T RSS: the smaller time and the larger RSS.
fold() { awk -v b="$1" -v p="$2" -v t="$3" -v r="$4" 'BEGIN { if (b == "" || t + 0 < b + 0) b = t; if (r + 0 > p + 0) p = r; print b, p }'; }
measure() {
  local best="" peak=0
  for _ in 1 2 3; do read best peak <<< "$(fold "$best" "$peak" $(measure_once "$@"))"; done
  echo "$best $peak"
}
# Two commands timed in turn (A B A B A B), the best of three each: the
# 1 -> N thread ratio compares runs minutes apart otherwise, and this
# machine drifts by 30% in minutes. Prints "bestA peakA bestB peakB".
measure_pair() {
  local best_a="" peak_a=0 best_b="" peak_b=0
  for _ in 1 2 3; do
    read best_a peak_a <<< "$(fold "$best_a" "$peak_a" $(measure_once sh -c "$1"))"
    read best_b peak_b <<< "$(fold "$best_b" "$peak_b" $(measure_once sh -c "$2"))"
  done
  echo "$best_a $peak_a $best_b $peak_b"
}

inflate="$build/tests/bench/trailsweep_inflate_only"
read limit_s _ limit1_s _ <<< "$(measure_pair "'$inflate' -j $jobs < '$list'" "'$inflate' -j 1 < '$list'")"
read zlib_s _ <<< "$(measure sh -c "'$inflate' -j $jobs --zlib < '$list'")"
# trailsweep's own inflater: ISA-L where the build found libisal-dev, but
# libdeflate for members under 96 KB inflated (GzipMemberInflater).
picked_row="| trailsweep's inflate only, $jobs threads (ISA-L; libdeflate under 96 KB) | not run: build without libisal-dev | |"
if "$inflate" --isal /dev/null > /dev/null 2>&1; then
  read picked_s _ <<< "$(measure sh -c "'$inflate' -j $jobs --picked < '$list'")"
fi
# The issue's prototype: simdjson On-Demand reading eventName alone.
proto="$build/tests/bench/trailsweep_prototype_ondemand"
read proto_s _ <<< "$(measure sh -c "'$proto' -j $jobs < '$list'")"
# ... and reading what trailsweep's skim reads of every record.
read protof_s _ <<< "$(measure sh -c "'$proto' -j $jobs --fields < '$list'")"
raw_mb=$("$inflate" -j "$jobs" < "$list" | cut -d' ' -f3)
rules=(--rules "$root/rules" --rules "$root/testdata/sigma-rules")
scan_all=$(printf '%q ' "$build/trailsweep" scan -q --no-summary --format json "${rules[@]}" "$archive")
read ts_s ts_rss ts1_s _ <<< "$(measure_pair "$scan_all -j $jobs" "$scan_all -j 1")"
read tsc_s tsc_rss <<< "$(measure "$build/trailsweep" scan -q --no-summary --format json -j "$jobs" "$archive")"
# The reading floor: one rule that can never match, so every record is read
# and counted but no rule runs.
mkdir -p "$list.rules"
cat > "$list.rules/never.yml" <<'RULE'
title: Never matches
id: 00000000-0000-4000-8000-000000000000
logsource: {product: aws, service: cloudtrail}
detection:
  selection: {eventName: NoSuchEventAnywhere}
  condition: selection
level: low
RULE
read tsr_s _ <<< "$(measure "$build/trailsweep" scan -q --no-summary --format json -j "$jobs" --rules "$list.rules" "$archive")"
# One long stream: a quarter of the archive as one gzip'd JSON-lines export
# (what CloudTrail Lake and CloudWatch Logs exports look like), made once
# next to the archive. One worker inflates it and finds the records; all
# parse and match them.
stream=${archive%/}-export.jsonl.gz
if [ ! -f "$stream" ]; then
  head -n $((nfiles / 4 + 1)) "$list" | python3 -c 'import gzip,json,sys
for f in sys.stdin.read().split():
    for r in json.load(gzip.open(f))["Records"]: sys.stdout.write(json.dumps(r, separators=(",", ":")) + "\n")' |
    gzip -6 > "$stream.tmp" && mv "$stream.tmp" "$stream"
fi
stream_mb=$(gzip -l "$stream" | awk 'NR == 2 { printf "%.0f", $2 / 1e6 }')
scan_stream=$(printf '%q ' "$build/trailsweep" scan -q --no-summary --format json "${rules[@]}" "$stream")
read st_s _ st1_s _ <<< "$(measure_pair "$scan_stream -j $jobs" "$scan_stream -j 1")"
records=$( ("$build/trailsweep" scan -q --no-summary --format json -j "$jobs" "$archive" || true) | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["records"])')
read gz_s _ <<< "$(measure sh -c "xargs -P $jobs -n 64 gzip -dc < '$list'")"
py='import gzip,json,sys
n=0
for f in sys.argv[1:]:
    for r in json.load(gzip.open(f))["Records"]:
        if r.get("eventName") in ("RunInstances","CreateCluster") or r.get("errorCode")=="Client.DryRunOperation": n+=1
print(n)'
read py_s _ <<< "$(measure_once sh -c "xargs -P $jobs -n 256 python3 -c '$py' < '$list'")"
duck_row="| DuckDB \`read_json\` record count, $jobs threads | not run: set TRAILSWEEP_BENCH_DUCKDB (see the script) | |"
if [ -n "${TRAILSWEEP_BENCH_DUCKDB:-}" ] && command -v node >/dev/null; then
  read duck_s _ <<< "$(measure node "$root/tests/bench/duckdb_count.cjs" "$TRAILSWEEP_BENCH_DUCKDB" \
                       "$archive/AWSLogs/**/*.json.gz" "$jobs")"
  duck_row="| DuckDB \`read_json\` record count, $jobs threads | ${duck_s} s | RATIO_DUCK |"
fi
tenth=$((nfiles / 10 + 1))
head -n "$tenth" "$list" > "$list.10"
read jq_s _ <<< "$(measure_once sh -c "xargs zcat < '$list.10' | jq -c '.Records[] | select(.eventName==\"RunInstances\" or .errorCode==\"Client.DryRunOperation\")'")"
jq_scaled=$(python3 -c "print(f'{$jq_s * $nfiles / $tenth:.1f}')")

ratio() { python3 -c "print(f'{$1 / $limit_s:.1f}')"; }
echo "archive: $nfiles files, ${gz_mb} MB gzip, ${raw_mb} MB JSON, $records records, $principals principals; $jobs threads on $(nproc) cores${TRAILSWEEP_BENCH_CPUS:+ (pinned to CPUs $TRAILSWEEP_BENCH_CPUS)}"
echo
echo "| way to do the job | wall time | ratio to the limit |"
echo "|---|---|---|"
echo "| libdeflate inflate only, $jobs threads (the limit) | ${limit_s} s | 1.0 |"
[ -n "${picked_s:-}" ] && picked_row="| trailsweep's inflate only, $jobs threads (ISA-L; libdeflate under 96 KB) | ${picked_s} s | $(ratio "$picked_s") |"
echo "$picked_row"
echo "| prototype: libdeflate + simdjson On-Demand, eventName prefilter, $jobs threads | ${proto_s} s | $(ratio "$proto_s") |"
echo "| the same, reading the fields trailsweep reads of every record (\`--fields\`) | ${protof_s} s | $(ratio "$protof_s") |"
echo "| **trailsweep scan**, shipped + 57 SigmaHQ rules, -j $jobs | ${ts_s} s | $(ratio "$ts_s") |"
echo "| trailsweep scan, shipped rules only, -j $jobs | ${tsc_s} s | $(ratio "$tsc_s") |"
echo "| trailsweep scan, one rule that never matches (reading alone), -j $jobs | ${tsr_s} s | $(ratio "$tsr_s") |"
echo "| zlib inflate only, $jobs threads | ${zlib_s} s | $(ratio "$zlib_s") |"
echo "| \`gzip -dc\` only, $jobs processes | ${gz_s} s | $(ratio "$gz_s") |"
[ -n "${duck_s:-}" ] && duck_row=${duck_row/RATIO_DUCK/$(ratio "$duck_s")}
echo "$duck_row"
echo "| Python gzip+json filter, $jobs processes | ${py_s} s | $(ratio "$py_s") |"
echo "| \`zcat \| jq\` filter (10% subset, scaled) | ~${jq_scaled} s | ~$(ratio "$jq_scaled") |"
echo
python3 - <<PY
ts, ts1, lim1 = $ts_s, $ts1_s, $limit1_s
print(f"trailsweep (all rules): {$raw_mb/ts:.0f} MB/s of JSON, {$records/ts/1e6:.2f} M records/s; "
      f"scaling 1 -> $jobs threads: {ts1/ts:.2f}x (inflate alone: {lim1/$limit_s:.2f}x); "
      f"peak RSS {int('$ts_rss')/1024:.0f} MB (shipped rules only: {int('$tsc_rss')/1024:.0f} MB)")
print(f"vs gzip -dc: {$gz_s/ts:.1f}x faster; vs zcat | jq: ~{$jq_scaled/ts:.0f}x faster; "
      f"vs the prototype: {ts/$proto_s:.2f}x its time (reading alone: {$tsr_s/$proto_s:.2f}x)")
print(f"one gzip'd JSON-lines export of $stream_mb MB (all rules): -j 1 {$st1_s} s, -j $jobs {$st_s} s "
      f"({$st1_s/$st_s:.2f}x)")
PY
