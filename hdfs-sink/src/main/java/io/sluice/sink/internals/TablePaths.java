package io.sluice.sink.internals;

import java.util.Locale;
import org.apache.hadoop.fs.Path;

/**
 * Where everything of one table lives. Sluice's own state is under {@code _sluice/}, which Hive and
 * Spark skip like every name starting with '_' or '.', so a reader of the table sees data files only.
 *
 * <pre>
 *   root/dt=2026-11-25/hr=13/clicks+0+100+199.avro    data, named topic+partition+first+last offset
 *   root/dt=2026-11-25/hr=13/_SUCCESS                  the partition is closed
 *   root/_sluice/journal/clicks+0/00000000000000000007.json   commits, each name taken once (put if absent)
 *   root/_sluice/writers/clicks+0/&lt;epoch&gt;.&lt;id&gt;/…     a live writer's files of commits not yet recorded
 *   root/_sluice/fenced/clicks+0/&lt;epoch&gt;.&lt;id&gt;/…      a fenced writer's directory, moved here whole
 *   root/_sluice/claims/00000000000000000003.json      which pipeline run holds the table
 *   root/_sluice/tmp/clicks+0/…                        files of a commit not yet recorded (Sluice 0.1 layout)
 *   root/_sluice/schemas/&lt;fingerprint&gt;.json            the table's schema history
 *   root/_sluice/STOPPED                               why the table stopped
 *   deadLetterRoot/table=&lt;name&gt;/dt=…/clicks+0+150+150.avro
 * </pre>
 */
public final class TablePaths {
    public static final String STATE_DIR = "_sluice";
    public static final String SUCCESS = "_SUCCESS";
    public static final String LATE_PREFIX = "_LATE.";
    public static final String WRITERS = "writers";
    public static final String FENCED = "fenced";

    private final Path root;
    private final Path deadLetterRoot;
    private final String table;

    public TablePaths(Path root, Path deadLetterRoot, String table) {
        this.root = root;
        this.deadLetterRoot = deadLetterRoot;
        this.table = table;
    }

    public Path root() { return root; }
    public Path deadLetterRoot() { return new Path(deadLetterRoot, "table=" + table); }
    public Path state() { return new Path(root, STATE_DIR); }
    public Path journals() { return new Path(state(), "journal"); }
    public Path journal(String topic, int partition) { return new Path(journals(), sourceName(topic, partition)); }
    /** Where Sluice 0.1 wrote a commit's files before its journal entry; read only to recover such tables. */
    public Path tmp(String topic, int partition) { return new Path(new Path(state(), "tmp"), sourceName(topic, partition)); }
    /** The live writers of one source partition, a directory each. */
    public Path writers(String topic, int partition) { return new Path(new Path(state(), WRITERS), sourceName(topic, partition)); }
    /** Where the directories of fenced writers of one source partition are moved. */
    public Path fenced(String topic, int partition) { return new Path(new Path(state(), FENCED), sourceName(topic, partition)); }
    public Path writersRoot() { return new Path(state(), WRITERS); }
    public Path claims() { return new Path(state(), "claims"); }
    /** Markers of the source partitions the table reads (partition closing waits for each of them). */
    public Path sources() { return new Path(state(), "sources"); }
    public Path schemas() { return new Path(state(), "schemas"); }
    public Path stopped() { return new Path(state(), "STOPPED"); }
    public Path partition(String relative) { return new Path(root, relative); }

    /** A path relative to the table root or, for dead letters, to the table's dead-letter directory. */
    public Path resolve(String kind, String relative) {
        return io.sluice.sink.JournalEntry.CommittedFile.DEAD_LETTER.equals(kind)
                ? new Path(deadLetterRoot(), relative)
                : new Path(root, relative);
    }

    public static String sourceName(String topic, int partition) {
        return topic + "+" + partition;
    }

    /** The source partition a {@link #sourceName} names; null if it is not one. */
    public static org.apache.kafka.common.TopicPartition parseSourceName(String name) {
        int plus = name.lastIndexOf('+');
        if (plus < 1) {
            return null;
        }
        try {
            return new org.apache.kafka.common.TopicPartition(name.substring(0, plus),
                    Integer.parseInt(name.substring(plus + 1)));
        } catch (NumberFormatException e) {
            return null;
        }
    }

    /**
     * Where a file a journal entry names as {@code tmp} (relative to the root) is now: where the writer put it, or,
     * once that writer was fenced, the same name under {@code _sluice/fenced/}. Null for the second place of a file
     * not in a writer's directory.
     */
    public Path fencedCopyOf(String tmpRelative) {
        String live = STATE_DIR + "/" + WRITERS + "/";
        return tmpRelative.startsWith(live)
                ? new Path(root, STATE_DIR + "/" + FENCED + "/" + tmpRelative.substring(live.length()))
                : null;
    }

    /**
     * A data file's name. A topic may start with '_' or '.' (Kafka allows it), but a file named so is hidden from
     * Hive, Spark and {@link #isHidden}: that first character is written %-escaped, as partition values are.
     */
    public static String fileName(String topic, int partition, long first, long last) {
        String visible = isHidden(topic) ? String.format(Locale.ROOT, "%%%02X", (int) topic.charAt(0)) + topic.substring(1)
                : topic;
        return String.format(Locale.ROOT, "%s+%d+%d+%d.avro", visible, partition, first, last);
    }

    /** Whether a file or directory name is Sluice's or a marker rather than table data. */
    public static boolean isHidden(String name) {
        return name.startsWith("_") || name.startsWith(".");
    }
}
