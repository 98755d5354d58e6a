package io.sluice.pipeline;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.sluice.sink.CommitHook;
import io.sluice.sink.JournalEntry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Kills the whole JVM, the way a power cut or the OOM killer would ({@link Runtime#halt}: no shutdown hook, no
 * finally block, no stream closed), at the {@code nth} commit of this JVM when it reaches {@code point}. Just before,
 * it writes what the cut-short commit was about to do to {@code report}, so the test can check the table on HDFS
 * is in exactly the state that crash point leaves.
 *
 * <p>Each point halts with its own exit status ({@link Point#exitStatus}), so the test can tell the hook's halt
 * from a SIGKILL (137) or a crash.
 */
final class HaltingCommitHook implements CommitHook {
    private static final long serialVersionUID = 1L;
    static final ObjectMapper JSON = new ObjectMapper()
            .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, false);
    /** Commits that reached each point in this JVM, whichever task made them. */
    private static final AtomicInteger FILES_WRITTEN = new AtomicInteger();
    private static final AtomicInteger JOURNAL_WRITTEN = new AtomicInteger();

    enum Point {
        /** Files written and synced under their temporary names; the journal does not name them. */
        AFTER_FILES(77),
        /** The journal entry is durable; no file is renamed into place yet. */
        AFTER_JOURNAL(78);

        final int exitStatus;

        Point(int exitStatus) {
            this.exitStatus = exitStatus;
        }
    }

    /** What the test reads back after the halt. */
    record Report(Point point, int nth, JournalEntry entry) {
        static Report read(Path file) throws IOException {
            return JSON.readValue(file.toFile(), Report.class);
        }
    }

    private final Point point;
    private final int nth;
    private final String report;

    HaltingCommitHook(Point point, int nth, Path report) {
        if (nth < 1) {
            throw new IllegalArgumentException("nth must be at least 1, not " + nth);
        }
        this.point = point;
        this.nth = nth;
        this.report = report.toString();
    }

    @Override
    public void afterFilesWritten(JournalEntry entry) {
        if (FILES_WRITTEN.incrementAndGet() == nth && point == Point.AFTER_FILES) {
            halt(entry);
        }
    }

    @Override
    public void afterJournalWritten(JournalEntry entry) {
        if (JOURNAL_WRITTEN.incrementAndGet() == nth && point == Point.AFTER_JOURNAL) {
            halt(entry);
        }
    }

    private void halt(JournalEntry entry) {
        try {
            Path target = Path.of(report);
            Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
            Files.write(tmp, JSON.writeValueAsBytes(new Report(point, nth, entry)));
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException("writing the halt report " + report, e);
        }
        System.out.println("HALT " + point + " at commit #" + nth + ": " + entry.topic() + "-" + entry.partition()
                + " seq " + entry.seq() + " offsets " + entry.fromOffset() + ".." + entry.toOffset() + ", "
                + entry.files().size() + " files");
        System.out.flush();
        Runtime.getRuntime().halt(point.exitStatus);
    }
}
