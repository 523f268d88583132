//! Fuzzing the blob upload of a real server process: sequences of `PUT
//! /v1/blobs/{hash}?offset=N` with `Blob-Length` where the hash, the
//! offset, the declared length and the chunk are each right, wrong, absent
//! or garbage, from two devices of one estate, interleaved with honest
//! uploads. Every answer must be a 2xx or a 4xx (never a 5xx, never a
//! dropped connection), and after every step no blob is readable, by
//! either device, whose bytes do not hash to its name.
//!
//! Short by default (64 cases of up to 8 steps); `PROPTEST_CASES=2000` runs
//! longer. A crash found becomes a named regression test below.

mod common;

use common::runner;
use proptest::prelude::*;
use stairwell_core::record::Role;
use stairwell_core::store::blob_hash;
use stairwell_core::sync::blobs::{BLOB_CONTENT_TYPE, BLOB_LENGTH_HEADER};
use stairwell_tests::Site;
use stairwell_tests::server::ESTATE;

/// The blobs the uploads aim at: a few bytes, and a few chunks' worth.
fn known_blobs() -> Vec<Vec<u8>> {
    vec![
        b"signature: Li".to_vec(),
        (0..6000_u32).map(|i| (i * 7 % 251) as u8).collect(),
    ]
}

#[derive(Debug, Clone)]
enum HashPick {
    Known(usize),
    /// 64 hex digits naming nothing anyone uploads.
    Random(String),
    /// Not a hash at all.
    Garbage(String),
}

#[derive(Debug, Clone)]
enum OffsetPick {
    Absent,
    Zero,
    /// Where the chunk of an honest upload would start now (half-way).
    Half,
    End,
    Number(u64),
    Garbage(String),
}

#[derive(Debug, Clone)]
enum LengthPick {
    Right,
    Absent,
    OffBy(i8),
    Number(u64),
    Garbage(String),
}

#[derive(Debug, Clone)]
enum BodyPick {
    /// The blob's bytes from the offset on (or to its half).
    Right {
        to_half: bool,
    },
    /// The right bytes with one flipped.
    Flipped(prop::sample::Index),
    Random(Vec<u8>),
    Empty,
    /// The right bytes and some more.
    TooLong(Vec<u8>),
}

#[derive(Debug, Clone)]
struct Step {
    device: bool,
    hash: HashPick,
    offset: OffsetPick,
    length: LengthPick,
    body: BodyPick,
}

fn step() -> impl Strategy<Value = Step> {
    let hash = prop_oneof![
        6 => (0..2_usize).prop_map(HashPick::Known),
        1 => "[0-9a-f]{64}".prop_map(HashPick::Random),
        1 => "[A-Za-z0-9_-]{0,80}".prop_map(HashPick::Garbage),
    ];
    let offset = prop_oneof![
        1 => Just(OffsetPick::Absent),
        3 => Just(OffsetPick::Zero),
        3 => Just(OffsetPick::Half),
        1 => Just(OffsetPick::End),
        1 => any::<u64>().prop_map(OffsetPick::Number),
        1 => "[a-z0-9+-]{1,12}".prop_map(OffsetPick::Garbage),
    ];
    let length = prop_oneof![
        6 => Just(LengthPick::Right),
        1 => Just(LengthPick::Absent),
        1 => (-3..=3_i8).prop_map(LengthPick::OffBy),
        1 => any::<u64>().prop_map(LengthPick::Number),
        1 => "[a-z0-9 .-]{0,12}".prop_map(LengthPick::Garbage),
    ];
    let body = prop_oneof![
        4 => any::<bool>().prop_map(|to_half| BodyPick::Right { to_half }),
        2 => any::<prop::sample::Index>().prop_map(BodyPick::Flipped),
        1 => proptest::collection::vec(any::<u8>(), 0..300).prop_map(BodyPick::Random),
        1 => Just(BodyPick::Empty),
        1 => proptest::collection::vec(any::<u8>(), 1..20).prop_map(BodyPick::TooLong),
    ];
    (any::<bool>(), hash, offset, length, body).prop_map(|(device, hash, offset, length, body)| {
        Step {
            device,
            hash,
            offset,
            length,
            body,
        }
    })
}

/// A PUT or GET against the server; the status and the body.
fn send(
    agent: &ureq::Agent,
    method: &str,
    url: &str,
    token: &str,
    length: Option<String>,
    body: &[u8],
) -> (u16, Vec<u8>) {
    let answered = if method == "PUT" {
        let mut request = agent
            .put(url)
            .header("Authorization", &format!("Bearer {token}"))
            .content_type(BLOB_CONTENT_TYPE);
        if let Some(length) = length {
            request = request.header(BLOB_LENGTH_HEADER, &length);
        }
        request.send(body)
    } else {
        agent
            .get(url)
            .header("Authorization", &format!("Bearer {token}"))
            .call()
    };
    let mut response = answered.unwrap_or_else(|err| panic!("{method} {url}: {err}"));
    let status = response.status().as_u16();
    let bytes = response
        .body_mut()
        .with_config()
        .limit(64 << 20)
        .read_to_vec()
        .expect("read the answer");
    (status, bytes)
}

