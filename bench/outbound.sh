#!/usr/bin/env bash
# Outbound benchmark: Postroom side by side with the NestJS + BullMQ peer, both measured with the peer's
# own bench.sh, on the same loopback Redis, PostgreSQL 15 and Postfix smtp-sink that the peer's setup.sh
# starts. The numbers are only comparable between runs made in the same session (see bench/README.md).
#
#   bench/outbound.sh setup          one-off: writable copy of the peer, npm install, the peer's setup.sh,
#                                    Postroom's role + database
#   bench/outbound.sh [outbound]     phases "accept e2e": peer, Postroom, peer, Postroom, ... (RUNS each)
#   bench/outbound.sh logs           GET /logs/email: Postroom with SEED_ROWS (1,000,000) rows seeded by SQL,
#                                    the peer with 100,000 rows topped up through its API; alternating again
#   bench/outbound.sh check          start Postroom once, check its tables and one POST /send, stop it
#   bench/outbound.sh db             only create Postroom's role + database (idempotent)
#   bench/outbound.sh seed           only (re)seed email_log as the logs mode does (tables must exist)
#   bench/outbound.sh summary DIR    rebuild DIR/summary.md from DIR/{peer,postroom}-N/summary.md
#
# Results: bench/results/<UTC stamp>[-logs]/{peer,postroom}-<n>/ (bench.sh output + app logs) and
# bench/results/<stamp>/summary.md (all runs, medians per implementation, targets). bench/results/ is git-ignored.
# bench.sh's own knobs (DURATION, WARMUP, CONNS, E2E_N, GET_DURATION, QUIET_MAX_WAIT, ...) pass through the
# environment to every run of both implementations. Run as root (psql as the postgres OS user, like setup.sh).
# Everything runs on 127.0.0.1; every load step is bounded by a count or a duration (bench.sh, LOGS_WARMUP).
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO="$(cd "$HERE/.." && pwd)"

# ============================================ knobs ===========================================================
RUNS="${RUNS:-3}"                                  # runs per implementation, interleaved peer/Postroom
OUTBOUND_PHASES="${OUTBOUND_PHASES:-accept e2e}"  # bench.sh phases for the default mode
IMPLS="${IMPLS:-peer postroom}"                    # default mode: which implementations run (e.g. "postroom" alone
                                                   # while trying a change; targets need both)

# JVM flags for a 2-core box (one variable, word-split into java's argument list):
#   -XX:+UseParallelGC   throughput collector. On 2 cores G1's concurrent marking and write barriers cost CPU
#                        that the HTTP threads need; young-generation pauses on a 1 GB heap stay in the low ms.
#   -Xms512m -Xmx1g      heap sized up front, so it does not grow during the 20 s windows; about the
#                        footprint of the peer's Node process plus headroom, far below the 23 GiB of RAM.
#   -XX:+ExitOnOutOfMemoryError   fail loudly instead of limping along.
# GC pauses are logged to <run>/gc.log (GC_LOG=1) to explain latency tails; the logging itself costs nothing measurable.
JVM_OPTS="${JVM_OPTS:--XX:+UseParallelGC -Xms512m -Xmx1g -XX:+ExitOnOutOfMemoryError}"
GC_LOG="${GC_LOG:-1}"
# Readiness without Elasticsearch (nothing listens on 127.0.0.1:9200 here; the outbound side does not use it).
# QUARKUS_ELASTICSEARCH_HEALTH_ENABLED=false is passed as asked, but quarkus.elasticsearch.health.enabled is a
# BUILD_TIME property (Quarkus 3.34 config model), so it has no effect on an already built jar. The runtime switch
# is SmallRye Health's per-class quarkus.smallrye-health.check."<class>".enabled (RUN_TIME), given here as a
# system property because env var names cannot carry the dotted, mixed-case class name.
ES_HEALTH_CLASS="${ES_HEALTH_CLASS:-io.quarkus.elasticsearch.restclient.lowlevel.runtime.health.ElasticsearchHealthCheck}"
# Fallback: readiness 503 whose only DOWN checks have names matching this (case-insensitive) regex counts as ready
# (with a warning in postroom-start.txt), e.g. for Postroom's own search/mirror checks. Empty = strict 200 only.
READY_IGNORE_DOWN="${READY_IGNORE_DOWN:-elasticsearch|opensearch}"

# Postroom's tables, emptied by bench.sh's RESET_CMD (TRUNCATE ... CASCADE) and vacuumed by PRE_GET_CMD.
# The names are not final yet: keep this list in line with src/main/resources/db/migration. The planned list was
# "email_log email_attempt idempotency_key"; V1__email_log.sql (21 Nov) keeps the idempotency key as a column of
# email_log instead, so there is no such table. Every run checks that each listed table exists and stops if not.
POSTROOM_TABLES="${POSTROOM_TABLES:-email_log email_attempt email_log_count}"
# Optional extra reset for Postroom's Redis state (appended to RESET_CMD with &&), e.g.
#   POSTROOM_REDIS_RESET_CMD="redis-cli -h 127.0.0.1 --scan --pattern 'postroom:*' | xargs -r redis-cli -h 127.0.0.1 del"
POSTROOM_REDIS_RESET_CMD="${POSTROOM_REDIS_RESET_CMD:-}"

POSTROOM_PORT="${POSTROOM_PORT:-8080}"
POSTROOM_API_KEY="${POSTROOM_API_KEY:-bench-key-0123456789abcdef}"
POSTROOM_KEY_NAME="${POSTROOM_KEY_NAME:-bench}"          # POSTROOM_API_KEYS=<name>:<key>
POSTROOM_OWNER="${POSTROOM_OWNER:-key:${POSTROOM_KEY_NAME}}"   # email_log.owner of the rows made with that key
PR_DB_NAME="${PR_DB_NAME:-postroom_bench}"
PR_DB_USER="${PR_DB_USER:-postroom}"
PR_DB_PASS="${PR_DB_PASS:-postroom}"
POSTROOM_EXTRA_ENV="${POSTROOM_EXTRA_ENV:-}"            # more NAME=value pairs for Postroom, space-separated
READY_TIMEOUT="${READY_TIMEOUT:-180}"                   # s to wait for /q/health/ready
MVN_ARGS="${MVN_ARGS:--B -q package -DskipTests}"       # only used when the jar is missing or REBUILD=1
SNAPSHOT_DIR="${SNAPSHOT_DIR:-/tmp/postroom-bench}"     # Postroom runs from a copy of target/quarkus-app, so a
                                                        # concurrent Maven build cannot swap jars under it

