package io.uffd4j.probe;

import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The major.minor part of a kernel release string such as {@code 6.18.44-fc-v669}. An unparsable
 * release gives {@link #UNKNOWN}, which {@link #atLeast} treats as new enough (the probe then relies
 * on what the kernel actually did, not on version arithmetic).
 */
public record KernelVersion(int major, int minor) implements Comparable<KernelVersion> {
    public static final KernelVersion UNKNOWN = new KernelVersion(0, 0);
    private static final Pattern PREFIX = Pattern.compile("^(\\d+)\\.(\\d+)");

    public static KernelVersion parse(String release) {
        if (release == null) {
            return UNKNOWN;
        }
        Matcher m = PREFIX.matcher(release.trim());
        if (!m.find()) {
            return UNKNOWN;
        }
        try {
            return new KernelVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
        } catch (NumberFormatException e) {
            return UNKNOWN;
        }
    }

    public boolean known() {
        return !equals(UNKNOWN);
    }

    /** Whether this version is {@code version} ("6.1") or newer; true when this version is unknown. */
    public boolean atLeast(String version) {
        return !known() || compareTo(parse(version)) >= 0;
    }

    @Override
    public int compareTo(KernelVersion o) {
        return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
    }

    @Override
    public String toString() {
        return known() ? major + "." + minor : "unknown";
    }
}
