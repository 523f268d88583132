//! Each report model fed through the real writer (so rows land in the same
//! transaction as the change, exactly as for synced records), read back
//! through the read API, and rebuilt from the documents alone.

use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;
use rusqlite::Connection;
use rusqlite::types::Value;
use stairwell_core::kinds::complaint::{
    Channel, Complaint, Department, FourClears, HelpKind, Intake as ComplaintIntake, Seriousness,
};
use stairwell_core::kinds::patrol_round::{
    CheckInMethod, FindingReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::repair_sheet::{Amendment, Intake as RepairIntake, RepairSheet};
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind, RouteTemplate};
use stairwell_core::kinds::{Callback, CallbackMethod, Satisfaction, Signature};
use stairwell_core::record::Role;
use stairwell_core::rules::callbacks::{callback_after_complaint, callback_after_repair};
use stairwell_core::rules::{CallbackOccasion, FindingCategory, RepairLocation, RuleId, Urgency};

use crate::engine::rebuild::{self, rebuild_read_models};
use crate::engine::report_queries::*;
use crate::engine::testing::{Engine as TestServer, Person, person};
use crate::reports::*;
use crate::store::sqlite::{DB_FILE, clear_read_models};
use crate::store::{Estate, ReadModels, SqliteStorage, Storage};

const ESTATE: &str = "e1";

fn tz() -> Tz {
    "Asia/Shanghai".parse().expect("tz")
}

/// A local Shanghai time, "2026-03-02 10:00".
fn local(text: &str) -> DateTime<Utc> {
    let naive = NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("time");
    naive
        .and_local_timezone(tz())
        .single()
        .expect("one instant")
        .with_timezone(&Utc)
}

struct World {
    dir: tempfile::TempDir,
    server: TestServer,
    estate: Estate,
    desk: Person,
    sup: Person,
    patrol: Person,
    tech: Person,
}

fn world() -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let server = TestServer::start(dir.path());
    let storage = &*server.storage;
    let estate =
        crate::accounts::add_estate(storage, ESTATE, "East", "Asia/Shanghai").expect("estate");
    World {
        desk: person(storage, "lin", Role::FrontDesk, &[ESTATE]),
        sup: person(storage, "chen", Role::Supervisor, &[ESTATE]),
        patrol: person(storage, "zhao", Role::Patrol, &[ESTATE]),
        tech: person(storage, "wang", Role::Technician, &[ESTATE]),
        estate,
        server,
        dir,
    }
}

fn signature(signer: &str) -> Signature {
    Signature::new("ab".repeat(32).parse().expect("hash"), signer).expect("signature")
}

fn callback(satisfied: bool) -> Callback {
    Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied,
        outcome: if satisfied { "满意" } else { "仍有问题" }.into(),
        follow_up_by: None,
    }
}

impl World {
    fn models(&self) -> &dyn ReadModels {
        self.server.storage.read_models()
    }

    /// Every row of the report tables, in a stable order.
    fn dump(&self) -> Vec<Vec<Value>> {
        let conn = Connection::open(self.dir.path().join(DB_FILE)).expect("open");
        let mut rows = Vec::new();
        for table in crate::store::read_models::REPORT_TABLES {
            let mut stmt = conn
                .prepare(&format!("SELECT * FROM {table} ORDER BY 1, 2"))
                .expect("select");
            let columns = stmt.column_count();
            let found = stmt
                .query_map([], |row| {
                    let mut values = vec![Value::Text(table.to_owned())];
                    for column in 0..columns {
                        values.push(row.get::<_, Value>(column)?);
                    }
                    Ok(values)
                })
                .expect("query")
                .collect::<Result<Vec<_>, _>>()
                .expect("rows");
            rows.extend(found);
        }
        rows
    }

    /// Rebuilding from the documents, even from empty tables, gives exactly
    /// the rows the writer kept up to date change by change.
    fn assert_rebuild_gives_the_same_rows(&self) {
        let live = self.dump();
        assert!(!live.is_empty(), "the scenario wrote rows");
        let conn = Connection::open(self.dir.path().join(DB_FILE)).expect("open");
        clear_read_models(&conn).expect("clear");
        drop(conn);
        assert!(self.dump().is_empty());
        rebuild_read_models(&*self.server.storage).expect("rebuild");
        assert_eq!(self.dump(), live);
    }

    fn repair(&self, problem: &str, reported: DateTime<Utc>) -> RepairSheet {
        self.repair_of(problem, reported, Urgency::Normal, None)
    }

