#!/usr/bin/env bash
# Runs a uffd4j benchmark harness standalone (the CLI's `./uffd4j bench ...` does the same).
#   uffd4j-bench/bench.sh faults [--quick] [--runs N] [--faults N] [--ops copy,wp] [--strategies block] [--out DIR]
# Builds the reactor (no install), then runs the harness in module mode with native access granted
# only to io.uffd4j.core.
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
: "${JAVA_HOME:=/usr/lib/jvm/temurin-25-jdk-amd64}"
export JAVA_HOME
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
bench="${1:-}"
[ -n "$bench" ] || { echo "usage: $0 faults [options]   (see: $0 faults --help)" >&2; exit 64; }
shift
case "$bench" in
  faults) main=io.uffd4j.bench.faults.FaultBenchCommand ;;
  *) echo "unknown benchmark: $bench (known: faults)" >&2; exit 64 ;;
esac
(cd "$root" && mvn -q -B -pl uffd4j-bench -am package -DskipTests \
    dependency:build-classpath -Dmdep.outputFile=target/bench-classpath.txt -Dmdep.includeScope=runtime >&2)
mp="$here/target/classes:$(cat "$here/target/bench-classpath.txt")"
exec "$JAVA_HOME/bin/java" -Djava.awt.headless=true --enable-native-access=io.uffd4j.core \
    --illegal-native-access=deny -XX:+UseG1GC -Xms256m -Xmx1g \
    --module-path "$mp" -m "io.uffd4j.bench/$main" "$@"
