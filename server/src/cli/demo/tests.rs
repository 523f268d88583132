//! The demo seeding: every kind in the states promised, stored through the
//! writer (so the index and the report models hold them), idempotent, and
//! usable: a field device enrolled with a printed token pulls the estate.

use std::collections::BTreeMap;
use std::path::Path;

use rusqlite::Connection;
use stairwell_core::store::{Query, Store};
use stairwell_core::sync::http;

use super::*;
use crate::http::testing::TestServer;
use crate::store::sqlite::DB_FILE;
use crate::store::{Location, Storage};

/// (kind, state) → how many, from the index rows the writer stored.
fn counts(dir: &Path) -> BTreeMap<(String, String), i64> {
    let conn = Connection::open(dir.join(DB_FILE)).expect("open");
    let mut stmt = conn
        .prepare("SELECT kind, state, count(*) FROM read_model GROUP BY kind, state")
        .expect("prepare");
    stmt.query_map([], |row| Ok(((row.get(0)?, row.get(1)?), row.get(2)?)))
        .expect("query")
        .collect::<Result<_, _>>()
        .expect("rows")
}

fn expected() -> BTreeMap<(String, String), i64> {
    [
        ("checklist", "completed", 3),
        ("checklist", "in_progress", 1),
        ("checklist_template", "defined", 4),
        ("complaint", "called_back", 2),
        ("complaint", "dispatched", 2),
        ("complaint", "duplicate", 1),
        ("complaint", "handled", 5),
        ("complaint", "received", 2),
        ("complaint", "signed_off", 1),
        ("duty_log", "open", 2),
        ("duty_log", "signed_off", 1),
        ("patrol_round", "finished", 14),
        ("patrol_round", "in_progress", 1),
        ("repair_sheet", "agreed", 1),
        ("repair_sheet", "called_back", 2),
        ("repair_sheet", "completed", 1),
        ("repair_sheet", "dispatched", 2),
        ("repair_sheet", "handed_back", 2),
        ("repair_sheet", "on_site", 1),
        ("repair_sheet", "quoted", 1),
        ("repair_sheet", "reported", 2),
        ("repair_sheet", "returned", 2),
        ("route_template", "defined", 1),
    ]
    .into_iter()
    .map(|(kind, state, count)| ((kind.to_owned(), state.to_owned()), count))
    .collect()
}

fn table_count(dir: &Path, table: &str) -> i64 {
    let conn = Connection::open(dir.join(DB_FILE)).expect("open");
    conn.query_row(&format!("SELECT count(*) FROM {table}"), [], |row| {
        row.get(0)
    })
    .expect("count")
}

fn token_of<'a>(tokens: &'a [IssuedToken], user: &str) -> &'a str {
    &tokens
        .iter()
        .find(|issued| issued.user.id == user)
        .expect("user")
        .token
}

#[test]
fn the_demo_seeds_every_state_once_and_devices_pull_it() {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("stairwell-demo");
    let now = Utc::now();
    let Seeding::Seeded { tokens, records } =
        seed(&Location::Sqlite(data.clone()), now).expect("seed")
    else {
        panic!("a new folder is seeded");
    };
    assert_eq!(tokens.len(), USERS.len());
    let found = counts(&data);
    assert_eq!(found, expected());
    let total: i64 = found.values().sum();
    assert_eq!(usize::try_from(total).expect("count"), records);

    // The report models were filled by the same writes.
    assert_eq!(table_count(&data, "patrol_visits"), 7 * 12 - 2 + 7 * 10 + 5);
    assert_eq!(table_count(&data, "patrol_places"), 40);
    assert_eq!(table_count(&data, "callbacks_due"), 6 + 6);
    assert_eq!(table_count(&data, "complaint_timeliness"), 13);

    // A second run changes nothing.
    assert!(matches!(
        seed(&Location::Sqlite(data.clone()), now).expect("again"),
        Seeding::AlreadySeeded
    ));
    assert_eq!(counts(&data), expected());

    // The printed banner and the tokens file.
    write_tokens(&data, &tokens).expect("tokens");
    let written = std::fs::read_to_string(data.join(TOKENS_FILE)).expect("read");
    let listen: SocketAddr = "127.0.0.1:7878".parse().expect("addr");
    let shown = banner(
        &data,
        listen,
        &Seeding::Seeded {
            tokens: tokens.clone(),
            records,
        },
        now,
    );
    for issued in &tokens {
        assert!(written.contains(&issued.token));
        assert!(shown.contains(&issued.token));
        assert!(shown.contains(issued.user.role.as_str()));
    }
    assert!(shown.contains("http://127.0.0.1:7878/"));
    assert!(shown.contains(&format!(
        "STAIRWELL_TOKEN={} {} field --store phone.db enroll --server http://127.0.0.1:7878",
        token_of(&tokens, PATROL),
        super::banner::program()
    )));
    assert!(!shown.contains("token="), "no token in a URL: {shown}");
    assert!(shown.contains("holds secrets"));
    let later = banner(&data, listen, &Seeding::AlreadySeeded, now);
    assert!(tokens.iter().all(|issued| !later.contains(&issued.token)));
    assert!(later.contains(&data.join(TOKENS_FILE).display().to_string()));

    // A field device enrolled with a printed token pulls the estate.
    let server = TestServer::start(&data);
    let mut store = Store::open_in_memory().expect("store");
    let identity =
        http::enroll(&mut store, &server.url(), token_of(&tokens, PATROL), None).expect("enroll");
    assert_eq!(identity.user, PATROL);
    http::sync(&mut store, &server.url(), token_of(&tokens, PATROL), |_| {
        true
    })
    .expect("sync");
    let pulled = store.list(&Query::new().estate(ESTATE_ID)).expect("list");
    assert_eq!(pulled.len(), records);
    let overdue_callbacks = store
        .list(
            &Query::new()
                .kind(stairwell_core::record::RecordKind::RepairSheet)
                .state("returned"),
        )
        .expect("list");
    assert_eq!(overdue_callbacks.len(), 2);

    // The office reads the reports over HTTP.
    let office = token_of(&tokens, OFFICE);
    let agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let get = |path: &str| {
        let mut response = agent
            .get(&format!("{}{path}", server.url()))
            .header("Authorization", &format!("Bearer {office}"))
            .call()
            .expect("get");
        let status = response.status().as_u16();
        let body: serde_json::Value =
            serde_json::from_str(&response.body_mut().read_to_string().expect("body"))
                .expect("json");
        (status, body)
    };
    let (status, grid) = get(&format!("/v1/reports/coverage?estate={ESTATE_ID}"));
    assert_eq!(status, 200, "{grid}");
    assert_eq!(grid["places"], 40);
    // B1 (with its pump room), B2, B3, the car park, the clubhouse, the garden.
    assert_eq!(grid["buildings"].as_array().map(Vec::len), Some(6));
    let (status, callbacks) = get(&format!("/v1/reports/callbacks?estate={ESTATE_ID}"));
    assert_eq!(status, 200, "{callbacks}");
    let overdue = callbacks["overdue"].as_array().expect("overdue");
    assert!(
        overdue.iter().any(|case| case["title"]
            .as_str()
            .is_some_and(|t| t.contains("Water heater"))),
        "the repair returned 40 days ago is overdue: {callbacks}"
    );
    let (status, monthly) = get(&format!("/v1/reports/monthly?estate={ESTATE_ID}"));
    assert_eq!(status, 200, "{monthly}");
    assert_eq!(
        monthly["complaint_timeliness"]["rule"],
        "complaint.timeliness_rate"
    );
}