    fn repair_of(
        &self,
        problem: &str,
        reported: DateTime<Utc>,
        urgency: Urgency,
        appointment: Option<DateTime<Utc>>,
    ) -> RepairSheet {
        let intake = RepairIntake {
            urgency,
            appointment,
            ..intake(problem)
        };
        let sheet = RepairSheet::open(&self.desk.editor, reported, ESTATE, intake, reported, None)
            .expect("open");
        self.server.create(&self.desk, &sheet);
        sheet
    }

    /// Dispatch just before `at`, and the technician's arrival at `at`.
    fn arrive(&self, sheet: &mut RepairSheet, at: DateTime<Utc>) {
        self.server.act(&self.sup, sheet, |s, e| {
            s.dispatch(e, at - chrono::Duration::minutes(1), "wang")
        });
        self.server.act(&self.tech, sheet, |s, e| s.arrive(e, at));
    }

    /// Dispatch, arrival, agreement and completion at `done`.
    fn complete(&self, sheet: &mut RepairSheet, done: DateTime<Utc>) {
        let minutes = chrono::Duration::minutes;
        self.server.act(&self.sup, sheet, |s, e| {
            s.dispatch(e, done - minutes(50), "wang")
        });
        self.server
            .act(&self.tech, sheet, |s, e| s.arrive(e, done - minutes(40)));
        self.server
            .act(&self.tech, sheet, |s, e| s.agree(e, done - minutes(35)));
        self.server.act(&self.tech, sheet, |s, e| {
            s.complete(
                e,
                done,
                vec!["换水龙头".into()],
                signature("王女士"),
                Satisfaction::Satisfied,
            )
        });
    }

    fn complaint(&self, channel: Channel, received: DateTime<Utc>) -> Complaint {
        let intake = ComplaintIntake {
            resident_name: "张先生".into(),
            unit: "B2-1101".into(),
            phone: "137 2222 3333".into(),
            department: Department::Property,
            seriousness: Seriousness::Ordinary,
            serious: false,
        };
        let clears = FourClears {
            heard: "楼道灯不亮".into(),
            asked: "B2 11楼，三天了".into(),
            repeated_back: true,
            recorded: "B2-11F 楼道灯不亮".into(),
            reported_to: match channel {
                Channel::Complaint => Some("物业部王经理".into()),
                Channel::HelpRequest(_) => None,
            },
        };
        let complaint = Complaint::open(
            &self.desk.editor,
            received,
            ESTATE,
            intake,
            channel,
            clears,
            received,
        )
        .expect("open");
        self.server.create(&self.desk, &complaint);
        complaint
    }

    fn handle(&self, complaint: &mut Complaint, handled: DateTime<Utc>) {
        let at = complaint.view().received_at;
        self.server.act(&self.desk, complaint, |c, e| {
            c.dispatch(e, at, Department::Property, None)
        });
        self.server.act(&self.patrol, complaint, |c, e| {
            c.record_handling(e, handled, "已更换灯泡", handled)
        });
    }
}

fn intake(problem: &str) -> RepairIntake {
    RepairIntake {
        resident_name: "王女士".into(),
        unit: "B1-0302".into(),
        phone: "139 1111 2222".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Normal,
        appointment: None,
    }
}

fn route(world: &World) -> RouteTemplate {
    let checkpoint = |code: &str, building: &str, floor: &str, area: &str, place| {
        Checkpoint::new(code, Location::new(building, floor, area), place)
    };
    let route = RouteTemplate::define(
        &world.sup.editor,
        local("2026-02-20 09:00"),
        ESTATE,
        "日常巡逻",
        vec![
            checkpoint("B1-1F", "B1", "1F", "corridor", PlaceKind::Floor),
            checkpoint("B1-2F", "B1", "2F", "corridor", PlaceKind::Floor),
            checkpoint("B1-PR", "B1", "", "plant room", PlaceKind::FacilityRoom),
            checkpoint("B2-1F", "B2", "1F", "corridor", PlaceKind::Floor),
            checkpoint("GARDEN", "", "", "central garden", PlaceKind::GreenArea),
        ],
    )
    .expect("route");
    world.server.create(&world.sup, &route);
    route
}

fn round(world: &World, route: &RouteTemplate, visits: &[(&str, &str)]) -> PatrolRound {
    let start = local(visits[0].1) - chrono::Duration::minutes(5);
    let mut round =
        PatrolRound::start(&world.patrol.editor, start, ESTATE, route.plan()).expect("start");
    for (code, at) in visits {
        round
            .check_in(&world.patrol.editor, local(at), code, CheckInMethod::Scan)
            .expect("check in");
    }
    round
}

fn cell<'a>(grid: &'a CoverageGrid, building: &str, floor: &str) -> &'a patrol_visits::FloorCell {
    grid.buildings
        .iter()
        .find(|row| row.building == building)
        .and_then(|row| row.floors.iter().find(|cell| cell.floor == floor))
        .unwrap_or_else(|| panic!("no cell {building} {floor}"))
}