PEER_SRC="${PEER_SRC:-/work/shared/peers/nest-bullmq}"  # read-only original (bench.sh is run from here)
PEER_DIR="${PEER_DIR:-/tmp/nest-bullmq}"                # writable copy with node_modules + dist (run.sh)
BENCH_SH="${BENCH_SH:-$PEER_SRC/bench.sh}"
PEER_LOGDIR="${LOGDIR:-/tmp/nest-bullmq-anchor}"        # run.sh pid/log + smtp-sink.log (setup.sh's default)
PEER_PORT=3000                                          # fixed in bench.sh's defaults
PEER_ROWS="${PEER_ROWS:-100000}"                        # logs mode: the peer's table size (RESULTS.md)

# logs mode
SEED_ROWS="${SEED_ROWS:-1000000}"     # rows seeded into email_log for Postroom
SEED_TODAY="${SEED_TODAY:-20000}"     # of which created today (UTC day, like bench.sh's "today")
SEED_DAYS="${SEED_DAYS:-30}"          # window of created_at, today included
SEED_FAILED_EVERY="${SEED_FAILED_EVERY:-50}"   # every 50th row failed (2%), the rest sent
LOGS_DEEP_PAGE="${LOGS_DEEP_PAGE:-4000}"
LOGS_WARMUP="${LOGS_WARMUP:-5s}"      # wrk -c4 on page 1 and on the deep page before each logs run; 0 = none

# The seed: one INSERT ... SELECT FROM generate_series. psql variables: rows, today, days, failed_every, owner.
# Keep the column list in line with the final email_log schema. Every row is final ('sent' or 'failed'):
# bench.sh waits for today's rows to be final before it measures. Ids are random v4 UUIDs, like the ones
# POST /send hands out (checked 21 Nov); the listing orders by (created_at, id).
read -r -d '' SEED_SQL <<'SQL' || true
SET synchronous_commit = off;
SELECT setseed(0.4242);
INSERT INTO email_log (id, owner, to_addresses, cc_addresses, bcc_addresses, from_address, reply_to,
                       subject, text_body, html_body, status, attempts, created_at, next_attempt_at,
                       sent_at, failed_at, error_code, error_message, request_id)
SELECT gen_random_uuid(),
       :'owner',
       ARRAY['recipient' || (s.g % 5000) || '@example.com'],
       '{}', '{}', NULL, NULL,
       'Benchmark message ' || s.g,
       'Hello from the load test. This is a short plain-text transactional email body.',
       NULL,
       CASE WHEN s.failed THEN 'failed' ELSE 'sent' END,
       CASE WHEN s.failed THEN 3 ELSE 1 END,
       s.created_at,
       NULL,
       CASE WHEN s.failed THEN NULL ELSE least(s.created_at + make_interval(secs => 0.05 + 2 * random()), s.now) END,
       CASE WHEN s.failed THEN least(s.created_at + interval '7 minutes', s.now) END,
       CASE WHEN s.failed THEN 550 END,
       CASE WHEN s.failed THEN '550 5.1.1 <recipient' || (s.g % 5000) || '@example.com>: Recipient address rejected: User unknown' END,
       NULL
