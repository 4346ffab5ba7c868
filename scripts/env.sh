# Shared by ./uffd4j and ./run-tests (sourced, not run): finds a JDK >= 25 and Maven, and builds the
# command-line tool when its sources are newer than the built jars.
#
# Honoured: JAVA_HOME (used if it is a JDK >= 25), UFFD4J_JDK_DIRS (where else to look for JDKs),
# MAVEN_OPTS (left alone if set), UFFD4J_JAVA_OPTS (extra options for the java that runs ./uffd4j).

UFFD4J_MIN_JAVA=25
UFFD4J_ROOT="$(cd "$(dirname "$(readlink -f "${BASH_SOURCE[0]}")")/.." && pwd)"

uffd4j_die() {
    printf '%s\n' "$@" >&2
    exit 1
}

# The feature release of a java binary ("25" for 25.0.3, "8" for 1.8.0_402), or nothing.
uffd4j_java_major() {
    local java="$1" line version
    [ -x "$java" ] || return 0
    line="$("$java" -version 2>&1 | grep -m1 -E 'version "' || true)"
    version="${line#*version \"}"
    version="${version%%\"*}"
    case "$version" in
        1.*) version="${version#1.}" ;;
    esac
    version="${version%%[.+-]*}"
    case "$version" in
        ''|*[!0-9]*) return 0 ;;
    esac
    printf '%s\n' "$version"
}

# A JDK (not just a JRE: Maven needs javac) of at least UFFD4J_MIN_JAVA at $1?
uffd4j_is_good_jdk() {
    local home="$1" major
    [ -n "$home" ] && [ -x "$home/bin/java" ] && [ -x "$home/bin/javac" ] || return 1
    major="$(uffd4j_java_major "$home/bin/java")"
    [ -n "$major" ] && [ "$major" -ge "$UFFD4J_MIN_JAVA" ]
}

