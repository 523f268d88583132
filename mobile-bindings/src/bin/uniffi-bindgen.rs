//! The uniffi bindgen, built from the same uniffi as the library so the
//! generated Kotlin, Swift and Python always match it. Used by
//! `scripts/generate-bindings.sh`.

fn main() {
    uniffi::uniffi_bindgen_main()
}