#[test]
fn blob_uploads_answer_2xx_or_4xx_and_never_serve_bytes_that_miss_their_hash() {
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("he", Role::FrontDesk, &[ESTATE]);
    let tokens = [site.issue("lin").token, site.issue("he").token];
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .into();
    let blobs = known_blobs();
    let base = site.url().to_owned();
    let known: Vec<String> = blobs
        .iter()
        .map(|blob| blob_hash(blob).to_string())
        .collect();

    runner(64)
        .run(&proptest::collection::vec(step(), 1..8), |steps| {
            // The hashes this case aimed at, to check after it: the known
            // blobs (whose uploads build up across cases) and its own.
            let mut aimed = known.clone();
            for step in steps {
                let token = &tokens[usize::from(step.device)];
                let (hash, bytes): (String, &[u8]) = match &step.hash {
                    HashPick::Known(i) => (blob_hash(&blobs[*i]).to_string(), &blobs[*i]),
                    HashPick::Random(hash) => (hash.clone(), &blobs[0]),
                    HashPick::Garbage(text) => (text.clone(), &blobs[1]),
                };
                if matches!(step.hash, HashPick::Random(_)) && !aimed.contains(&hash) {
                    aimed.push(hash.clone());
                }
                let len = bytes.len() as u64;
                let offset = match &step.offset {
                    OffsetPick::Absent | OffsetPick::Zero => 0,
                    OffsetPick::Half => len / 2,
                    OffsetPick::End => len,
                    OffsetPick::Number(n) => *n,
                    OffsetPick::Garbage(_) => 0,
                };
                let query = match &step.offset {
                    OffsetPick::Absent => String::new(),
                    OffsetPick::Garbage(text) => format!("?offset={text}"),
                    _ => format!("?offset={offset}"),
                };
                let length = match &step.length {
                    LengthPick::Right => Some(len.to_string()),
                    LengthPick::Absent => None,
                    LengthPick::OffBy(d) => {
                        Some(len.saturating_add_signed(i64::from(*d)).to_string())
                    }
                    LengthPick::Number(n) => Some(n.to_string()),
                    LengthPick::Garbage(text) => Some(text.clone()),
                };
                let from = usize::try_from(offset.min(len)).expect("small");
                let right = &bytes[from..];
                let body: Vec<u8> = match &step.body {
                    BodyPick::Right { to_half } if *to_half => right[..right.len() / 2].to_vec(),
                    BodyPick::Right { .. } => right.to_vec(),
                    BodyPick::Flipped(i) if !right.is_empty() => {
                        let mut flipped = right.to_vec();
                        let at = i.index(flipped.len());
                        flipped[at] ^= 0x20;
                        flipped
                    }
                    BodyPick::Flipped(_) | BodyPick::Empty => Vec::new(),
                    BodyPick::Random(random) => random.clone(),
                    BodyPick::TooLong(extra) => [right, extra.as_slice()].concat(),
                };
                let url = format!("{base}/v1/blobs/{hash}{query}");
                let (status, answer) = send(&agent, "PUT", &url, token, length, &body);
                prop_assert!(
                    (200..300).contains(&status) || (400..500).contains(&status),
                    "PUT {url} answered {status}: {}",
                    String::from_utf8_lossy(&answer)
                );
            }
            // Nothing readable is anything but the bytes its name says.
            for hash in &aimed {
                for token in &tokens {
                    let url = format!("{base}/v1/blobs/{hash}");
                    let (status, bytes) = send(&agent, "GET", &url, token, None, &[]);
                    prop_assert!(status == 200 || status == 404, "GET {hash}: {status}");
                    if status == 200 {
                        prop_assert_eq!(
                            blob_hash(&bytes).to_string(),
                            hash.clone(),
                            "a readable blob whose bytes do not hash to its name"
                        );
                    }
                }
            }
            Ok(())
        })
        .expect("blob uploads stay 2xx/4xx and honest");

    // The server still takes an honest upload, from scratch, and serves it.
    let blob = b"after the fuzzing: a fresh photo".to_vec();
    let hash = blob_hash(&blob).to_string();
    let url = format!("{base}/v1/blobs/{hash}?offset=0");
    let (status, _) = send(
        &agent,
        "PUT",
        &url,
        &tokens[0],
        Some(blob.len().to_string()),
        &blob,
    );
    assert_eq!(status, 201);
    let (status, bytes) = send(
        &agent,
        "GET",
        &format!("{base}/v1/blobs/{hash}"),
        &tokens[1],
        None,
        &[],
    );
    assert_eq!((status, bytes), (200, blob));
}
