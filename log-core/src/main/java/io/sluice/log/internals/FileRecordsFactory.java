package io.sluice.log.internals;

import java.io.File;
import java.io.IOException;
import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.nio.channels.FileChannel;
import org.apache.kafka.common.record.FileRecords;

/**
 * Builds a {@link FileRecords} over a channel that we opened ourselves.
 *
 * <p>Why: {@code FileRecords.open} opens its own channel, but every write of the log must go through
 * {@link FileIO} (the power-loss tests replace it). kafka-clients has the right constructor, only
 * package-private; reaching it once by reflection lets the log reuse FileRecords' batch iteration,
 * timestamp search and zero-copy {@code writeTo} instead of copying them.
 */
public final class FileRecordsFactory {
    private static final MethodHandle CONSTRUCTOR;

    static {
        try {
            var ctor = FileRecords.class.getDeclaredConstructor(
                    File.class, FileChannel.class, int.class, int.class, boolean.class);
            ctor.setAccessible(true);
            CONSTRUCTOR = MethodHandles.lookup().unreflectConstructor(ctor)
                    .asType(MethodType.methodType(FileRecords.class, File.class, FileChannel.class,
                            int.class, int.class, boolean.class));
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new ExceptionInInitializerError(
                    "kafka-clients FileRecords(File, FileChannel, int, int, boolean) not found: " + e);
        }
    }

    private FileRecordsFactory() {
    }

    /** A growable FileRecords over the whole of {@code channel}; its size is the channel's size. */
    public static FileRecords open(File file, FileChannel channel) throws IOException {
        try {
            return (FileRecords) CONSTRUCTOR.invokeExact(file, channel, 0, Integer.MAX_VALUE, false);
        } catch (IOException | RuntimeException | Error e) {
            throw e;
        } catch (Throwable t) {
            throw new IllegalStateException(t);
        }
    }
}
