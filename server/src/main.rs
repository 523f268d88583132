//! Stairwell server: placeholder until the sync issue lands.
fn main() {
    println!("stairwell {}", env!("CARGO_PKG_VERSION"));
}