#[test]
fn patrol_visits_make_the_weekly_coverage_grid() {
    let world = world();
    let route = route(&world);
    assert_eq!(
        world.models().patrol_places(ESTATE).expect("places").len(),
        5
    );

    // The Sunday before: another week.
    let mut sunday = round(&world, &route, &[("B1-2F", "2026-03-01 20:00")]);
    sunday
        .finish(&world.patrol.editor, local("2026-03-01 20:30"))
        .expect("finish");
    world.server.create(&world.patrol, &sunday);
    // Monday: 1F twice in one round counts once.
    let monday = round(
        &world,
        &route,
        &[
            ("B1-1F", "2026-03-02 10:00"),
            ("B1-2F", "2026-03-02 10:05"),
            ("B1-1F", "2026-03-02 10:20"),
            ("GARDEN", "2026-03-02 10:40"),
        ],
    );
    world.server.create(&world.patrol, &monday);
    // A night round across midnight is one round for the floors it reaches.
    let night = round(
        &world,
        &route,
        &[("B1-1F", "2026-03-04 23:50"), ("B2-1F", "2026-03-05 00:20")],
    );
    world.server.create(&world.patrol, &night);
    // Friday's round, pushed after each check-in: its rows follow each push.
    let mut friday = round(&world, &route, &[("B1-2F", "2026-03-06 09:00")]);
    world.server.create(&world.patrol, &friday);
    world.server.act(&world.patrol, &mut friday, |r, e| {
        r.check_in(e, local("2026-03-06 09:10"), "B1-1F", CheckInMethod::Manual)
    });

    let week = patrol_visits::week_of(NaiveDate::from_ymd_opt(2026, 3, 4).expect("day"), tz());
    let visits = world.models().patrol_visits(ESTATE, week).expect("visits");
    assert_eq!(visits.len(), 8, "every check-in of the week, repeats too");
    let first = &visits[0];
    assert_eq!(
        (
            first.building.as_str(),
            first.floor.as_str(),
            first.checkpoint.as_str(),
            first.officer.as_str(),
            first.at
        ),
        ("B1", "1F", "B1-1F", "zhao", local("2026-03-02 10:00"))
    );
    assert_eq!(first.record_id, monday.id().to_string());

    let grid = coverage_grid(
        world.models(),
        &world.estate,
        NaiveDate::from_ymd_opt(2026, 3, 8).expect("Sunday"),
    )
    .expect("grid");
    assert_eq!(
        grid.week_start,
        NaiveDate::from_ymd_opt(2026, 3, 2).expect("Monday")
    );
    assert_eq!(grid.required, 2);
    let buildings: Vec<&str> = grid.buildings.iter().map(|b| b.building.as_str()).collect();
    assert_eq!(buildings, vec!["B1", "B2", "central garden"]);
    let floors: Vec<&str> = grid.buildings[0]
        .floors
        .iter()
        .map(|cell| cell.floor.as_str())
        .collect();
    assert_eq!(floors, vec!["1F", "2F", "plant room"]);
    let b1_1f = cell(&grid, "B1", "1F");
    assert_eq!((b1_1f.visits, b1_1f.met, b1_1f.check_ins), (3, true, 4));
    assert_eq!(b1_1f.last_visit, Some(local("2026-03-06 09:10")));
    assert_eq!(
        (cell(&grid, "B1", "2F").visits, cell(&grid, "B1", "2F").met),
        (2, true)
    );
    assert_eq!(cell(&grid, "B1", "plant room").visits, 0);
    assert_eq!(cell(&grid, "B2", "1F").visits, 1);
    assert_eq!(cell(&grid, "central garden", "").visits, 1);
    assert_eq!((grid.places, grid.met), (5, 2));

    world.assert_rebuild_gives_the_same_rows();
}

