#!/usr/bin/env bash
# Runs one benchmark against an already running service.
# Usage: load-tests/bench.sh batch|single|read|surge|storm|spectators|wrk-single|wrk-read [-Dname=value ...]
#        (parameters: load-tests/README.md)
set -euo pipefail
case "${1:-}" in
  wrk-single|wrk-read)
    # wrk makes the requests (load-tests/wrk/*.lua); a small JVM (WrkBench) sets the campaign up,
    # starts wrk and runs the ledger and API checks. wrk comes from Debian: apt-get install -y wrk
    mode=${1#wrk-}
    shift
    command -v "${WRK:-wrk}" >/dev/null || { echo "wrk not found: apt-get install -y wrk" >&2; exit 2; }
    cd "$(dirname "$0")/.."
    ./mvnw -q -pl load-tests test-compile dependency:build-classpath \
      -Dmdep.outputFile=target/spectator-classpath.txt -Dmdep.includeScope=test
    # The JVM only waits while wrk runs: a small heap and serial GC keep it out of the way.
    # shellcheck disable=SC2086
    exec java ${WRK_JAVA_OPTS:--Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1} \
      -cp "load-tests/target/test-classes:$(cat load-tests/target/spectator-classpath.txt)" \
      ${LEADERBOARD_INGEST_TOKEN:+-DingestToken="$LEADERBOARD_INGEST_TOKEN"} \
      ${LEADERBOARD_ORGANIZER_TOKEN:+-DorganizerToken="$LEADERBOARD_ORGANIZER_TOKEN"} \
      -Dwrk="${WRK:-wrk}" "$@" org.leaderboard.loadtest.WrkBench "$mode"
    ;;
esac
if [ "${1:-}" = spectators ]; then
  # Not Gatling: a plain Netty client in its own JVM (SpectatorBench), from the test classpath.
  shift
  cd "$(dirname "$0")/.."
  # One socket per spectator; the JVM also lifts its own soft limit to the hard one.
  ulimit -n 65536 2>/dev/null || ulimit -n "$(ulimit -Hn)" 2>/dev/null || true
  ./mvnw -q -pl load-tests test-compile dependency:build-classpath \
    -Dmdep.outputFile=target/spectator-classpath.txt -Dmdep.includeScope=test
  # The native WebSocket client (the default; -Dclient=netty runs the Netty one in the JVM instead).
  "${CC:-cc}" -O2 -pthread -o load-tests/target/spectators load-tests/native/spectators.c -lz \
    || echo "bench.sh: the native spectator client did not build (needs cc and zlib: apt-get install -y gcc zlib1g-dev)" >&2
  # SPECTATOR_JAVA_OPTS: JVM options of the client (heap, GC); -D options go after them.
  # shellcheck disable=SC2086
  exec java ${SPECTATOR_JAVA_OPTS:--Xms1g -Xmx1g -XX:+UseParallelGC} \
    -cp "load-tests/target/test-classes:$(cat load-tests/target/spectator-classpath.txt)" \
    ${LEADERBOARD_INGEST_TOKEN:+-DingestToken="$LEADERBOARD_INGEST_TOKEN"} \
    ${LEADERBOARD_ORGANIZER_TOKEN:+-DorganizerToken="$LEADERBOARD_ORGANIZER_TOKEN"} \
    "$@" org.leaderboard.loadtest.SpectatorBench
fi
case "${1:-}" in
  batch)  sim=org.leaderboard.loadtest.IngestBatchSimulation ;;
  single) sim=org.leaderboard.loadtest.IngestSingleSimulation ;;
  read)   sim=org.leaderboard.loadtest.ReadSimulation ;;
  surge)  sim=org.leaderboard.loadtest.ViralSurgeSimulation ;;
  storm)  sim=org.leaderboard.loadtest.ShareStormSimulation ;;
  *) echo "usage: $0 batch|single|read|surge|storm|spectators|wrk-single|wrk-read [-Dname=value ...]" >&2; exit 2 ;;
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
