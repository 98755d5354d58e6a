package io.sluice.pipeline.internals;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;

/** Hadoop's {@link Configuration} is not serializable, so pipelines carry its overrides as a map of strings. */
public final class HadoopConf {
    private HadoopConf() {}

    public static Configuration of(Map<String, String> overrides) {
        Configuration conf = new Configuration();
        overrides.forEach(conf::set);
        return conf;
    }
}
