#!/usr/bin/env bash
# Mailbox sync benchmark (issue 5, "Performance"): runs dev.postroom.bench.SyncBenchmark once per run below, each in
# a Maven invocation (and so a JVM, PostgreSQL, Redis and OpenSearch) of its own, and keeps the results in
# bench/results/<UTC stamp>-sync/. See bench/README.md, "Mailbox sync".
#
#   bench/sync.sh                          # every run, in this order: initial limits-1000 limits-100
#                                          #   limits-budget latency-notifications latency-polling idle (2-3 hours)
#   bench/sync.sh initial idle             # only these runs
#   BENCH_ARGS="-Dbench.initial.messages=20000" bench/sync.sh initial     # sizes and knobs: -Dbench.* (README)
#
# Environment: JAVA_HOME (default: the first JDK >= 21 found), MVN_GOAL (verify), BENCH_ARGS (extra -D options for
# every run), QUIET_CPU (a run starts once the machine's busy CPU is below this % of all cores; default 25),
# QUIET_MAX_WAIT (seconds to wait for that, default 600; then the run starts anyway, with a WARNING).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$(pwd)

if [[ -z "${JAVA_HOME:-}" ]]; then
  for candidate in /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/temurin-21-jdk-amd64 /usr/lib/jvm/*; do
    if [[ -x "$candidate/bin/java" ]] && "$candidate/bin/java" -version 2>&1 | grep -qE 'version "(2[1-9]|[3-9][0-9])'; then
      JAVA_HOME=$candidate
      break
    fi
  done
fi
export JAVA_HOME
MVN_GOAL=${MVN_GOAL:-verify}
BENCH_ARGS=${BENCH_ARGS:-}
QUIET_CPU=${QUIET_CPU:-25}
QUIET_MAX_WAIT=${QUIET_MAX_WAIT:-600}

ALL_RUNS=(initial limits-1000 limits-100 limits-budget latency-notifications latency-polling idle)
RUNS=("$@")
[[ ${#RUNS[@]} -eq 0 ]] && RUNS=("${ALL_RUNS[@]}")

run_args() {  # the benchmark's -D options of one run
  case "$1" in
    initial)               echo "-Dbench.scenarios=initial" ;;
    limits-1000)           echo "-Dbench.scenarios=limits -Dpostroom.sync.page-size=1000 -Dbench.label=page1000" ;;
    limits-100)            echo "-Dbench.scenarios=limits -Dpostroom.sync.page-size=100 -Dbench.label=page100" ;;
    # A budget small enough to bind (150 requests per 30 s, for the simulator and the engine alike): how close the
    # engine gets to the floor a request budget imposes. Graph's real 10,000 per 10 min never binds for these sizes.
    limits-budget)         echo "-Dbench.scenarios=limits -Dpostroom.sync.page-size=100 -Dbench.label=budget -Dbench.limits.baseline=false -Dbench.limits.requests=150 -Dbench.limits.window=PT30S -Dpostroom.sync.limits.requests-per-window=150 -Dpostroom.sync.limits.window=PT30S" ;;
    latency-notifications) echo "-Dbench.scenarios=latency -Dbench.notifications=on" ;;
    latency-polling)       echo "-Dbench.scenarios=latency -Dbench.notifications=off" ;;
    idle)                  echo "-Dbench.scenarios=idle" ;;
    *) echo "unknown run '$1' (runs: ${ALL_RUNS[*]})" >&2; return 1 ;;
  esac
}
for run in "${RUNS[@]}"; do run_args "$run" >/dev/null; done

STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT="$ROOT/bench/results/$STAMP-sync"
mkdir -p "$OUT"

busy_percent() {  # the machine's busy CPU over 5 s, in % of all cores
  local a b
  a=($(head -1 /proc/stat)); sleep 5; b=($(head -1 /proc/stat))
  local idle=$(( (b[4] + b[5]) - (a[4] + a[5]) )) total=0 i
  for i in 1 2 3 4 5 6 7 8; do total=$(( total + b[i] - a[i] )); done
  echo $(( total > 0 ? 100 * (total - idle) / total : 0 ))
}

machine_state() {  # $1 = file
  {
    echo "# $(date -u +%FT%TZ)"
    echo "## uptime"; uptime
    echo "## top processes by CPU"; ps -eo pid,pcpu,pmem,etime,args --sort=-pcpu | head -15 | cut -c1-220
    echo "## memory"; free -m
  } >"$1"
}

wait_quiet() {  # $1 = run dir; waits until the machine is quiet (or QUIET_MAX_WAIT), notes the outcome
  local waited=0 busy
  busy=$(busy_percent)
  while (( busy >= QUIET_CPU && waited < QUIET_MAX_WAIT )); do
    echo "[sync.sh] machine busy ${busy}% (>= ${QUIET_CPU}%); waiting…"
    sleep 25; waited=$(( waited + 30 ))
    busy=$(busy_percent)
  done
  if (( busy >= QUIET_CPU )); then
    echo "WARNING: machine still ${busy}% busy after ${waited} s; started anyway" | tee "$1/quiet.txt"
  else
    echo "machine ${busy}% busy at start (waited ${waited} s)" | tee "$1/quiet.txt"
  fi
}

{
  echo "# Mailbox sync benchmark, $STAMP"
  echo
  echo "- commit: $(git rev-parse --short HEAD)$(git diff --quiet HEAD -- src || echo ' (with uncommitted changes in src)')"
  echo "- machine: $(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs)), $(free -g | awk '/Mem:/ {print $2}') GiB RAM, $(uname -r)"
  echo "- JDK: $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)"
  echo "- runs: ${RUNS[*]}; extra options: ${BENCH_ARGS:-none}"
  echo
} >"$OUT/context.md"

for run in "${RUNS[@]}"; do
  dir="$OUT/$run"
  mkdir -p "$dir"
  wait_quiet "$dir"
  machine_state "$dir/machine-before.txt"
  args="$(run_args "$run") -Dbench.out=$dir -Dbench.cleanup=false $BENCH_ARGS"
  command="./mvnw -o -B $MVN_GOAL -Dtest=SyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false $args"
  echo "$command" >"$dir/command.txt"
  echo "[sync.sh] $(date -u +%T) $run: $command"
  start=$(date +%s)
  # shellcheck disable=SC2086
  if ./mvnw -o -B "$MVN_GOAL" -Dtest=SyncBenchmark -Dsurefire.failIfNoSpecifiedTests=false $args >"$dir/maven.log" 2>&1; then
    status=ok
  else
    status="FAILED (see maven.log)"
  fi
  echo "$status after $(( $(date +%s) - start )) s" >"$dir/status.txt"
  machine_state "$dir/machine-after.txt"
  echo "[sync.sh] $(date -u +%T) $run: $status"
done

{
  cat "$OUT/context.md"
  for run in "${RUNS[@]}"; do
    dir="$OUT/$run"
    echo "## $run"
    echo
    echo '```'; cat "$dir/command.txt"; echo '```'
    echo
    echo "- $(cat "$dir/status.txt"); $(cat "$dir/quiet.txt")"
    echo "- before: $(sed -n 3p "$dir/machine-before.txt" | xargs)"
    echo "- after: $(sed -n 3p "$dir/machine-after.txt" | xargs)"
    warnings=$(grep -c 'WARN  \[dev.postroom.sync' "$dir/maven.log" || true)
    echo "- sync engine warnings in maven.log: $warnings"
    grep 'WARN  \[dev.postroom.sync' "$dir/maven.log" | head -3 | cut -c1-300 | sed 's/^/  - `/; s/$/`/' || true
    echo
    for md in "$dir"/*.md; do [[ -f "$md" ]] && { sed 's/^###/####/' "$md"; echo; }; done
  done
} >"$OUT/summary.md"
echo "[sync.sh] results: $OUT/summary.md"
