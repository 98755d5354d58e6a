package io.sluice.pipeline;

import java.io.Serializable;
import org.apache.avro.generic.GenericRecord;

/**
 * A user step applied to every decoded record before it is written.
 *
 * <ul>
 *   <li>Return the record (changed or not) to write it; return {@code null} to filter it out (its offset is still
 *       covered by the next commit, so it is not read again).</li>
 *   <li>Throw to refuse it: the record goes to the dead-letter table with the exception as the reason; the pipeline
 *       goes on.</li>
 *   <li>A result whose schema differs from the record's writer schema is registered in the schema registry under
 *       {@code sluice-<table>-value} and the row is written with that schema id, so the table's history holds it.</li>
 * </ul>
 *
 * <p>It runs on the workers: it must be serializable, and must not keep references to the records it is given.
 */
@FunctionalInterface
public interface RecordTransform extends Serializable {
    GenericRecord apply(GenericRecord record) throws Exception;
}
