package io.sluice.log.testing;

import io.sluice.log.internals.FileIO;
import io.sluice.log.testing.PowerLossModel.DirNode;
import io.sluice.log.testing.PowerLossModel.FileNode;
import io.sluice.log.testing.PowerLossModel.Node;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;

/**
 * A {@link FileIO} over the real file system under {@code root} that remembers what has been made
 * durable, and on {@link #crash()} throws away everything that was not, as a power loss would.
 *
 * <p>The model (strict POSIX, no help from the file system's journal ordering):
 * <ul>
 *   <li>A file's content is durable as of its last {@link FileChannel#force} through a channel this
 *       class handed out. A file that already existed when the model first saw it counts as durable as
 *       it was then.</li>
 *   <li>A directory's entries (creations, renames, deletions) are durable as of its last
 *       {@link #fsyncDirectory}. A directory that existed when the model first saw it counts as durable
 *       with the entries it had then; a directory made by {@link #createDirectories} starts empty and
 *       exists after a crash only if its parent was fsynced after it was made.</li>
 *   <li>{@link #crash()} rewrites the tree under {@code root} to the durable directory entries and the
 *       durable file contents: files created but never made durable in their directory vanish, renames
 *       and deletions not followed by a directory fsync are undone, and every file goes back to its
 *       content at its last force. In {@link Mode#TORN_TAIL} a file whose unsynced change was an append
 *       keeps a random prefix of the appended bytes (a torn write); in {@link Mode#ZEROED_TAIL} it keeps
 *       that many zero bytes instead (the size reached the disk, the data blocks did not).</li>
 * </ul>
 *
 * <p>After {@link #crash()} every channel it handed out is closed and every call (through a channel or
 * this object) fails, so that threads of the crashed log that are still running cannot touch the files
 * again. A crash waits for calls in flight to finish: each is atomic with respect to the crash. Call
 * {@code crash()} from a thread that is not inside a call of this object. To lose power in the middle of
 * something the test does not control step by step (a recovery, a close), {@link #crashAfterMutations}
 * makes the power fail by itself after a number of calls.
 *
 * <p>Paths outside {@code root} are passed to the real file system and not modelled. Memory mapping is
 * not supported. Meant for test-sized data: {@code force()} copies the whole file.
 */
public final class PowerLossFileIO implements FileIO {

    /** What a crash keeps of an unsynced append at the end of a file. */
    public enum Mode {
        /** Nothing: every file goes back to its content at its last force. */
        STRICT,
        /** A random prefix of the unsynced appended bytes (possibly none, possibly all). */
        TORN_TAIL,
        /** A random number of zero bytes in place of the unsynced appended bytes. */
        ZEROED_TAIL
    }

    @FunctionalInterface
    interface IoCall<T> {
        T call() throws IOException;
    }

    private final Path root;
    private final ReentrantReadWriteLock crashLock = new ReentrantReadWriteLock();
    /** The files and directories under the root; its lock guards it, its nodes and {@link #channels}. */
    private final PowerLossModel model;
    private final Set<PowerLossChannel> channels = new LinkedHashSet<>();
    private volatile boolean crashed;
    /** Mutating calls left before the power fails by itself (see {@link #crashAfterMutations}). */
    private final AtomicLong mutationsLeft = new AtomicLong(Long.MAX_VALUE);
    /** The power failed by itself; the files are frozen until {@link #crash()} applies the loss. */
    private volatile boolean powerFailed;

    /** Strict mode: a crash keeps exactly what was fsynced. */
    public PowerLossFileIO(Path root) throws IOException {
        this(root, Mode.STRICT, 0);
    }

    /**
     * @param root the directory whose files are modelled (created if missing; it survives a crash)
     * @param mode what a crash keeps of unsynced appends
     * @param seed seeds the random choices of the torn modes
     */
    public PowerLossFileIO(Path root, Mode mode, long seed) throws IOException {
        this.root = root.toAbsolutePath().normalize();
        Files.createDirectories(this.root);
        this.model = new PowerLossModel(this.root, mode, seed);
    }

