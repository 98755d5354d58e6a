package io.sluice.pipeline.config;

/**
 * A pipeline definition that cannot be used: bad YAML, an unknown key, a missing or invalid value. The
 * message names where the definition came from, the key path (such as
 * {@code tables.clicks.partitioning}), the line when the YAML parser reported one, the value and what was
 * expected.
 */
public final class PipelineConfigException extends RuntimeException {
    private static final long serialVersionUID = 1L;

    private final String origin;
    private final String keyPath;

    PipelineConfigException(String origin, String keyPath, int line, String problem) {
        super(origin + (line > 0 ? ", line " + line : "") + ": " + (keyPath.isEmpty() ? "" : keyPath + ": ") + problem);
        this.origin = origin;
        this.keyPath = keyPath;
    }

    PipelineConfigException(String origin, String keyPath, String problem) {
        this(origin, keyPath, -1, problem);
    }

    /** The file the definition was read from (with " + overrides" when overrides were applied), or a label. */
    public String origin() {
        return origin;
    }

    /** The dotted path of the offending key ({@code source.topics}), or "" for the document as a whole. */
    public String keyPath() {
        return keyPath;
    }
}
