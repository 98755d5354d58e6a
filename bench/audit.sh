#!/usr/bin/env bash
# The audit overhead benchmark (io.sluice.jobs.bench.AuditBench, in the jobs module): producer throughput against an
# in-process log-core with and without the audit — a plain KafkaProducer, the same with AuditInterceptor, the
# AuditingProducer (digests) — and the plain producer while log-core's LogAuditor counts the log, in one run.
#
#   bench/audit.sh [--records 1000000] [--value-min 100] [--value-max 200] [--partitions 4] [--linger-ms 5]
#                  [--warmups 1] [--runs 7] [--cases producer-plain,producer-interceptor,producer-auditing,log-audited]
#                  [--seed 42] [--dir DIR] [--help]
#
# bench/run-jobs-bench.sh compiles jobs and what it needs with Maven, writes its runtime classpath with dependency:build-classpath and
# runs the benchmark with plain `java` (JVM flags from conf/jvm.options plus JAVA_OPTS), so that no Maven JVM
# runs beside the measurement. DIR (default jobs/target/audit-bench) holds the log; it is emptied first and
# deleted after. The table goes to stdout, progress to stderr, and the last stdout line is JSON.
# Environment: JAVA_OPTS (default -Xms1g -Xmx1g -XX:+AlwaysPreTouch), SKIP_BUILD=1 to reuse the last build,
# MVN_FLAGS (default -o; the build retries online once if the offline build fails).
exec "$(dirname "${BASH_SOURCE[0]}")/run-jobs-bench.sh" audit-bench io.sluice.jobs.bench.AuditBench 1g "$@"
