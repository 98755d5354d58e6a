package io.sluice.sink.internals;

import io.sluice.sink.JournalEntry;
import io.sluice.sink.Partitioning;
import java.io.FileNotFoundException;
import java.io.IOException;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentSkipListSet;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks time partitions closed ({@code _SUCCESS}) once the table's committed progress has passed their end
 * plus the allowed lateness. Progress is decided from what the table has committed, not from a pipeline
 * watermark: it is the lowest, over the table's source partitions, of the highest event time each has
 * committed. A source partition that stops receiving records therefore holds closing back, which is the
 * safe side: a partition is never closed while one of its sources may still be behind.
 *
 * <p>Only what is in place counts: a source's newest journal entry whose renames may still be running contributes the
 * event time of the entry before it ({@link JournalEntry#placedMaxEventTime()}), so {@code _SUCCESS} is written only
 * after every file of every commit it was decided on is in place; and before it, the closer marks the partition
 * closed without that pending commit ({@link #closedWithout}), so the commit leaves a late marker once its rows land.
 */
public final class PartitionCloser {
    private static final Logger LOG = LoggerFactory.getLogger(PartitionCloser.class);

    private final SinkFileSystem sfs;
    private final TablePaths paths;
    private final Partitioning partitioning;
    private final ZoneId zone;
    private final long latenessMillis;
    private final Set<String> open = new ConcurrentSkipListSet<>();

    public PartitionCloser(SinkFileSystem sfs, TablePaths paths, Partitioning partitioning, ZoneId zone,
                           long latenessMillis) throws IOException {
        this.sfs = sfs;
        this.paths = paths;
        this.partitioning = partitioning;
        this.zone = zone;
        this.latenessMillis = latenessMillis;
        if (partitioning.isTimeBased()) {
            scanOpenPartitions();
        }
    }

    /**
     * The table's progress: the lowest, over its source partitions, of the highest event time each has in place
     * ({@code placed}, -1 for none); -1 while a source partition in {@code expected} has nothing in place (a source
     * that has not started yet could still hold rows for any partition), or when nothing is.
     */
    public static long progress(java.util.Map<org.apache.kafka.common.TopicPartition, Long> placed,
                                Collection<org.apache.kafka.common.TopicPartition> expected) {
        for (org.apache.kafka.common.TopicPartition tp : expected) {
            Long t = placed.get(tp);
            if (t == null || t < 0) {
                return -1;
            }
        }
        long min = Long.MAX_VALUE;
        for (long t : placed.values()) {
            if (t >= 0) {
                min = Math.min(min, t);
            }
        }
        return min == Long.MAX_VALUE ? -1 : min;
    }

    public boolean isClosed(String partition) throws IOException {
        return partitioning.isTimeBased() && sfs.fs().exists(new Path(paths.partition(partition), TablePaths.SUCCESS));
    }

    public void written(Collection<String> partitions) {
        if (partitioning.isTimeBased()) {
            open.addAll(partitions);
        }
    }

    /**
     * The partitions, among {@code partitions}, that were closed without commit {@code seq} of {@code source}: closed
     * while that commit's renames were running, on the strength of the commit before it. The closer says so before
     * it writes {@code _SUCCESS}, with an empty marker {@code _closed-without.<seq>.<partition>} in the source's journal
     * directory, so a commit that finished its renames and finds none was in place before any {@code _SUCCESS} that
     * did not count it.
     */
    public Set<String> closedWithout(Collection<String> partitions, org.apache.kafka.common.TopicPartition source,
                                     long seq) throws IOException {
        Set<String> out = new LinkedHashSet<>();
        if (!partitioning.isTimeBased()) {
            return out;
        }
        String prefix = CLOSED_WITHOUT + seq + ".";
        Set<String> marked = new java.util.HashSet<>();
        for (FileStatus s : sfs.list(paths.journal(source.topic(), source.partition()))) {
            String name = s.getPath().getName();
            if (name.startsWith(prefix)) {
                marked.add(name.substring(prefix.length()));
            }
        }
        for (String p : partitions) {
            if (marked.contains(encode(p))) {
                out.add(p);
            }
        }
        return out;
    }

    /** Marker names start with this, then the commit's number, '.', and the partition with '/' as '+'. */
    public static final String CLOSED_WITHOUT = "_closed-without.";

    private static String encode(String partition) {
        return partition.replace('/', '+');
    }

    /**
     * Closes every known open partition that {@code progress} has passed; returns the ones it closed. {@code pending}
     * are the source partitions' newest commits whose files may not all be in place (their event times were not
     * counted in {@code progress}): each partition closed is marked closed without them first.
     */
    public Set<String> closeDue(long progress, java.util.Map<org.apache.kafka.common.TopicPartition, Long> pending)
            throws IOException {
        Set<String> closed = new LinkedHashSet<>();
        if (!partitioning.isTimeBased() || progress < 0) {
            return closed;
        }
        for (String p : open) {
            long end = partitioning.endOf(p, zone);
            if (end >= 0 && end + latenessMillis <= progress) {
                for (java.util.Map.Entry<org.apache.kafka.common.TopicPartition, Long> e : pending.entrySet()) {
                    Path dir = paths.journal(e.getKey().topic(), e.getKey().partition());
                    sfs.createMarker(new Path(dir, CLOSED_WITHOUT + e.getValue() + "." + encode(p)));
                }
                // empty, as Hadoop's and Sluice 0.1's: a file with content would wait for its block on HDFS
                if (sfs.createMarker(new Path(paths.partition(p), TablePaths.SUCCESS))) {
                    closed.add(p);
                    LOG.info("table partition {}/{} closed: committed progress {} passed its end {} + lateness {} ms",
                            paths.root(), p, progress, end, latenessMillis);
                }
                open.remove(p);
            }
        }
        return closed;
    }

    /**
     * Finds the partitions on disk that are not closed yet. Built from directory names rather than by cutting
     * the table root off each listed path: the listed paths come back qualified by the file system (scheme,
     * authority, resolved root), which need not spell the root as the table's spec does.
     */
    private void scanOpenPartitions() throws IOException {
        for (FileStatus day : listDirs(paths.root(), "dt=")) {
            if (partitioning == Partitioning.DAILY) {
                addIfOpen(day.getPath(), day.getPath().getName());
                continue;
            }
            for (FileStatus hour : listDirs(day.getPath(), "hr=")) {
                addIfOpen(hour.getPath(), day.getPath().getName() + "/" + hour.getPath().getName());
            }
        }
    }

    private void addIfOpen(Path dir, String relative) throws IOException {
        if (!sfs.fs().exists(new Path(dir, TablePaths.SUCCESS))) {
            open.add(relative);
        }
    }

    private List<FileStatus> listDirs(Path dir, String prefix) throws IOException {
        List<FileStatus> dirs = new ArrayList<>();
        FileStatus[] all;
        try {
            all = sfs.fs().listStatus(dir);
        } catch (FileNotFoundException e) {
            return dirs;
        }
        for (FileStatus s : all) {
            if (s.isDirectory() && s.getPath().getName().startsWith(prefix)) {
                dirs.add(s);
            }
        }
        return dirs;
    }
}
