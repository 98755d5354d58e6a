#!/usr/bin/env bash
# Shared by bench/ingest.sh and bench/audit.sh: runs a benchmark main of the jobs module with plain `java`.
#
#   bench/run-jobs-bench.sh NAME MAIN_CLASS DEFAULT_HEAP [benchmark arguments...]
#
# Compiles jobs and what it needs with Maven, writes its runtime classpath (jobs/target/NAME.classpath) with
# dependency:build-classpath and runs MAIN_CLASS with the JVM flags of conf/jvm.options plus JAVA_OPTS
# (default -XmsDEFAULT_HEAP -XmxDEFAULT_HEAP -XX:+AlwaysPreTouch), so that no Maven JVM runs beside the
# measurement. Passes --dir jobs/target/NAME unless the arguments give --dir.
# Environment: JAVA_OPTS, SKIP_BUILD=1 to reuse the last build, MVN_FLAGS (default -o; the build retries
# online once if the offline build fails).
set -euo pipefail
name="$1" main="$2" heap="$3"
shift 3
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
CPFILE="jobs/target/$name.classpath"
if [[ "${SKIP_BUILD:-0}" != 1 || ! -f "$CPFILE" ]]; then
  build() {
    mvn -B -q -Dstyle.color=never "$@" -pl jobs -am compile dependency:build-classpath \
      -Dmdep.outputFile="target/$name.classpath" -Dmdep.includeScope=runtime
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
dir_args=(--dir "$ROOT/jobs/target/$name")
for a in "$@"; do
  if [[ "$a" == --dir || "$a" == --dir=* ]]; then
    dir_args=()
  fi
done
CP="jobs/target/classes:$(cat "$CPFILE")"
# shellcheck disable=SC2086
exec java "${jvm_opts[@]}" ${JAVA_OPTS:--Xms$heap -Xmx$heap -XX:+AlwaysPreTouch} \
  -Dlogback.configurationFile="$ROOT/bench/logback-bench.xml" \
  -cp "$CP" "$main" "${dir_args[@]}" "$@"
