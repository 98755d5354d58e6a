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
 * after every file of every commit it was decided on is in place. {@code _SUCCESS} says which commit of each source it
 * was decided on ({@code {"closedAt": ..., "progress": ..., "sources": {"clicks+0": 17, ...}}}), so that a commit that
 * lands rows in the partition afterwards (it was not among them) knows to leave a late marker.
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
     * Whether {@code partition} was closed without commit {@code seq} of source {@code source}: it has {@code _SUCCESS},
     * and that does not list the source at {@code seq} or later (an empty {@code _SUCCESS}, as Sluice 0.1 wrote it,
     * lists nothing).
     */
    public boolean closedWithout(String partition, org.apache.kafka.common.TopicPartition source, long seq)
            throws IOException {
        if (!partitioning.isTimeBased()) {
            return false;
        }
        byte[] content = sfs.readOrNull(new Path(paths.partition(partition), TablePaths.SUCCESS));
        if (content == null) {
            return false;
        }
        if (content.length == 0) {
            return true;
        }
        com.fasterxml.jackson.databind.JsonNode seen = Journal.JSON.readTree(content).path("sources")
                .path(TablePaths.sourceName(source.topic(), source.partition()));
        return !seen.isNumber() || seen.asLong() < seq;
    }

    /**
     * Closes every known open partition that {@code progress} has passed; returns the ones it closed. {@code decidedOn}
     * names, per source, the newest commit whose files are all in place, which {@code progress} was computed from.
     */
    public Set<String> closeDue(long progress, java.util.Map<org.apache.kafka.common.TopicPartition, Long> decidedOn)
            throws IOException {
        Set<String> closed = new LinkedHashSet<>();
        if (!partitioning.isTimeBased() || progress < 0) {
            return closed;
        }
        for (String p : open) {
            long end = partitioning.endOf(p, zone);
            if (end >= 0 && end + latenessMillis <= progress) {
                if (sfs.createFile(new Path(paths.partition(p), TablePaths.SUCCESS), success(progress, decidedOn))) {
                    closed.add(p);
                    LOG.info("table partition {}/{} closed: committed progress {} passed its end {} + lateness {} ms",
                            paths.root(), p, progress, end, latenessMillis);
                }
                open.remove(p);
            }
        }
        return closed;
    }

    private static byte[] success(long progress, java.util.Map<org.apache.kafka.common.TopicPartition, Long> decidedOn)
            throws IOException {
        com.fasterxml.jackson.databind.node.ObjectNode node = Journal.JSON.createObjectNode();
        node.put("closedAt", System.currentTimeMillis());
        node.put("progress", progress);
        com.fasterxml.jackson.databind.node.ObjectNode sources = node.putObject("sources");
        new java.util.TreeMap<>(decidedOn.entrySet().stream().collect(java.util.stream.Collectors.toMap(
                e -> TablePaths.sourceName(e.getKey().topic(), e.getKey().partition()), java.util.Map.Entry::getValue)))
                .forEach(sources::put);
        return Journal.JSON.writeValueAsBytes(node);
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
