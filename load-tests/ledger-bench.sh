#!/usr/bin/env bash
# Catch-up and rebuild of a large ledger (load-tests/README.md, "Ledger catch-up and rebuild").
# Starts and stops the service jar itself, on a database and Redis index of its own:
#   (a) catch-up: service stopped, EVENTS ledger rows added by SQL, service started; time until the
#       API's totals of every campaign equal the ledger's sums;
#   (b) rebuild: FLUSHDB, time until the same;
# then checks every campaign's totals and top 10 fundraisers against SQL over the ledger.
# Usage: EVENTS=3000000 PGPORT=5437 REDIS_PORT=6384 load-tests/ledger-bench.sh
set -euo pipefail
EVENTS=${EVENTS:-30000000}
CAMPAIGNS=${CAMPAIGNS:-5}
FUNDRAISERS=${FUNDRAISERS:-100}
CHUNK=${CHUNK:-100000}            # rows per filling transaction
PGHOST=${PGHOST:-127.0.0.1}
PGPORT=${PGPORT:-5432}
DB=${DB:-lb_ledger_bench}
REDIS_HOST=${REDIS_HOST:-127.0.0.1}
REDIS_PORT=${REDIS_PORT:-6379}
REDIS_DB=${REDIS_DB:-15}
PORT=${PORT:-18480}
TOKEN=${LEADERBOARD_ORGANIZER_TOKEN:-ledger-bench-organizer}
TIMEOUT=${TIMEOUT:-3600}          # seconds to wait for convergence, each phase
cd "$(dirname "$0")/.."
JAR=${JAR:-$(ls service/target/leaderboard-service*.jar 2>/dev/null | grep -v original | head -1)}
[ -n "$JAR" ] || { echo "no service jar: ./mvnw -q -pl service package -DskipTests" >&2; exit 2; }
LOG=${LOG:-/tmp/ledger-bench-service.log}
psql_() { psql -X -q -v ON_ERROR_STOP=1 -h "$PGHOST" -p "$PGPORT" -U postgres "$@"; }
redis_() { redis-cli -h "$REDIS_HOST" -p "$REDIS_PORT" -n "$REDIS_DB" "$@"; }
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }
pid=
start_service() {
  SPRING_R2DBC_URL="r2dbc:postgresql://$PGHOST:$PGPORT/$DB" SPRING_DATA_REDIS_HOST="$REDIS_HOST" \
  SPRING_DATA_REDIS_PORT="$REDIS_PORT" SPRING_DATA_REDIS_DATABASE="$REDIS_DB" SERVER_PORT="$PORT" \
  MANAGEMENT_SERVER_PORT="$PORT" LEADERBOARD_ORGANIZER_TOKEN="$TOKEN" LEADERBOARD_INGEST_TOKEN="$TOKEN-ingest" \
    java ${SERVICE_JAVA_OPTS:-} -jar "$JAR" >>"$LOG" 2>&1 &
  pid=$!
  until curl -s -o /dev/null "http://127.0.0.1:$PORT/actuator/health"; do
    kill -0 "$pid" 2>/dev/null || { echo "service died, see $LOG" >&2; exit 1; }
    sleep 0.2
  done
}
stop_service() { [ -n "$pid" ] && kill "$pid" && wait "$pid" 2>/dev/null || true; pid=; }
trap stop_service EXIT
trap 'exit 1' INT TERM
# Expected figures per campaign, "c raised donations refunded shares", from SQL over the ledger.
ledger_totals() {
  psql_ -d "$DB" -At -F ' ' -c "select c.id,
      coalesce(sum(case e.type when 'donation' then e.amount_minor when 'refund' then -e.amount_minor end), 0),
      count(e.seq) filter (where e.type = 'donation'), coalesce(sum(e.amount_minor) filter (where e.type = 'refund'), 0),
      count(e.seq) filter (where e.type = 'share')
    from campaigns c left join ledger_events e on e.campaign_id = c.id group by c.id order by c.id"
}
api_totals() {
  psql_ -d "$DB" -At -c "select id from campaigns order by id" | while read -r c; do
    curl -s "http://127.0.0.1:$PORT/api/campaigns/$c/totals" \
      | jq -r --arg c "$c" '[$c, .raisedMinor, .donationCount, .refundedMinor, .shareCount] | map(tostring) | join(" ")' \
      2>/dev/null || echo "$c unavailable"
  done
}
await_totals() { # $1: start time; prints the seconds until the API shows $expected
  local deadline=$(( $(date +%s) + TIMEOUT ))
  until [ "$(api_totals)" = "$expected" ]; do
    [ "$(date +%s)" -lt "$deadline" ] || { echo "TIMEOUT: API $(api_totals | tr '\n' ';') ledger $(echo "$expected" | tr '\n' ';')" >&2; exit 1; }
    sleep 0.2
  done
  secs "$1" "$(now)"
}

