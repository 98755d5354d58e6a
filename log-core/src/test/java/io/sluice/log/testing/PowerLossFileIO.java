package io.sluice.log.testing;

import io.sluice.log.internals.FileIO;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.MappedByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.channels.ReadableByteChannel;
import java.nio.channels.WritableByteChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.stream.Stream;

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

    private abstract static class Node {
        Path path; // current location, null once deleted
    }

    private static final class FileNode extends Node {
        /** Content at the last force (or when first seen); null while untouched: the file on disk is durable. */
        byte[] durable;
    }

    private static final class DirNode extends Node {
        /** Entries as of the last directory fsync; null while untracked: the directory on disk is durable. */
        TreeMap<String, Node> durable;
    }

    @FunctionalInterface
    private interface IoCall<T> {
        T call() throws IOException;
    }

    private final Path root;
    private final Mode mode;
    private final Random random;
    private final ReentrantReadWriteLock crashLock = new ReentrantReadWriteLock();
    /** Guards the model: {@link #live}, the nodes and {@link #channels}. */
    private final Object model = new Object();
    private final Map<Path, Node> live = new HashMap<>();
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
        this.mode = mode;
        this.random = new Random(seed);
        Files.createDirectories(this.root);
        DirNode r = new DirNode();
        r.path = this.root;
        live.put(this.root, r);
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
                    Node n = node(p);
                    if (!(n instanceof FileNode f)) {
                        throw new IOException(p + " is a directory");
                    }
                    node = f;
                    load(node);
                } else {
                    if (!create) {
                        throw new NoSuchFileException(p.toString());
                    }
                    if (trackedDir(p.getParent()) == null) {
                        throw new NoSuchFileException(p.getParent().toString());
                    }
                    node = new FileNode();
                    node.path = p;
                    node.durable = new byte[0];
                }
                FileChannel delegate = create
                        ? FileChannel.open(p, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE)
                        : FileChannel.open(p, StandardOpenOption.READ, StandardOpenOption.WRITE);
                live.put(p, node);
                PowerLossChannel ch = new PowerLossChannel(delegate, node, p);
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
                Node n = node(f);
                if (n == null) {
                    throw new NoSuchFileException(f.toString());
                }
                prepareForChange(n);
                Node replaced = node(t);
                if (replaced != null) {
                    prepareForChange(replaced);
                }
                if (trackedDir(t.getParent()) == null) {
                    throw new NoSuchFileException(t.getParent().toString());
                }
                Files.move(f, t, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
                if (replaced != null && replaced != n) {
                    replaced.path = null;
                    live.remove(t);
                }
                relocate(n, f, t);
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
                Node n = node(p);
                if (n == null) {
                    return Files.deleteIfExists(p);
                }
                prepareForChange(n);
                boolean deleted = Files.deleteIfExists(p);
                live.remove(p);
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
                    if (trackedDir(p.getParent()) == null) {
                        throw new IOException("not a directory: " + p.getParent());
                    }
                    Files.createDirectory(p);
                    DirNode n = new DirNode();
                    n.path = p;
                    n.durable = new TreeMap<>(); // new: nothing in it is durable yet
                    live.put(p, n);
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
                DirNode n = trackedDir(d);
                if (n == null) {
                    throw new NoSuchFileException(d.toString());
                }
                TreeMap<String, Node> entries = new TreeMap<>();
                for (Path e : list(d)) {
                    entries.put(e.getFileName().toString(), node(e));
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
                restore();
            }
        } finally {
            crashLock.writeLock().unlock();
        }
    }

    /** Marks a file that a crash leaves exactly as it is on disk. */
    private static final byte[] KEEP = new byte[0];

    /**
     * Rewrites the tree under the root in place to its durable state, touching only what differs (so a
     * crash stays cheap when most files are long since durable).
     */
    private void restore() throws IOException {
        Map<Path, byte[]> files = new TreeMap<>();
        Set<Path> dirs = new TreeSet<>();
        // Everything is read before anything changes: a node's current bytes may live at another's target.
        collect((DirNode) live.get(root), root, files, dirs, new IdentityHashMap<>());
        try (Stream<Path> walk = Files.walk(root)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                if (p.equals(root)) {
                    continue;
                }
                boolean wanted = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? dirs.contains(p) : files.containsKey(p);
                if (!wanted) {
                    deleteTree(p);
                }
            }
        }
        for (Path d : dirs) {
            Files.createDirectories(d);
        }
        for (Map.Entry<Path, byte[]> e : files.entrySet()) {
            Path t = e.getKey();
            byte[] content = e.getValue();
            if (content == KEEP) {
                continue;
            }
            boolean same = Files.isRegularFile(t, LinkOption.NOFOLLOW_LINKS) && Files.size(t) == content.length
                    && Arrays.equals(Files.readAllBytes(t), content);
            if (!same) {
                Files.write(t, content);
            }
        }
        live.clear();
    }

    /** The files and directories a crash leaves under {@code target}, the durable state of {@code dir}. */
    private void collect(DirNode dir, Path target, Map<Path, byte[]> files, Set<Path> dirs,
                         Map<FileNode, byte[]> contents) throws IOException {
        dirs.add(target);
        if (dir.durable == null) {
            // Never touched through the model: as it is (moved along with its parent, if it was).
            if (dir.path == null) {
                return;
            }
            try (Stream<Path> walk = Files.walk(dir.path)) {
                for (Path q : walk.toList()) {
                    Path t = target.resolve(dir.path.relativize(q).toString());
                    if (Files.isDirectory(q, LinkOption.NOFOLLOW_LINKS)) {
                        dirs.add(t);
                    } else {
                        files.put(t, q.equals(t) ? KEEP : Files.readAllBytes(q));
                    }
                }
            }
            return;
        }
        for (Map.Entry<String, Node> e : dir.durable.entrySet()) {
            Path t = target.resolve(e.getKey());
            if (e.getValue() instanceof DirNode sub) {
                collect(sub, t, files, dirs, contents);
            } else {
                FileNode f = (FileNode) e.getValue();
                if (!contents.containsKey(f)) {
                    contents.put(f, contentAfterCrash(f));
                }
                byte[] content = contents.get(f);
                if (content == KEEP && !t.equals(f.path)) {
                    content = Files.readAllBytes(f.path);
                }
                if (content != null) {
                    files.put(t, content);
                }
            }
        }
    }

    private byte[] contentAfterCrash(FileNode f) throws IOException {
        boolean onDisk = f.path != null && Files.isRegularFile(f.path, LinkOption.NOFOLLOW_LINKS);
        if (f.durable == null) {
            return onDisk ? KEEP : null; // untouched: what is on disk is durable
        }
        byte[] base = f.durable;
        if (mode == Mode.STRICT || !onDisk) {
            return base;
        }
        byte[] now = Files.readAllBytes(f.path);
        if (now.length <= base.length || !Arrays.equals(now, 0, base.length, base, 0, base.length)) {
            return base; // not an append (or nothing new): the unsynced change is lost whole
        }
        int keep = random.nextInt(now.length - base.length + 1);
        byte[] out = Arrays.copyOf(base, base.length + keep);
        if (mode == Mode.TORN_TAIL) {
            System.arraycopy(now, base.length, out, base.length, keep);
        }
        return out;
    }

    // ------------------------------------------------------------------ model (under the model lock)

    /** The node at {@code p}, creating lazy nodes for entries the model has not seen yet; null if absent. */
    private Node node(Path p) throws IOException {
        Node n = live.get(p);
        if (n != null || p.equals(root)) {
            return n;
        }
        DirNode parent = trackedDir(p.getParent());
        n = live.get(p);
        if (n == null && parent != null && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            // Made behind the model's back (not through this FileIO): count it as durable.
            n = lazyNode(p);
            live.put(p, n);
            parent.durable.putIfAbsent(p.getFileName().toString(), n);
        }
        return n;
    }

    /** The directory's node with its durable entries known (snapshotting them on first use); null if absent. */
    private DirNode trackedDir(Path d) throws IOException {
        if (!(node(d) instanceof DirNode dir)) {
            return null;
        }
        if (dir.durable == null) {
            dir.durable = new TreeMap<>();
            for (Path e : list(d)) {
                Node c = live.get(e);
                if (c == null) {
                    c = lazyNode(e);
                    live.put(e, c);
                }
                dir.durable.put(e.getFileName().toString(), c);
            }
        }
        return dir;
    }

    private static Node lazyNode(Path p) {
        Node n = Files.isDirectory(p, LinkOption.NOFOLLOW_LINKS) ? new DirNode() : new FileNode();
        n.path = p;
        return n;
    }

    /** Before a node is renamed or deleted, pin down what a crash must bring back. */
    private void prepareForChange(Node n) throws IOException {
        if (n instanceof FileNode f) {
            load(f);
        } else {
            trackedDir(n.path);
        }
    }

    private static void load(FileNode f) throws IOException {
        if (f.durable == null) {
            f.durable = Files.readAllBytes(f.path);
        }
    }

    private void relocate(Node n, Path from, Path to) {
        live.remove(from);
        live.put(to, n);
        n.path = to;
        if (n instanceof DirNode) {
            Map<Path, Node> moved = new HashMap<>();
            live.entrySet().removeIf(e -> {
                if (e.getKey().startsWith(from) && !e.getKey().equals(from)) {
                    Path np = to.resolve(from.relativize(e.getKey()));
                    e.getValue().path = np;
                    moved.put(np, e.getValue());
                    return true;
                }
                return false;
            });
            live.putAll(moved);
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

    private static List<Path> list(Path d) throws IOException {
        try (Stream<Path> s = Files.list(d)) {
            return s.sorted().toList();
        }
    }

    private static void deleteTree(Path p) throws IOException {
        try (Stream<Path> walk = Files.walk(p)) {
            for (Path q : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(q);
            }
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

    // ------------------------------------------------------------------ channel

    /** A real FileChannel (FileRecords needs one) delegating to the file system and reporting forces. */
    private final class PowerLossChannel extends FileChannel {
        private final FileChannel delegate;
        private final FileNode node;
        private final Path openedAs;

        PowerLossChannel(FileChannel delegate, FileNode node, Path openedAs) {
            this.delegate = delegate;
            this.node = node;
            this.openedAs = openedAs;
        }

        private <T> T call(IoCall<T> op) throws IOException {
            return call(op, false);
        }

        private <T> T mutate(IoCall<T> op) throws IOException {
            return call(op, true);
        }

        private <T> T call(IoCall<T> op, boolean mutating) throws IOException {
            crashLock.readLock().lock();
            try {
                if (crashed || !isOpen()) {
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

        @Override
        public int read(ByteBuffer dst) throws IOException {
            return call(() -> delegate.read(dst));
        }

        @Override
        public long read(ByteBuffer[] dsts, int offset, int length) throws IOException {
            return call(() -> delegate.read(dsts, offset, length));
        }

        @Override
        public int read(ByteBuffer dst, long position) throws IOException {
            return call(() -> delegate.read(dst, position));
        }

        @Override
        public int write(ByteBuffer src) throws IOException {
            return mutate(() -> delegate.write(src));
        }

        @Override
        public long write(ByteBuffer[] srcs, int offset, int length) throws IOException {
            return mutate(() -> delegate.write(srcs, offset, length));
        }

        @Override
        public int write(ByteBuffer src, long position) throws IOException {
            return mutate(() -> delegate.write(src, position));
        }

        @Override
        public long position() throws IOException {
            return call(delegate::position);
        }

        @Override
        public FileChannel position(long newPosition) throws IOException {
            call(() -> delegate.position(newPosition));
            return this;
        }

        @Override
        public long size() throws IOException {
            return call(delegate::size);
        }

        @Override
        public FileChannel truncate(long size) throws IOException {
            mutate(() -> delegate.truncate(size));
            return this;
        }

        @Override
        public void force(boolean metaData) throws IOException {
            mutate(() -> {
                // No real fsync: durability is what the model says, and the tests stay fast.
                synchronized (model) {
                    node.durable = readAll(delegate);
                }
                return null;
            });
        }

        @Override
        public long transferTo(long position, long count, WritableByteChannel target) throws IOException {
            return call(() -> delegate.transferTo(position, count, target));
        }

        @Override
        public long transferFrom(ReadableByteChannel src, long position, long count) throws IOException {
            return mutate(() -> delegate.transferFrom(src, position, count));
        }

        @Override
        public MappedByteBuffer map(MapMode mapMode, long position, long size) {
            throw new UnsupportedOperationException("memory mapping bypasses the power-loss model");
        }

        @Override
        public FileLock lock(long position, long size, boolean shared) throws IOException {
            return wrap(call(() -> delegate.lock(position, size, shared)));
        }

        @Override
        public FileLock tryLock(long position, long size, boolean shared) throws IOException {
            FileLock l = call(() -> delegate.tryLock(position, size, shared));
            return l == null ? null : wrap(l);
        }

        private FileLock wrap(FileLock inner) {
            return new FileLock(this, inner.position(), inner.size(), inner.isShared()) {
                @Override
                public boolean isValid() {
                    return inner.isValid();
                }

                @Override
                public void release() throws IOException {
                    inner.release();
                }
            };
        }

        @Override
        protected void implCloseChannel() throws IOException {
            try {
                delegate.close();
            } finally {
                synchronized (model) {
                    channels.remove(this);
                }
            }
        }

        @Override
        public String toString() {
            return "PowerLossChannel(" + openedAs + ")";
        }
    }
}
