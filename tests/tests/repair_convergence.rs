//! Three devices share one repair sheet and change it while offline: the
//! front desk re-dispatches it to the same technician and corrects the
//! resident's phone number, the technician records arrival and a fee line,
//! the supervisor corrects the phone number to another value and adds a
//! note. They then sync in each of the six possible orders, each order on
//! fresh copies of the server's data and of the three store files taken
//! before anything was synced, so every order merges the very same changes.
//!
//! Whatever the order, every device must end with the same sheet (the whole
//! view: state, intake, fee lines, notes, timeline, conflicts), the same
//! index row and the same Automerge heads as the server; no transition may
//! be lost; the two phone corrections must show as one conflict with both
//! values on every device; and a resolution made on one device must clear
//! the conflict everywhere once synced. The six orders must also agree with
//! each other.

use std::collections::BTreeSet;
use std::fs;
use std::path::{Path, PathBuf};

use stairwell_core::kinds::repair_sheet::{
    Amendment, FeeLine, RepairSheet, RepairSheetView, RepairState,
};
use stairwell_core::record::{RecordId, Role};
use stairwell_tests::records::{Clock, intake};
use stairwell_tests::server::{ESTATE, copy_dir, issue};
use stairwell_tests::{Device, Server, Site};

const ORIGINAL_PHONE: &str = "138 0000 1234";
const DESK_PHONE: &str = "139 1111 2222";
const SUPERVISOR_PHONE: &str = "137 3333 4444";
const NOTE: &str = "resident asks to be called after 18:00";

/// The devices, by their index in every `Vec<Device>` below.
const DESK: usize = 0;
const TECH: usize = 1;
const SUPERVISOR: usize = 2;
const NAMES: [&str; 3] = ["desk", "tech", "supervisor"];

const ORDERS: [[usize; 3]; 6] = [
    [0, 1, 2],
    [0, 2, 1],
    [1, 0, 2],
    [1, 2, 0],
    [2, 0, 1],
    [2, 1, 0],
];

/// The state every order starts from: the server's data directory and the
/// three store files, with the offline edits made but not yet synced.
struct Snapshot {
    data: PathBuf,
    stores: Vec<PathBuf>,
    sheet: RecordId,
    /// Every event any device wrote, shared ones included.
    events: BTreeSet<String>,
    /// Holds the folder everything above lives in; its server is stopped.
    _site: Site,
}

#[test]
fn offline_edits_converge_in_every_sync_order() {
    let clock = Clock::new();
    let site = Site::new();
    let snapshot = prepare(site, &clock);

    let mut reference: Option<(RepairSheetView, RepairSheetView)> = None;
    for (n, order) in ORDERS.iter().enumerate() {
        let run = snapshot.data.with_file_name(format!("order-{n}"));
        let (merged, resolved) = run_order(&snapshot, &run, order, &clock);
        match &reference {
            None => reference = Some((merged, resolved)),
            Some((first_merged, first_resolved)) => {
                assert_eq!(&merged, first_merged, "order {order:?} merged differently");
                // The resolution is written by another device in each order,
                // so only what it decided must agree.
                assert_eq!(resolved.intake, first_resolved.intake);
                assert_eq!(resolved.state, first_resolved.state);
                assert_eq!(resolved.fee_lines, first_resolved.fee_lines);
                assert_eq!(resolved.conflicts, first_resolved.conflicts);
            }
        }
    }
}

