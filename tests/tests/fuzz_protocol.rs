//! Fuzzing the protocol decoder: `stairwell_core::protocol::decode`
//! of every message the server and the devices read (`SyncRequest`,
//! `SyncResponse`, the error body, the blob messages) over arbitrary bytes
//! and over valid encodings mutated byte by byte, truncated and spliced.
//! It may refuse anything; it may never panic. Valid messages round-trip.
//!
//! Short by default (256 cases a property); `PROPTEST_CASES=100000` runs
//! longer. A crash found becomes a named regression test below.

mod common;

use common::{mutate, mutation_strategy, runner};
use proptest::prelude::*;
use serde_bytes::ByteBuf;
use stairwell_core::protocol::{
    self, Accepted, ErrorBody, PROTOCOL_VERSION, PulledRecord, PushedRecord, RefusalCode, Refused,
    SyncRequest, SyncResponse,
};
use stairwell_core::sync::blobs::{MissingRequest, MissingResponse, UploadStatus};

/// Decodes `bytes` as every message type; only a panic fails.
fn decode_all(bytes: &[u8]) {
    let _ = protocol::decode::<SyncRequest>(bytes);
    let _ = protocol::decode::<SyncResponse>(bytes);
    let _ = protocol::decode::<ErrorBody>(bytes);
    let _ = protocol::decode::<MissingRequest>(bytes);
    let _ = protocol::decode::<MissingResponse>(bytes);
    let _ = protocol::decode::<UploadStatus>(bytes);
}

fn request_strategy() -> impl Strategy<Value = SyncRequest> {
    (
        any::<u32>(),
        any::<u64>(),
        proptest::collection::vec(
            (".{0,40}", proptest::collection::vec(any::<u8>(), 0..64)),
            0..6,
        ),
        any::<u32>(),
    )
        .prop_map(|(version, cursor, push, max_records)| SyncRequest {
            version,
            cursor,
            push: push
                .into_iter()
                .map(|(id, changes)| PushedRecord {
                    id,
                    changes: ByteBuf::from(changes),
                })
                .collect(),
            max_records,
        })
}

fn response_strategy() -> impl Strategy<Value = SyncResponse> {
    (
        any::<u64>(),
        any::<bool>(),
        proptest::collection::vec(
            (".{0,40}", proptest::collection::vec(any::<u8>(), 0..40)),
            0..4,
        ),
        proptest::collection::vec(".{0,40}", 0..4),
    )
        .prop_map(|(cursor, more, accepted, refused)| SyncResponse {
            version: PROTOCOL_VERSION,
            cursor,
            more,
            accepted: accepted
                .into_iter()
                .map(|(id, head)| Accepted {
                    id,
                    heads: vec![ByteBuf::from(head)],
                })
                .collect(),
            refused: refused
                .into_iter()
                .map(|id| Refused {
                    id,
                    code: RefusalCode::Invalid,
                    message: "no".into(),
                })
                .collect(),
            records: Vec::<PulledRecord>::new(),
        })
}

#[test]
fn decoding_arbitrary_bytes_never_panics() {
    runner(256)
        .run(&proptest::collection::vec(any::<u8>(), 0..2048), |bytes| {
            decode_all(&bytes);
            Ok(())
        })
        .expect("the decoder never panics on arbitrary bytes");
}

#[test]
fn decoding_mutated_requests_never_panics_and_valid_ones_round_trip() {
    let strategy = (
        request_strategy(),
        proptest::collection::vec(mutation_strategy(), 0..6),
    );
    runner(256)
        .run(&strategy, |(request, mutations)| {
            let bytes = protocol::encode(&request);
            let decoded: SyncRequest = protocol::decode(&bytes).expect("a valid request decodes");
            prop_assert_eq!(&decoded, &request);
            decode_all(&mutate(&bytes, &mutations));
            Ok(())
        })
        .expect("the decoder never panics on mutated requests");
}

#[test]
fn decoding_mutated_responses_never_panics() {
    let strategy = (
        response_strategy(),
        proptest::collection::vec(mutation_strategy(), 0..6),
    );
    runner(256)
        .run(&strategy, |(response, mutations)| {
            let bytes = protocol::encode(&response);
            let decoded: SyncResponse = protocol::decode(&bytes).expect("a valid response decodes");
            prop_assert_eq!(&decoded, &response);
            decode_all(&mutate(&bytes, &mutations));
            Ok(())
        })
        .expect("the decoder never panics on mutated responses");
}

/// CBOR headers that announce huge lengths (a byte string, an array, a map
/// of 2^64-1 items) in a few bytes must be refused, not allocated.
#[test]
fn huge_announced_lengths_are_refused_without_allocating() {
    let huge = [0xff_u8; 8];
    for major in [0x5b_u8, 0x7b, 0x9b, 0xbb] {
        let mut bytes = vec![major];
        bytes.extend_from_slice(&huge);
        decode_all(&bytes);
        // Inside a request's push list.
        let mut nested = vec![0xa4, 0x67];
        nested.extend_from_slice(b"version");
        nested.push(0x01);
        nested.push(0x64);
        nested.extend_from_slice(b"push");
        nested.push(major);
        nested.extend_from_slice(&huge);
        decode_all(&nested);
    }
    // Deep nesting: arrays in arrays, far past any sane depth.
    let deep = vec![0x81_u8; 100_000];
    decode_all(&deep);
}
