#!/usr/bin/env bash
# The audit overhead benchmark (io.sluice.jobs.bench.AuditBench, in the jobs module): producer throughput against an
# in-process log-core with and without the audit — a plain KafkaProducer, the same with AuditInterceptor, the
# AuditingProducer (digests) — and the plain producer while log-core's LogAuditor counts the log, in one run.
#
#   bench/audit.sh [--records 1000000] [--value-min 100] [--value-max 200] [--partitions 4] [--linger-ms 5]
#                  [--warmups 1] [--runs 7] [--cases producer-plain,producer-interceptor,producer-auditing,log-audited]
#                  [--seed 42] [--dir DIR] [--help]
#
# Compiles jobs and what it needs with Maven, writes its runtime classpath with dependency:build-classpath and
# runs the benchmark with plain `java` (JVM flags from conf/jvm.options plus JAVA_OPTS), so that no Maven JVM
# runs beside the measurement. DIR (default jobs/target/audit-bench) holds the log; it is emptied first and
# deleted after. The table goes to stdout, progress to stderr, and the last stdout line is JSON.
# Environment: JAVA_OPTS (default -Xms1g -Xmx1g -XX:+AlwaysPreTouch), SKIP_BUILD=1 to reuse the last build,
# MVN_FLAGS (default -o; the build retries online once if the offline build fails).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CPFILE=jobs/target/audit-bench.classpath
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$CPFILE" ]]; then
  build() {
    mvn -B -q -Dstyle.color=never "$@" -pl jobs -am compile dependency:build-classpath \
      -Dmdep.outputFile=target/audit-bench.classpath -Dmdep.includeScope=runtime
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
dir_args=(--dir "$ROOT/jobs/target/audit-bench")
for a in "$@"; do
  if [[ "$a" == --dir || "$a" == --dir=* ]]; then
    dir_args=()
  fi
done
# shellcheck disable=SC2086
exec java "${jvm_opts[@]}" ${JAVA_OPTS:--Xms1g -Xmx1g -XX:+AlwaysPreTouch} \
  -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "$CP" io.sluice.jobs.bench.AuditBench "${dir_args[@]}" "$@"
