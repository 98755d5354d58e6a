#!/usr/bin/env bash
# The ingest benchmark (io.sluice.jobs.bench.IngestBench, in the jobs module): the Sluice pipeline on embedded
# Flink against a plain KafkaConsumer + Avro DataFileWriter + Hadoop FileSystem loop, side by side on the same
# page views, from an in-process log-core (with its registry) into an in-process MiniDFSCluster.
#
#   bench/ingest.sh [--mode throughput|latency|all] [--events 500000] [--partitions 4] [--warmups 1] [--runs 3]
#                   [--cases plain-loop,pipeline] [--commit-interval-ms 10000] [--rate 5000]
#                   [--duration-seconds 60] [--seed 42] [--dir DIR] [--local-fs] [--help]
#
# Compiles jobs and what it needs with Maven, writes its runtime classpath with dependency:build-classpath and
# runs the benchmark with plain `java` (JVM flags from conf/jvm.options plus JAVA_OPTS), so that no Maven JVM
# runs beside the measurement. DIR (default jobs/target/ingest-bench) holds the log and the MiniDFSCluster's
# storage and is emptied first. The table goes to stdout, progress to stderr, and the last stdout line is JSON.
# Environment: JAVA_OPTS (default -Xms3g -Xmx3g -XX:+AlwaysPreTouch), SKIP_BUILD=1 to reuse the last build,
# MVN_FLAGS (default -o; the build retries online once if the offline build fails).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CPFILE=jobs/target/ingest-bench.classpath
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$CPFILE" ]]; then
  build() {
    mvn -B -q -Dstyle.color=never "$@" -pl jobs -am compile dependency:build-classpath \
      -Dmdep.outputFile=target/ingest-bench.classpath -Dmdep.includeScope=runtime
  }
  MVN_FLAGS="${MVN_FLAGS--o}"
  # shellcheck disable=SC2086
  build $MVN_FLAGS >&2 || { echo "offline build failed; retrying online" >&2; build >&2; }
fi
# JVM flags, one per line, from conf/jvm.options ('#' comments and blank lines skipped), as bin/sluice reads them.
jvm_opts=()
while IFS= read -r line || [ -n "$line" ]; do
  line="${line%%#*}"
  line="${line#"${line%%[![:space:]]*}"}"
  line="${line%"${line##*[![:space:]]}"}"
  if [ -n "$line" ]; then
    jvm_opts+=("$line")
  fi
done < "$ROOT/conf/jvm.options"
CP="jobs/target/classes:$(cat "$CPFILE")"
# shellcheck disable=SC2086
exec java "${jvm_opts[@]}" ${JAVA_OPTS:--Xms3g -Xmx3g -XX:+AlwaysPreTouch} \
  -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "$CP" io.sluice.jobs.bench.IngestBench --dir "$ROOT/jobs/target/ingest-bench" "$@"
