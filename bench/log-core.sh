#!/usr/bin/env bash
# The log-core storage benchmark (io.sluice.log.bench.LogBench, in log-core's test sources).
#
#   bench/log-core.sh [--dir DIR] [--bytes 256m] [--runs 5] [--warmups 1] [--fsync-each-bytes 64m]
#                     [--threads 4] [--cases id,id,...] [--direct] [--drop-caches] [--help]
#
# Compiles audit + log-core (tests included), builds the test classpath with dependency:build-classpath
# and runs the benchmark with plain `java`, so that the JVM flags are ours and no Maven JVM runs beside it.
# DIR defaults to log-core/target/log-bench: put it on the disk you want to measure.
# Environment: JAVA_OPTS (default -Xms1g -Xmx1g -XX:+AlwaysPreTouch), SKIP_BUILD=1 to reuse the last build,
# MVN_FLAGS (default -o; the build retries online once if the offline build fails).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CPFILE=log-core/target/bench.classpath
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$CPFILE" ]]; then
  build() {
    mvn -B -q -Dstyle.color=never "$@" -pl audit,log-core test-compile dependency:build-classpath \
      -Dmdep.outputFile=target/bench.classpath -Dmdep.includeScope=test
  }
  MVN_FLAGS="${MVN_FLAGS--o}"
  # shellcheck disable=SC2086
  build $MVN_FLAGS >&2 || { echo "offline build failed; retrying online" >&2; build >&2; }
fi
CP="log-core/target/test-classes:log-core/target/classes:$(cat "$CPFILE")"
# shellcheck disable=SC2086
exec java ${JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch} \
  -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "$CP" io.sluice.log.bench.LogBench --dir "$ROOT/log-core/target/log-bench" "$@"