FROM (SELECT g,
             g % :failed_every = 0 AS failed,
             t.now,
             CASE WHEN g <= :today
                  THEN t.day0 + (t.now - t.day0) * random()                              -- today, up to now
                  ELSE t.day0 - make_interval(secs => random() * (:days - 1) * 86400)   -- the days before
             END AS created_at
      FROM (SELECT date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC' AS day0, now() AS now) AS t,
           generate_series(1, :rows) AS g) AS s;
SQL
# ==============================================================================================================

STAMP="$(date -u +%Y%m%dT%H%M%SZ)"
RESULTS_DIR="$HERE/results"
PEER_URL="http://127.0.0.1:$PEER_PORT"
PR_URL="http://127.0.0.1:$POSTROOM_PORT"
AUTH="Authorization: Bearer $POSTROOM_API_KEY"
BODY_FILE="$(dirname "$BENCH_SH")/bench/body.json"
# PSQL_PR is eval'd by bench.sh (RESET_CMD / PRE_GET_CMD); psql_pr is the same for this script.
PSQL_PR="PGPASSWORD=$PR_DB_PASS psql -h 127.0.0.1 -p 5432 -U $PR_DB_USER -d $PR_DB_NAME -qAt -v ON_ERROR_STOP=1"
TABLES_CSV="$(echo "$POSTROOM_TABLES" | xargs | sed 's/ /, /g')"
PR_RESET_CMD="$PSQL_PR -c 'TRUNCATE $TABLES_CSV CASCADE'"
[[ -n "$POSTROOM_REDIS_RESET_CMD" ]] && PR_RESET_CMD="$PR_RESET_CMD && $POSTROOM_REDIS_RESET_CMD"
PR_VACUUM_CMD="$PSQL_PR -c 'VACUUM (ANALYZE) $TABLES_CSV'"

PR_PID=""; PEER_UP=0; JAVA=""; JDK=""; APP_RUN_DIR=""; SESSION_DIR=""

log() { printf '%s [outbound] %s\n' "$(date -u +%H:%M:%S)" "$*" >&2; }
die() { log "ERROR: $*"; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
psql_pr() { PGPASSWORD="$PR_DB_PASS" psql -h 127.0.0.1 -p 5432 -U "$PR_DB_USER" -d "$PR_DB_NAME" -qAt -v ON_ERROR_STOP=1 "$@"; }
psql_super() { (cd / && su postgres -c "psql -v ON_ERROR_STOP=1 -qAt $*"); }

cleanup() {
  local rc=$?
  trap - EXIT INT TERM
  [[ -n "$PR_PID" ]] && postroom_stop
  (( PEER_UP )) && peer_stop
  if [[ -n "$SESSION_DIR" && -d "$SESSION_DIR" ]]; then summarize "$SESSION_DIR" || true; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

# ---------------------------------------------- checks ------------------------------------------------------
preflight() {
  (( EUID == 0 )) || die "run as root (setup.sh and the DB steps use 'su postgres')"
  local t
  for t in wrk h2load jq curl psql redis-cli awk; do
    command -v "$t" >/dev/null || die "missing $t: run 'bench/outbound.sh setup' (the peer's setup.sh installs it)"
  done
  [[ -r "$BENCH_SH" ]] || die "no bench.sh at $BENCH_SH"
  redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 || die "Redis not answering on 127.0.0.1:6379: run setup"
  port_open 5432 || die "PostgreSQL not listening on 127.0.0.1:5432: run setup"
  port_open 2525 || die "smtp-sink not listening on 127.0.0.1:2525: run setup"
  [[ -r "$PEER_LOGDIR/smtp-sink.log" ]] || log "WARNING: $PEER_LOGDIR/smtp-sink.log unreadable: bench.sh will poll progress through the API only"
  ! port_open "$POSTROOM_PORT" || die "port $POSTROOM_PORT is in use (a dev instance?); stop it or set POSTROOM_PORT"
}
preflight_peer() {
  [[ -f "$PEER_DIR/app/dist/main.js" && -d "$PEER_DIR/app/node_modules" ]] \
    || die "peer not built in $PEER_DIR: run 'bench/outbound.sh setup'"
  ! port_open "$PEER_PORT" || die "port $PEER_PORT is in use (peer already running? '$PEER_DIR/run.sh stop')"
}

# ---------------------------------------------- Postroom ----------------------------------------------------
jdk_major() { "$1/bin/java" -XshowSettings:properties -version 2>&1 | awk -F' = ' '/java.specification.version/ {print $2; exit}'; }
select_jdk() {
  local c v
  for c in "${POSTROOM_JAVA_HOME:-}" "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25-jdk-amd64 /usr/lib/jvm/*; do
    [[ -n "$c" && -x "$c/bin/java" ]] || continue
    v="$(jdk_major "$c")"
    if [[ "$v" =~ ^[0-9]+$ ]] && (( v >= 21 )); then JDK="$c"; JAVA="$c/bin/java"; return 0; fi
  done
  die "no JDK >= 21 found: set POSTROOM_JAVA_HOME"
}
build_if_needed() {
  local jar="$REPO/target/quarkus-app/quarkus-run.jar" newer
  if [[ ! -f "$jar" || "${REBUILD:-0}" == 1 ]]; then
    log "building Postroom: ./mvnw $MVN_ARGS (JAVA_HOME=$JDK)"
    # shellcheck disable=SC2086  # MVN_ARGS is a word list
    (cd "$REPO" && JAVA_HOME="$JDK" PATH="$JDK/bin:$PATH" ./mvnw $MVN_ARGS)
    [[ -f "$jar" ]] || die "build did not produce $jar"
  fi
  newer="$(find "$REPO/src/main" "$REPO/pom.xml" -newer "$jar" -type f -print -quit 2>/dev/null || true)"
  [[ -z "$newer" ]] || log "WARNING: $newer is newer than the jar; REBUILD=1 rebuilds (Maven needs both cores)"
}
snapshot_app() {
  mkdir -p "$SNAPSHOT_DIR"
  rm -rf "$SNAPSHOT_DIR/quarkus-app"
  cp -a "$REPO/target/quarkus-app" "$SNAPSHOT_DIR/quarkus-app"
  APP_RUN_DIR="$SNAPSHOT_DIR"   # also the working directory: no stray .env / config/ from the repo is picked up
}
postroom_env() {  # NAME=value lines for the java process
  cat <<EOF
QUARKUS_PROFILE=prod
POSTROOM_DB_HOST=127.0.0.1
POSTROOM_DB_PORT=5432
POSTROOM_DB_NAME=$PR_DB_NAME
POSTROOM_DB_USER=$PR_DB_USER
POSTROOM_DB_PASSWORD=$PR_DB_PASS
QUARKUS_REDIS_HOSTS=redis://127.0.0.1:6379
QUARKUS_ELASTICSEARCH_HOSTS=127.0.0.1:9200
QUARKUS_ELASTICSEARCH_HEALTH_ENABLED=false
QUARKUS_MAILER_HOST=127.0.0.1
QUARKUS_MAILER_PORT=2525
POSTROOM_API_KEYS=$POSTROOM_KEY_NAME:$POSTROOM_API_KEY
POSTROOM_OUTBOUND_RATE_LIMIT_PER_WINDOW=100000000
QUARKUS_HTTP_PORT=$POSTROOM_PORT
QUARKUS_HTTP_HOST=127.0.0.1
JAVA_OPTS=$JVM_OPTS
EOF
  # (JAVA_OPTS is not read by java; it is there so that bench.sh's context.txt records the flags.)
  local kv; for kv in $POSTROOM_EXTRA_ENV; do echo "$kv"; done
}
postroom_start() {  # $1 = directory for postroom.log, gc.log, postroom-start.txt
  local out="$1" t0 i jvm=() envs=()
  mkdir -p "$out"
  ! port_open "$POSTROOM_PORT" || die "port $POSTROOM_PORT is in use"
  read -r -a jvm <<<"$JVM_OPTS"
  [[ "$GC_LOG" == 1 ]] && jvm+=("-Xlog:gc:file=$out/gc.log:uptime")
  [[ -n "$ES_HEALTH_CLASS" ]] && jvm+=("-Dquarkus.smallrye-health.check.\"$ES_HEALTH_CLASS\".enabled=false")
  mapfile -t envs < <(postroom_env)
  t0=$(date +%s.%N)
  (cd "$APP_RUN_DIR" && exec env "${envs[@]}" "$JAVA" "${jvm[@]}" -jar quarkus-app/quarkus-run.jar) >"$out/postroom.log" 2>&1 &
  PR_PID=$!
  local code body ready_note=""
  for ((i = 0; i < READY_TIMEOUT * 2; i++)); do
    body="$(curl -sS --max-time 2 -w '\n%{http_code}' "$PR_URL/q/health/ready" 2>/dev/null || true)"
    code="${body##*$'\n'}"; body="${body%$'\n'*}"
    if [[ "$code" == 503 && -n "$READY_IGNORE_DOWN" ]] && jq -e --arg re "$READY_IGNORE_DOWN" \
         '[.checks[] | select(.status != "UP")] | length > 0 and all(.name | test($re; "i"))' <<<"$body" >/dev/null 2>&1; then
      ready_note="readiness 503 only because of: $(jq -r '[.checks[] | select(.status != "UP") | .name] | join(", ")' <<<"$body") (ignored, READY_IGNORE_DOWN)"
      log "WARNING: $ready_note"
      code=200
    fi
    if [[ "$code" == 200 ]]; then
      {
        echo "pid: $PR_PID"
        [[ -n "$ready_note" ]] && echo "WARNING: $ready_note"
        echo "ready_after_s: $(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN{printf "%.1f", b-a}')"
        echo "java: $JAVA ($("$JAVA" -version 2>&1 | head -1))"
        echo "cmd: java ${jvm[*]} -jar quarkus-app/quarkus-run.jar (cwd $APP_RUN_DIR)"
        printf 'env: %s\n' "${envs[@]}" | sed -E 's/^(env: [A-Z_]*(PASSWORD|API_KEYS))=.*/\1=***/'
      } >"$out/postroom-start.txt"
      log "Postroom ready: pid $PR_PID, $PR_URL ($(awk '/ready_after_s/{print $2}' "$out/postroom-start.txt") s)"
      return 0
    fi
    if ! kill -0 "$PR_PID" 2>/dev/null; then
      tail -n 40 "$out/postroom.log" >&2; PR_PID=""; die "Postroom exited during start-up (log: $out/postroom.log)"
    fi
    sleep 0.5
  done
  tail -n 5 "$out/postroom.log" | cut -c1-400 >&2
  die "Postroom not ready after ${READY_TIMEOUT}s (log: $out/postroom.log; readiness: $(jq -c '[.checks[] | {name, status}]' <<<"$body" 2>/dev/null || head -c 400 <<<"$body"))"
}
postroom_stop() {
  local p="$PR_PID" i
  [[ -n "$p" ]] || return 0
  PR_PID=""
  kill -TERM "$p" 2>/dev/null || return 0
  for ((i = 0; i < 300; i++)); do kill -0 "$p" 2>/dev/null || break; sleep 0.1; done
  kill -0 "$p" 2>/dev/null && { log "Postroom did not stop in 30 s: SIGKILL"; kill -KILL "$p" 2>/dev/null || true; }
  wait "$p" 2>/dev/null || true
  log "Postroom stopped"
}
check_tables() {
  local missing
  missing="$(psql_pr -v tables="$POSTROOM_TABLES" <<'SQL'
SELECT coalesce(string_agg(t, ' '), '') FROM unnest(string_to_array(:'tables', ' ')) AS t WHERE to_regclass(t) IS NULL;
SQL
)"
  [[ -z "$missing" ]] && return 0
  log "tables in $PR_DB_NAME: $(psql_pr -c "SELECT string_agg(tablename, ' ') FROM pg_tables WHERE schemaname = 'public'")"
  die "POSTROOM_TABLES lists tables that Postroom's migrations did not create: $missing (edit POSTROOM_TABLES)"
}
logs_json() {  # $1 base url, $2 page, $3 limit, [auth header]
  local args=(); [[ -n "${4:-}" ]] && args=(-H "$4")
  curl -fsS --max-time 30 "${args[@]}" "$1/logs/email?page=$2&limit=$3"
}
postroom_smoke() {  # one POST /send, then wait until it is final in GET /logs/email
  local tmp code j i
  tmp="$(mktemp)"
  code="$(curl -sS -o "$tmp" -w '%{http_code}' --max-time 10 -H "$AUTH" -H 'Content-Type: application/json' \
          --data-binary "@$BODY_FILE" "$PR_URL/send" || true)"
  [[ "$code" == 2?? ]] || { log "body: $(head -c 400 "$tmp")"; rm -f "$tmp"; die "POST /send with $BODY_FILE answered $code, bench.sh needs a 2xx"; }
  log "POST /send -> $code $(head -c 200 "$tmp")"
  rm -f "$tmp"
  for ((i = 0; i < 100; i++)); do
    j="$(logs_json "$PR_URL" 1 1 "$AUTH")" || die "GET /logs/email failed"
    jq -e '(.today.total|numbers) and (.today.sent|numbers) and (.today.failed|numbers) and (.total|numbers)' <<<"$j" >/dev/null \
      || die "GET /logs/email lacks numeric .today.{total,sent,failed} / .total: $(head -c 400 <<<"$j")"
    if jq -e '.today.total > 0 and .today.sent + .today.failed >= .today.total' <<<"$j" >/dev/null; then
      log "delivered through smtp-sink: today=$(jq -c .today <<<"$j")"; return 0
    fi
    sleep 0.3
  done
  die "the test email did not become final within 30 s: today=$(jq -c .today <<<"$j")"
}

# ---------------------------------------------- peer --------------------------------------------------------
peer_start() { (cd "$PEER_DIR" && LOGDIR="$PEER_LOGDIR" ./run.sh -d) >&2; PEER_UP=1; }
peer_stop() { PEER_UP=0; (cd "$PEER_DIR" && LOGDIR="$PEER_LOGDIR" ./run.sh stop) || true; log "peer stopped"; }

# ---------------------------------------------- bench.sh ----------------------------------------------------
# $1 = OUTDIR, rest = NAME=value overrides. bench.sh's stderr (progress) goes to the terminal and to bench.log.
bench_peer() {
  local out="$1"; shift
  mkdir -p "$out"
  env -u RESET_CMD -u PRE_GET_CMD -u BASE_URL -u AUTH_HEADER -u TODAY_JQ -u TOTAL_JQ \
    LOGDIR="$PEER_LOGDIR" APP_DIR="$PEER_DIR/app" APP_PID="$(cat "$PEER_LOGDIR/app.pid")" OUTDIR="$out" "$@" \
    "$BENCH_SH" 2> >(tee -a "$out/bench.log" >&2)
}
bench_postroom() {
  local out="$1"; shift
  mkdir -p "$out"
  env LOGDIR="$PEER_LOGDIR" APP_DIR=/nonexistent APP_PID="$PR_PID" OUTDIR="$out" BASE_URL="$PR_URL" \
    AUTH_HEADER="$AUTH" TODAY_JQ=.today TOTAL_JQ=.total RESET_CMD="$PR_RESET_CMD" PRE_GET_CMD="$PR_VACUUM_CMD" "$@" \
    "$BENCH_SH" 2> >(tee -a "$out/bench.log" >&2)
}
logs_warmup() {  # $1 base url, [$2 auth header]; bounded by LOGS_WARMUP per page
  [[ "$LOGS_WARMUP" == 0 ]] && return 0
  local args=() p; [[ -n "${2:-}" ]] && args=(-H "$2")
  for p in 1 "$LOGS_DEEP_PAGE"; do
    wrk -t1 -c4 -d"$LOGS_WARMUP" --timeout 10s "${args[@]}" "$1/logs/email?page=$p&limit=25" >/dev/null 2>&1 || true
  done
}

# ---------------------------------------------- database ----------------------------------------------------
ensure_db() {  # same pattern as the peer's setup.sh for emaildb; never changes an existing role's password
  psql_super <<SQL
DO \$\$BEGIN
  IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '${PR_DB_USER}') THEN
    CREATE ROLE ${PR_DB_USER} LOGIN PASSWORD '${PR_DB_PASS}';
  END IF;
END\$\$;
SQL
  if ! psql_super "-c \"select 1 from pg_database where datname='${PR_DB_NAME}'\"" | grep -q 1; then
    (cd / && su postgres -c "createdb -O ${PR_DB_USER} ${PR_DB_NAME}")
  fi
  psql_pr -c 'select 1' >/dev/null || die "cannot log in as $PR_DB_USER to $PR_DB_NAME on 127.0.0.1 (existing role with another password?)"
  log "database $PR_DB_NAME (owner $PR_DB_USER) ready"
}
seed_postroom() {  # $1 = file for the seed report
  local t0
  t0=$(date +%s)
  log "seeding $SEED_ROWS rows ($SEED_TODAY today) into email_log"
  psql_pr -c "TRUNCATE $TABLES_CSV CASCADE"
  if [[ -n "$POSTROOM_REDIS_RESET_CMD" ]]; then eval "$POSTROOM_REDIS_RESET_CMD"; fi
  psql_pr -v rows="$SEED_ROWS" -v today="$SEED_TODAY" -v days="$SEED_DAYS" -v failed_every="$SEED_FAILED_EVERY" \
          -v owner="$POSTROOM_OWNER" <<<"$SEED_SQL" >/dev/null
  log "seeded in $(( $(date +%s) - t0 ))s; VACUUM (ANALYZE)"
  psql_pr -c "VACUUM (ANALYZE) $TABLES_CSV"
  {
    echo "seeded in $(( $(date +%s) - t0 ))s (including VACUUM ANALYZE)"
    psql_pr -F ' ' -c "SELECT 'rows', count(*), 'today', count(*) FILTER (WHERE created_at >= date_trunc('day', now() AT TIME ZONE 'UTC') AT TIME ZONE 'UTC'),
                               'sent', count(*) FILTER (WHERE status = 'sent'), 'failed', count(*) FILTER (WHERE status = 'failed'),
                               'oldest', min(created_at), 'newest', max(created_at) FROM email_log"
    psql_pr -F ' ' -c "SELECT 'size', relname, pg_size_pretty(pg_total_relation_size(oid)) FROM pg_class WHERE relname = 'email_log'"
    psql_pr -F ' ' -c "SELECT 'index', indexrelid::regclass, pg_size_pretty(pg_relation_size(indexrelid)) FROM pg_index WHERE indrelid = 'email_log'::regclass"
  } | tee "$1" >&2
}

# ---------------------------------------------- context -----------------------------------------------------
write_context() {  # $1 = mode, $2 = dir
  local dirty
  dirty="$(cd "$REPO" && GIT_OPTIONAL_LOCKS=0 git status --porcelain 2>/dev/null | wc -l)"
  {
    echo "- mode: $1; stamp: $STAMP; RUNS=$RUNS; started $(date -u +%FT%TZ)"
    echo "- machine: $(nproc) vCPU $(awk -F': ' '/model name/{print $2; exit}' /proc/cpuinfo), $(awk '/MemTotal/{printf "%.1f GiB", $2/1048576}' /proc/meminfo), kernel $(uname -r)"
    echo "- Postroom: commit $(cd "$REPO" && git rev-parse --short HEAD 2>/dev/null || echo n/a) ($dirty uncommitted paths), jar built $(date -u -r "$REPO/target/quarkus-app/quarkus-run.jar" +%FT%TZ 2>/dev/null || echo n/a)"
    echo "- Java: $("$JAVA" -version 2>&1 | head -1) ($JDK); JVM_OPTS: \`$JVM_OPTS\`"
    echo "- Postroom tables: $POSTROOM_TABLES"
    echo "- peer: $PEER_DIR (run.sh), bench: $BENCH_SH sha256 $(sha256sum "$BENCH_SH" | cut -c1-12)"
    local v overrides=""
    for v in THREADS WARMUP CONNS DURATION E2E_N E2E_CONNS LIMIT GET_DURATION GET_CONNS QUIET_PCT QUIET_MAX_WAIT DRAIN_TIMEOUT SMTP_SINK_LOG; do
      [[ -n "${!v:-}" ]] && overrides+=" $v=${!v}"
    done
    echo "- bench.sh overrides from the environment:${overrides:- none}"
  } >"$2/context.md"
}

# ---------------------------------------------- summary -----------------------------------------------------
read -r -d '' SUMMARY_AWK <<'AWK' || true
function isnum(s) { return s ~ /^-?[0-9]+(\.[0-9]+)?$/ }
function trim(s) { gsub(/^[ \t*]+|[ \t*]+$/, "", s); return s }
function kv(line, key,   s, v) {  # value of " key=value" (ms suffix dropped)
  s = " " line
  if (!match(s, " " key "=[^ ]+")) return ""
  v = substr(s, RSTART + length(key) + 2, RLENGTH - length(key) - 2)
  sub(/ms$/, "", v); sub(/[,;)]$/, "", v)
  return v
}
function between(line, pre, post,   s, i, j) {
  i = index(line, pre); if (!i) return ""
  s = substr(line, i + length(pre)); j = index(s, post); if (!j) return ""
  return substr(s, 1, j - 1)
}
function put(k, v) { V[id SUBSEP k] = v }
function get(r, k) { return V[r SUBSEP k] }
function f(v, d) { if (!isnum(v)) return (v == "" ? "–" : v); return sprintf("%." d "f", v) }
function med(impl, key, skip,   i, r, n, a, j, t, v) {  # median over runs of impl; skip runs whose key `skip` is 1
  n = 0
  for (i = 1; i <= nr; i++) {
    r = R[i]; if (IMPL[r] != impl) continue
    if (skip != "" && get(r, skip) == 1) continue
    v = get(r, key); if (!isnum(v)) continue
    a[++n] = v + 0
    for (j = n; j > 1 && a[j-1] > a[j]; j--) { t = a[j]; a[j] = a[j-1]; a[j-1] = t }
  }
  MN = n; if (n == 0) { MINV = MAXV = ""; return "" }
  MINV = a[1]; MAXV = a[n]
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
function nruns(impl, skip,   i, r, n) {
  n = 0
  for (i = 1; i <= nr; i++) { r = R[i]; if (IMPL[r] == impl && !(skip != "" && get(r, skip) == 1)) n++ }
  return n
}
function anyflag(impl, key,   i) { for (i = 1; i <= nr; i++) if (IMPL[R[i]] == impl && get(R[i], key) == 1) return 1; return 0 }
# median for targets: clean runs when there are any, else all runs; sets TNOTE
function tmed(impl, key, skip,   m) {
  if (nruns(impl, skip) > 0) { m = med(impl, key, skip); TNOTE = (anyflag(impl, skip) ? "clean runs" : "all runs") }
  else { m = med(impl, key, ""); TNOTE = "all runs, all flagged" }
  return m
}
function verdict(ok) { return ok ? "**PASS**" : "**FAIL**" }
FNR == 1 {
  n = split(FILENAME, parts, "/"); dir = parts[n - 1]
  id = dir; nr++; R[nr] = id
  IMPL[id] = dir; sub(/-[0-9]+$/, "", IMPL[id]); RUN[id] = dir; sub(/^.*-/, "", RUN[id])
  if (!(IMPL[id] in SEEN)) { SEEN[IMPL[id]] = 1; if (IMPL[id] != "peer" && IMPL[id] != "postroom") EXTRA[++NX] = IMPL[id] }
  sec = 0; pendwarn = 0
}
/^## 1\./ { sec = 1; HAS[1] = 1; AHDR = between($0, "(", ")") }
/^## 2\./ { sec = 2; HAS[2] = 1; EHDR = trim(substr($0, 7)) }
/^## 3\./ { sec = 3; HAS[3] = 1; put("l_rows", between($0, "latency with ", " rows"))
            d = between($0, "wrk ", " per cell"); sub(/s$/, "", d); put("l_dur", isnum(d) ? d : 10); LHDR = between($0, "(", ")") }