echo "ledger-bench: $EVENTS events, $CAMPAIGNS campaigns x $FUNDRAISERS fundraisers, $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GB, jar $JAR"
psql_ -d postgres -c "drop database if exists $DB with (force)" -c "create database $DB"
redis_ flushdb >/dev/null
: >"$LOG"
start_service
for ((c = 0; c < CAMPAIGNS; c++)); do
  curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
    "http://127.0.0.1:$PORT/api/campaigns/bench$c" -d "{\"title\":\"Bench $c\",\"currency\":\"EUR\",\"goalMinor\":100000000}"
  for ((f = 0; f < FUNDRAISERS; f++)); do
    curl -sf -o /dev/null -X PUT -H "Authorization: Bearer $TOKEN" -H 'Content-Type: application/json' \
      "http://127.0.0.1:$PORT/api/campaigns/bench$c/fundraisers/f$f" -d "{\"displayName\":\"Fundraiser $c.$f\"}"
  done
done
# Every campaign answers its totals (its live state is set up) before the service stops.
for ((c = 0; c < CAMPAIGNS; c++)); do
  until curl -sf -o /dev/null "http://127.0.0.1:$PORT/api/campaigns/bench$c/totals"; do sleep 0.2; done
done
stop_service

t0=$(now)
for ((from = 1; from <= EVENTS; from += CHUNK)); do
  to=$(( from + CHUNK - 1 < EVENTS ? from + CHUNK - 1 : EVENTS ))
  psql_ -d "$DB" -v from="$from" -v to="$to" -v eprefix="'b-'" -v cprefix="'bench'" \
    -v campaigns="$CAMPAIGNS" -v fundraisers="$FUNDRAISERS" -f load-tests/fill-ledger.sql
done
psql_ -d "$DB" -c "vacuum analyze ledger_events"
echo "filled: $EVENTS rows in $(secs "$t0" "$(now)") s (service stopped), ledger $(psql_ -d "$DB" -At -c "select pg_size_pretty(pg_total_relation_size('ledger_events'))")"
expected=$(ledger_totals)

t0=$(now)
start_service
up=$(secs "$t0" "$(now)")
catchup=$(await_totals "$t0")
after=$(awk -v a="$catchup" -v b="$up" 'BEGIN { printf "%.1f", a - b }')
echo "(a) catch-up after downtime: $after s after the service answered HTTP ($catchup s from its start, up after $up s) -> $(awk -v n="$EVENTS" -v s="$after" 'BEGIN { printf "%d", n / s }') events/s"

t0=$(now)
redis_ flushdb >/dev/null
rebuild=$(await_totals "$t0")
echo "(b) rebuild after FLUSHDB: $rebuild s -> $(awk -v n="$EVENTS" -v s="$rebuild" 'BEGIN { printf "%d", n / s }') events/s"

# Exact check: every campaign's totals and top 10 fundraisers, API against SQL.
[ "$(api_totals)" = "$expected" ] || { echo "CHECK FAILED: totals differ" >&2; exit 1; }
for ((c = 0; c < CAMPAIGNS; c++)); do
  want=$(psql_ -d "$DB" -At -F ' ' -c "select f.id, coalesce(sum(case e.type when 'donation' then e.amount_minor
      when 'refund' then -e.amount_minor end), 0) as s from fundraisers f left join ledger_events e
      on e.campaign_id = f.campaign_id and e.fundraiser_id = f.id where f.campaign_id = 'bench$c'
      group by f.id order by s desc, f.id limit 10")
  got=$(curl -s "http://127.0.0.1:$PORT/api/campaigns/bench$c/leaderboards/fundraisers?limit=10" \
    | jq -r '.entries[] | "\(.id) \(.score)"')
  [ "$(echo "$want" | awk '{print $2}')" = "$(echo "$got" | awk '{print $2}')" ] \
    || { echo "CHECK FAILED: fundraisers board of bench$c: $got vs $want" >&2; exit 1; }
done
echo "CHECK OK: $CAMPAIGNS campaigns, totals and top-10 fundraiser scores equal SQL over $EVENTS ledger rows"
echo "$expected" | sed 's/^/  /'