#[test]
fn callbacks_due_follow_completion_and_each_callback() {
    let world = world();
    let mut sheet = world.repair("水龙头漏水", local("2026-03-02 09:00"));
    assert!(
        world
            .models()
            .callbacks(ESTATE, CallbackFilter::Unsettled)
            .expect("cases")
            .is_empty(),
        "nothing is called back before completion"
    );
    world.complete(&mut sheet, local("2026-03-02 11:00"));
    let cases = world
        .models()
        .callbacks(ESTATE, CallbackFilter::Unsettled)
        .expect("cases");
    assert_eq!(cases.len(), 1);
    let case = &cases[0];
    assert_eq!(case.occasion, CallbackOccasion::RepairCompleted);
    assert_eq!(case.done_at, local("2026-03-02 11:00"));
    assert_eq!(case.due, callback_after_repair(case.done_at, tz()).due);
    assert_eq!(case.due_rule, RuleId::CallbackAfterRepair.code());
    assert_eq!((case.callbacks, case.settled), (0, false));

    let early = callbacks_at(world.models(), &world.estate, local("2026-03-10 09:00")).expect("at");
    assert_eq!((early.due.len(), early.overdue.len()), (1, 0));
    let late = callbacks_at(world.models(), &world.estate, local("2026-04-05 09:00")).expect("at");
    assert_eq!((late.due.len(), late.overdue.len()), (0, 1));

    // A callback that leaves the resident unsatisfied keeps the case open.
    world.server.act(&world.patrol, &mut sheet, |s, e| {
        s.call_back(e, local("2026-03-05 15:00"), callback(false))
    });
    let open = callbacks_at(world.models(), &world.estate, local("2026-03-10 09:00")).expect("at");
    assert_eq!(open.due.len(), 1);
    assert_eq!(
        (
            open.due[0].callbacks,
            open.due[0].called_back(),
            open.due[0].settled
        ),
        (1, true, false)
    );
    assert!(open.due[0].called_back_on_time());

    // A handled complaint is due within 3 days; help requests never are.
    let mut complaint = world.complaint(Channel::Complaint, local("2026-03-02 09:00"));
    world.handle(&mut complaint, local("2026-03-02 15:00"));
    let mut help = world.complaint(
        Channel::HelpRequest(HelpKind::Enquiry),
        local("2026-03-02 09:00"),
    );
    world.server.act(&world.desk, &mut help, |c, e| {
        c.answer(e, local("2026-03-02 09:01"), "已告知停水时间", true)
    });
    let now = callbacks_at(world.models(), &world.estate, local("2026-03-06 09:00")).expect("at");
    assert_eq!(now.overdue.len(), 1);
    let overdue = &now.overdue[0];
    assert_eq!(overdue.record_id, complaint.id().to_string());
    assert_eq!(
        overdue.due,
        callback_after_complaint(local("2026-03-02 15:00"), tz()).due
    );
    assert_eq!(
        overdue.callback_by,
        Some(stairwell_core::kinds::complaint::CallbackBy::PatrolOfficer)
    );

    // Satisfied at last: nothing more is due for the repair.
    world.server.act(&world.patrol, &mut sheet, |s, e| {
        s.call_back(e, local("2026-03-06 10:00"), callback(true))
    });
    let unsettled = world
        .models()
        .callbacks(ESTATE, CallbackFilter::Unsettled)
        .expect("cases");
    let ids: Vec<&str> = unsettled
        .iter()
        .map(|case| case.record_id.as_str())
        .collect();
    assert_eq!(ids, vec![complaint.id().to_string().as_str()]);

    world.assert_rebuild_gives_the_same_rows();
}

