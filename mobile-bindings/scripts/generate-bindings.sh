#!/usr/bin/env bash
# Builds the stairwell-mobile library for this machine and generates its
# Kotlin, Swift and Python bindings from it (uniffi "library mode": the
# bindings are read from the metadata compiled into the library, so they
# always match it), into mobile-bindings/generated/{kotlin,swift,python}.
#
#   scripts/generate-bindings.sh            # debug build
#   scripts/generate-bindings.sh --release  # release build
#
# The generator is this workspace's own `uniffi-bindgen` binary
# (src/bin/uniffi-bindgen.rs), built from the very uniffi the library uses.
# Honours CARGO_TARGET_DIR. The Python module loads the library from its own
# directory, so the library is copied beside it; Kotlin (JNA) finds it
# through -Djna.library.path or the app's jniLibs, Swift through the
# XCFramework (scripts/build-ios.sh).
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"

profile=debug
profile_flag=()
case "${1:-}" in
  "" | --debug) ;;
  --release)
    profile=release
    profile_flag=(--release)
    ;;
  *)
    echo "usage: $0 [--debug|--release]" >&2
    exit 2
    ;;
esac

target_dir="${CARGO_TARGET_DIR:-$root/target}"
case "$(uname -s)" in
  Darwin) lib_file=libstairwell_mobile.dylib ;;
  *) lib_file=libstairwell_mobile.so ;;
esac

cd "$root"
echo "== building uniffi-bindgen"
cargo build --quiet -p stairwell-mobile --features cli --bin uniffi-bindgen
echo "== building the $profile library"
cargo build --quiet -p stairwell-mobile --lib "${profile_flag[@]}"

library="$target_dir/$profile/$lib_file"
bindgen="$target_dir/debug/uniffi-bindgen"
out="$here/generated"
if [[ ! -f "$library" ]]; then
  echo "error: $library was not built" >&2
  exit 1
fi

rm -rf "$out/kotlin" "$out/swift" "$out/python"
for language in kotlin swift python; do
  echo "== generating $language"
  # --no-format: ktlint and swift-format are not needed to use the output.
  "$bindgen" generate "$library" --language "$language" --out-dir "$out/$language" --no-format \
    >/dev/null
done
cp "$library" "$out/python/"

kotlin_file="$out/kotlin/app/stairwell/core/stairwell_mobile.kt"
swift_files=(
  "$out/swift/StairwellCore.swift"
  "$out/swift/StairwellCoreFFI.h"
  "$out/swift/StairwellCoreFFI.modulemap"
)
missing=0
for file in "$kotlin_file" "$out/python/stairwell_mobile.py" "${swift_files[@]}"; do
  if [[ ! -s "$file" ]]; then
    echo "error: $file was not generated" >&2
    missing=1
  fi
done
if [[ "$missing" -ne 0 ]]; then
  exit 1
fi
echo "bindings in $out: kotlin (package app.stairwell.core), swift (module StairwellCore), python"
