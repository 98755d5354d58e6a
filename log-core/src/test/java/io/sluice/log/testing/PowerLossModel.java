package io.sluice.log.testing;

import io.sluice.log.testing.PowerLossFileIO.Mode;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Comparator;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.stream.Stream;

/**
 * The model of {@link PowerLossFileIO} (see its class comment): a node per file and directory under the
 * root with what of it is durable, and the rewrite of the tree to that durable state that a crash does.
 * Not thread-safe: {@link PowerLossFileIO} calls it only while holding this object's lock.
 */
final class PowerLossModel {

    abstract static class Node {
        Path path; // current location, null once deleted
    }

    static final class FileNode extends Node {
        /** Content at the last force (or when first seen); null while untouched: the file on disk is durable. */
        byte[] durable;
    }

    static final class DirNode extends Node {
        /** Entries as of the last directory fsync; null while untracked: the directory on disk is durable. */
        TreeMap<String, Node> durable;
    }

    private final Path root;
    private final Mode mode;
    private final Random random;
    private final Map<Path, Node> live = new HashMap<>();

    /**
     * @param root the modelled directory, absolute and normalized (durable as it is)
     * @param mode what a crash keeps of unsynced appends
     * @param seed seeds the random choices of the torn modes
     */
    PowerLossModel(Path root, Mode mode, long seed) {
        this.root = root;
        this.mode = mode;
        this.random = new Random(seed);
        DirNode r = new DirNode();
        r.path = root;
        live.put(root, r);
    }

    /** Records that {@code n} is now at {@code p}. */
    void put(Path p, Node n) {
        live.put(p, n);
    }

    /** Records that nothing is at {@code p} any more. */
    void remove(Path p) {
        live.remove(p);
    }

    // ------------------------------------------------------------------ crash

    /** Marks a file that a crash leaves exactly as it is on disk. */
    private static final byte[] KEEP = new byte[0];

    /**
     * Rewrites the tree under the root in place to its durable state, touching only what differs (so a
     * crash stays cheap when most files are long since durable).
     */
    void restore() throws IOException {
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

    // ------------------------------------------------------------------ nodes

    /** The node at {@code p}, creating lazy nodes for entries the model has not seen yet; null if absent. */
    Node node(Path p) throws IOException {
        Node n = live.get(p);
        if (n != null || p.equals(root)) {
            return n;
        }
        DirNode parent = trackedDir(p.getParent());
        n = live.get(p);
        if (n == null && parent != null && Files.exists(p, LinkOption.NOFOLLOW_LINKS)) {
            // Made behind the model's back (not through the PowerLossFileIO): count it as durable.
            n = lazyNode(p);
            live.put(p, n);
            parent.durable.putIfAbsent(p.getFileName().toString(), n);
        }
        return n;
    }

    /** The directory's node with its durable entries known (snapshotting them on first use); null if absent. */
    DirNode trackedDir(Path d) throws IOException {
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
    void prepareForChange(Node n) throws IOException {
        if (n instanceof FileNode f) {
            load(f);
        } else {
            trackedDir(n.path);
        }
    }

    static void load(FileNode f) throws IOException {
        if (f.durable == null) {
            f.durable = Files.readAllBytes(f.path);
        }
    }

    void relocate(Node n, Path from, Path to) {
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

    static List<Path> list(Path d) throws IOException {
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
}
