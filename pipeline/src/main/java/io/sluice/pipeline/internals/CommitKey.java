package io.sluice.pipeline.internals;

/**
 * The key the commit step groups by: {@code <table>|<topic>|<partition>}. Neither table names nor Kafka topic
 * names can hold '|', so the key splits back unambiguously.
 */
public record CommitKey(String table, String topic, int partition) {
    public static String of(String table, String topic, int partition) {
        return table + "|" + topic + "|" + partition;
    }

    public static CommitKey parse(String key) {
        int a = key.indexOf('|');
        int b = key.lastIndexOf('|');
        if (a < 0 || a == b) {
            throw new IllegalArgumentException("commit key '" + key + "' is not <table>|<topic>|<partition>");
        }
        return new CommitKey(key.substring(0, a), key.substring(a + 1, b), Integer.parseInt(key.substring(b + 1)));
    }
}
