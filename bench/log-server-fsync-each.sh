#!/usr/bin/env bash
# One pair, no target: Apache Kafka 3.9.1 with log.flush.interval.messages=1 (an fsync per append, set as
# a dynamic cluster-wide default) against `sluice log-server` with topic.defaults flush.messages=1, each
# measured by ../shared/bench/bench.sh (Kafka's ProducerPerformance / ConsumerPerformance). Prints the two
# results side by side. RECORDS (default 500000 here) and the other bench.sh knobs apply.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
BENCH="${SLUICE_SHARED_BENCH:-$ROOT/../shared/bench}"
STATE="${SLUICE_BENCH_HOME:-$HOME/.cache/sluice-bench}"
export RECORDS="${RECORDS:-500000}"
OUT="$STATE/results/fsync-each-$(date -u +%Y%m%dT%H%M%SZ)"; mkdir -p "$OUT"
"$BENCH/setup.sh" >/dev/null

KPID="$("$BENCH/start-kafka.sh" | tail -1)"
java -cp "$STATE/lib/*" kafka.admin.ConfigCommand --bootstrap-server 127.0.0.1:19092 --entity-type brokers \
  --entity-default --alter --add-config log.flush.interval.messages=1 >"$OUT/kafka-config.log" 2>&1
BROKER_PID="$KPID" "$BENCH/bench.sh" 127.0.0.1:19092 "$OUT/kafka" >/dev/null
"$BENCH/stop-kafka.sh" >/dev/null

DATA="$(mktemp -d /tmp/lc-fsync-each.XXXXXX)"
"$ROOT/bin/sluice" log-server --listen 127.0.0.1:29092 --data-dir "$DATA" \
  --config-file "$ROOT/bench/log-server-fsync-each.yaml" >"$OUT/sluice.log" 2>&1 &
SPID=$!
trap 'kill -TERM "$SPID" 2>/dev/null || true; wait "$SPID" 2>/dev/null || true; rm -rf "$DATA"' EXIT
for _ in $(seq 1 600); do (exec 3<>/dev/tcp/127.0.0.1/29092) 2>/dev/null && break; sleep 0.2; done
BROKER_PID="$SPID" "$BENCH/bench.sh" 127.0.0.1:29092 "$OUT/sluice" >/dev/null

echo "| metric | kafka (log.flush.interval.messages=1) | sluice (flush.messages=1) |"
echo "|---|---:|---:|"
join -t $'\t' <(sort "$OUT/kafka/results.tsv") <(sort "$OUT/sluice/results.tsv") \
  | grep -E 'rec_per_s|p99_ms|broker_cpu_us_per_rec' | awk -F'\t' '{printf "| %s | %s | %s |\n", $1, $2, $3}'
echo "runs: $OUT"