#[test]
fn complaint_timeliness_gives_the_monthly_rate() {
    let world = world();
    // Handled the next day: on time.
    let mut on_time = world.complaint(Channel::Complaint, local("2026-03-02 09:00"));
    world.handle(&mut on_time, local("2026-03-03 10:00"));
    // Handled three days later: late.
    let mut late = world.complaint(Channel::Complaint, local("2026-03-02 09:00"));
    world.handle(&mut late, local("2026-03-05 10:00"));
    // Not handled yet.
    world.complaint(Channel::Complaint, local("2026-03-20 09:00"));
    // The same problem again: counted once, through the first.
    let mut duplicate = world.complaint(Channel::Complaint, local("2026-03-02 09:30"));
    world.server.act(&world.desk, &mut duplicate, |c, e| {
        c.mark_duplicate_of(e, local("2026-03-02 09:35"), on_time.id())
    });
    // Received at 23:30 on 28 February, local: February's.
    let mut february = world.complaint(Channel::Complaint, local("2026-02-28 23:30"));
    world.handle(&mut february, local("2026-03-01 09:00"));
    // Help requests: solved at once, and one answered 20 minutes late.
    let mut solved = world.complaint(
        Channel::HelpRequest(HelpKind::Repair),
        local("2026-03-04 10:00"),
    );
    world.server.act(&world.desk, &mut solved, |c, e| {
        c.answer(e, local("2026-03-04 10:05"), "已派维修", true)
    });
    let mut slow = world.complaint(
        Channel::HelpRequest(HelpKind::Other),
        local("2026-03-04 10:00"),
    );
    world.server.act(&world.desk, &mut slow, |c, e| {
        c.report_to_head(e, local("2026-03-04 10:02"), "客服主管陈静")
    });
    world.server.act(&world.desk, &mut slow, |c, e| {
        c.answer(e, local("2026-03-04 10:20"), "已联系住户", false)
    });

    let march = world.models().complaints(ESTATE, "2026-03").expect("rows");
    assert_eq!(march.len(), 6);
    let row = march
        .iter()
        .find(|row| row.record_id == on_time.id().to_string())
        .expect("row");
    assert_eq!(row.on_time, Some(true));
    assert_eq!(
        row.due,
        stairwell_core::rules::local_time::end_of_local_day(
            NaiveDate::from_ymd_opt(2026, 3, 3).expect("day"),
            tz()
        ),
        "by the end of the next local day"
    );
    let february_rows = world.models().complaints(ESTATE, "2026-02").expect("rows");
    assert_eq!(february_rows.len(), 1);
    assert_eq!(february_rows[0].on_time, Some(true));

    let report = monthly_rates(
        world.models(),
        &world.estate,
        (2026, 3),
        local("2026-03-20 12:00"),
    )
    .expect("report")
    .expect("a month");
    assert_eq!(
        report.complaints,
        TimelinessCounts {
            total: 3,
            on_time: 1,
            late: 1,
            unhandled_late: 0,
            pending: 1
        }
    );
    assert_eq!(
        report.complaint_timeliness.rule,
        RuleId::ComplaintTimelinessRate
    );
    assert_eq!(
        (
            report.complaint_timeliness.numerator,
            report.complaint_timeliness.denominator
        ),
        (1, 3)
    );
    assert_eq!(
        (
            report.help_requests.total,
            report.help_requests.on_time,
            report.help_requests.late
        ),
        (2, 1, 1)
    );
    // Two complaints handled in March (and February's, handled on 1 March),
    // none called back: the 50% share is missed.
    assert_eq!(report.complaint_callbacks.denominator, 3);
    assert_eq!(report.complaint_callbacks.met, Some(false));
    assert_eq!(report.repair_callbacks.percent, None);

    let later = monthly_rates(
        world.models(),
        &world.estate,
        (2026, 3),
        local("2026-04-01 12:00"),
    )
    .expect("report")
    .expect("a month");
    assert_eq!(
        (later.complaints.unhandled_late, later.complaints.pending),
        (1, 0)
    );
    assert!(
        monthly_rates(world.models(), &world.estate, (2026, 13), Utc::now())
            .expect("report")
            .is_none()
    );

    world.assert_rebuild_gives_the_same_rows();
}

/// The row of one repair sheet, read back through the read API.
fn repair_row(world: &World, sheet: &RepairSheet, month: &str) -> RepairTiming {
    let id = sheet.id().to_string();
    world
        .models()
        .repairs(ESTATE, month)
        .expect("rows")
        .into_iter()
        .find(|row| row.record_id == id)
        .unwrap_or_else(|| panic!("no row for {id} in {month}"))
}

/// (sheets, on time, late, pending) of each tier, extra urgent first.
fn tier_counts(world: &World, month: (i32, u32), now: &str) -> Vec<(Urgency, [u32; 4])> {
    repair_tiers(world.models(), &world.estate, month, local(now))
        .expect("tiers")
        .into_iter()
        .map(|tier| {
            (
                tier.urgency,
                [tier.sheets, tier.on_time, tier.late, tier.pending],
            )
        })
        .collect()
}

