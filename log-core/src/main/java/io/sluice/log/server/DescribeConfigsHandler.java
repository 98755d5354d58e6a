package io.sluice.log.server;

import io.sluice.log.LogManager;
import io.sluice.log.TopicDescription;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.apache.kafka.common.config.ConfigResource;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidRequestException;
import org.apache.kafka.common.internals.Topic;
import org.apache.kafka.common.message.DescribeConfigsRequestData;
import org.apache.kafka.common.message.DescribeConfigsRequestData.DescribeConfigsResource;
import org.apache.kafka.common.message.DescribeConfigsResponseData;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResourceResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsResult;
import org.apache.kafka.common.message.DescribeConfigsResponseData.DescribeConfigsSynonym;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.AbstractResponse;
import org.apache.kafka.common.requests.ApiError;
import org.apache.kafka.common.requests.DescribeConfigsRequest;
import org.apache.kafka.common.requests.DescribeConfigsResponse;
import org.apache.kafka.common.requests.DescribeConfigsResponse.ConfigSource;

/**
 * DescribeConfigs: a topic's configs (every key, with source and, on request, synonyms and documentation)
 * and this broker's read-only configs. A BROKER resource is named by this node's id; the empty name is
 * Kafka's cluster-wide dynamic default, of which Sluice has none (an empty list, as Kafka answers when
 * none are set). Other resource types answer INVALID_REQUEST. Errors are per resource.
 */
final class DescribeConfigsHandler implements ApiHandler<DescribeConfigsRequest> {
    private final LogManager log;
    private final Supplier<BrokerIdentity> broker;
    private final ConfigDescriber describer;

    DescribeConfigsHandler(LogManager log, Supplier<BrokerIdentity> broker, ConfigDescriber describer) {
        this.log = log;
        this.broker = broker;
        this.describer = describer;
    }

    @Override
    public CompletableFuture<AbstractResponse> handle(RequestContext context, DescribeConfigsRequest request) {
        DescribeConfigsRequestData data = request.data();
        short version = context.apiVersion();
        DescribeConfigsResponseData response = new DescribeConfigsResponseData().setThrottleTimeMs(0);
        for (DescribeConfigsResource resource : data.resources()) {
            DescribeConfigsResult result = new DescribeConfigsResult().setResourceType(resource.resourceType())
                    .setResourceName(resource.resourceName());
            try {
                List<ConfigDescriber.Entry> entries = entries(resource);
                Set<String> wanted = resource.configurationKeys() == null ? null : new HashSet<>(resource.configurationKeys());
                List<DescribeConfigsResourceResult> configs = new ArrayList<>();
                for (ConfigDescriber.Entry e : entries) {
                    if (wanted == null || wanted.contains(e.name())) {
                        configs.add(toResult(e, version, data.includeSynonyms(), data.includeDocumentation()));
                    }
                }
                result.setErrorCode(Errors.NONE.code()).setErrorMessage(null).setConfigs(configs);
            } catch (ApiException e) {
                ApiError error = ErrorMapping.apiError(e);
                result.setErrorCode(error.error().code()).setErrorMessage(error.message()).setConfigs(new ArrayList<>());
            }
            response.results().add(result);
        }
        return CompletableFuture.completedFuture(new DescribeConfigsResponse(response));
    }

    private List<ConfigDescriber.Entry> entries(DescribeConfigsResource resource) {
        ConfigResource.Type type = ConfigResource.Type.forId(resource.resourceType());
        String name = resource.resourceName();
        switch (type) {
            case TOPIC -> {
                Topic.validate(name);
                TopicDescription t = ConfigAlterations.existingTopic(log, name);
                return describer.topic(t.config().overrides());
            }
            case BROKER -> {
                ConfigAlterations.checkBrokerName(name, broker.get().nodeId(), true);
                return name.isEmpty() ? List.of() : describer.broker();
            }
            case BROKER_LOGGER -> throw new InvalidRequestException("Sluice does not expose broker loggers as configs");
            default -> throw new InvalidRequestException("Unsupported resource type: " + resource.resourceType());
        }
    }

    private static DescribeConfigsResourceResult toResult(ConfigDescriber.Entry e, short version, boolean synonyms,
                                                          boolean documentation) {
        DescribeConfigsResourceResult r = new DescribeConfigsResourceResult().setName(e.name()).setValue(e.value())
                .setReadOnly(e.readOnly()).setIsSensitive(false);
        if (version == 0) {
            r.setIsDefault(e.source() == ConfigSource.DEFAULT_CONFIG);
        } else {
            r.setConfigSource(e.source().id());
        }
        if (synonyms && version >= 1) {
            for (ConfigDescriber.Synonym s : e.synonyms()) {
                r.synonyms().add(new DescribeConfigsSynonym().setName(s.name()).setValue(s.value()).setSource(s.source().id()));
            }
        }
        if (version >= 3) {
            r.setConfigType(e.type().id());
            r.setDocumentation(documentation ? e.doc() : null);
        }
        return r;
    }
}