/// Sets up the sheet online, makes the offline edits, and keeps copies.
fn prepare(mut site: Site, clock: &Clock) -> Snapshot {
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("wang", Role::Technician, &[ESTATE]);
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    let mut devices = vec![site.device("lin"), site.device("wang"), site.device("chen")];

    // Online: the desk writes the sheet and dispatches Wang; all pull it.
    let sheet = RepairSheet::open(
        devices[DESK].editor(),
        clock.at(1),
        ESTATE,
        intake(ORIGINAL_PHONE),
        clock.at(0),
        None,
    )
    .expect("open the sheet");
    let id = devices[DESK].create(sheet.doc());
    devices[DESK].update(id, |record, me| {
        record.repair_sheet()?.dispatch(me, clock.at(2), "wang")
    });
    for device in &mut devices {
        device.sync_ok();
    }
    for device in &devices {
        assert_eq!(
            device.repair_sheet(id).view().state,
            RepairState::Dispatched
        );
    }
    // The server's data as it stands before anyone goes offline.
    assert!(site.server.stop().success(), "the server stops cleanly");

    // Offline, each on its own phone.
    devices[DESK].update(id, |record, me| {
        let sheet = record.repair_sheet()?;
        sheet.dispatch(me, clock.at(10), "wang")?;
        sheet.amend(me, clock.at(11), Amendment::Phone(DESK_PHONE.into()))
    });
    devices[TECH].update(id, |record, me| {
        let sheet = record.repair_sheet()?;
        sheet.arrive(me, clock.at(12))?;
        let line = FeeLine {
            description: "tap cartridge".into(),
            quantity: 1,
            unit_price_cents: 3500,
            from_price_list: true,
        };
        sheet.add_fee_line(me, clock.at(13), line)
    });
    devices[SUPERVISOR].update(id, |record, me| {
        let sheet = record.repair_sheet()?;
        sheet.amend(me, clock.at(14), Amendment::Phone(SUPERVISOR_PHONE.into()))?;
        sheet.add_note(me, clock.at(15), NOTE)
    });

    let events: BTreeSet<String> = devices
        .iter()
        .flat_map(|device| device.record(id).doc().raw_events())
        .map(|event| event.id)
        .collect();
    // Opened, dispatched; re-dispatched; arrived, fee line; note.
    assert_eq!(events.len(), 6, "{events:?}");

    let base = site.dir().join("base");
    let data = base.join("data");
    copy_dir(site.data(), &data);
    let stores = devices
        .into_iter()
        .zip(NAMES)
        .map(|(device, name)| {
            let copy = base.join(format!("{name}.db"));
            fs::copy(device.close(), &copy).expect("copy a store file");
            copy
        })
        .collect();
    Snapshot {
        data,
        stores,
        sheet: id,
        events,
        _site: site,
    }
}

