package io.sluice.log;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.junit.jupiter.api.Test;

class TopicConfigDocsTest {
    @Test
    void everyKeyTheLogActsOnIsDocumentedWithItsDefault() {
        for (Map.Entry<String, String> d : TopicConfig.defaultValues().entrySet()) {
            TopicConfigDocs.Key key = TopicConfigDocs.of(d.getKey()).orElseThrow(() -> new AssertionError("no docs for " + d.getKey()));
            assertThat(key.defaultValue()).as("documented default of %s", d.getKey()).isEqualTo(d.getValue());
            assertThat(key.passive()).as("%s is acted on", d.getKey()).isFalse();
        }
    }

    @Test
    void everyDocumentedKeyIsAcceptedWithItsDefaultValue() {
        for (TopicConfigDocs.Key key : TopicConfigDocs.all().values()) {
            assertThat(TopicConfig.isKnownKey(key.name())).as("%s is a known topic config", key.name()).isTrue();
            assertThat(key.doc()).as("documentation of %s", key.name()).isNotBlank();
            TopicConfig config = TopicConfig.of(Map.of(key.name(), key.defaultValue()));
            assertThat(config.overrides()).containsEntry(key.name(), key.defaultValue());
            assertThat(TopicConfigDocs.checkPassiveValue(key.name(), key.defaultValue()))
                    .as("check of the default of %s", key.name()).isEmpty();
        }
    }

    @Test
    void passiveValuesOfTheWrongTypeAreRefusedWithTheKeyNamed() {
        assertThat(TopicConfigDocs.checkPassiveValue("min.insync.replicas", "two")).hasValueSatisfying(
                why -> assertThat(why).contains("min.insync.replicas", "two"));
        assertThat(TopicConfigDocs.checkPassiveValue("preallocate", "maybe")).isPresent();
        assertThat(TopicConfigDocs.checkPassiveValue("compression.type", "brotli")).isPresent();
        assertThat(TopicConfigDocs.checkPassiveValue("compression.type", "zstd")).isEmpty();
        assertThat(TopicConfigDocs.checkPassiveValue("max.compaction.lag.ms", " 1000 ")).isEmpty();
        assertThat(TopicConfigDocs.checkPassiveValue(TopicConfig.RETENTION_MS, "soon")).as("keys the log checks itself").isEmpty();
    }
}