    public Path root() {
        return root;
    }

    /** True once the power is gone: after {@link #crash()}, or once {@link #crashAfterMutations} ran out. */
    public boolean crashed() {
        return crashed || powerFailed;
    }

    /**
     * Lets the power fail by itself, in the middle of whatever the log is doing: after {@code n} more
     * mutating calls (file-system calls of this object, and writes, truncations and forces through its
     * channels) the next one and every call after it fail and nothing on disk changes any more. Call
     * {@link #crash()} afterwards to throw away what was not durable.
     */
    public void crashAfterMutations(long n) {
        mutationsLeft.set(n);
    }

    // ------------------------------------------------------------------ FileIO

    @Override
    public FileChannel openReadWrite(Path path, boolean create) throws IOException {
        Path p = normalize(path);
        return guarded(() -> {
            if (!modelled(p)) {
                return FileIO.real().openReadWrite(p, create);
            }
            synchronized (model) {
                boolean existed = Files.exists(p, LinkOption.NOFOLLOW_LINKS);
                FileNode node;
                if (existed) {
                    Node n = model.node(p);
                    if (!(n instanceof FileNode f)) {
                        throw new IOException(p + " is a directory");
                    }
                    node = f;
                    PowerLossModel.load(node);
                } else {
                    if (!create) {
                        throw new NoSuchFileException(p.toString());
                    }
                    if (model.trackedDir(p.getParent()) == null) {
                        throw new NoSuchFileException(p.getParent().toString());
                    }
                    node = new FileNode();
                    node.path = p;
                    node.durable = new byte[0];
                }
                FileChannel delegate = create
                        ? FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                        : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                model.put(p, node);
                PowerLossChannel ch = new PowerLossChannel(this, delegate, node, p);
                channels.add(ch);
                return ch;
            }
        });
    }

