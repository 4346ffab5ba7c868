#!/usr/bin/env bash
# Runs the concurrent-compaction benchmark (one command): builds the module and its dependencies with the
# reactor (no install), then runs io.uffd4j.compact.bench.CompactBenchMain in module mode.
#   uffd4j-compact/bench.sh [--quick] [--out DIR] [--size 512m] [--runs N] [--strategies COPY,MOVE,...]
# The CLI exposes the same command as: ./uffd4j bench compact ...
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"
export JAVA_HOME="${JAVA_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}"
export MAVEN_OPTS="${MAVEN_OPTS:---sun-misc-unsafe-memory-access=allow}"
mvn -q -B -pl uffd4j-compact -am package -DskipTests dependency:build-classpath \
    -Dmdep.outputFile=target/classpath.txt -Dmdep.includeScope=runtime
mp="uffd4j-compact/target/classes:$(cat uffd4j-compact/target/classpath.txt)"
exec "$JAVA_HOME/bin/java" --enable-native-access=io.uffd4j.core -Xmx2g -XX:+UseG1GC \
    --module-path "$mp" -m io.uffd4j.compact/io.uffd4j.compact.bench.CompactBenchMain "$@"
