package io.uffd4j.pager.source;

import java.util.Map;

/** A source's configuration as the pager hands it to the source's constructor. */
public record SourceConfig(Map<String, String> values, long regionSize, long pageSize) {
    public SourceConfig {
        values = Map.copyOf(values);
    }

    public String string(String key) {
        String v = values.get(key);
        if (v == null) {
            throw new IllegalArgumentException("source configuration needs '" + key + "' (have " + values.keySet() + ")");
        }
        return v;
    }

    public String string(String key, String fallback) {
        return values.getOrDefault(key, fallback);
    }

    public long longValue(String key, long fallback) {
        String v = values.get(key);
        if (v == null) {
            return fallback;
        }
        try {
            return Long.parseLong(v.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("source configuration '" + key + "' must be an integer, was '" + v + "'");
        }
    }

    public boolean flag(String key) {
        return Boolean.parseBoolean(values.getOrDefault(key, "false"));
    }
}