#[test]
fn repair_timeliness_counts_each_urgency_tier() {
    let world = world();
    // Extra urgent (10 min): on site at the last minute, and 20 min late.
    let mut quick = world.repair_of(
        "水管爆裂",
        local("2026-03-02 09:00"),
        Urgency::ExtraUrgent,
        None,
    );
    let row = repair_row(&world, &quick, "2026-03");
    assert_eq!(
        (
            row.urgency,
            row.due,
            row.due_rule.as_str(),
            row.done_at,
            row.on_time
        ),
        (
            Urgency::ExtraUrgent,
            local("2026-03-02 09:10"),
            RuleId::RepairExtraUrgentHandled.code(),
            None,
            None
        ),
        "a row as soon as the sheet is pushed"
    );
    world.arrive(&mut quick, local("2026-03-02 09:10"));
    let row = repair_row(&world, &quick, "2026-03");
    assert_eq!(
        (row.done_at, row.on_time),
        (Some(local("2026-03-02 09:10")), Some(true)),
        "updated when the technician arrives, on time to the minute"
    );
    let mut slow = world.repair_of(
        "配电箱冒烟",
        local("2026-03-02 09:00"),
        Urgency::ExtraUrgent,
        None,
    );
    world.arrive(&mut slow, local("2026-03-02 09:20"));
    // Urgent (15 min), no one on site yet.
    let waiting = world.repair_of("电梯异响", local("2026-03-02 10:00"), Urgency::Urgent, None);
    assert_eq!(
        repair_row(&world, &waiting, "2026-03").due,
        local("2026-03-02 10:15")
    );
    // Normal with an appointment: due at the appointment, days later.
    let mut booked = world.repair_of(
        "更换门锁",
        local("2026-03-03 09:00"),
        Urgency::Normal,
        Some(local("2026-03-05 14:00")),
    );
    world.arrive(&mut booked, local("2026-03-05 13:55"));
    // Normal, the same day; done means the earliest of arrival and
    // completion.
    let mut same_day = world.repair("水龙头漏水", local("2026-03-04 09:00"));
    world.complete(&mut same_day, local("2026-03-04 17:00"));
    assert_eq!(
        repair_row(&world, &same_day, "2026-03").done_at,
        Some(local("2026-03-04 16:20"))
    );
    // Reported late on the month's last day, not done: March's, due by the
    // end of that day.
    let last_night = world.repair("楼道灯不亮", local("2026-03-31 23:50"));
    assert_eq!(
        repair_row(&world, &last_night, "2026-03").due,
        stairwell_core::rules::local_time::end_of_local_day(
            NaiveDate::from_ymd_opt(2026, 3, 31).expect("day"),
            tz()
        )
    );
    // Reported at 23:30 on 28 February, local: February's, and late.
    let mut february = world.repair("窗户关不上", local("2026-02-28 23:30"));
    world.arrive(&mut february, local("2026-03-01 00:10"));
    // Opened as normal, then amended to extra urgent: the row follows.
    let mut amended = world.repair("电梯困人", local("2026-03-06 08:00"));
    world.server.act(&world.desk, &mut amended, |s, e| {
        s.amend(
            e,
            local("2026-03-06 08:01"),
            Amendment::Urgency(Urgency::ExtraUrgent),
        )
    });
    let row = repair_row(&world, &amended, "2026-03");
    assert_eq!(
        (row.urgency, row.due),
        (Urgency::ExtraUrgent, local("2026-03-06 08:10"))
    );

    assert_eq!(
        world
            .models()
            .repairs(ESTATE, "2026-03")
            .expect("rows")
            .len(),
        7
    );
    let february_rows = world.models().repairs(ESTATE, "2026-02").expect("rows");
    assert_eq!(february_rows.len(), 1);
    assert_eq!(february_rows[0].on_time, Some(false));

    // At 10:15 on 2 March the urgent sheet is still in time (the deadline
    // is its last on-time instant), and so is everything not yet due.
    assert_eq!(
        tier_counts(&world, (2026, 3), "2026-03-02 10:15"),
        vec![
            (Urgency::ExtraUrgent, [3, 1, 1, 1]),
            (Urgency::Urgent, [1, 0, 0, 1]),
            (Urgency::Normal, [3, 2, 0, 1]),
        ]
    );
    // A month later, whatever is not done is late.
    assert_eq!(
        tier_counts(&world, (2026, 3), "2026-04-01 09:00"),
        vec![
            (Urgency::ExtraUrgent, [3, 1, 2, 0]),
            (Urgency::Urgent, [1, 0, 1, 0]),
            (Urgency::Normal, [3, 2, 1, 0]),
        ]
    );
    assert_eq!(
        tier_counts(&world, (2026, 2), "2026-04-01 09:00"),
        vec![
            (Urgency::ExtraUrgent, [0, 0, 0, 0]),
            (Urgency::Urgent, [0, 0, 0, 0]),
            (Urgency::Normal, [1, 0, 1, 0]),
        ],
        "every tier is listed, empty ones as zeros"
    );
    let tiers = repair_tiers(
        world.models(),
        &world.estate,
        (2026, 3),
        local("2026-04-01 09:00"),
    )
    .expect("tiers");
    assert_eq!(tiers[0].rule, RuleId::RepairExtraUrgentHandled);
    assert_eq!(tiers[0].percent().map(|p| (p * 10.0).round()), Some(333.0));
    assert_eq!(tiers[1].percent(), Some(0.0));
    assert!(
        repair_tiers(world.models(), &world.estate, (2026, 1), Utc::now())
            .expect("tiers")
            .iter()
            .all(|tier| tier.sheets == 0 && tier.percent().is_none())
    );

    world.assert_rebuild_gives_the_same_rows();
}

fn finding(category: FindingCategory, description: &str, area: &str) -> FindingReport {
    FindingReport {
        category,
        description: description.into(),
        location: Location::new("B1", "", area),
        photos: Vec::new(),
    }
}

