#!/usr/bin/env bash
# Live pages benchmark: one instance holding 1,000 open SSE connections to GET /events/deliveries.
# Starts the local run (./mvnw -o -Plocal, embedded servers), signs up a user, opens connections in steps
# (STEPS), samples the app's memory at each step, sends BURST emails over BURST_SECONDS and checks that every
# connection got every event, then holds the connections HOLD_SECONDS with a trickle of emails, sampling memory
# every SAMPLE_SECONDS. Stops the local run and checks that nothing is left. See bench/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
export JAVA_HOME=${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
PORT=${PORT:-18080}
STEPS=${STEPS:-0,250,500,1000}
BURST=${BURST:-200}
BURST_SECONDS=${BURST_SECONDS:-20}
HOLD_SECONDS=${HOLD_SECONDS:-180}
SAMPLE_SECONDS=${SAMPLE_SECONDS:-15}
TRICKLE_SECONDS=${TRICKLE_SECONDS:-3}
START_TIMEOUT=${START_TIMEOUT:-900}
STAMP=$(date -u +%Y%m%dT%H%M%SZ)
OUT=${OUT:-$ROOT/bench/results/$STAMP-sse}
mkdir -p "$OUT"
BASE=http://127.0.0.1:$PORT

log() { printf '%s %s\n' "$(date -u +%H:%M:%S)" "$*" | tee -a "$OUT/bench.log"; }

machine_state() {
  {
    echo "# $1 ($(date -u +%FT%TZ))"
    echo "uptime: $(uptime)"
    echo "nproc: $(nproc)"
    free -m
    echo "top CPU processes:"
    ps -eo pid,pcpu,rss,etime,comm --sort=-pcpu | head -8
    echo "maven/surefire/java processes not ours:"
    ps -eo pid,pgid,etime,args | grep -E 'plexus-classworlds|surefirebooter|quarkus-run' | grep -v grep \
      | awk -v g="${PGID:-none}" '$2 != g' | cut -c1-220 || true
    echo
  } >>"$OUT/machine.txt"
}

PGID=
LOADER=
APP_PORTS=
cleanup() {
  set +e
  [[ -n $LOADER ]] && kill "$LOADER" 2>/dev/null
  if [[ -n $PGID ]]; then
    log "stopping the local run (kill -TERM -- -$PGID)"
    kill -TERM -- "-$PGID" 2>/dev/null
    for _ in $(seq 60); do
      pgrep -g "$PGID" >/dev/null || break
      sleep 1
    done
    if pgrep -g "$PGID" >/dev/null; then
      log "WARNING: still running after 60 s, KILL: $(pgrep -g "$PGID" | tr '\n' ' ')"
      kill -KILL -- "-$PGID" 2>/dev/null
      sleep 2
    fi
    local left
    left=$(pgrep -g "$PGID" | tr '\n' ' ')
    # pg_ctl detaches the postmaster from the process group: check the servers' ports too.
    local listening=""
    for p in $APP_PORTS $PORT; do
      ss -ltnH "sport = :$p" | grep -q . && listening+="$p "
    done
    if [[ -z $left && -z $listening ]]; then
      log "stopped: no process of group $PGID left, nothing listening on ports $APP_PORTS $PORT"
    else
      log "WARNING: left behind: processes [$left] listening ports [$listening]"
      ss -ltnp | grep -E ":($(echo $listening | tr ' ' '|'))\b" >>"$OUT/bench.log" 2>/dev/null
    fi
  fi
}
trap cleanup EXIT
trap 'exit 130' INT TERM

log "results in $OUT"
machine_state "before start"
git -C "$ROOT" log -1 --format='commit %h %s' >"$OUT/commit.txt"
"$JAVA_HOME/bin/java" -version 2>>"$OUT/commit.txt"

# The local run in its own process group (setsid: the group id is its pid).
log "starting ./mvnw -o -B -Plocal on port $PORT"
QUARKUS_HTTP_PORT=$PORT setsid ./mvnw -o -B -Plocal >"$OUT/app.log" 2>&1 &
PGID=$!
started=$(date +%s)
until grep -q "Postroom is up" "$OUT/app.log"; do
  if ! kill -0 "$PGID" 2>/dev/null; then
    log "ERROR: the local run exited; tail of app.log:"; tail -30 "$OUT/app.log"; exit 1
  fi
  if (($(date +%s) - started > START_TIMEOUT)); then log "ERROR: not up after $START_TIMEOUT s"; exit 1; fi
  sleep 2
done
log "$(grep 'Postroom is up' "$OUT/app.log" | sed 's/^ *//') (after $(($(date +%s) - started)) s including the build)"

APP_PID=$(pgrep -g "$PGID" -f -- '-jar [^ ]*quarkus-run[.]jar' | head -1)
[[ -n $APP_PID ]] || { log "ERROR: no quarkus-run.jar process in group $PGID"; exit 1; }
tr '\0' '\n' <"/proc/$APP_PID/cmdline" >"$OUT/app-cmdline.txt"
# The embedded servers' ports, from the app's environment, for the leftover check.
APP_PORTS=$(tr '\0' '\n' <"/proc/$APP_PID/environ" | grep -E '^(POSTROOM_DB_PORT|QUARKUS_REDIS_HOSTS|QUARKUS_ELASTICSEARCH_HOSTS|QUARKUS_MAILER_PORT)=' \
  | grep -oE '[0-9]{4,5}$' | tr '\n' ' ' || true)
"$JAVA_HOME/bin/jcmd" "$APP_PID" VM.flags >"$OUT/app-vm-flags.txt" 2>&1 || true
log "app pid $APP_PID (group $PGID); embedded server ports: $APP_PORTS"

# Load average every 15 s while it runs.
(while sleep 15; do echo "$(date -u +%T) $(cut -d' ' -f1-3 /proc/loadavg)"; done) >"$OUT/loadavg.txt" &
LOADER=$!

# Which key may follow /events/deliveries: the local run's service key?
svc=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H 'Authorization: Bearer local-dev-key-change-me' \
  "$BASE/events/deliveries" || true)
