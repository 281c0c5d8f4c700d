#!/usr/bin/env bash
# Runs one benchmark against an already running service.
# Usage: load-tests/bench.sh batch|single|read [-Dname=value ...]   (parameters: load-tests/README.md)
set -euo pipefail
case "${1:-}" in
  batch)  sim=org.leaderboard.loadtest.IngestBatchSimulation ;;
  single) sim=org.leaderboard.loadtest.IngestSingleSimulation ;;
  read)   sim=org.leaderboard.loadtest.ReadSimulation ;;
  *) echo "usage: $0 batch|single|read [-Dname=value ...]" >&2; exit 2 ;;
esac
shift
cd "$(dirname "$0")/.."
# Open-model runs may hold thousands of sockets; the default limit of 1,024 files is too low.
ulimit -n 65536 2>/dev/null || true
# The simulations read the tokens from the environment; -D options given here win.
exec ./mvnw -q -pl load-tests gatling:test -Dgatling.simulationClass="$sim" \
  ${LEADERBOARD_INGEST_TOKEN:+-DingestToken="$LEADERBOARD_INGEST_TOKEN"} \
  ${LEADERBOARD_ORGANIZER_TOKEN:+-DorganizerToken="$LEADERBOARD_ORGANIZER_TOKEN"} \
  "$@"
