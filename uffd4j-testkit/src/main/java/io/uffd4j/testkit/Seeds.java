package io.uffd4j.testkit;

/**
 * The one seed of randomized tests: {@code -Duffd4j.seed=N} replays a run, otherwise each run draws a
 * new one. The seed is printed when drawn (surefire keeps a failed test's output), and failure messages
 * carry {@link #rerun(long)}.
 *
 * <p>Not a JUnit extension: surefire opens only the packages that hold tests to JUnit on the module path.
 */
public final class Seeds {
    public static final String PROPERTY = "uffd4j.seed";

    private Seeds() {}

    /** The seed for {@code what}: the property's value, or a new one; printed either way. */
    public static long seed(String what) {
        Long fixed = Long.getLong(PROPERTY);
        long seed = fixed != null ? fixed : System.nanoTime() * 0x9E3779B97F4A7C15L;
        System.out.println(what + " " + rerun(seed));
        return seed;
    }

    /** "seed=N (rerun with -Duffd4j.seed=N)", for failure messages. */
    public static String rerun(long seed) {
        return "seed=" + seed + " (rerun with -D" + PROPERTY + "=" + seed + ")";
    }
}
