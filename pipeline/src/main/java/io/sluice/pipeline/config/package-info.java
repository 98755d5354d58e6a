/**
 * Pipelines defined without code: {@code conf/pipelines/*.yaml} read into a checked, immutable
 * {@link io.sluice.pipeline.config.PipelineDefinition} (source, warehouse, table defaults, per-topic tables,
 * runner, audit), from which the launcher takes each topic's {@link io.sluice.sink.TableSpec}, the Hadoop
 * configuration, the Beam arguments and the audit settings. No Beam here: the transform and the launcher read this model.
 */
package io.sluice.pipeline.config;