    @Override
    public void move(Path from, Path to) throws IOException {
        Path f = normalize(from);
        Path t = normalize(to);
        guarded(() -> {
            if (!modelled(f) || !modelled(t)) {
                if (modelled(f) || modelled(t)) {
                    throw new IOException("move across the modelled root is not supported: " + f + " -> " + t);
                }
                FileIO.real().move(f, t);
                return null;
            }
            synchronized (model) {
                Node n = model.node(f);
                if (n == null) {
                    throw new NoSuchFileException(f.toString());
                }
                model.prepareForChange(n);
                Node replaced = model.node(t);
                if (replaced != null) {
                    model.prepareForChange(replaced);
                }
                if (model.trackedDir(t.getParent()) == null) {
                    throw new NoSuchFileException(t.getParent().toString());
                }
                Files.move(f, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (replaced != null && replaced != n) {
                    replaced.path = null;
                    model.remove(t);
                }
                model.relocate(n, f, t);
                return null;
            }
        });
    }

    @Override
    public boolean deleteIfExists(Path path) throws IOException {
        Path p = normalize(path);
        return guarded(() -> {
            if (!modelled(p)) {
                return FileIO.real().deleteIfExists(p);
            }
            synchronized (model) {
                Node n = model.node(p);
                if (n == null) {
                    return Files.deleteIfExists(p);
                }
                model.prepareForChange(n);
                boolean deleted = Files.deleteIfExists(p);
                model.remove(p);
                n.path = null;
                return deleted;
            }
        });
    }

    @Override
    public void createDirectories(Path dir) throws IOException {
        Path d = normalize(dir);
        guarded(() -> {
            if (!modelled(d)) {
                FileIO.real().createDirectories(d);
                return null;
            }
            synchronized (model) {
                List<Path> missing = new ArrayList<>();
                for (Path p = d; !p.equals(root) && !Files.isDirectory(p); p = p.getParent()) {
                    missing.add(0, p);
                }
                for (Path p : missing) {
                    if (model.trackedDir(p.getParent()) == null) {
                        throw new IOException("not a directory: " + p.getParent());
                    }
                    Files.createDirectory(p);
                    DirNode n = new DirNode();
                    n.path = p;
                    n.durable = new TreeMap<>(); // new: nothing in it is durable yet
                    model.put(p, n);
                }
                return null;
            }
        });
    }

    @Override
    public void fsyncDirectory(Path dir) throws IOException {
        Path d = normalize(dir);
        guarded(() -> {
            if (!modelled(d)) {
                FileIO.real().fsyncDirectory(d);
                return null;
            }
            synchronized (model) {
                DirNode n = model.trackedDir(d);
                if (n == null) {
                    throw new NoSuchFileException(d.toString());
                }
                TreeMap<String, Node> entries = new TreeMap<>();
                for (Path e : PowerLossModel.list(d)) {
                    entries.put(e.getFileName().toString(), model.node(e));
                }
                n.durable = entries;
                return null;
            }
        });
    }

    // ------------------------------------------------------------------ crash

    /**
     * Simulates a power loss now: waits for calls in flight, closes every channel handed out, refuses
     * every later call, and rewrites the tree under the root to what was durable (see the class comment).
     */
    public void crash() throws IOException {
        if (crashLock.getReadHoldCount() > 0) {
            throw new IllegalStateException("crash() called from inside a call of this FileIO");
        }
        crashLock.writeLock().lock();
        try {
            if (crashed) {
                return;
            }
            crashed = true;
            List<PowerLossChannel> open;
            synchronized (model) {
                open = new ArrayList<>(channels);
            }
            for (PowerLossChannel ch : open) {
                ch.close();
            }
            synchronized (model) {
                model.restore();
            }
        } finally {
            crashLock.writeLock().unlock();
        }
    }

    // ------------------------------------------------------------------ helpers

    /** Runs a mutating file-system call unless the power is gone. */
    private <T> T guarded(IoCall<T> call) throws IOException {
        crashLock.readLock().lock();
        try {
            if (crashed) {
                throw new IOException("simulated power loss: " + root + " is gone");
            }
            spendMutation();
            return call.call();
        } finally {
            crashLock.readLock().unlock();
        }
    }

    private void spendMutation() throws IOException {
        if (!powerFailed && mutationsLeft.getAndDecrement() <= 0) {
            powerFailed = true;
        }
        if (powerFailed) {
            throw new IOException("simulated power loss: the power failed under " + root);
        }
    }

    private boolean modelled(Path p) {
        return p.startsWith(root);
    }

    private static Path normalize(Path p) {
        return p.toAbsolutePath().normalize();
    }

    // ------------------------------------------------------------------ channels (see PowerLossChannel)

    /**
     * Runs a call through {@code ch}: fails once the channel is closed or the power is gone; a mutating call
     * counts towards {@link #crashAfterMutations}. Like every call, it is atomic with respect to a crash.
     */
    <T> T channelCall(PowerLossChannel ch, IoCall<T> op, boolean mutating) throws IOException {
        crashLock.readLock().lock();
        try {
            if (crashed || !ch.isOpen()) {
                throw new ClosedChannelException();
            }
            if (mutating) {
                spendMutation();
            } else if (powerFailed) {
                throw new IOException("simulated power loss: the power failed under " + root);
            }
            return op.call();
        } finally {
            crashLock.readLock().unlock();
        }
    }

    /** A force through a channel of {@code node}'s file: its content as it is now is durable. */
    void forced(FileNode node, FileChannel file) throws IOException {
        synchronized (model) {
            node.durable = readAll(file);
        }
    }

    /** A channel was closed: a crash no longer has to close it. */
    void closed(PowerLossChannel ch) {
        synchronized (model) {
            channels.remove(ch);
        }
    }

    private static byte[] readAll(FileChannel ch) throws IOException {
        long size = ch.size();
        if (size > Integer.MAX_VALUE) {
            throw new IOException("file too large for the power-loss model: " + size + " bytes");
        }
        ByteBuffer buf = ByteBuffer.allocate((int) size);
        long pos = 0;
        while (buf.hasRemaining()) {
            int n = ch.read(buf, pos);
            if (n < 0) {
                break;
            }
            pos += n;
        }
        return Arrays.copyOf(buf.array(), buf.position());
    }
}
