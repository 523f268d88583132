#!/usr/bin/env bash
# Tests the generated bindings against a real `stairwell serve`:
#   1. builds the server binary and generates the bindings (debug);
#   2. Python: tests/python/test_field_store.py (stdlib unittest; the
#      bindings need only ctypes, so nothing is pip-installed);
#   3. Kotlin: tests/kotlin/FieldStoreTest.kt compiled with kotlinc into a
#      jar with the generated sources, run on the JVM with JNA;
#   4. Swift: checks the generated files exist (Swift cannot be compiled
#      on this machine).
# Installs what it needs when missing: kotlinc (npm package kotlin-compiler,
# into mobile-bindings/.kotlin), JNA (Debian libjna-java), a JDK (Debian
# openjdk-17-jdk-headless). Honours CARGO_TARGET_DIR. Exits non-zero if any
# suite fails, after running them all.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
kotlin_version=2.4.20
kotlinc="$here/.kotlin/node_modules/kotlin-compiler/bin/kotlinc"
jna=/usr/share/java/jna.jar

apt_updated=0
apt_install() {
  if [[ "$apt_updated" -eq 0 ]]; then
    apt-get update -qq
    apt_updated=1
  fi
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >/dev/null
}

echo "== building the server"
(cd "$root" && cargo build --quiet -p stairwell --bin stairwell)
export STAIRWELL_BIN="$target_dir/debug/stairwell"

"$here/scripts/generate-bindings.sh"
generated="$here/generated"

suites_passed=0
suites_failed=0
record() {
  if [[ "$1" -eq 0 ]]; then
    suites_passed=$((suites_passed + 1))
    echo "PASS $2"
  else
    suites_failed=$((suites_failed + 1))
    echo "FAIL $2"
  fi
}

echo "== python"
start=$SECONDS
set +e
STAIRWELL_BINDINGS="$generated/python" python3 -m unittest discover \
  -s "$here/tests/python" -p 'test_*.py' -v
status=$?
set -e
record "$status" "python bindings ($((SECONDS - start)) s)"

echo "== kotlin"
start=$SECONDS
if ! command -v java >/dev/null || ! command -v javac >/dev/null; then
  apt_install openjdk-17-jdk-headless
fi
if [[ ! -f "$jna" ]]; then
  apt_install libjna-java
fi
if [[ ! -x "$kotlinc" ]]; then
  npm install --prefix "$here/.kotlin" --no-audit --no-fund --silent "kotlin-compiler@$kotlin_version"
  chmod +x "$here"/.kotlin/node_modules/kotlin-compiler/bin/*
fi
jar="$target_dir/kotlin-tests/field-store-test.jar"
mkdir -p "$(dirname "$jar")"
set +e
"$kotlinc" -nowarn -cp "$jna" \
  "$generated/kotlin/app/stairwell/core/stairwell_mobile.kt" \
  "$here/tests/kotlin/FieldStoreTest.kt" \
  -include-runtime -d "$jar" &&
  java -cp "$jar:$jna" -Djna.library.path="$target_dir/debug" FieldStoreTestKt
status=$?
set -e
record "$status" "kotlin bindings ($((SECONDS - start)) s)"

echo "== swift"
status=0
for file in StairwellCore.swift StairwellCoreFFI.h StairwellCoreFFI.modulemap; do
  if [[ ! -s "$generated/swift/$file" ]]; then
    echo "missing generated/swift/$file"
    status=1
  fi
done
grep -q "module StairwellCoreFFI" "$generated/swift/StairwellCoreFFI.modulemap" || status=1
grep -q "class FieldStore" "$generated/swift/StairwellCore.swift" || status=1
record "$status" "swift bindings generated (not compiled: no Swift toolchain here)"

echo "bindings: $suites_passed passed, $suites_failed failed"
[[ "$suites_failed" -eq 0 ]]
