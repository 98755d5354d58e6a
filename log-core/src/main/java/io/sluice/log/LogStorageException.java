package io.sluice.log;

/**
 * The disk failed under the log (full disk, I/O error). The write that hit it is not acknowledged; the
 * partition refuses further appends until it is recovered (by itself, once its directory can be written
 * again: see FailedPartitionRecovery), because its file may end in a torn batch that only recovery may cut.
 */
public final class LogStorageException extends LogException {
    private static final long serialVersionUID = 1L;

    public LogStorageException(String topic, int partition, String message, Throwable cause) {
        super(topic, partition, message + " (" + where(topic, partition) + ")", cause);
    }
}