/WARNING/ { if (sec == 1) put("a_warn", 1); else if (sec == 2) put("e_warn", 1); else if (sec == 3) pendwarn = 1 }
/^- cpu_s total=/ {
  p = (sec == 1) ? "a_" : (sec == 2) ? "e_" : "x_"
  put(p "cpu", kv($0, "total")); put(p "pct", between($0, "(", "%")); put(p "app", kv($0, "app"))
  put(p "pg", kv($0, "postgres")); put(p "redis", kv($0, "redis")); put(p "smtp", kv($0, "smtp-sink"))
  put(p "lg", kv($0, "loadgen")); put(p "other", kv($0, "other"))
}
sec == 1 && /^- calib:/ { put("a_calib", $3) }
sec == 1 && /^- requests\/s:/ {
  put("a_rps", $3); put("a_p50", kv($0, "p50")); put("a_p90", kv($0, "p90")); put("a_p99", kv($0, "p99"))
  put("a_non2xx", kv($0, "non2xx")); put("a_sock", index($0, "Socket errors:") ? trim(substr($0, index($0, "Socket errors:") + 14)) : "")
}
sec == 1 && /^- rows created during run:/ { v = $6; sub(/;$/, "", v); put("a_rows", v); put("a_deliv", $NF) }
sec == 1 && /^- backlog after run:/ { put("a_backlog", $5); put("a_drain_jps", between($0, "load stopped (", " jobs/s")) }
sec == 2 && /^- calib:/ { put("e_calib", $3) }
sec == 2 && /status codes:/ { put("e_non2xx", $7 + $9 + $11) }
sec == 2 && /^- h2load: requests:/ { put("e_reqfail", between($0, "succeeded, ", " failed")) }
sec == 2 && /^- accepted rows:/ {
  v = $4; sub(/;$/, "", v); put("e_acc", v)
  put("e_enq_s", between($0, "enqueue phase ", "s (")); put("e_enq_rps", between($0, "s (", " req/s"))
}
sec == 2 && /^- all final after/ {
  put("e_total_s", between($0, "after ", "s:")); put("e_sent", kv($0, "sent")); put("e_failed", kv($0, "failed"))
  put("e_jps", between($0, "**", " jobs/s"))
}
sec == 2 && /^- CPU per delivered email:/ { put("e_ms", $6) }
sec == 3 && /^- sanity:/ { put("l_items", $6); put("l_calib", $9) }
sec == 3 && /^\| *[0-9]+ *\| *[0-9]+ *\|/ {
  split($0, c, "|"); pg = trim(c[2]); cn = trim(c[3]); cell = pg "/" cn
  if (!(cell in CSEEN)) { CSEEN[cell] = 1; CELLS[++NC] = cell; CPAGE[cell] = pg; CCONN[cell] = cn }
  put("l_rps_" cell, trim(c[4])); put("l_p50_" cell, trim(c[5])); put("l_p90_" cell, trim(c[6])); put("l_p99_" cell, trim(c[7]))
  e = c[8]; put("l_non2xx_" cell, kv(e, "non2xx")); put("l_sock_" cell, index(e, "Socket errors:") ? trim(substr(e, index(e, "Socket errors:") + 14)) : "")
  split(c[9], u, "/"); put("l_app_" cell, trim(u[1])); put("l_pgc_" cell, trim(u[2])); put("l_oth_" cell, trim(u[3]))
  w = pendwarn; if (isnum(trim(u[3])) && trim(u[3]) + 0 > 0.05 * get(id, "l_dur")) w = 1
  put("l_warn_" cell, w); pendwarn = 0
  if (w) put("l_warn", 1)
}
END {
  NI = 0; if ("peer" in SEEN) IM[++NI] = "peer"; if ("postroom" in SEEN) IM[++NI] = "postroom"
  for (k = 1; k <= NX; k++) IM[++NI] = EXTRA[k]
  for (i = 1; i <= nr; i++) {  # derived per-run figures
    r = R[i]; d = get(r, "e_sent") + get(r, "e_failed")
    if (isnum(get(r, "e_app")) && d > 0) V[r SUBSEP "e_app_ms"] = 1000 * get(r, "e_app") / d
    if (isnum(get(r, "e_pg")) && d > 0) V[r SUBSEP "e_pg_ms"] = 1000 * get(r, "e_pg") / d
    if (isnum(get(r, "e_acc")) && d < get(r, "e_acc")) V[r SUBSEP "e_incomplete"] = 1
  }
  if (HAS[1]) {
    print "## 1. POST /send accept throughput (" AHDR ")"
    print ""
    print "| impl | run | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | rows / delivered in window | app CPU-s | machine CPU % | drain jobs/s | calib ms | note |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (m = 1; m <= NI; m++) {
      im = IM[m]
      for (i = 1; i <= nr; i++) { r = R[i]; if (IMPL[r] != im || get(r, "a_rps") == "") continue
        printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s / %s | %s | %s | %s | %s | %s |\n", im, RUN[r], f(get(r, "a_rps"), 0),
          f(get(r, "a_p50"), 1), f(get(r, "a_p90"), 1), f(get(r, "a_p99"), 1), f(get(r, "a_non2xx"), 0), (get(r, "a_sock") == "" ? "none" : get(r, "a_sock")),
          f(get(r, "a_rows"), 0), f(get(r, "a_deliv"), 0), f(get(r, "a_app"), 1), f(get(r, "a_pct"), 0), f(get(r, "a_drain_jps"), 0),
          f(get(r, "a_calib"), 0), (get(r, "a_warn") == 1 ? "foreign load WARNING" : "") }
      for (s = 0; s <= 1; s++) {
        sk = s ? "a_warn" : ""; if (s && !anyflag(im, "a_warn")) continue
        if (nruns(im, sk) == 0) continue
        printf "| **%s** | **median%s (%d)** | **%s** | %s | %s | **%s** | | | | %s | %s | %s | %s | |\n", im, (s ? ", clean runs" : ""), nruns(im, sk),
          f(med(im, "a_rps", sk), 0), f(med(im, "a_p50", sk), 1), f(med(im, "a_p90", sk), 1), f(med(im, "a_p99", sk), 1),
          f(med(im, "a_app", sk), 1), f(med(im, "a_pct", sk), 0), f(med(im, "a_drain_jps", sk), 0), f(med(im, "a_calib", sk), 0)
      }
    }
    print ""
  }
  if (HAS[2]) {
    print "## 2. " EHDR
    print ""
    print "| impl | run | accepted | enqueue req/s | total s | **jobs/s delivered** | machine CPU-s (% of cores) | app / postgres / redis / smtp-sink CPU-s | CPU per email, machine ms | app ms | postgres ms | failed | non-2xx | calib ms | note |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (m = 1; m <= NI; m++) {
      im = IM[m]
      for (i = 1; i <= nr; i++) { r = R[i]; if (IMPL[r] != im || get(r, "e_acc") == "") continue
        note = (get(r, "e_warn") == 1 ? "foreign load WARNING" : "")
        if (get(r, "e_incomplete") == 1) note = note (note == "" ? "" : "; ") "NOT all final (timeout?)"
        printf "| %s | %s | %s | %s | %s | **%s** | %s (%s%%) | %s / %s / %s / %s | %s | %s | %s | %s | %s | %s | %s |\n", im, RUN[r],
          f(get(r, "e_acc"), 0), f(get(r, "e_enq_rps"), 0), f(get(r, "e_total_s"), 1), f(get(r, "e_jps"), 0),
          f(get(r, "e_cpu"), 1), f(get(r, "e_pct"), 0), f(get(r, "e_app"), 1), f(get(r, "e_pg"), 1), f(get(r, "e_redis"), 1), f(get(r, "e_smtp"), 1),
          f(get(r, "e_ms"), 2), f(get(r, "e_app_ms"), 2), f(get(r, "e_pg_ms"), 2), f(get(r, "e_failed"), 0), f(get(r, "e_non2xx"), 0),
          f(get(r, "e_calib"), 0), note }
      for (s = 0; s <= 1; s++) {
        sk = s ? "e_warn" : ""; if (s && !anyflag(im, "e_warn")) continue
        if (nruns(im, sk) == 0) continue
        printf "| **%s** | **median%s (%d)** | | %s | %s | **%s** | %s (%s%%) | %s / %s / %s / %s | **%s** | %s | %s | | | %s | |\n", im, (s ? ", clean runs" : ""), nruns(im, sk),
          f(med(im, "e_enq_rps", sk), 0), f(med(im, "e_total_s", sk), 1), f(med(im, "e_jps", sk), 0),
          f(med(im, "e_cpu", sk), 1), f(med(im, "e_pct", sk), 0), f(med(im, "e_app", sk), 1), f(med(im, "e_pg", sk), 1), f(med(im, "e_redis", sk), 1), f(med(im, "e_smtp", sk), 1),
          f(med(im, "e_ms", sk), 2), f(med(im, "e_app_ms", sk), 2), f(med(im, "e_pg_ms", sk), 2), f(med(im, "e_calib", sk), 0)
      }
    }
    print ""
  }
  if (HAS[3]) {
    print "## 3. GET /logs/email (" LHDR ")"
    print ""
    print "| impl | run | rows | page | conns | req/s | p50 ms | p90 ms | p99 ms | non-2xx | socket errors | CPU-s app / postgres / foreign | calib ms | note |"
    print "|---|---|---|---|---|---|---|---|---|---|---|---|---|---|"
    for (m = 1; m <= NI; m++) { im = IM[m]
      for (i = 1; i <= nr; i++) { r = R[i]; if (IMPL[r] != im) continue
        for (k = 1; k <= NC; k++) { cell = CELLS[k]; if (get(r, "l_p50_" cell) == "") continue
          printf "| %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s | %s / %s / %s | %s | %s |\n", im, RUN[r], f(get(r, "l_rows"), 0), CPAGE[cell], CCONN[cell],
            f(get(r, "l_rps_" cell), 0), f(get(r, "l_p50_" cell), 2), f(get(r, "l_p90_" cell), 2), f(get(r, "l_p99_" cell), 2),
            f(get(r, "l_non2xx_" cell), 0), (get(r, "l_sock_" cell) == "" ? "none" : get(r, "l_sock_" cell)),
            f(get(r, "l_app_" cell), 2), f(get(r, "l_pgc_" cell), 2), f(get(r, "l_oth_" cell), 2), f(get(r, "l_calib"), 0),
            (get(r, "l_warn_" cell) == 1 ? "foreign load WARNING" : "") } } }
    print ""
    print "Medians per cell (clean runs when any cell run is flagged):"
    print ""
    print "| impl | rows | page | conns | req/s | **p50 ms** (min–max) | p90 ms | **p99 ms** (min–max) | runs |"
    print "|---|---|---|---|---|---|---|---|---|"
    for (m = 1; m <= NI; m++) { im = IM[m]
      for (k = 1; k <= NC; k++) { cell = CELLS[k]
        p50 = tmed(im, "l_p50_" cell, "l_warn_" cell); if (MN == 0) continue
        lo = MINV; hi = MAXV; n50 = MN; note = TNOTE
        p99 = tmed(im, "l_p99_" cell, "l_warn_" cell); lo99 = MINV; hi99 = MAXV
        printf "| %s | %s | %s | %s | %s | **%s** (%s–%s) | %s | **%s** (%s–%s) | %d, %s |\n", im, f(med(im, "l_rows", ""), 0), CPAGE[cell], CCONN[cell],
          f(tmed(im, "l_rps_" cell, "l_warn_" cell), 0), f(p50, 2), f(lo, 2), f(hi, 2), f(tmed(im, "l_p90_" cell, "l_warn_" cell), 2),
          f(p99, 2), f(lo99, 2), f(hi99, 2), n50, note } }
    print ""
  }
  # ---- targets (Postroom vs the peer measured in this session) ----
  if (!("peer" in SEEN) || !("postroom" in SEEN)) exit
  print "## Targets (medians of this session; clean runs when some are flagged)"
  print ""
  print "| target | peer | Postroom | goal | result |"
  print "|---|---|---|---|---|"
  if (HAS[1]) {
    a = tmed("peer", "a_rps", "a_warn"); b = tmed("postroom", "a_rps", "a_warn")
    if (isnum(a) && isnum(b) && a > 0) printf "| accept req/s at 64 connections | %s | %s | ≥ 3× the peer | %.2f× %s |\n", f(a, 0), f(b, 0), b / a, verdict(b >= 3 * a)
    a = tmed("peer", "a_p99", "a_warn"); b = tmed("postroom", "a_p99", "a_warn")
    if (isnum(b)) printf "| accept p99 ms at 64 connections | %s | %s | ≤ 25 ms | %s |\n", f(a, 1), f(b, 1), verdict(b <= 25)
  }
  if (HAS[2]) {
    a = tmed("peer", "e_jps", "e_warn"); b = tmed("postroom", "e_jps", "e_warn")
    if (isnum(a) && isnum(b) && a > 0) printf "| end-to-end emails/s delivered | %s | %s | ≥ 3× the peer | %.2f× %s |\n", f(a, 0), f(b, 0), b / a, verdict(b >= 3 * a)
    a = tmed("peer", "e_ms", "e_warn"); b = tmed("postroom", "e_ms", "e_warn")
    if (isnum(b)) printf "| machine CPU ms per delivered email | %s | %s | ≤ 0.7 ms | %s |\n", f(a, 2), f(b, 2), verdict(b <= 0.7)
  }
  if (HAS[3]) {
    rows = med("postroom", "l_rows", "")
    for (k = 1; k <= NC; k++) { cell = CELLS[k]; if (CCONN[cell] != 1) continue
      a = tmed("peer", "l_p50_" cell, "l_warn_" cell); b = tmed("postroom", "l_p50_" cell, "l_warn_" cell)
      if (isnum(b)) printf "| GET /logs/email p50, page %s, 1 connection (peer %s rows, Postroom %s rows) | %s | %s | ≤ 5 ms with 1,000,000 rows | %s |\n",
        CPAGE[cell], f(med("peer", "l_rows", ""), 0), f(rows, 0), f(a, 2), f(b, 2), verdict(b <= 5 && rows >= 1000000)
    }
  }
  print ""
}
AWK
summarize() {  # $1 = results dir of one session
  local dir="$1" n files=() out
  for n in $(seq 1 99); do
    [[ -f "$dir/peer-$n/summary.md" ]] && files+=("$dir/peer-$n/summary.md")
    [[ -f "$dir/postroom-$n/summary.md" ]] && files+=("$dir/postroom-$n/summary.md")
  done
  out="$dir/summary.md"
  {
    echo "# Postroom vs NestJS + BullMQ peer: $(basename "$dir")"
    echo
    [[ -f "$dir/context.md" ]] && cat "$dir/context.md"
    echo "- runs: ${#files[@]} (per-run details: */summary.md, */context.txt; Postroom: postroom-*/postroom-start.txt, gc.log, postroom.log)"
    echo
    if ((${#files[@]})); then awk "$SUMMARY_AWK" "${files[@]}"; else echo "(no completed runs yet)"; fi
  } >"$out.tmp"
  mv "$out.tmp" "$out"
}

# ---------------------------------------------- modes -------------------------------------------------------
do_setup() {
  (( EUID == 0 )) || die "run as root"
  if [[ ! -d "$PEER_DIR" ]]; then
    log "copying $PEER_SRC -> $PEER_DIR (the original is read-only)"
    cp -a "$PEER_SRC" "$PEER_DIR"; chmod -R u+w "$PEER_DIR"
  fi
  if [[ ! -d "$PEER_DIR/app/node_modules" ]]; then
    # npm ci refuses the shipped package-lock.json (npm 11: msgpackr-extract's optional darwin/win32/linux-arm
    # prebuilds are missing from it). npm install --no-save installs the locked versions without rewriting it.
    log "npm install --no-save (npm ci rejects the shipped lock file)"
    (cd "$PEER_DIR/app" && npm install --no-save --no-audit --no-fund)
  fi
  (cd "$PEER_DIR" && LOGDIR="$PEER_LOGDIR" ./setup.sh)
  ensure_db
}
start_session() {  # $1 = mode, $2 = results dir
  preflight
  select_jdk
  build_if_needed
  snapshot_app
  ensure_db
  mkdir -p "$2"
  SESSION_DIR="$2"
  write_context "$1" "$2"
  log "results -> $2"
}
do_outbound() {
  local dir="$RESULTS_DIR/$STAMP" n
  preflight_peer
  start_session outbound "$dir"
  for n in $(seq 1 "$RUNS"); do
    if [[ " $IMPLS " == *" peer "* ]]; then
      log "=== run $n/$RUNS: peer"
      peer_start
      bench_peer "$dir/peer-$n" PHASES="$OUTBOUND_PHASES"
      peer_stop; summarize "$dir"
    fi
    if [[ " $IMPLS " == *" postroom "* ]]; then
      log "=== run $n/$RUNS: Postroom"
      postroom_start "$dir/postroom-$n"
      if (( n == 1 )); then check_tables; postroom_smoke; fi
      bench_postroom "$dir/postroom-$n" PHASES="$OUTBOUND_PHASES"
      postroom_stop; summarize "$dir"
    fi
  done
  log "summary: $dir/summary.md"
  cat "$dir/summary.md"
}
do_logs() {
  local dir="$RESULTS_DIR/$STAMP-logs" n total
  preflight_peer
  start_session logs "$dir"
  log "=== Postroom: migrate, then seed"
  postroom_start "$dir/postroom-prep"; check_tables; postroom_stop
  seed_postroom "$dir/postroom-prep/seed.txt"
  log "=== peer: bring email_logs to $PEER_ROWS rows through its API (bench.sh top-up; 1 s cells, not used)"
  peer_start
  bench_peer "$dir/peer-prep" PHASES=logs WARMUP=0 ROWS="$PEER_ROWS" GET_CONNS=1 GET_DURATION=1s
  peer_stop
  for n in $(seq 1 "$RUNS"); do
    log "=== logs run $n/$RUNS: peer"
    peer_start
    logs_warmup "$PEER_URL"
    bench_peer "$dir/peer-$n" PHASES=logs WARMUP=0 RESET_CMD= ROWS="$PEER_ROWS" DEEP_PAGE="$LOGS_DEEP_PAGE"
    peer_stop; summarize "$dir"
    log "=== logs run $n/$RUNS: Postroom"
    postroom_start "$dir/postroom-$n"
    total="$(logs_json "$PR_URL" 1 1 "$AUTH" | jq -r '.total')" || die "GET /logs/email failed"
    # bench.sh tops the table up through POST /send when the API reports fewer than ROWS rows: refuse that here
    if ! [[ "$total" =~ ^[0-9]+$ ]] || (( total < SEED_ROWS )); then
      die "GET /logs/email reports total=$total, expected >= $SEED_ROWS for owner '$POSTROOM_OWNER' (seed/owner mismatch?)"
    fi
    logs_warmup "$PR_URL" "$AUTH"
    bench_postroom "$dir/postroom-$n" PHASES=logs WARMUP=0 RESET_CMD= ROWS="$SEED_ROWS" DEEP_PAGE="$LOGS_DEEP_PAGE"
    postroom_stop; summarize "$dir"
  done
  log "summary: $dir/summary.md"
  cat "$dir/summary.md"
}
do_check() {
  start_session check "$RESULTS_DIR/$STAMP-check"
  postroom_start "$RESULTS_DIR/$STAMP-check/postroom"
  check_tables
  postroom_smoke
  log "check OK"
}

case "${1:-outbound}" in
  outbound) do_outbound ;;
  logs)     do_logs ;;
  setup)    do_setup ;;
  db)       (( EUID == 0 )) || die "run as root"; ensure_db ;;
  seed)     (( EUID == 0 )) || die "run as root"; ensure_db; check_tables; mkdir -p "$RESULTS_DIR"
            seed_postroom "$RESULTS_DIR/seed-$STAMP.txt" ;;
  check)    do_check ;;
  summary)  [[ -d "${2:-}" ]] || die "usage: $0 summary <results dir>"; summarize "$2"; cat "$2/summary.md" ;;
  -h|--help|help) awk 'NR > 1 && /^#/ { print; next } NR > 1 { exit }' "$0" ;;
  *) die "unknown mode '$1' (outbound | logs | setup | check | db | seed | summary DIR)" ;;
esac
