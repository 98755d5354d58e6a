package io.sluice.pipeline;

import io.sluice.pipeline.config.PipelineDefinition;
import io.sluice.pipeline.config.RunnerConfig;
import io.sluice.pipeline.config.TableConfig;
import io.sluice.sink.CommitHook;
import io.sluice.sink.TableSpec;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import org.apache.beam.sdk.options.PipelineOptions;
import org.apache.beam.sdk.options.PipelineOptionsFactory;

/**
 * Turns a pipeline file ({@link PipelineDefinition}) into the same {@link SluiceIngest} and {@link IngestionJob}
 * a Java user would build: the file is configuration for the code path, not a second implementation.
 */
public final class DefinedPipeline {
    private DefinedPipeline() {}

    /** The transform the definition describes. */
    public static SluiceIngest ingest(PipelineDefinition d) {
        SluiceIngest ingest = SluiceIngest.create()
                .withBootstrapServers(d.source().bootstrapServers())
                .withSchemaRegistryUrl(d.source().schemaRegistryUrl())
                .withTables(tables(d))
                .withStartFrom(d.source().startFrom() == io.sluice.pipeline.config.SourceConfig.StartFrom.LATEST
                        ? StartFrom.LATEST : StartFrom.EARLIEST)
                .withHadoopConfiguration(d.hadoopConfiguration());
        if (!d.source().consumer().isEmpty()) {
            ingest = ingest.withConsumerConfig(d.source().consumer());
        }
        return d.source().topicPattern() != null
                ? ingest.withTopicPattern(d.source().topicPattern())
                : ingest.withTopics(d.source().topics());
    }

    /**
     * The job that runs it with the definition's runner section, publishing the sink tier of the audit when its
     * audit section is enabled; {@code hook} is a test seam (null: none).
     */
    public static IngestionJob job(PipelineDefinition d, CommitHook hook) {
        return job(d, hook, false);
    }

    /**
     * As {@link #job(PipelineDefinition, CommitHook)}; with {@code takeOver} the job takes its tables even from a
     * live run that holds them (see {@link IngestionJob.Builder#takeOver}).
     */
    public static IngestionJob job(PipelineDefinition d, CommitHook hook, boolean takeOver) {
        SluiceIngest ingest = ingest(d);
        if (hook != null) {
            ingest = ingest.withCommitHook(hook);
        }
        String[] args = IngestionJob.runWhileWatched(d.toPipelineArgs(), d.runner().type());
        IngestionJob.Builder job = IngestionJob.builder(ingest)
                .name(d.name())
                .takeOver(takeOver)
                .claimLease(d.warehouse().claimLease())
                .discoveryInterval(d.source().discoveryInterval())
                .pipelineOptions(() -> PipelineOptionsFactory.fromArgs(args).withValidation().create());
        if (d.audit().enabled()) {
            job.audit(d.audit().toAuditConfig());
        }
        return job.build();
    }

    /** Listed topics get their own spec; any other topic the source selects gets the defaults, named after it. */
    static TableResolver tables(PipelineDefinition d) {
        Map<String, TableSpec> listed = new HashMap<>();
        for (TableConfig t : d.tables().values()) {
            listed.put(t.topic(), d.tableSpecFor(t.topic()));
        }
        TableSpec template = d.tableDefaults().applyTo(TableSpec.builder("template", d.warehouse().tableRoot("template")))
                .deadLetterRoot(d.warehouse().deadLetterRoot()).auditBucket(d.audit().bucket()).build();
        return new ListedTables(listed, TableResolver.underWarehouse(d.warehouse().root(), template));
    }

    private record ListedTables(Map<String, TableSpec> listed, TableResolver others) implements TableResolver {
        private static final long serialVersionUID = 1L;

        ListedTables {
            listed = Map.copyOf(listed);
            Objects.requireNonNull(others);
        }

        @Override
        public TableSpec tableFor(String topic) {
            TableSpec s = listed.get(topic);
            return s != null ? s : others.tableFor(topic);
        }

        @Override
        public java.util.Set<String> roots() {
            java.util.Set<String> roots = new java.util.TreeSet<>(others.roots());
            for (TableSpec t : listed.values()) {
                roots.add(t.root());
                if (t.deadLetterRoot() != null) {
                    roots.add(t.deadLetterRoot());
                }
            }
            return roots;
        }
    }

}