# Sets JAVA_HOME: $JAVA_HOME if it is good enough, else the newest good JDK among the usual places,
# else the java on PATH. Explains what is missing otherwise.
uffd4j_find_jdk() {
    if uffd4j_is_good_jdk "${JAVA_HOME:-}"; then
        export JAVA_HOME
        return 0
    fi
    local best="" best_major=0 home major seen="" dir
    for home in $(for dir in ${UFFD4J_JDK_DIRS:-/usr/lib/jvm /opt/java /usr/java /usr/local/java}; do
                      ls -d "$dir"/*/ 2>/dev/null; done); do
        home="${home%/}"
        [ -x "$home/bin/java" ] || continue
        major="$(uffd4j_java_major "$home/bin/java")"
        seen="$seen    $home (Java ${major:-?})"$'\n'
        if [ -n "$major" ] && [ "$major" -gt "$best_major" ] && uffd4j_is_good_jdk "$home"; then
            best="$home"
            best_major="$major"
        fi
    done
    if [ -z "$best" ] && command -v java >/dev/null 2>&1; then
        home="$(dirname "$(dirname "$(readlink -f "$(command -v java)")")")"
        if uffd4j_is_good_jdk "$home"; then
            best="$home"
        else
            seen="$seen    $home (java on PATH, Java $(uffd4j_java_major "$home/bin/java"))"$'\n'
        fi
    fi
    if [ -z "$best" ]; then
        local jh="unset"
        [ -n "${JAVA_HOME:-}" ] && jh="$JAVA_HOME (Java $(uffd4j_java_major "$JAVA_HOME/bin/java"))"
        uffd4j_die "uffd4j needs a JDK $UFFD4J_MIN_JAVA or newer (the FFM API), and none was found." \
            "  JAVA_HOME: $jh" \
            "  looked in ${UFFD4J_JDK_DIRS:-/usr/lib/jvm /opt/java /usr/java /usr/local/java} and PATH; found:" \
            "${seen:-    nothing}" \
            "Install a JDK $UFFD4J_MIN_JAVA, for example Eclipse Temurin $UFFD4J_MIN_JAVA:" \
            "  Debian/Ubuntu: add the Adoptium apt repository (see adoptium.net/installation/linux), then" \
            "                 sudo apt-get install temurin-$UFFD4J_MIN_JAVA-jdk" \
            "  elsewhere:     download it from adoptium.net and point JAVA_HOME at it." \
            "Then run this command again; it finds JDKs under /usr/lib/jvm by itself."
    fi
    export JAVA_HOME="$best"
}

# Sets MVN to a Maven executable, or explains how to get one.
uffd4j_find_maven() {
    if [ -x "$UFFD4J_ROOT/mvnw" ]; then
        MVN="$UFFD4J_ROOT/mvnw"
    elif command -v mvn >/dev/null 2>&1; then
        MVN="$(command -v mvn)"
    elif [ -n "${MAVEN_HOME:-}" ] && [ -x "$MAVEN_HOME/bin/mvn" ]; then
        MVN="$MAVEN_HOME/bin/mvn"
    elif [ -n "${M2_HOME:-}" ] && [ -x "$M2_HOME/bin/mvn" ]; then
        MVN="$M2_HOME/bin/mvn"
    else
        uffd4j_die "uffd4j builds with Maven (3.8 or newer), and no 'mvn' was found on PATH, in MAVEN_HOME or M2_HOME." \
            "Install it:  Debian/Ubuntu: sudo apt-get install maven    Fedora: sudo dnf install maven" \
            "             elsewhere: maven.apache.org/download.cgi, then put its bin/ on PATH."
    fi
}

# JDK, Maven, and Maven's JVM options unless the user chose MAVEN_OPTS: Maven 3's bundled libraries
# use sun.misc.Unsafe, which JDK 25 warns about on every run (allow it quietly), and its console
# library prints stray colour resets even in quiet batch mode (jansi.noreset).
uffd4j_setup() {
    uffd4j_find_jdk
    uffd4j_find_maven
    export PATH="$JAVA_HOME/bin:$PATH"
    if [ -z "${MAVEN_OPTS+set}" ]; then
        export MAVEN_OPTS="--sun-misc-unsafe-memory-access=allow -Djansi.noreset=true"
    fi
}

UFFD4J_STATE="$UFFD4J_ROOT/.uffd4j"
UFFD4J_CLI_TARGET="$UFFD4J_ROOT/uffd4j-cli/target"
UFFD4J_STAMP="$UFFD4J_STATE/cli-build.stamp"

# Whether the CLI jars are missing or older than any source, resource or pom.
uffd4j_cli_stale() {
    [ -f "$UFFD4J_STAMP" ] || return 0
    [ -n "$(uffd4j_cli_jar)" ] || return 0
    [ -d "$UFFD4J_CLI_TARGET/lib" ] || return 0
    local newer
    newer="$(find "$UFFD4J_ROOT/pom.xml" "$UFFD4J_ROOT"/*/pom.xml "$UFFD4J_ROOT"/*/src/main \
        -newer "$UFFD4J_STAMP" -print -quit 2>/dev/null || true)"
    [ -n "$newer" ]
}

uffd4j_cli_jar() {
    local jar
    for jar in "$UFFD4J_CLI_TARGET"/uffd4j-cli-*.jar; do
        case "$jar" in
            *-tests.jar|*-sources.jar|*-javadoc.jar) ;;
            *) [ -f "$jar" ] && { printf '%s\n' "$jar"; return 0; } ;;
        esac
    done
}

# Builds the CLI and what it needs (no tests) when stale; one build at a time.
uffd4j_build_cli() {
    mkdir -p "$UFFD4J_STATE"
    (
        if command -v flock >/dev/null 2>&1; then
            exec 9>"$UFFD4J_STATE/build.lock"
            flock 9
        fi
        uffd4j_cli_stale || exit 0
        echo "uffd4j: building (first run, or sources changed) with $("$JAVA_HOME/bin/java" -version 2>&1 | head -1)..." >&2
        local started
        started="$(mktemp "$UFFD4J_STATE/build.XXXXXX")"
        # lib/ is rebuilt whole, so that no jar of an older dependency version is left on the module path.
        rm -rf "$UFFD4J_CLI_TARGET/lib"
        if ! (cd "$UFFD4J_ROOT" && "$MVN" -q -B -DskipTests -pl uffd4j-cli -am package); then
            rm -f "$started"
            uffd4j_die "uffd4j: the build failed (output above)."
        fi
        # The stamp carries the time the build started: sources edited during the build count as newer.
        mv "$started" "$UFFD4J_STAMP"
    ) || exit 1
}
