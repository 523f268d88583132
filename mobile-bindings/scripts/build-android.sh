#!/usr/bin/env bash
# Builds stairwell-mobile for Android with cargo-ndk and lays out what an
# Android app module needs:
#
#   mobile-bindings/build/android/jniLibs/{arm64-v8a,armeabi-v7a,x86_64}/libstairwell_mobile.so
#   mobile-bindings/build/android/kotlin/app/stairwell/core/stairwell_mobile.kt
#
# Copy (or point Gradle at) jniLibs as src/main/jniLibs and kotlin as a
# source directory, and add JNA: implementation("net.java.dev.jna:jna:5.14.0@aar").
#
# Needs the Android NDK (ANDROID_NDK_HOME, or ANDROID_HOME/ndk/<version>)
# and installs cargo-ndk and the Rust targets if missing. Environment:
#   ANDROID_PLATFORM  the minimum API level (default 24)
#   PROFILE           release (default) or debug
#
# --link-builtins links the NDK's libclang_rt.builtins: the bundled SQLite
# needs its long-double helpers (__extenddftf2...) on x86_64, which recent
# NDKs no longer bring through libgcc.
set -euo pipefail

here="$(cd "$(dirname "$0")/.." && pwd)"
root="$(cd "$here/.." && pwd)"
platform="${ANDROID_PLATFORM:-24}"
profile="${PROFILE:-release}"
out="$here/build/android"

abis=(arm64-v8a armeabi-v7a x86_64)
rust_targets=(aarch64-linux-android armv7-linux-androideabi x86_64-linux-android)

if [[ -z "${ANDROID_NDK_HOME:-}${ANDROID_NDK_ROOT:-}${ANDROID_HOME:-}${ANDROID_SDK_ROOT:-}" ]]; then
  echo "error: set ANDROID_NDK_HOME to the Android NDK (or ANDROID_HOME to an SDK with ndk/)" >&2
  exit 1
fi
if ! cargo ndk --version >/dev/null 2>&1; then
  cargo install cargo-ndk --locked
fi
rustup target add "${rust_targets[@]}"

case "$profile" in
  release) profile_flag=(--release) ;;
  debug) profile_flag=() ;;
  *)
    echo "error: PROFILE must be release or debug" >&2
    exit 2
    ;;
esac

target_flags=()
for abi in "${abis[@]}"; do
  target_flags+=(-t "$abi")
done

rm -rf "$out"
mkdir -p "$out/jniLibs"
cd "$root"
cargo ndk "${target_flags[@]}" --platform "$platform" --link-builtins \
  -o "$out/jniLibs" \
  build -p stairwell-mobile --lib "${profile_flag[@]}"

# The Kotlin is the same for every ABI: generate it from the host build.
"$here/scripts/generate-bindings.sh" "--$profile"
mkdir -p "$out/kotlin"
cp -R "$here/generated/kotlin/." "$out/kotlin/"

for abi in "${abis[@]}"; do
  if [[ ! -s "$out/jniLibs/$abi/libstairwell_mobile.so" ]]; then
    echo "error: no library for $abi" >&2
    exit 1
  fi
done
echo "Android libraries in $out/jniLibs, Kotlin sources in $out/kotlin"