/// Every row and column of every kind's record page shows a value on some
/// demo record, so a layout pointing at a key the view does not have (a
/// renamed or flattened field) is caught rather than silently blank. A
/// block shared by kinds (notes, photos, callbacks) counts once. The demo
/// has no appointment: that row is checked by the record page's tests.
#[test]
fn the_demo_fills_every_row_of_every_record_page() {
    use crate::console::record::view_json;
    use crate::console::sheet::layout::{Block, layout_of};
    use stairwell_core::kinds::AnyRecord;

    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("stairwell-demo");
    seed(&Location::Sqlite(data.clone()), Utc::now()).expect("seed");
    let ids: Vec<String> = {
        let conn = Connection::open(data.join(DB_FILE)).expect("open");
        let mut stmt = conn.prepare("SELECT id FROM records").expect("prepare");
        stmt.query_map([], |row| row.get(0))
            .expect("query")
            .collect::<Result<_, _>>()
            .expect("ids")
    };
    let storage = crate::store::SqliteStorage::open(&data).expect("storage");
    let filled = |value: Option<&serde_json::Value>| {
        value.is_some_and(|value| match value {
            serde_json::Value::Null => false,
            serde_json::Value::String(text) => !text.is_empty(),
            serde_json::Value::Array(items) => !items.is_empty(),
            _ => true,
        })
    };
    let mut shown = std::collections::BTreeSet::new();
    let mut kinds = std::collections::BTreeSet::new();
    for id in ids {
        let stored = storage.load_record(&id).expect("load").expect("stored");
        let record = AnyRecord::load(&stored.bytes).expect("a record");
        let kind = record.doc().kind();
        kinds.insert(kind);
        let view = view_json(&record);
        for block in layout_of(kind) {
            match block {
                Block::Rows { rows, .. } => {
                    for row in *rows {
                        if filled(view.pointer(row.at)) {
                            shown.insert(("", row.at));
                        }
                    }
                }
                Block::Table { at, columns, .. } => {
                    let items = view.pointer(at).and_then(|v| v.as_array()).cloned();
                    for item in items.unwrap_or_default() {
                        for column in *columns {
                            let value = if column.at.is_empty() {
                                Some(&item)
                            } else {
                                item.pointer(column.at)
                            };
                            if filled(value) {
                                shown.insert((*at, column.at));
                            }
                        }
                    }
                }
            }
        }
    }
    let mut blank = Vec::new();
    for kind in kinds {
        for block in layout_of(kind) {
            let (at, rows) = match block {
                Block::Rows { rows, .. } => ("", *rows),
                Block::Table { at, columns, .. } => (*at, *columns),
            };
            for row in rows {
                if !shown.contains(&(at, row.at)) && row.at != "/intake/appointment" {
                    blank.push(format!("{kind} {at}{} ({})", row.at, row.label));
                }
            }
        }
    }
    assert!(
        blank.is_empty(),
        "never shown on any demo record: {blank:#?}"
    );
}