#[test]
fn patrol_rounds_and_findings_give_the_weeks_problems() {
    let world = world();
    let route = route(&world);
    let patrol = &world.patrol;

    // Last Sunday's round skipped checkpoints and left a finding unreported:
    // another week's.
    let mut sunday = round(
        &world,
        &route,
        &[("B1-1F", "2026-03-01 20:00"), ("B1-PR", "2026-03-01 20:10")],
    );
    sunday
        .add_finding(
            &patrol.editor,
            local("2026-03-01 20:12"),
            finding(FindingCategory::FacilityDamage, "消防栓漏水", "stairs"),
        )
        .expect("finding");
    sunday
        .finish(&patrol.editor, local("2026-03-01 20:30"))
        .expect("finish");
    world.server.create(patrol, &sunday);

    // Monday: every checkpoint, in order.
    let mut tidy = round(
        &world,
        &route,
        &[
            ("B1-1F", "2026-03-02 10:00"),
            ("B1-2F", "2026-03-02 10:10"),
            ("B1-PR", "2026-03-02 10:20"),
            ("B2-1F", "2026-03-02 10:30"),
            ("GARDEN", "2026-03-02 10:40"),
        ],
    );
    tidy.finish(&patrol.editor, local("2026-03-02 10:45"))
        .expect("finish");
    world.server.create(patrol, &tidy);

    // Tuesday's round, pushed after each step: its row follows each push.
    let mut tuesday = round(&world, &route, &[("B1-1F", "2026-03-03 09:00")]);
    world.server.create(patrol, &tuesday);
    let week = patrol_visits::week_of(NaiveDate::from_ymd_opt(2026, 3, 4).expect("day"), tz());
    let tuesday_id = tuesday.id().to_string();
    let tuesday_row = |world: &World| {
        world
            .models()
            .patrol_rounds(ESTATE, week)
            .expect("rounds")
            .into_iter()
            .find(|round| round.record_id == tuesday_id)
            .expect("a row for the round")
    };
    let row = tuesday_row(&world);
    assert_eq!(
        (row.route.as_str(), row.officer.as_str(), row.started_at),
        ("日常巡逻", "zhao", local("2026-03-03 08:55"))
    );
    assert!(!row.has_issues() && row.finished_at.is_none());
    let add = |round: &mut PatrolRound, at: &str, report: FindingReport| {
        world
            .server
            .act(patrol, round, |r, e| r.add_finding(e, local(at), report))
    };
    add(
        &mut tuesday,
        "2026-03-03 09:05",
        finding(FindingCategory::FacilityDamage, "楼道扶手松动", "stairs"),
    );
    world.server.act(patrol, &mut tuesday, |r, e| {
        r.check_in(e, local("2026-03-03 09:10"), "B1-PR", CheckInMethod::Scan)
    });
    assert_eq!(tuesday_row(&world).missed, vec!["B1-2F"], "passed over");
    let door = add(
        &mut tuesday,
        "2026-03-03 09:11",
        finding(
            FindingCategory::PlantRoomDoorOpen,
            "水泵房门锁坏",
            "plant room",
        ),
    );
    add(
        &mut tuesday,
        "2026-03-03 09:12",
        finding(FindingCategory::RenovationViolation, "违规拆墙", "1F"),
    );
    world.server.act(patrol, &mut tuesday, |r, e| {
        r.check_in(e, local("2026-03-03 09:15"), "B1-2F", CheckInMethod::Scan)
    });
    let row = tuesday_row(&world);
    assert_eq!(
        (row.missed.clone(), row.out_of_order.clone()),
        (Vec::<String>::new(), vec!["B1-2F".to_owned()]),
        "visited after all, but out of order"
    );
    add(
        &mut tuesday,
        "2026-03-03 11:59",
        finding(FindingCategory::Cleanliness, "垃圾堆放", "lobby"),
    );
    add(
        &mut tuesday,
        "2026-03-03 12:00",
        finding(FindingCategory::Disturbance, "住户争吵", "lobby"),
    );
    world.server.act(patrol, &mut tuesday, |r, e| {
        r.finish(e, local("2026-03-03 12:05"))
    });
    let row = tuesday_row(&world);
    assert_eq!(row.missed, vec!["B2-1F", "GARDEN"], "left when finished");
    assert_eq!(row.finished_at, Some(local("2026-03-03 12:05")));

    let findings = world
        .models()
        .patrol_findings(ESTATE, week)
        .expect("findings");
    assert_eq!(findings.len(), 5, "every finding of the week");
    let renovation = &findings[2];
    assert_eq!(
        (
            renovation.category.as_str(),
            renovation.due,
            renovation.due_rule.as_deref()
        ),
        ("renovation_violation", None, None),
        "no clock for renovation violations"
    );
    assert_eq!(findings[1].due, Some(local("2026-03-03 10:11")));
    assert_eq!(
        findings[1].due_rule.as_deref(),
        Some(RuleId::PatrolPlantRoomLockReported.code())
    );
    assert_eq!(findings[1].location, "B1, plant room");

    let day = NaiveDate::from_ymd_opt(2026, 3, 4).expect("day");
    let descriptions = |report: &PatrolExceptions| {
        report
            .late_findings
            .iter()
            .map(|finding| finding.description.clone())
            .collect::<Vec<_>>()
    };
    // At noon: the lock (due 10:11), the handrail (11:05) and the rubbish
    // (at once, 11:59) are late, longest overdue first; the quarrel found
    // this very minute is not yet.
    let noon = patrol_exceptions(
        world.models(),
        &world.estate,
        day,
        local("2026-03-03 12:00"),
    )
    .expect("exceptions");
    assert_eq!((noon.rounds, noon.round_issues.len()), (2, 1));
    assert_eq!(noon.round_issues[0].record_id, tuesday_id);
    assert_eq!(
        descriptions(&noon),
        vec!["水泵房门锁坏", "楼道扶手松动", "垃圾堆放"]
    );

    // A repair sheet opened for the lock takes it off the list.
    let sheet = world.server.act(patrol, &mut tuesday, |r, e| {
        open_repair_from_finding(
            r,
            e,
            local("2026-03-03 12:10"),
            &door,
            intake("水泵房门锁坏"),
        )
    });
    world.server.create(patrol, &sheet);
    let later = patrol_exceptions(
        world.models(),
        &world.estate,
        day,
        local("2026-03-03 12:30"),
    )
    .expect("exceptions");
    assert_eq!(
        descriptions(&later),
        vec!["楼道扶手松动", "垃圾堆放", "住户争吵"]
    );
    let door_row = world
        .models()
        .patrol_findings(ESTATE, week)
        .expect("findings")
        .into_iter()
        .find(|finding| finding.finding_id == door)
        .expect("the lock");
    assert_eq!(door_row.repairs, 1);

    // The week before: Sunday's round and its unreported finding.
    let before = patrol_exceptions(
        world.models(),
        &world.estate,
        NaiveDate::from_ymd_opt(2026, 3, 1).expect("Sunday"),
        local("2026-03-03 12:30"),
    )
    .expect("exceptions");
    assert_eq!((before.rounds, before.round_issues.len()), (1, 1));
    assert_eq!(
        before.round_issues[0].missed,
        vec!["B1-2F", "B2-1F", "GARDEN"]
    );
    assert_eq!(descriptions(&before), vec!["消防栓漏水"]);

    world.assert_rebuild_gives_the_same_rows();
}

