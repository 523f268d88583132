//! A patrol round walked by two officers on two phones. The supervisor
//! defines the route on their device and syncs it; officer Li starts a round
//! on phone A; it syncs to officer Zhao's phone B; both check in at
//! different checkpoints while offline, and Li records a finding and opens a
//! repair sheet from it (`open_repair_from_finding`). After syncing, both
//! phones show all four visits with who made each, the finding links to the
//! sheet, and the front desk's device lists the new sheet with its source
//! link back to the round's finding, ready to dispatch.

use stairwell_core::kinds::patrol_round::{
    CheckInMethod, PatrolRound, RoundState, open_repair_from_finding,
};
use stairwell_core::kinds::repair_sheet::{RepairState, SourceLink};
use stairwell_core::kinds::route_template::RouteTemplate;
use stairwell_core::record::{RecordKind, Role};
use stairwell_core::store::Query;
use stairwell_tests::Site;
use stairwell_tests::records::{Clock, checkpoints, lamp_finding, lamp_intake};
use stairwell_tests::server::ESTATE;

#[test]
fn two_phones_walk_one_round_and_a_finding_reaches_the_front_desk() {
    let clock = Clock::new();
    let site = Site::new();
    site.add_user("chen", Role::Supervisor, &[ESTATE]);
    site.add_user("li", Role::Patrol, &[ESTATE]);
    site.add_user("zhao", Role::Patrol, &[ESTATE]);
    site.add_user("lin", Role::FrontDesk, &[ESTATE]);
    site.add_user("wang", Role::Technician, &[ESTATE]);
    let mut supervisor = site.device("chen");
    let mut phone_a = site.device("li");
    let mut phone_b = site.device("zhao");
    let mut desk = site.device("lin");

    // The supervisor plans the route; phone A pulls it and starts a round.
    let route = RouteTemplate::define(
        supervisor.editor(),
        clock.at(0),
        ESTATE,
        "B2 night round",
        checkpoints(),
    )
    .expect("define the route");
    let route_id = supervisor.create(route.doc());
    supervisor.sync_ok();

    phone_a.sync_ok();
    let plan = phone_a.route_template(route_id).plan();
    assert_eq!(plan.checkpoints, checkpoints(), "the route arrived whole");
    let round =
        PatrolRound::start(phone_a.editor(), clock.at(10), ESTATE, plan).expect("start the round");
    let round_id = phone_a.create(round.doc());
    phone_a.sync_ok();
    phone_b.sync_ok();
    assert_eq!(phone_b.patrol_round(round_id).view().officer, "li");

    // Offline: Li takes the first two checkpoints, Zhao the last two.
    for (minute, code) in [(11, "B2-LOBBY"), (14, "B2-CARPARK")] {
        phone_a.update(round_id, |record, me| {
            record
                .patrol_round()?
                .check_in(me, clock.at(minute), code, CheckInMethod::Scan)
        });
    }
    for (minute, code) in [(12, "B2-PLANT"), (15, "GARDEN")] {
        phone_b.update(round_id, |record, me| {
            record
                .patrol_round()?
                .check_in(me, clock.at(minute), code, CheckInMethod::Manual)
        });
    }
    // Li finds a dark lamp in the car park and opens a sheet for it.
    let (finding, sheet) = phone_a.update(round_id, |record, me| {
        let round = record.patrol_round()?;
        let finding = round.add_finding(me, clock.at(16), lamp_finding())?;
        let sheet = open_repair_from_finding(round, me, clock.at(17), &finding, lamp_intake())?;
        Ok((finding, sheet))
    });
    let sheet_id = phone_a.create(sheet.doc());

    // B syncs first, then A (pushing the round and the new sheet, pulling
    // B's visits), then B again to get A's.
    phone_b.sync_ok();
    let stats = phone_a.sync_ok();
    assert_eq!(stats.sent, 2, "the round and the new sheet");
    phone_b.sync_ok();

    let view_a = phone_a.patrol_round(round_id).view();
    let view_b = phone_b.patrol_round(round_id).view();
    assert_eq!(view_a, view_b, "both phones show the same round");
    assert_eq!(phone_a.heads(round_id), phone_b.heads(round_id));
    assert_eq!(view_a.state, RoundState::InProgress);
    let visits: Vec<(&str, &str)> = view_a
        .checkpoints
        .iter()
        .map(|planned| {
            assert_eq!(planned.visits.len(), 1, "{}", planned.checkpoint.code);
            let visit = &planned.visits[0];
            (visit.code.as_str(), visit.user.as_str())
        })
        .collect();
    assert_eq!(
        visits,
        [
            ("B2-LOBBY", "li"),
            ("B2-CARPARK", "li"),
            ("B2-PLANT", "zhao"),
            ("GARDEN", "zhao"),
        ]
    );
    assert_eq!(view_a.check_ins.len(), 4, "no visit lost or doubled");
    assert!(view_a.missed().is_empty());
    assert_eq!(view_a.findings.len(), 1);
    assert_eq!(view_a.findings[0].id, finding);
    assert_eq!(view_a.findings[0].repairs, vec![sheet_id]);
    assert_eq!(
        view_a.next_report_deadline(),
        None,
        "the finding was acted on"
    );

    // The front desk sees the sheet, with the finding it came from.
    desk.sync_ok();
    let open_sheets = desk
        .store()
        .list(&Query::new().kind(RecordKind::RepairSheet).open(true))
        .expect("list sheets");
    assert_eq!(
        open_sheets.iter().map(|entry| entry.id).collect::<Vec<_>>(),
        vec![sheet_id]
    );
    assert_eq!(open_sheets[0].state, "reported");
    let sheet_view = desk.repair_sheet(sheet_id).view();
    assert_eq!(
        sheet_view.source,
        Some(SourceLink {
            record: round_id.to_string(),
            item: finding.clone(),
        })
    );
    assert_eq!(sheet_view.intake, lamp_intake());
    let finding_at = view_a.findings[0].at;
    assert_eq!(
        sheet_view.reported_at, finding_at,
        "the clock runs from the finding"
    );
    let desk_round = desk.patrol_round(round_id).view();
    assert_eq!(desk_round, view_a, "the desk reads the same round");
    assert_eq!(
        desk.store()
            .get_entry(round_id)
            .expect("index")
            .expect("row")
            .assignee
            .as_deref(),
        Some("li")
    );

    // The desk dispatches it; Li's phone sees that at its next sync.
    desk.update(sheet_id, |record, me| {
        record.repair_sheet()?.dispatch(me, clock.at(20), "wang")
    });
    desk.sync_ok();
    phone_a.sync_ok();
    let on_phone = phone_a.repair_sheet(sheet_id).view();
    assert_eq!(on_phone.state, RepairState::Dispatched);
    assert_eq!(on_phone.technician.as_deref(), Some("wang"));

    // The supervisor's device has the whole picture too.
    supervisor.sync_ok();
    assert_eq!(supervisor.patrol_round(round_id).view(), view_a);
    assert_eq!(supervisor.heads(sheet_id), desk.heads(sheet_id));
}

