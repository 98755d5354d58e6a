package io.sluice.sink;

import java.io.Serializable;
import java.net.URI;
import java.time.Duration;
import java.time.ZoneId;
import java.util.Locale;
import java.util.Objects;
import org.apache.avro.file.CodecFactory;

/**
 * Everything that defines one warehouse table: where it lives, how it is partitioned, how its files are
 * written and rolled, and how long it waits for late data. Immutable; {@link #builder} makes one with the
 * defaults below and {@link #toBuilder} a changed copy.
 *
 * <p>Defaults: hourly partitions in UTC, snappy, files of at most 1,000,000 records or 128 MiB, a commit
 * at least every 10 s, one hour of allowed lateness, the {@code _sluice} metadata field on, the log
 * timestamp as event time, dead letters under {@code <table root>/../_dead_letters}.
 */
public final class TableSpec implements Serializable {
    private static final long serialVersionUID = 1L;

    private final String name;
    private final String root;
    private final Partitioning partitioning;
    private final String partitionField;
    private final String zone;
    private final String codec;
    private final long maxFileRecords;
    private final long maxFileBytes;
    private final Duration commitInterval;
    private final Duration allowedLateness;
    private final boolean metadataField;
    private final String eventTimeField;
    private final String deadLetterRoot;
    private final Duration auditBucket;
    private final boolean auditCounting;
    private final GapPolicy onGap;

    private TableSpec(Builder b) {
        this.name = b.name;
        this.root = b.root;
        this.partitioning = b.partitioning;
        this.partitionField = b.partitionField;
        this.zone = b.zone;
        this.codec = b.codec;
        this.maxFileRecords = b.maxFileRecords;
        this.maxFileBytes = b.maxFileBytes;
        this.commitInterval = b.commitInterval;
        this.allowedLateness = b.allowedLateness;
        this.metadataField = b.metadataField;
        this.eventTimeField = b.eventTimeField;
        this.deadLetterRoot = b.deadLetterRoot;
        this.auditBucket = b.auditBucket;
        this.auditCounting = b.auditCounting;
        this.onGap = b.onGap;
    }

    public static Builder builder(String name, String root) {
        return new Builder(name, root);
    }

    public Builder toBuilder() {
        return toBuilder(name, root);
    }

    /** A builder for another table ({@code name} at {@code root}) with every other setting of this one. */
    public Builder toBuilder(String name, String root) {
        Builder b = new Builder(name, root);
        b.partitioning = partitioning;
        b.partitionField = partitionField;
        b.zone = zone;
        b.codec = codec;
        b.maxFileRecords = maxFileRecords;
        b.maxFileBytes = maxFileBytes;
        b.commitInterval = commitInterval;
        b.allowedLateness = allowedLateness;
        b.metadataField = metadataField;
        b.eventTimeField = eventTimeField;
        b.deadLetterRoot = deadLetterRoot;
        b.auditBucket = auditBucket;
        b.auditCounting = auditCounting;
        b.onGap = onGap;
        return b;
    }

    public String name() { return name; }
    /** The table's root directory as a Hadoop path URI ({@code hdfs://…} or {@code file:///…}). */
    public String root() { return root; }
    public Partitioning partitioning() { return partitioning; }
    /** The record field {@link Partitioning#FIELD} partitions by; null otherwise. */
    public String partitionField() { return partitionField; }
    public ZoneId zone() { return ZoneId.of(zone); }
    /** Avro codec name as {@link CodecFactory#fromString} takes it: snappy, deflate, zstandard or null. */
    public String codec() { return codec; }
    public long maxFileRecords() { return maxFileRecords; }
    public long maxFileBytes() { return maxFileBytes; }
    public Duration commitInterval() { return commitInterval; }
    public Duration allowedLateness() { return allowedLateness; }
    public boolean metadataField() { return metadataField; }
    /** A timestamp-millis (or long) field to take event time from, or null to use the log timestamp. */
    public String eventTimeField() { return eventTimeField; }
    public String deadLetterRoot() { return deadLetterRoot; }
    /** The width of the audit's time buckets (by log timestamp) the sink counts in; ten minutes by default. */
    public Duration auditBucket() { return auditBucket; }
    /**
     * Whether commits count the audit's sink tier (a digest of each record's raw bytes and of each row as written,
     * per bucket, in the journal). On by default; off, journal entries carry no counts and the sink tier of this
     * table publishes nothing.
     */
    public boolean auditCounting() { return auditCounting; }
    /** What the table does when the log lost offsets it had not committed yet; {@link GapPolicy#STOP} by default. */
    public GapPolicy onGap() { return onGap; }

    @Override
    public boolean equals(Object o) {
        return o instanceof TableSpec t && t.toString().equals(toString());
    }

    @Override
    public int hashCode() {
        return toString().hashCode();
    }

    @Override
    public String toString() {
        return "TableSpec{name=" + name + ", root=" + root + ", partitioning=" + partitioning
                + (partitionField != null ? "(" + partitionField + ")" : "") + ", zone=" + zone + ", codec=" + codec
                + ", maxFileRecords=" + maxFileRecords + ", maxFileBytes=" + maxFileBytes
                + ", commitInterval=" + commitInterval + ", allowedLateness=" + allowedLateness
                + ", metadataField=" + metadataField + ", eventTimeField=" + eventTimeField
                + ", deadLetterRoot=" + deadLetterRoot
                + (auditBucket.equals(io.sluice.audit.Buckets.DEFAULT) ? "" : ", auditBucket=" + auditBucket)
                + (auditCounting ? "" : ", auditCounting=false")
                + (onGap == GapPolicy.STOP ? "" : ", onGap=" + onGap) + "}";
    }