#[test]
fn an_upgraded_data_directory_gets_its_new_report_rows_on_opening() {
    let world = world();
    let mut sheet = world.repair_of("水管爆裂", local("2026-03-02 09:00"), Urgency::Urgent, None);
    world.arrive(&mut sheet, local("2026-03-02 09:12"));
    let route = route(&world);
    let mut walked = round(&world, &route, &[("B1-2F", "2026-03-02 10:00")]);
    walked
        .finish(&world.patrol.editor, local("2026-03-02 10:30"))
        .expect("finish");
    world.server.create(&world.patrol, &walked);
    let live = world.dump();

    // A data directory of schema 4: none of version 5's tables, nor
    // version 6's columns, nor anything later (enrollment codes, account
    // administration, the edge's guards).
    let conn = Connection::open(world.dir.path().join(DB_FILE)).expect("open");
    conn.execute_batch(
        "DROP TABLE repair_timeliness; DROP TABLE patrol_rounds; DROP TABLE patrol_findings;
         ALTER TABLE callbacks_due DROP COLUMN next_due;
         ALTER TABLE callbacks_due DROP COLUMN next_rule;
         DROP TABLE enrollment_codes;
         ALTER TABLE devices DROP COLUMN last_seen_at; DROP TABLE account_log;
         DROP TABLE single_use; DROP TABLE failures;
         PRAGMA user_version = 4;",
    )
    .expect("downgrade");
    drop(conn);

    let reopened = SqliteStorage::open(world.dir.path()).expect("reopen");
    rebuild::after_upgrade(&reopened);
    assert_eq!(world.dump(), live, "filled from the documents");
    let tiers = repair_tiers(
        reopened.read_models(),
        &world.estate,
        (2026, 3),
        local("2026-03-02 12:00"),
    )
    .expect("tiers");
    assert_eq!((tiers[1].sheets, tiers[1].on_time), (1, 1));
}
