//! What the fuzz harnesses share: a proptest runner whose case count
//! `PROPTEST_CASES` overrides, and mutations of valid encodings (flipped,
//! set, inserted and removed bytes, truncation).
#![allow(dead_code)]

use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

pub fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(default)
}

pub fn runner(default: u32) -> TestRunner {
    TestRunner::new(Config {
        cases: cases(default),
        failure_persistence: None,
        ..Config::default()
    })
}

/// One edit of an encoded message.
#[derive(Debug, Clone)]
pub enum Mutation {
    Flip(prop::sample::Index, u8),
    Set(prop::sample::Index, u8),
    Insert(prop::sample::Index, Vec<u8>),
    Remove(prop::sample::Index, usize),
    Truncate(prop::sample::Index),
}

pub fn mutation_strategy() -> impl Strategy<Value = Mutation> {
    prop_oneof![
        (any::<prop::sample::Index>(), 1..=255_u8).prop_map(|(i, x)| Mutation::Flip(i, x)),
        (any::<prop::sample::Index>(), any::<u8>()).prop_map(|(i, x)| Mutation::Set(i, x)),
        (
            any::<prop::sample::Index>(),
            proptest::collection::vec(any::<u8>(), 1..12)
        )
            .prop_map(|(i, bytes)| Mutation::Insert(i, bytes)),
        (any::<prop::sample::Index>(), 1..16_usize).prop_map(|(i, n)| Mutation::Remove(i, n)),
        any::<prop::sample::Index>().prop_map(Mutation::Truncate),
    ]
}

/// Applies mutations to a copy of `bytes`.
pub fn mutate(bytes: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut out = bytes.to_vec();
    for mutation in mutations {
        if out.is_empty() {
            break;
        }
        match mutation {
            Mutation::Flip(i, x) => {
                let at = i.index(out.len());
                out[at] ^= x;
            }
            Mutation::Set(i, x) => {
                let at = i.index(out.len());
                out[at] = *x;
            }
            Mutation::Insert(i, extra) => {
                let at = i.index(out.len() + 1);
                out.splice(at..at, extra.iter().copied());
            }
            Mutation::Remove(i, n) => {
                let at = i.index(out.len());
                let end = (at + n).min(out.len());
                out.drain(at..end);
            }
            Mutation::Truncate(i) => {
                let at = i.index(out.len());
                out.truncate(at);
            }
        }
    }
    out
}
