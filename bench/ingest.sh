#!/usr/bin/env bash
# The ingest benchmark (io.sluice.jobs.bench.IngestBench, in the jobs module): the Sluice pipeline on embedded
# Flink against a plain KafkaConsumer + Avro DataFileWriter + Hadoop FileSystem loop, side by side on the same
# page views, from an in-process log-core (with its registry) into an in-process MiniDFSCluster.
#
#   bench/ingest.sh [--mode throughput|latency|all] [--events 500000] [--partitions 4] [--warmups 1] [--runs 3]
#                   [--cases plain-loop,pipeline,pipeline-no-audit] [--commit-interval-ms 10000] [--rate 5000]
#                   [--duration-seconds 60] [--seed 42] [--dir DIR] [--local-fs] [--help]
#
# bench/run-jobs-bench.sh compiles jobs and what it needs with Maven, writes its runtime classpath with dependency:build-classpath and
# runs the benchmark with plain `java` (JVM flags from conf/jvm.options plus JAVA_OPTS), so that no Maven JVM
# runs beside the measurement. DIR (default jobs/target/ingest-bench) holds the log and the MiniDFSCluster's
# storage and is emptied first. The table goes to stdout, progress to stderr, and the last stdout line is JSON.
# Environment: JAVA_OPTS (default -Xms3g -Xmx3g -XX:+AlwaysPreTouch), SKIP_BUILD=1 to reuse the last build,
# MVN_FLAGS (default -o; the build retries online once if the offline build fails).
exec "$(dirname "${BASH_SOURCE[0]}")/run-jobs-bench.sh" ingest-bench io.sluice.jobs.bench.IngestBench 3g "$@"
