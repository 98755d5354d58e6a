package io.sluice.pipeline.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ConfigValuesTest {
    @Test
    void parsesDurationsWithUnitsAndIso8601() {
        assertThat(ConfigValues.parseDuration("500ms")).isEqualTo(Duration.ofMillis(500));
        assertThat(ConfigValues.parseDuration("10s")).isEqualTo(Duration.ofSeconds(10));
        assertThat(ConfigValues.parseDuration("5m")).isEqualTo(Duration.ofMinutes(5));
        assertThat(ConfigValues.parseDuration("1h")).isEqualTo(Duration.ofHours(1));
        assertThat(ConfigValues.parseDuration("2d")).isEqualTo(Duration.ofDays(2));
        assertThat(ConfigValues.parseDuration(" 30 s ")).isEqualTo(Duration.ofSeconds(30));
        assertThat(ConfigValues.parseDuration("0")).isEqualTo(Duration.ZERO);
        assertThat(ConfigValues.parseDuration("PT1M30S")).isEqualTo(Duration.ofSeconds(90));
        assertThat(ConfigValues.parseDuration("pt2h")).isEqualTo(Duration.ofHours(2));
    }

    @Test
    void refusesDurationsWithoutUnitNegativeOrUnknown() {
        for (String bad : new String[] {"10", "-5s", "5 minutes", "1.5h", "PT-1S", "P", "ten s", "", "99999999999999999999s"}) {
            assertThatThrownBy(() -> ConfigValues.parseDuration(bad)).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
        assertThatThrownBy(() -> ConfigValues.parseDuration("10x"))
                .hasMessage("'10x' is not a duration (a whole number with a unit: 500ms, 10s, 5m, 1h, 2d; "
                        + "or ISO-8601 such as PT1M30S)");
    }

    @Test
    void parsesSizesInBinaryAndDecimalUnits() {
        assertThat(ConfigValues.parseSize("1048576")).isEqualTo(1_048_576L);
        assertThat(ConfigValues.parseSize("1_048_576")).isEqualTo(1_048_576L);
        assertThat(ConfigValues.parseSize("512B")).isEqualTo(512L);
        assertThat(ConfigValues.parseSize("128MiB")).isEqualTo(128L << 20);
        assertThat(ConfigValues.parseSize("64MB")).isEqualTo(64_000_000L);
        assertThat(ConfigValues.parseSize("1 GiB")).isEqualTo(1L << 30);
        assertThat(ConfigValues.parseSize("2gb")).isEqualTo(2_000_000_000L);
        assertThat(ConfigValues.parseSize("4KiB")).isEqualTo(4096L);
        assertThat(ConfigValues.parseSize("4KB")).isEqualTo(4000L);
    }

    @Test
    void refusesSizesWithUnknownUnitsFractionsOrOverflow() {
        for (String bad : new String[] {"1.5GiB", "10 MiBs", "-1", "MiB", "10M", "99999999999TiB"}) {
            assertThatThrownBy(() -> ConfigValues.parseSize(bad)).as("'%s'", bad)
                    .isInstanceOf(IllegalArgumentException.class)
                    .hasMessageContaining("'" + bad + "'");
        }
    }

    @Test
    void parsesWholeNumbersInRangeAndBooleans() {
        assertThat(ConfigValues.parseLong("1_000_000", 1, Long.MAX_VALUE)).isEqualTo(1_000_000L);
        assertThatThrownBy(() -> ConfigValues.parseLong("0", 1, 10)).hasMessage("'0' is not a whole number in [1, 10]");
        assertThat(ConfigValues.parseBoolean("FALSE")).isFalse();
        assertThatThrownBy(() -> ConfigValues.parseBoolean("yes")).hasMessage("'yes' is not true or false");
    }
}
