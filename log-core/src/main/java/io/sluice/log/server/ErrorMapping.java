package io.sluice.log.server;

import io.sluice.log.InvalidBatchException;
import io.sluice.log.InvalidConfigException;
import io.sluice.log.InvalidTopicException;
import io.sluice.log.LogDamageException;
import io.sluice.log.LogException;
import io.sluice.log.LogStorageException;
import io.sluice.log.OffsetOutOfRangeException;
import io.sluice.log.ProducerStateException;
import io.sluice.log.ResourceLimitException;
import io.sluice.log.TopicExistsException;
import io.sluice.log.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/** The Kafka protocol error for each error the log raises. Stateless. */
final class ErrorMapping {
    private ErrorMapping() {
    }

    /** The error and message to answer with: the log's message for log errors, Kafka's rules otherwise. */
    static ApiError apiError(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof LogException) {
            return new ApiError(of(t), t.getMessage());
        }
        return ApiError.fromThrowable(t);
    }

    static Errors of(Throwable t) {
        if (t instanceof java.util.concurrent.CompletionException && t.getCause() != null) {
            t = t.getCause();
        }
        if (t instanceof InvalidBatchException e) {
            return switch (e.reason()) {
                case CORRUPT, INVALID_SIZE -> Errors.CORRUPT_MESSAGE;
                case TOO_LARGE -> Errors.MESSAGE_TOO_LARGE;
                case UNSUPPORTED_MAGIC -> Errors.UNSUPPORTED_FOR_MESSAGE_FORMAT;
                case INVALID_RECORD_COUNT, MISSING_KEY -> Errors.INVALID_RECORD;
                case UNSUPPORTED_TRANSACTION -> Errors.TRANSACTIONAL_ID_AUTHORIZATION_FAILED;
            };
        }
        if (t instanceof ProducerStateException e) {
            return e.kind() == ProducerStateException.Kind.INVALID_PRODUCER_EPOCH
                    ? Errors.INVALID_PRODUCER_EPOCH : Errors.OUT_OF_ORDER_SEQUENCE_NUMBER;
        }
        if (t instanceof UnknownTopicOrPartitionException) {
            return Errors.UNKNOWN_TOPIC_OR_PARTITION;
        }
        if (t instanceof OffsetOutOfRangeException) {
            return Errors.OFFSET_OUT_OF_RANGE;
        }
        if (t instanceof TopicExistsException) {
            return Errors.TOPIC_ALREADY_EXISTS;
        }
        if (t instanceof InvalidTopicException) {
            return Errors.INVALID_TOPIC_EXCEPTION;
        }
        if (t instanceof InvalidConfigException) {
            return Errors.INVALID_CONFIG;
        }
        if (t instanceof ResourceLimitException) {
            return Errors.POLICY_VIOLATION;
        }
        if (t instanceof LogStorageException || t instanceof LogDamageException) {
            return Errors.KAFKA_STORAGE_ERROR;
        }
        if (t instanceof java.util.concurrent.TimeoutException) {
            return Errors.REQUEST_TIMED_OUT;
        }
        return Errors.forException(t);
    }
}
