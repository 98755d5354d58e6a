package io.sluice.log.internals;

import java.util.OptionalLong;

/**
 * How many file descriptors the process holds and may hold, so that the log can refuse a creation that
 * would exhaust them (every segment keeps three open) before it opens anything. A seam: tests stand in
 * a small limit without lowering the test JVM's own.
 */
public interface FileDescriptors {

    /** Descriptors open now; empty where the platform does not tell. */
    OptionalLong open();

    /** The process's limit ({@code ulimit -n}); empty where the platform does not tell. */
    OptionalLong max();

    /** This process, through the JDK's Unix operating-system bean (empty on other platforms). One instance. */
    static FileDescriptors ofProcess() {
        return ProcessFileDescriptors.INSTANCE;
    }
}
