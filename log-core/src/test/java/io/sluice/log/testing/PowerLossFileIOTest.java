package io.sluice.log.testing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.sluice.log.internals.FileRecordsFactory;
import io.sluice.log.testing.PowerLossFileIO.Mode;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The fake disk itself: what survives {@link PowerLossFileIO#crash()} and what does not. */
class PowerLossFileIOTest {
    @TempDir
    Path tmp;

    private static void write(FileChannel ch, String s) throws IOException {
        ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
        while (b.hasRemaining()) {
            ch.write(b, ch.size());
        }
    }

    private static String content(Path p) throws IOException {
        return Files.readString(p, StandardCharsets.UTF_8);
    }

    @Test
    void keepsWhatWasForcedAndLosesTheRest() throws IOException {
        // given a durable new file with a forced and an unforced write
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path f = root.resolve("a.log");
        FileChannel ch = io.openReadWrite(f, true);
        io.fsyncDirectory(root);
        write(ch, "forced");
        ch.force(true);
        write(ch, "-lost");
        assertThat(content(f)).isEqualTo("forced-lost");
        // when
        io.crash();
        // then
        assertThat(content(f)).as("content of %s after the crash", f).isEqualTo("forced");
    }

    @Test
    void fileWhoseDirectoryWasNotFsyncedAfterItsCreationVanishes() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path f = root.resolve("new.log");
        try (FileChannel ch = io.openReadWrite(f, true)) {
            write(ch, "data");
            ch.force(true);
        }
        io.crash();
        assertThat(f).as("file created without a directory fsync").doesNotExist();
    }

    @Test
    void preExistingFileIsDurableAsItWasWhenOpened() throws IOException {
        Path root = tmp.resolve("data");
        Files.createDirectories(root);
        Path f = root.resolve("old.log");
        Files.writeString(f, "before");
        PowerLossFileIO io = new PowerLossFileIO(root);
        FileChannel ch = io.openReadWrite(f, false);
        write(ch, "+after");
        ch.truncate(3);
        io.crash();
        assertThat(content(f)).isEqualTo("before");
    }

    @Test
    void unsyncedTruncationIsUndone() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path f = root.resolve("t.log");
        FileChannel ch = io.openReadWrite(f, true);
        io.fsyncDirectory(root);
        write(ch, "0123456789");
        ch.force(false);
        ch.truncate(4);
        io.crash();
        assertThat(content(f)).isEqualTo("0123456789");
    }

    @Test
    void renameIsUndoneUnlessTheDirectoryWasFsynced() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path a = root.resolve("a");
        Path b = root.resolve("b");
        Path c = root.resolve("c");
        Path d = root.resolve("d");
        for (Path p : new Path[] {a, c}) {
            try (FileChannel ch = io.openReadWrite(p, true)) {
                write(ch, p.getFileName().toString());
                ch.force(true);
            }
        }
        io.fsyncDirectory(root);
        io.move(a, b);
        io.fsyncDirectory(root); // a -> b is durable
        io.move(c, d);           // c -> d is not
        io.crash();
        assertThat(a).doesNotExist();
        assertThat(content(b)).isEqualTo("a");
        assertThat(content(c)).isEqualTo("c");
        assertThat(d).doesNotExist();
    }

    @Test
    void renameOverAnExistingFileIsUndoneWithBothContents() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path target = root.resolve("meta");
        Path tmpFile = root.resolve("meta.tmp");
        try (FileChannel ch = io.openReadWrite(target, true)) {
            write(ch, "old");
            ch.force(true);
        }
        io.fsyncDirectory(root);
        try (FileChannel ch = io.openReadWrite(tmpFile, true)) {
            write(ch, "new");
            ch.force(true);
        }
        io.move(tmpFile, target);
        assertThat(content(target)).isEqualTo("new");
        io.crash();
        assertThat(content(target)).isEqualTo("old");
        assertThat(tmpFile).doesNotExist(); // its creation never became durable
    }

    @Test
    void deletionIsUndoneUnlessTheDirectoryWasFsynced() throws IOException {
        Path root = tmp.resolve("data");
        Files.createDirectories(root);
        Files.writeString(root.resolve("x"), "x-content");
        Files.writeString(root.resolve("y"), "y-content");
        PowerLossFileIO io = new PowerLossFileIO(root);
        io.deleteIfExists(root.resolve("x"));
        io.fsyncDirectory(root);
        io.deleteIfExists(root.resolve("y"));
        io.crash();
        assertThat(root.resolve("x")).doesNotExist();
        assertThat(content(root.resolve("y"))).isEqualTo("y-content");
    }

    @Test
    void newDirectoryVanishesWithItsFilesUnlessItsParentWasFsynced() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path kept = root.resolve("kept/sub");
        Path lost = root.resolve("lost");
        io.createDirectories(kept);
        io.fsyncDirectory(root);
        io.fsyncDirectory(kept.getParent());
        io.createDirectories(lost);
        for (Path dir : new Path[] {kept, lost}) {
            try (FileChannel ch = io.openReadWrite(dir.resolve("f"), true)) {
                write(ch, "f");
                ch.force(true);
            }
            io.fsyncDirectory(dir);
        }
        io.crash();
        assertThat(content(kept.resolve("f"))).isEqualTo("f");
        assertThat(lost).doesNotExist();
    }

    @Test
    void tornTailKeepsARandomPrefixOfTheUnsyncedAppend() throws IOException {
        String tail = "0123456789abcdefghijklmnopqrstuvwxyz";
        boolean sawPartial = false;
        for (long seed = 0; seed < 20; seed++) {
            Path root = tmp.resolve("torn-" + seed);
            PowerLossFileIO io = new PowerLossFileIO(root, Mode.TORN_TAIL, seed);
            Path f = root.resolve("f");
            FileChannel ch = io.openReadWrite(f, true);
            io.fsyncDirectory(root);
            write(ch, "synced|");
            ch.force(true);
            write(ch, tail);
            io.crash();
            String after = content(f);
            assertThat(after).as("seed %d", seed).startsWith("synced|");
            String kept = after.substring("synced|".length());
            assertThat(tail).as("seed %d: kept tail", seed).startsWith(kept);
            sawPartial |= !kept.isEmpty() && kept.length() < tail.length();
        }
        assertThat(sawPartial).as("some seed tears the append in the middle").isTrue();
    }

    @Test
    void zeroedTailKeepsZerosInPlaceOfTheUnsyncedAppend() throws IOException {
        boolean sawZeros = false;
        for (long seed = 0; seed < 10; seed++) {
            Path root = tmp.resolve("zero-" + seed);
            PowerLossFileIO io = new PowerLossFileIO(root, Mode.ZEROED_TAIL, seed);
            Path f = root.resolve("f");
            FileChannel ch = io.openReadWrite(f, true);
            io.fsyncDirectory(root);
            write(ch, "synced");
            ch.force(true);
            write(ch, "xxxxxxxxxxxxxxxx");
            io.crash();
            byte[] after = Files.readAllBytes(f);
            assertThat(new String(after, 0, 6, StandardCharsets.UTF_8)).isEqualTo("synced");
            byte[] rest = Arrays.copyOfRange(after, 6, after.length);
            assertThat(rest).as("seed %d", seed).containsOnly((byte) 0);
            sawZeros |= rest.length > 0;
        }
        assertThat(sawZeros).isTrue();
    }

    @Test
    void refusesEveryWriteAfterTheCrash() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path f = root.resolve("f");
        FileChannel ch = io.openReadWrite(f, true);
        io.fsyncDirectory(root);
        write(ch, "durable");
        ch.force(true);
        io.crash();
        assertThat(ch.isOpen()).isFalse();
        assertThatThrownBy(() -> ch.write(ByteBuffer.wrap(new byte[] {1}), 0)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> ch.truncate(0)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> ch.force(true)).isInstanceOf(ClosedChannelException.class);
        assertThatThrownBy(() -> io.openReadWrite(f, false)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> io.deleteIfExists(f)).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> io.move(f, root.resolve("g"))).isInstanceOf(IOException.class);
        assertThat(content(f)).isEqualTo("durable");
    }

    @Test
    void powerFailsByItselfAfterTheGivenNumberOfMutations() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        io.crashAfterMutations(3);
        Path f = root.resolve("f");
        FileChannel ch = io.openReadWrite(f, true); // 1
        io.fsyncDirectory(root);                    // 2
        write(ch, "unforced");                      // 3
        assertThat(io.crashed()).isFalse();
        assertThatThrownBy(() -> ch.force(true)).isInstanceOf(IOException.class); // the power fails here
        assertThat(io.crashed()).isTrue();
        assertThatThrownBy(() -> ch.size()).isInstanceOf(IOException.class);
        assertThatThrownBy(() -> io.deleteIfExists(f)).isInstanceOf(IOException.class);
        assertThat(f).as("nothing changes once the power failed").exists();
        io.crash();
        assertThat(content(f)).as("content after the crash").isEmpty();
    }

    @Test
    void channelsWorkAsFileRecordsStorage() throws IOException {
        Path root = tmp.resolve("data");
        PowerLossFileIO io = new PowerLossFileIO(root);
        Path f = root.resolve("00000000000000000000.log");
        FileChannel ch = io.openReadWrite(f, true);
        io.fsyncDirectory(root);
        FileRecords records = FileRecordsFactory.open(f.toFile(), ch);
        records.append(MemoryRecords.withRecords(Compression.NONE, new SimpleRecord(1L, "k".getBytes(), "v1".getBytes())));
        records.flush(); // through the channel's force: durable
        records.append(MemoryRecords.withRecords(5L, Compression.NONE,
                new SimpleRecord(2L, "k".getBytes(), "v2".getBytes())));
        int all = 0;
        for (RecordBatch ignored : records.batches()) {
            all++;
        }
        assertThat(all).isEqualTo(2);
        io.crash();
        FileRecords after = FileRecords.open(f.toFile());
        try {
            int n = 0;
            for (RecordBatch b : after.batches()) {
                assertThat(b.baseOffset()).isZero();
                n++;
            }
            assertThat(n).as("batches that survived: only the flushed one").isEqualTo(1);
        } finally {
            after.close();
        }
    }
}