    /** Builds a {@link TableSpec}; every setter checks its value and names the option in its message. */
    public static final class Builder {
        private final String name;
        private final String root;
        private Partitioning partitioning = Partitioning.HOURLY;
        private String partitionField;
        private String zone = "UTC";
        private String codec = "snappy";
        private long maxFileRecords = 1_000_000;
        private long maxFileBytes = 128L << 20;
        private Duration commitInterval = Duration.ofSeconds(10);
        private Duration allowedLateness = Duration.ofHours(1);
        private boolean metadataField = true;
        private String eventTimeField;
        private String deadLetterRoot;
        private Duration auditBucket = io.sluice.audit.Buckets.DEFAULT;
        private boolean auditCounting = true;
        private GapPolicy onGap = GapPolicy.STOP;

        private Builder(String name, String root) {
            if (name == null || !name.matches("[A-Za-z0-9_][A-Za-z0-9_.-]*")) {
                throw new IllegalArgumentException("table name '" + name
                        + "' is not valid: use letters, digits, '_', '.' or '-', not starting with '.' or '-'");
            }
            this.name = name;
            if (root == null || root.isBlank()) {
                throw new IllegalArgumentException("table " + name + ": root must be set (hdfs://… or file:///…)");
            }
            this.root = stripSlash(root);
            requireUri("root", this.root); // refuses a malformed root here rather than at the first commit
        }

        public Builder partitioning(Partitioning p) { this.partitioning = Objects.requireNonNull(p, "partitioning"); return this; }
        public Builder partitionField(String f) { this.partitionField = f; return this; }

        public Builder zone(String z) {
            try {
                ZoneId.of(Objects.requireNonNull(z, "zone"));
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("zone '" + z + "' is not a time zone ID (for example UTC or"
                        + " Europe/Berlin): " + e.getMessage());
            }
            this.zone = z;
            return this;
        }

        public Builder codec(String c) {
            String normalized = c == null ? "null" : c.trim().toLowerCase(Locale.ROOT);
            if (normalized.equals("none")) {
                normalized = "null";
            } else if (normalized.equals("zstd")) {
                normalized = "zstandard";
            }
            try {
                CodecFactory.fromString(normalized);
            } catch (RuntimeException e) {
                throw new IllegalArgumentException("codec '" + c + "' is not one of snappy, deflate, zstd, none");
            }
            this.codec = normalized;
            return this;
        }

        public Builder maxFileRecords(long n) {
            if (n < 1) throw new IllegalArgumentException("maxFileRecords must be at least 1, not " + n);
            this.maxFileRecords = n;
            return this;
        }

        public Builder maxFileBytes(long n) {
            if (n < 1024) throw new IllegalArgumentException("maxFileBytes must be at least 1024, not " + n);
            this.maxFileBytes = n;
            return this;
        }

        public Builder commitInterval(Duration d) {
            if (d == null || d.isNegative() || d.isZero()) {
                throw new IllegalArgumentException("commitInterval must be positive, not " + d);
            }
            this.commitInterval = d;
            return this;
        }

        public Builder allowedLateness(Duration d) {
            if (d == null || d.isNegative()) {
                throw new IllegalArgumentException("allowedLateness must be zero or more, not " + d);
            }
            this.allowedLateness = d;
            return this;
        }

        public Builder metadataField(boolean on) { this.metadataField = on; return this; }
        public Builder eventTimeField(String f) { this.eventTimeField = f; return this; }
        public Builder deadLetterRoot(String r) {
            this.deadLetterRoot = r == null ? null : stripSlash(r);
            if (r != null) {
                requireUri("deadLetterRoot", deadLetterRoot);
            }
            return this;
        }

        /**
         * Whether commits count the audit's sink tier (default true). Turned on later, the counts start from the
         * commit that turned it on: the buckets before it then show the sink short of the log.
         */
        public Builder auditCounting(boolean on) {
            this.auditCounting = on;
            return this;
        }

        /** What to do when the log lost offsets the table has not committed (default {@link GapPolicy#STOP}). */
        public Builder onGap(GapPolicy p) {
            this.onGap = Objects.requireNonNull(p, "onGap");
            return this;
        }

        /** The audit bucket width; must match the other tiers' ({@code sluice.audit.bucket.ms}). */
        public Builder auditBucket(Duration d) {
            new io.sluice.audit.Buckets(Objects.requireNonNull(d, "auditBucket")); // refuses a bad width, naming it
            this.auditBucket = d;
            return this;
        }

        public TableSpec build() {
            if (partitioning == Partitioning.FIELD && (partitionField == null || partitionField.isBlank())) {
                throw new IllegalArgumentException("table " + name + ": partitioning FIELD needs partitionField(…)");
            }
            if (partitioning != Partitioning.FIELD && partitionField != null) {
                throw new IllegalArgumentException("table " + name + ": partitionField is only for partitioning FIELD");
            }
            if (partitionField != null && (partitionField.startsWith("_") || partitionField.startsWith("."))) {
                // the directories would be <field>=…, which every warehouse reader skips as hidden
                throw new IllegalArgumentException("table " + name + ": partitionField '" + partitionField
                        + "' must not start with '_' or '.': readers would skip its partitions as hidden");
            }
            if (deadLetterRoot == null) {
                int slash = root.lastIndexOf('/');
                deadLetterRoot = (slash > 0 ? root.substring(0, slash) : root) + "/_dead_letters";
            }
            return new TableSpec(this);
        }

        private static void requireUri(String option, String value) {
            try {
                URI.create(value);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(option + " '" + value + "' is not a valid URI: " + e.getMessage());
            }
        }

        private static String stripSlash(String s) {
            return s.length() > 1 && s.endsWith("/") && !s.endsWith(":///") ? s.substring(0, s.length() - 1) : s;
        }
    }
}
