package io.sluice.sink.internals;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Writes the files of one commit side by side. On HDFS most of a small file's cost is its {@code close()},
 * which waits for the NameNode to hear of the last block (hundreds of milliseconds on a quiet cluster); a
 * commit that spans several event-time partitions writes several files, and waiting for them one after the
 * other made commits several times slower than the writing itself. The pool is shared by every table in the
 * process and small, because the work is waiting, not computing.
 */
final class FileWriters {
    private static final int THREADS = 4;
    private static final AtomicInteger COUNT = new AtomicInteger();
    private static final ExecutorService POOL = Executors.newFixedThreadPool(THREADS, r -> {
        Thread t = new Thread(r, "sluice-file-writer-" + COUNT.incrementAndGet());
        t.setDaemon(true);
        return t;
    });

    private FileWriters() {}

    /** Runs every task, waits for all of them, and returns their results in order; the first failure is thrown. */
    static <T> List<T> runAll(List<Callable<T>> tasks) throws IOException {
        if (tasks.size() == 1) {
            try {
                return List.of(tasks.get(0).call());
            } catch (IOException | RuntimeException e) {
                throw e;
            } catch (Exception e) {
                throw new IOException(e);
            }
        }
        List<Future<T>> futures = new ArrayList<>(tasks.size());
        for (Callable<T> task : tasks) {
            futures.add(POOL.submit(task));
        }
        List<T> results = new ArrayList<>(tasks.size());
        IOException failure = null;
        for (Future<T> f : futures) {
            try {
                results.add(f.get()); // wait for every file, so none is still being written when we return
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = failure != null ? failure : new IOException("interrupted while writing the files of a commit", e);
            } catch (ExecutionException e) {
                Throwable cause = e.getCause();
                if (failure == null) {
                    failure = cause instanceof IOException io ? io
                            : cause instanceof UncheckedIOException u ? u.getCause() : new IOException(cause);
                }
            }
        }
        if (failure != null) {
            throw failure;
        }
        return results;
    }
}
