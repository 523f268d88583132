//! Fuzzing the sync request handler of a real server process: `POST
//! /v1/sync` with arbitrary bodies, with valid requests mutated at the CBOR
//! level, and with valid requests whose Automerge bytes, record ids and
//! numbers are mutated. Every answer must be a 2xx or 4xx with a body in
//! the protocol's shape (never a 5xx: nothing here makes storage fail, and
//! never a dropped connection), and afterwards the server still serves a
//! valid request, and a device enrolled then pulls and loads everything it
//! stored.
//!
//! Short by default (96 cases a strategy, a few seconds in a debug build);
//! `PROPTEST_CASES=5000` runs longer. A crash found becomes a named
//! regression test below.

mod common;

use std::cell::RefCell;
use std::collections::BTreeMap;

use common::{Mutation, mutate, mutation_strategy, runner};
use proptest::prelude::*;
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::protocol::{self, ErrorBody, SyncRequest, SyncResponse};
use stairwell_core::record::{RecordId, Role};
use stairwell_core::store::Query;
use stairwell_tests::raw::{RawClient, pushed, request};
use stairwell_tests::records::{self, Clock};
use stairwell_tests::server::ESTATE;
use stairwell_tests::{Device, Site};

/// What the cases are made from: a running server, a device's token, and
/// valid pushes (a new record, and a change to a record the server has).
struct Bench {
    /// How many answers of each status the cases got, printed at the end.
    statuses: RefCell<BTreeMap<u16, usize>>,
    site: Site,
    desk: Device,
    client: RawClient,
    new_record: (RecordId, Vec<u8>),
    change: (RecordId, Vec<u8>),
}

fn sheet(device: &Device, clock: &Clock, n: usize) -> RepairSheet {
    records::sheet(device.editor(), clock, ESTATE, n)
}

fn bench() -> Bench {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut desk = site.device("lin");
    let stored = desk.create(sheet(&desk, &clock, 1).doc());
    desk.sync_ok();
    let fresh = sheet(&desk, &clock, 2);
    let mut record = desk.record(stored);
    let before = record.doc().heads();
    record
        .repair_sheet()
        .expect("a sheet")
        .add_note(desk.editor(), clock.at(3), "fuzzed note")
        .expect("a note");
    let change = record.doc().save_after(&before);
    let client = RawClient::new(site.url());
    Bench {
        statuses: RefCell::default(),
        new_record: (fresh.id(), fresh.doc().save()),
        change: (stored, change),
        site,
        desk,
        client,
    }
}

impl Bench {
    fn valid_request(&self) -> SyncRequest {
        request(
            0,
            vec![
                pushed(self.new_record.0, self.new_record.1.clone()),
                pushed(self.change.0, self.change.1.clone()),
            ],
        )
    }

    /// POSTs `body`; fails the case on a 5xx or an answer out of shape.
    fn post(&self, token: Option<&str>, body: &[u8]) -> Result<u16, TestCaseError> {
        let (status, answer) = self.client.post(token, body);
        *self.statuses.borrow_mut().entry(status).or_default() += 1;
        prop_assert!(
            status < 500,
            "status {status} for a body of {} bytes: {:?}",
            body.len(),
            protocol::decode::<ErrorBody>(&answer)
        );
        if status == 200 {
            prop_assert!(
                protocol::decode::<SyncResponse>(&answer).is_ok(),
                "a 200 that is not a sync response"
            );
        } else {
            prop_assert!(
                protocol::decode::<ErrorBody>(&answer).is_ok(),
                "a {status} without an error body"
            );
        }
        Ok(status)
    }

    /// The server is alive and a device still syncs; a device enrolled now
    /// pulls and loads every record the fuzzing got stored.
    fn still_serves(&mut self) {
        println!("answers by status: {:?}", self.statuses.borrow());
        assert!(self.site.server.exited().is_none(), "the server died");
        self.desk.sync_ok();
        let mut fresh = self.site.device("chen");
        fresh.sync_ok();
        let held = fresh.store().list(&Query::new()).expect("list");
        assert!(!held.is_empty());
        for entry in held {
            let _ = fresh.record(entry.id);
        }
    }
}

/// Mutations of one pushed record.
#[derive(Debug, Clone)]
struct RecordFuzz {
    which: bool,
    id_mutations: Vec<Mutation>,
    byte_mutations: Vec<Mutation>,
}

fn record_fuzz() -> impl Strategy<Value = RecordFuzz> {
    (
        any::<bool>(),
        proptest::collection::vec(mutation_strategy(), 0..2),
        proptest::collection::vec(mutation_strategy(), 0..5),
    )
        .prop_map(|(which, id_mutations, byte_mutations)| RecordFuzz {
            which,
            id_mutations,
            byte_mutations,
        })
}

#[test]
fn arbitrary_bodies_get_a_4xx_and_the_server_serves_on() {
    let mut bench = bench();
    let token = bench.desk.token().to_owned();
    runner(96)
        .run(
            &(
                proptest::collection::vec(any::<u8>(), 0..4096),
                any::<bool>(),
            ),
            |(body, with_token)| {
                let token = with_token.then_some(token.as_str());
                bench.post(token, &body)?;
                Ok(())
            },
        )
        .expect("no arbitrary body gets a 5xx");
    bench.still_serves();
}

#[test]
fn mutated_requests_get_a_2xx_or_4xx_and_the_server_serves_on() {
    let mut bench = bench();
    let token = bench.desk.token().to_owned();
    let valid = protocol::encode(&bench.valid_request());
    runner(96)
        .run(
            &proptest::collection::vec(mutation_strategy(), 1..8),
            |mutations| {
                bench.post(Some(&token), &mutate(&valid, &mutations))?;
                Ok(())
            },
        )
        .expect("no mutated request gets a 5xx");
    bench.still_serves();
}

#[test]
fn mutated_records_get_refused_or_stored_never_a_5xx() {
    let mut bench = bench();
    let token = bench.desk.token().to_owned();
    let strategy = (
        proptest::collection::vec(record_fuzz(), 1..4),
        any::<u64>(),
        any::<u32>(),
        prop_oneof![7 => Just(1_u32), 1 => any::<u32>()],
    );
    runner(96)
        .run(&strategy, |(records, cursor, max_records, version)| {
            let mut ask = bench.valid_request();
            ask.push = records
                .iter()
                .map(|fuzz| {
                    let (id, bytes) = if fuzz.which {
                        &bench.new_record
                    } else {
                        &bench.change
                    };
                    let id = mutate(id.to_string().as_bytes(), &fuzz.id_mutations);
                    pushed(
                        String::from_utf8_lossy(&id),
                        mutate(bytes, &fuzz.byte_mutations),
                    )
                })
                .collect();
            ask.cursor = cursor;
            ask.max_records = max_records % 3000;
            ask.version = version;
            bench.post(Some(&token), &protocol::encode(&ask))?;
            Ok(())
        })
        .expect("no mutated record gets a 5xx");
    bench.still_serves();
}