/// The officer's phone says where to go next, warns of an out-of-order
/// check-in, and lists what was missed when the round is finished.
#[test]
fn the_field_command_line_tells_the_officer_the_next_checkpoint_and_the_missed() {
    use stairwell_tests::field_cli::{enroll, field, field_told};
    let w = stairwell_tests::api::world(&[]);
    let supervisor = enroll(&w, "supervisor", &w.supervisor.token);
    let route = field(
        &supervisor,
        &[
            "route",
            "define",
            "--name",
            "Night",
            "--checkpoint",
            "A:B1:1F:lobby",
            "--checkpoint",
            "B:B1:2F:corridor",
            "--checkpoint",
            "C:B1:3F:corridor",
        ],
    );
    field(&supervisor, &["sync"]);
    let officer = enroll(&w, "officer", &w.patrol.token);
    field(&officer, &["sync"]);
    let round = field(&officer, &["patrol", "start", "--route", &route]);

    let (said, warned) = field_told(&officer, &["patrol", "checkin", &round, "--code", "A"]);
    assert!(said.contains("next checkpoint: B (B1"), "{said}");
    assert!(warned.is_empty(), "{warned}");

    let (said, _) = field_told(&officer, &["patrol", "checkin", &round, "--code", "C"]);
    assert!(said.contains("next checkpoint: B (B1"), "{said}");
    assert!(said.contains("skipped so far: B (B1"), "{said}");

    let (said, warned) = field_told(&officer, &["patrol", "checkin", &round, "--code", "B"]);
    assert!(
        warned.contains("warning: this check-in is out of the planned order"),
        "{warned}"
    );
    assert!(
        said.contains("all 3 checkpoints visited: finish the round"),
        "{said}"
    );

    let second = field(&officer, &["patrol", "start", "--route", &route]);
    field(&officer, &["patrol", "checkin", &second, "--code", "A"]);
    let (said, _) = field_told(&officer, &["patrol", "finish", &second]);
    assert!(said.contains("finished"), "{said}");
    assert!(said.contains("missed 2 of 3 checkpoints: B (B1"), "{said}");
}