/// Syncs fresh copies in `order`, checks convergence, resolves the phone
/// conflict on the first device of the order and checks that too. Returns
/// the merged view and the resolved one.
fn run_order(
    snapshot: &Snapshot,
    run: &Path,
    order: &[usize; 3],
    clock: &Clock,
) -> (RepairSheetView, RepairSheetView) {
    let id = snapshot.sheet;
    let data = run.join("data");
    copy_dir(&snapshot.data, &data);
    let server = Server::start(&data, &[]);
    let mut devices: Vec<Device> = snapshot
        .stores
        .iter()
        .zip(NAMES)
        .map(|(store, name)| {
            let copy = run.join(format!("{name}.db"));
            fs::copy(store, &copy).expect("copy a store file");
            let mut device = Device::open(&copy);
            device.set_url(server.url());
            device
        })
        .collect();

    settle(&mut devices, order);
    let merged = converged(&devices, &data, &server, id, order);
    assert_eq!(merged.state, RepairState::OnSite, "order {order:?}");
    assert_eq!(merged.technician.as_deref(), Some("wang"));
    assert!(merged.arrived_at.is_some());
    assert_eq!(merged.fee_lines.len(), 1);
    assert_eq!(merged.fee_total_cents(), 3500);
    assert_eq!(merged.notes.len(), 1);
    assert_eq!(merged.notes[0].text, NOTE);
    let timeline: BTreeSet<String> = merged
        .timeline
        .iter()
        .map(|entry| entry.event.clone())
        .collect();
    assert_eq!(timeline, snapshot.events, "no transition is lost");
    assert_eq!(merged.timeline.len(), snapshot.events.len(), "none twice");
    let dispatches = merged
        .timeline
        .iter()
        .filter(|entry| entry.kind == "dispatched")
        .count();
    assert_eq!(dispatches, 2, "the re-dispatch stays in the timeline");
    // Merged after the arrival, the re-dispatch is kept but marked as
    // superseded; before it, it takes effect. Nothing else may be.
    let superseded: Vec<&str> = merged
        .timeline
        .iter()
        .filter(|entry| entry.superseded.is_some())
        .map(|entry| entry.kind.as_str())
        .collect();
    assert!(
        superseded.is_empty() || superseded == ["dispatched"],
        "{superseded:?}"
    );

    // The two corrections are one conflict, with both values.
    assert_eq!(merged.conflicts.len(), 1, "{:?}", merged.conflicts);
    let conflict = &merged.conflicts[0];
    assert_eq!(conflict.field, "phone");
    let values: BTreeSet<&str> = conflict
        .values
        .iter()
        .filter_map(|value| value.value.as_str())
        .collect();
    assert_eq!(values, BTreeSet::from([DESK_PHONE, SUPERVISOR_PHONE]));
    let authors: BTreeSet<&str> = conflict
        .values
        .iter()
        .map(|value| value.user.as_str())
        .collect();
    assert_eq!(authors, BTreeSet::from(["lin", "chen"]));
    for device in &devices {
        let entry = device.store().get_entry(id).expect("index").expect("row");
        assert_eq!(entry.conflicts, 1, "{} lists the conflict", device.user());
    }

    // Whoever synced first resolves it, keeping the supervisor's number.
    let pick = conflict
        .values
        .iter()
        .position(|value| value.value.as_str() == Some(SUPERVISOR_PHONE))
        .expect("the supervisor's value");
    let resolver = order[0];
    devices[resolver].update(id, |record, me| {
        record
            .repair_sheet()?
            .doc_mut()
            .resolve_conflict(me, clock.at(30), "phone", pick)
    });
    settle(&mut devices, order);
    let resolved = converged(&devices, &data, &server, id, order);
    assert!(resolved.conflicts.is_empty(), "{:?}", resolved.conflicts);
    assert_eq!(resolved.intake.phone, SUPERVISOR_PHONE);
    assert_eq!(resolved.state, RepairState::OnSite);
    assert_eq!(
        resolved.timeline, merged.timeline,
        "resolving adds no event"
    );
    for device in &devices {
        let entry = device.store().get_entry(id).expect("index").expect("row");
        assert_eq!(
            entry.conflicts,
            0,
            "{} still lists a conflict",
            device.user()
        );
    }
    (merged, resolved)
}

/// Syncs every device in `order`, then again in the same order so the
/// first ones get what the later ones pushed; a third pass must then find
/// nothing to send or receive anywhere.
fn settle(devices: &mut [Device], order: &[usize; 3]) {
    for _ in 0..2 {
        for &index in order {
            devices[index].sync_ok();
        }
    }
    for &index in order {
        let stats = devices[index].sync_ok();
        assert_eq!(
            (stats.sent, stats.received),
            (0, 0),
            "{} still had something to sync after two passes in order {order:?}",
            NAMES[index]
        );
    }
}

/// Checks that every device and the server hold the same record: the same
/// heads, the same view and the same index row. Returns the view.
fn converged(
    devices: &[Device],
    data: &Path,
    server: &Server,
    id: RecordId,
    order: &[usize; 3],
) -> RepairSheetView {
    // A device enrolled now pulls the server's copy.
    let issued = issue(data, "chen");
    let path = data.with_file_name(format!("fresh-{}.db", issued.device_id));
    let mut fresh = Device::enroll(&path, server.url(), &issued.token).expect("enroll");
    fresh.sync_ok();

    let view = fresh.repair_sheet(id).view();
    let heads = fresh.heads(id);
    let entry = fresh.store().get_entry(id).expect("index").expect("row");
    for (device, name) in devices.iter().zip(NAMES) {
        assert_eq!(
            device.heads(id),
            heads,
            "{name} and the server hold different changes (order {order:?})"
        );
        assert_eq!(
            device.repair_sheet(id).view(),
            view,
            "{name} shows another sheet (order {order:?})"
        );
        let row = device.store().get_entry(id).expect("index").expect("row");
        assert_eq!(row, entry, "{name} lists the sheet differently");
    }
    view
}
