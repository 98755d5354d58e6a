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
     * Progress as {@link #progress(Collection)}, except that it is -1 while a source partition in {@code expected}
     * has committed nothing: a source that has not started yet could still hold rows for any partition.
     */
    public static long progress(java.util.Map<org.apache.kafka.common.TopicPartition, JournalEntry> heads,
                                Collection<org.apache.kafka.common.TopicPartition> expected) {
        for (org.apache.kafka.common.TopicPartition tp : expected) {
            JournalEntry e = heads.get(tp);
            if (e == null || e.maxEventTime() < 0) {
                return -1;
            }
        }
        return progress(heads.values());
    }

    /** Progress from the newest journal entries of every source partition; -1 when nothing is committed. */
    public static long progress(Collection<JournalEntry> heads) {
        long min = Long.MAX_VALUE;
        for (JournalEntry e : heads) {
            if (e.maxEventTime() >= 0) {
                min = Math.min(min, e.maxEventTime());
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

    /** Closes every known open partition that {@code progress} has passed; returns the ones it closed. */
    public Set<String> closeDue(long progress) throws IOException {
        Set<String> closed = new LinkedHashSet<>();
        if (!partitioning.isTimeBased() || progress < 0) {
            return closed;
        }
        for (String p : open) {
            long end = partitioning.endOf(p, zone);
            if (end >= 0 && end + latenessMillis <= progress) {
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