log "GET /events/deliveries with the service key local-dev-key-change-me: HTTP $svc"

# A user of our own (sign-up is limited to 10/min per client IP).
email="sse-bench-$STAMP-$RANDOM@example.org"
curl -s -X POST "$BASE/api/accounts" -H 'Content-Type: application/json' \
  -d "{\"email\":\"$email\",\"password\":\"sse-bench-password-123\"}" >"$OUT/signup.json"
KEY=$(jq -r '.apiKey.key // empty' "$OUT/signup.json")
[[ -n $KEY ]] || { log "ERROR: sign-up failed: $(cat "$OUT/signup.json")"; exit 1; }
user=$(curl -s -o /dev/null -w '%{http_code}' --max-time 3 -H "Authorization: Bearer $KEY" "$BASE/events/deliveries" || true)
log "signed up $email; GET /events/deliveries with its personal key: HTTP $user"
jq '{id, email}' "$OUT/signup.json" >"$OUT/user.json" && rm "$OUT/signup.json"

machine_state "app up, before the load"
cpu0=$(awk '{print $14+$15}' "/proc/$APP_PID/stat")
t0=$(date +%s)
"$JAVA_HOME/bin/java" -Xmx512m "$ROOT/bench/sse/SseLoad.java" base="$BASE" key="$KEY" pid="$APP_PID" out="$OUT" \
  jcmd="$JAVA_HOME/bin/jcmd" steps="$STEPS" burst="$BURST" burstSeconds="$BURST_SECONDS" holdSeconds="$HOLD_SECONDS" \
  sampleSeconds="$SAMPLE_SECONDS" trickleSeconds="$TRICKLE_SECONDS" 2>&1 | tee "$OUT/client.log"
cpu1=$(awk '{print $14+$15}' "/proc/$APP_PID/stat")
log "app CPU during the client run: $(((cpu1 - cpu0) / $(getconf CLK_TCK))) s over $(($(date +%s) - t0)) s wall"
machine_state "after the load"
grep -iE 'WARN|ERROR' "$OUT/app.log" | grep -v '^\[INFO\]' | head -50 >"$OUT/app-warnings.txt" || true
log "app warnings/errors: $(wc -l <"$OUT/app-warnings.txt") lines (app-warnings.txt)"
column -s, -t <"$OUT/memory.csv" | tee -a "$OUT/bench.log"
