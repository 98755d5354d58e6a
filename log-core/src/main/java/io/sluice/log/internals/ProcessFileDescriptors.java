package io.sluice.log.internals;

import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.util.OptionalLong;

/** {@link FileDescriptors#ofProcess()}: the JVM's own counts where the platform gives them (Unix). */
enum ProcessFileDescriptors implements FileDescriptors {
    INSTANCE;

    private final com.sun.management.UnixOperatingSystemMXBean unix = unixBean();

    private static com.sun.management.UnixOperatingSystemMXBean unixBean() {
        OperatingSystemMXBean os = ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.UnixOperatingSystemMXBean u ? u : null;
    }

    @Override
    public OptionalLong open() {
        return unix == null ? OptionalLong.empty() : OptionalLong.of(unix.getOpenFileDescriptorCount());
    }

    @Override
    public OptionalLong max() {
        return unix == null ? OptionalLong.empty() : OptionalLong.of(unix.getMaxFileDescriptorCount());
    }
}
