//! `stairwell demo`: a server with a realistic estate to try Stairwell on.
//!
//! On the first run in a folder it creates `./stairwell-demo` (or `--data`)
//! and seeds the estate "East Court 东苑" (Asia/Shanghai): three buildings
//! of twelve floors, a patrol route, the four standard checklist templates,
//! one user of every role with a device each, and a week of records in
//! every state, made with the core's verbs as each user at plausible past
//! times. Every record goes through the server's own writer, exactly as a
//! phone's push would, so the index, the report read models and the feed
//! hold them as they would hold synced records. A later run finds the
//! estate and seeds nothing. Then it serves, like `stairwell serve`.
//!
//! Device tokens are shown once, when seeded, and written to
//! `tokens.txt` in the data folder: that file holds secrets.

use std::collections::HashMap;
use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::sync::Arc;

use automerge::ChangeHash;
use chrono::{DateTime, Duration, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use clap::Args;
use sha2::{Digest, Sha256};
use stairwell_core::kinds::checklist::{
    Checklist, ItemResult, MeterKind, MeterReading, Site, open_repair_from_item,
};
use stairwell_core::kinds::checklist_template::{
    ChecklistTemplate, RenovationStage, TemplateType, standard_items,
};
use stairwell_core::kinds::complaint::{
    Channel, Complaint, CrimeKind, Department, DisasterKind, FourClears, HelpKind,
    Intake as ComplaintIntake, Seriousness,
};
use stairwell_core::kinds::duty_log::{DutyLog, EntryCategory, EquipmentCount, Handover, NewEntry};
use stairwell_core::kinds::patrol_round::{
    CheckInMethod, FindingReport, PatrolRound, open_repair_from_finding,
};
use stairwell_core::kinds::repair_sheet::{
    FeeLine, Intake as RepairIntake, MaterialCheck, MaterialResult, RepairSheet,
};
use stairwell_core::kinds::route_template::{Checkpoint, Location, PlaceKind, RouteTemplate};
use stairwell_core::kinds::{Callback, CallbackMethod, Satisfaction, Signature};
use stairwell_core::protocol::PushedRecord;
use stairwell_core::record::{Editor, RecordDoc, RecordError, Role};
use stairwell_core::rules::duty_day::{duty_day_bounds, duty_day_of};
use stairwell_core::rules::local_time::{at_local_time, local_date, sub_days};
use stairwell_core::rules::{FindingCategory, RepairLocation, Urgency};
use stairwell_core::sync::judge::Author;

use stairwell_core::kinds::HasDoc;

use crate::accounts;
use crate::cli::serve::ServeOptions;
use crate::engine::metrics::Metrics;
use crate::engine::writer::{self, WriterConfig, WriterHandle};
use crate::http::Limits;
use crate::store::{SqliteStorage, Storage};

/// The demo's data folder, under the current directory.
pub const DEFAULT_DATA: &str = "./stairwell-demo";
pub const ESTATE_ID: &str = "east-court";
pub const ESTATE_NAME: &str = "East Court 东苑";
pub const TIME_ZONE: &str = "Asia/Shanghai";
/// Where the tokens are written at seeding, inside the data folder.
pub const TOKENS_FILE: &str = "tokens.txt";
/// The console password of every demo user who signs in to the browser
/// console (office, front desk, supervisor, admin). DEMO ONLY: anyone who
/// reads this source knows it.
pub const DEMO_PASSWORD: &str = "demo";
const BUILDINGS: [&str; 3] = ["B1", "B2", "B3"];
const FLOORS: u32 = 12;

/// `stairwell demo`'s options.
#[derive(Debug, Clone, Args)]
pub struct DemoArgs {
    /// The demo's data folder: created and seeded on the first run.
    #[arg(long, default_value = DEFAULT_DATA)]
    pub data: PathBuf,
    /// The address to listen on; port 0 picks a free port.
    #[arg(long, default_value = "127.0.0.1:7878")]
    pub listen: SocketAddr,
}

/// A demo user: id, display name, role, and the device they get.
#[derive(Debug, Clone, Copy)]
pub struct DemoUser {
    pub id: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub device: &'static str,
}

pub const USERS: [DemoUser; 8] = [
    DemoUser {
        id: "zhao.patrol",
        name: "赵强 Zhao Qiang",
        role: Role::Patrol,
        device: "Zhao's phone",
    },
    DemoUser {
        id: "wang.tech",
        name: "王磊 Wang Lei",
        role: Role::Technician,
        device: "Wang's phone",
    },
    DemoUser {
        id: "li.tech",
        name: "李军 Li Jun",
        role: Role::Technician,
        device: "Li's phone",
    },
    DemoUser {
        id: "lin.desk",
        name: "林晓 Lin Xiao",
        role: Role::FrontDesk,
        device: "Front desk PC",
    },
    DemoUser {
        id: "he.desk",
        name: "何芳 He Fang",
        role: Role::FrontDesk,
        device: "Night desk tablet",
    },
    DemoUser {
        id: "chen.sup",
        name: "陈静 Chen Jing",
        role: Role::Supervisor,
        device: "Chen's phone",
    },
    DemoUser {
        id: "zhou.office",
        name: "周敏 Zhou Min",
        role: Role::Office,
        device: "Office browser",
    },
    DemoUser {
        id: "admin",
        name: "管理员 Admin",
        role: Role::Admin,
        device: "Admin laptop",
    },
];

const PATROL: &str = "zhao.patrol";
const WANG: &str = "wang.tech";
const LI: &str = "li.tech";
const DESK: &str = "lin.desk";
const NIGHT_DESK: &str = "he.desk";
const SUPERVISOR: &str = "chen.sup";
const OFFICE: &str = "zhou.office";

/// A device issued at seeding; its token exists only here and in tokens.txt.
#[derive(Debug, Clone)]
pub struct IssuedToken {
    pub user: DemoUser,
    pub device: String,
    pub token: String,
}

/// What `seed` did.
#[derive(Debug)]
pub enum Seeding {
    /// The folder was new: the estate, users and records were made.
    Seeded {
        tokens: Vec<IssuedToken>,
        records: usize,
    },
    /// The estate was already there; nothing was written.
    AlreadySeeded,
}

#[derive(Debug, thiserror::Error)]
#[error("{0}")]
pub struct DemoError(String);

impl DemoError {
    fn new(what: impl std::fmt::Display) -> Self {
        DemoError(what.to_string())
    }
}

macro_rules! demo_error_from {
    ($($type:ty),*) => {
        $(impl From<$type> for DemoError {
            fn from(err: $type) -> Self {
                DemoError::new(err)
            }
        })*
    };
}
demo_error_from!(
    crate::store::StorageError,
    crate::accounts::AuthError,
    crate::engine::writer::WriteError,
    RecordError,
    std::io::Error
);

/// Runs the demo: seeds on the first run, prints how to connect, serves.
pub fn run(args: DemoArgs) -> ExitCode {
    match prepare(&args) {
        Ok((seeding, listen)) => {
            print!("{}", banner(&args.data, listen, &seeding, Utc::now()));
            serve(&args.data, listen)
        }
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

fn prepare(args: &DemoArgs) -> Result<(Seeding, SocketAddr), DemoError> {
    let seeding = seed(&args.data, Utc::now())?;
    if let Seeding::Seeded { tokens, .. } = &seeding {
        write_tokens(&args.data, tokens)?;
    }
    Ok((seeding, concrete(args.listen)?))
}

/// Port 0 picks a free port here, so the printed URLs are the real ones.
fn concrete(listen: SocketAddr) -> Result<SocketAddr, DemoError> {
    if listen.port() != 0 {
        return Ok(listen);
    }
    let probe = std::net::TcpListener::bind(listen)
        .map_err(|err| DemoError::new(format!("cannot listen on {listen}: {err}")))?;
    Ok(probe.local_addr()?)
}

fn serve(data: &Path, listen: SocketAddr) -> ExitCode {
    let options = ServeOptions {
        data: data.to_owned(),
        listen,
        limits: Limits::default(),
        writer: WriterConfig::default(),
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(err) => {
            eprintln!("error: cannot start the runtime: {err}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(crate::cli::serve::serve(options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            eprintln!("error: {err}");
            ExitCode::FAILURE
        }
    }
}

/// Seeds the demo estate into `data` as of `now`, unless it is there.
pub fn seed(data: &Path, now: DateTime<Utc>) -> Result<Seeding, DemoError> {
    let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(data)?);
    crate::engine::rebuild::after_upgrade(&*storage);
    if storage.estate(ESTATE_ID)?.is_some() {
        return Ok(Seeding::AlreadySeeded);
    }
    if storage.record_count()? > 0 {
        return Err(DemoError::new(format!(
            "{} holds another server's data; give the demo its own folder with --data",
            data.display()
        )));
    }
    let estate = accounts::add_estate(&*storage, ESTATE_ID, ESTATE_NAME, TIME_ZONE)?;
    let mut tokens = Vec::new();
    let mut people = HashMap::new();
    for user in USERS {
        accounts::add_user(
            &*storage,
            user.id,
            user.name,
            user.role,
            &[ESTATE_ID.to_owned()],
        )?;
        if crate::accounts::password::may_sign_in(user.role) {
            crate::accounts::password::set_password(&*storage, user.id, DEMO_PASSWORD)
                .map_err(DemoError::new)?;
        }
        let device = accounts::issue_device(&*storage, user.id, Some(user.device))?;
        let author = accounts::authenticate(&*storage, &device.token)?
            .ok_or_else(|| DemoError::new("a device just issued does not authenticate"))?;
        people.insert(user.id, author);
        tokens.push(IssuedToken {
            user,
            device: device.id,
            token: device.token,
        });
    }
    let metrics = Arc::new(Metrics::default());
    let (writer, thread) = writer::spawn(storage.clone(), metrics, WriterConfig::default())?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut seeder = Seeder {
        runtime,
        writer,
        people,
        now,
        tz: estate.tz,
        records: 0,
    };
    seeder.seed_all()?;
    let records = seeder.records;
    drop(seeder);
    thread
        .join()
        .map_err(|_| DemoError::new("the writer failed while seeding"))?;
    tracing::info!(records, "demo estate seeded");
    Ok(Seeding::Seeded { tokens, records })
}

/// Writes the tokens beside the data, readable by the owner only.
fn write_tokens(data: &Path, tokens: &[IssuedToken]) -> Result<(), DemoError> {
    let mut text = String::from(
        "# Stairwell demo device tokens. SECRET: anyone with a token can act as its user.\n\
         # Delete this file once the tokens are on their devices.\n\
         # user\trole\tdevice\ttoken\n",
    );
    for issued in tokens {
        let _ = writeln!(
            text,
            "{}\t{}\t{}\t{}",
            issued.user.id, issued.user.role, issued.device, issued.token
        );
    }
    let path = data.join(TOKENS_FILE);
    std::fs::write(&path, text)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o600))?;
    }
    Ok(())
}

/// What `stairwell demo` prints before it serves.
pub fn banner(data: &Path, listen: SocketAddr, seeding: &Seeding, now: DateTime<Utc>) -> String {
    let url = format!("http://{listen}");
    let tz: Tz = TIME_ZONE.parse().unwrap_or(Tz::UTC);
    let today = local_date(now, tz);
    let month = today.format("%Y-%m");
    let tokens_path = data.join(TOKENS_FILE);
    let mut out = String::new();
    let _ = writeln!(
        out,
        "\nStairwell demo: {ESTATE_NAME} ({ESTATE_ID}, {TIME_ZONE})"
    );
    match seeding {
        Seeding::Seeded { records, .. } => {
            let _ = writeln!(out, "Seeded {records} records into {}", data.display());
        }
        Seeding::AlreadySeeded => {
            let _ = writeln!(
                out,
                "Using the demo data in {} (already seeded)",
                data.display()
            );
        }
    }
    let _ = writeln!(out);
    let _ = writeln!(out, "  Office console:     {url}/");
    let _ = writeln!(out, "  Sync URL (devices): {url}");
    let _ = writeln!(out, "  Feed WebSocket:     ws://{listen}/v1/feed/ws");
    let _ = writeln!(out);
    let office_token = match seeding {
        Seeding::Seeded { tokens, .. } => {
            let _ = writeln!(out, "Users and device tokens (shown this once):");
            for issued in tokens {
                // The name last: its CJK characters are double width.
                let _ = writeln!(
                    out,
                    "  {:<12} {:<11} {}  {}",
                    issued.user.id,
                    issued.user.role.as_str(),
                    issued.token,
                    issued.user.name
                );
            }
            let _ = writeln!(
                out,
                "\n  WARNING: the tokens are also in {}: it holds secrets, keep it private.",
                tokens_path.display()
            );
            tokens
                .iter()
                .find(|issued| issued.user.id == OFFICE)
                .map(|issued| issued.token.clone())
        }
        Seeding::AlreadySeeded => {
            let _ = writeln!(out, "Users:");
            for user in USERS {
                let _ = writeln!(
                    out,
                    "  {:<12} {:<11} {}",
                    user.id,
                    user.role.as_str(),
                    user.name
                );
            }
            let _ = writeln!(
                out,
                "\n  Their device tokens were printed when the demo was seeded and written to\n  \
                 {} (it holds secrets, keep it private).",
                tokens_path.display()
            );
            None
        }
    };
    let console_users: Vec<&str> = USERS
        .iter()
        .filter(|user| crate::accounts::password::may_sign_in(user.role))
        .map(|user| user.id)
        .collect();
    let _ = writeln!(
        out,
        "\nSign in to the office console at {url}/ as {} with the password \"{DEMO_PASSWORD}\".",
        console_users.join(", ")
    );
    let _ = writeln!(
        out,
        "  DEMO ONLY: that password is public. Set a real one with\n  \
         stairwell admin --data {} user password USER --password-stdin",
        data.display()
    );
    let token = office_token.as_deref().unwrap_or("OFFICE_TOKEN");
    let _ = writeln!(out, "\nReports (JSON), as the office user {OFFICE}:");
    let _ = writeln!(
        out,
        "  {url}/v1/reports/coverage?estate={ESTATE_ID}&week={today}&token={token}"
    );
    let _ = writeln!(
        out,
        "  {url}/v1/reports/callbacks?estate={ESTATE_ID}&token={token}"
    );
    let _ = writeln!(
        out,
        "  {url}/v1/reports/monthly?estate={ESTATE_ID}&month={month}&token={token}"
    );
    let field_token = match seeding {
        Seeding::Seeded { tokens, .. } => tokens
            .iter()
            .find(|issued| issued.user.id == PATROL)
            .map(|issued| issued.token.clone()),
        Seeding::AlreadySeeded => None,
    };
    let _ = writeln!(out, "\nTry a field device (as {PATROL}):");
    let _ = writeln!(
        out,
        "  stairwell field --store phone.db enroll --server {url} --token {}",
        field_token.as_deref().unwrap_or("TOKEN")
    );
    let _ = writeln!(out, "  stairwell field --store phone.db sync");
    let _ = writeln!(out, "  stairwell field --store phone.db list\n");
    out
}

/// Makes the records, each step as its user, each pushed through the writer.
struct Seeder {
    runtime: tokio::runtime::Runtime,
    writer: WriterHandle,
    people: HashMap<&'static str, Author>,
    now: DateTime<Utc>,
    tz: Tz,
    records: usize,
}

fn signature(signer: &str) -> Result<Signature, DemoError> {
    // The demo uploads no images: a signature names the hash of a stand-in.
    let hash = hex::encode(Sha256::digest(format!("signature of {signer}").as_bytes()));
    Ok(Signature::new(hash.parse()?, signer)?)
}

fn phone_callback(satisfied: bool, outcome: &str) -> Callback {
    Callback {
        method: CallbackMethod::Phone,
        signature: None,
        satisfied,
        outcome: outcome.to_owned(),
        follow_up_by: None,
    }
}

fn checkpoint_code(building: &str, floor: u32) -> String {
    format!("{building}-{floor:02}F")
}

/// The facilities every evening round visits: code, location, kind.
fn facilities() -> Vec<Checkpoint> {
    vec![
        Checkpoint::new(
            "CARPARK",
            Location::new("", "B1", "地下车库 Car park"),
            PlaceKind::CarPark,
        ),
        Checkpoint::new(
            "PLANT",
            Location::new("B1", "", "水泵房 Pump room"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "CLUB",
            Location::new("", "", "会所 Clubhouse"),
            PlaceKind::FacilityRoom,
        ),
        Checkpoint::new(
            "GARDEN",
            Location::new("", "", "中心花园 Central garden"),
            PlaceKind::GreenArea,
        ),
    ]
}

struct Repair<'a> {
    unit: &'a str,
    resident: &'a str,
    problem: &'a str,
    location: RepairLocation,
    on_price_list: bool,
    urgency: Urgency,
}

struct Case<'a> {
    unit: &'a str,
    resident: &'a str,
    heard: &'a str,
    recorded: &'a str,
    department: Department,
    seriousness: Seriousness,
    channel: Channel,
}

impl Seeder {
    fn editor(&self, user: &str) -> Result<Editor, DemoError> {
        let author = self
            .people
            .get(user)
            .ok_or_else(|| DemoError::new(format!("no demo user {user}")))?;
        Ok(Editor::new(user, author.device.clone(), author.role))
    }

    /// `hh:mm` local on the day `days_ago` days before today.
    fn day(&self, days_ago: u64, hh: u32, mm: u32) -> DateTime<Utc> {
        let date = sub_days(local_date(self.now, self.tz), days_ago);
        let time = NaiveTime::from_hms_opt(hh, mm, 0).unwrap_or(NaiveTime::MIN);
        at_local_time(date, time, self.tz)
    }

    fn ago(&self, minutes: i64) -> DateTime<Utc> {
        self.now - Duration::minutes(minutes)
    }

    fn push(
        &self,
        user: &str,
        doc: &RecordDoc,
        since: Option<&[ChangeHash]>,
    ) -> Result<(), DemoError> {
        let author = self
            .people
            .get(user)
            .ok_or_else(|| DemoError::new(format!("no demo user {user}")))?;
        let changes = match since {
            Some(heads) => doc.save_after(heads),
            None => doc.save(),
        };
        let record = PushedRecord {
            id: doc.id().to_string(),
            changes: serde_bytes::ByteBuf::from(changes),
        };
        let outcome = self
            .runtime
            .block_on(self.writer.push(author.clone(), vec![record]))?;
        match outcome.refused.first() {
            Some(refused) => Err(DemoError::new(format!(
                "the server refused a demo {} by {user}: {}",
                doc.kind(),
                refused.message
            ))),
            None => Ok(()),
        }
    }

    /// Stores a record just made by `user`.
    fn create<R: HasDoc>(&mut self, user: &str, record: &R) -> Result<(), DemoError> {
        self.push(user, record.record_doc(), None)?;
        self.records += 1;
        Ok(())
    }

    /// Runs `verb` as `user` and stores what it changed.
    fn act<R: HasDoc, T>(
        &self,
        user: &str,
        record: &mut R,
        verb: impl FnOnce(&mut R, &Editor) -> Result<T, RecordError>,
    ) -> Result<T, DemoError> {
        let editor = self.editor(user)?;
        let before = record.record_doc().heads();
        let out = verb(record, &editor)?;
        self.push(user, record.record_doc(), Some(&before))?;
        Ok(out)
    }

    fn seed_all(&mut self) -> Result<(), DemoError> {
        let route = self.route()?;
        let templates = self.checklist_templates()?;
        self.patrol_rounds(&route)?;
        self.repairs()?;
        self.complaints()?;
        self.help_requests()?;
        self.checklists(&templates)?;
        self.duty_logs()?;
        Ok(())
    }

    fn route(&mut self) -> Result<RouteTemplate, DemoError> {
        let mut checkpoints = Vec::new();
        for building in BUILDINGS {
            for floor in 1..=FLOORS {
                checkpoints.push(Checkpoint::new(
                    checkpoint_code(building, floor),
                    Location::new(building, format!("{floor}F"), "楼道 Corridor"),
                    PlaceKind::Floor,
                ));
            }
        }
        checkpoints.extend(facilities());
        let route = RouteTemplate::define(
            &self.editor(SUPERVISOR)?,
            self.day(30, 9, 0),
            ESTATE_ID,
            "东苑日常巡逻 Daily patrol",
            checkpoints,
        )?;
        self.create(SUPERVISOR, &route)?;
        Ok(route)
    }

    fn checklist_templates(&mut self) -> Result<Vec<ChecklistTemplate>, DemoError> {
        let kinds = [
            (
                "公共区域巡查表 Public area inspection",
                TemplateType::PublicAreaInspection,
            ),
            (
                "清洁检查记录 Cleaning inspection",
                TemplateType::CleaningInspection,
            ),
            (
                "装修验收 Renovation acceptance",
                TemplateType::RenovationAcceptance {
                    stage: RenovationStage::Formal,
                },
            ),
            ("收楼验房表 Unit handover", TemplateType::UnitHandover),
        ];
        let mut templates = Vec::new();
        for (minute, (name, kind)) in (0u32..).zip(kinds) {
            let template = ChecklistTemplate::define(
                &self.editor(SUPERVISOR)?,
                self.day(30, 9, 30 + minute),
                ESTATE_ID,
                name,
                kind,
                standard_items(kind),
            )?;
            self.create(SUPERVISOR, &template)?;
            templates.push(template);
        }
        Ok(templates)
    }

    /// A morning and an evening round each of the last seven days (one
    /// building's floors in the morning; the facilities and half of another
    /// building in the evening), some floors skipped, three findings, and a
    /// round under way now.
    fn patrol_rounds(&mut self, route: &RouteTemplate) -> Result<(), DemoError> {
        let patrol = self.editor(PATROL)?;
        for days_ago in (1..=7u64).rev() {
            let index = usize::try_from(days_ago).unwrap_or(0);
            let morning_building = BUILDINGS[index % BUILDINGS.len()];
            let floors: Vec<u32> = (1..=FLOORS)
                .filter(|floor| days_ago != 4 || !(7..=8).contains(floor))
                .collect();
            let start = self.day(days_ago, 9, 30);
            let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
            for (step, floor) in (1i64..).zip(&floors) {
                let code = checkpoint_code(morning_building, *floor);
                round.check_in(
                    &patrol,
                    start + Duration::minutes(2 * step),
                    &code,
                    CheckInMethod::Scan,
                )?;
            }
            let finding = match days_ago {
                2 => Some(FindingReport {
                    category: FindingCategory::FacilityDamage,
                    description: "7楼走廊两盏灯不亮 Two corridor lamps dark on 7F".into(),
                    location: Location::new(morning_building, "7F", "楼道 Corridor"),
                    photos: Vec::new(),
                }),
                5 => Some(FindingReport {
                    category: FindingCategory::PlantRoomDoorOpen,
                    description: "水泵房门开着，门锁损坏 Pump room door open, lock broken".into(),
                    location: Location::new("B1", "", "水泵房 Pump room"),
                    photos: Vec::new(),
                }),
                _ => None,
            };
            let finding_id = match finding {
                Some(report) => {
                    Some(round.add_finding(&patrol, start + Duration::minutes(15), report)?)
                }
                None => None,
            };
            round.finish(&patrol, start + Duration::minutes(40))?;
            self.create(PATROL, &round)?;
            if let (2, Some(finding)) = (days_ago, finding_id) {
                self.repair_from_finding(&mut round, &finding, days_ago, morning_building)?;
            }

            let evening_building = BUILDINGS[(index + 1) % BUILDINGS.len()];
            let start = self.day(days_ago, 20, 0);
            let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
            let mut minute = 0;
            for checkpoint in facilities() {
                minute += 4;
                round.check_in(
                    &patrol,
                    start + Duration::minutes(minute),
                    &checkpoint.code,
                    CheckInMethod::Scan,
                )?;
            }
            for floor in 1..=6 {
                minute += 2;
                let method = if floor == 3 {
                    CheckInMethod::Manual
                } else {
                    CheckInMethod::Scan
                };
                round.check_in(
                    &patrol,
                    start + Duration::minutes(minute),
                    &checkpoint_code(evening_building, floor),
                    method,
                )?;
            }
            if days_ago == 3 {
                round.add_finding(
                    &patrol,
                    start + Duration::minutes(5),
                    FindingReport {
                        category: FindingCategory::Cleanliness,
                        description: "车库垃圾桶满溢 Car park bins overflowing".into(),
                        location: Location::new("", "B1", "地下车库 Car park"),
                        photos: Vec::new(),
                    },
                )?;
                round.add_note(
                    &patrol,
                    start + Duration::minutes(30),
                    "已通知保洁 Cleaners told",
                )?;
            }
            round.finish(&patrol, start + Duration::minutes(minute + 5))?;
            self.create(PATROL, &round)?;
        }
        // Under way now.
        let start = self.ago(40);
        let mut round = PatrolRound::start(&patrol, start, ESTATE_ID, route.plan())?;
        for floor in 1..=5 {
            round.check_in(
                &patrol,
                start + Duration::minutes(3 * i64::from(floor)),
                &checkpoint_code(BUILDINGS[0], floor),
                CheckInMethod::Scan,
            )?;
        }
        self.create(PATROL, &round)?;
        Ok(())
    }

    fn repair_from_finding(
        &mut self,
        round: &mut PatrolRound,
        finding: &str,
        days_ago: u64,
        building: &str,
    ) -> Result<(), DemoError> {
        let patrol = self.editor(PATROL)?;
        let at = self.day(days_ago, 10, 0);
        let intake = RepairIntake {
            resident_name: "物业巡逻 Patrol".into(),
            unit: format!("{building} 7F 楼道 Corridor"),
            phone: "0755-2888 0000".into(),
            problem: "走廊灯不亮 Corridor lamps dark".into(),
            location: RepairLocation::PublicArea,
            on_price_list: false,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let before = round.doc().heads();
        let mut sheet = open_repair_from_finding(round, &patrol, at, finding, intake)?;
        self.push(PATROL, round.doc(), Some(&before))?;
        self.create(PATROL, &sheet)?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, at + Duration::minutes(25), LI)
        })?;
        Ok(())
    }

    fn open_repair(
        &mut self,
        repair: Repair<'_>,
        reported: DateTime<Utc>,
    ) -> Result<RepairSheet, DemoError> {
        let intake = RepairIntake {
            resident_name: repair.resident.into(),
            unit: repair.unit.into(),
            phone: "138 0013 8000".into(),
            problem: repair.problem.into(),
            location: repair.location,
            on_price_list: repair.on_price_list,
            urgency: repair.urgency,
            appointment: None,
        };
        let sheet = RepairSheet::open(
            &self.editor(DESK)?,
            reported + Duration::minutes(2),
            ESTATE_ID,
            intake,
            reported,
            None,
        )?;
        self.create(DESK, &sheet)?;
        Ok(sheet)
    }

    /// Dispatch to `tech`, arrival, the resident's agreement where the unit
    /// pays, completion: the usual path, starting at `reported`.
    fn work(
        &self,
        sheet: &mut RepairSheet,
        tech: &str,
        reported: DateTime<Utc>,
        item: &str,
    ) -> Result<DateTime<Utc>, DemoError> {
        let minutes = Duration::minutes;
        self.act(SUPERVISOR, sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), tech)
        })?;
        self.act(tech, sheet, |s, e| s.arrive(e, reported + minutes(14)))?;
        let in_unit = sheet.view().intake.location == RepairLocation::InUnit;
        if in_unit {
            self.act(tech, sheet, |s, e| {
                s.confirm_items(
                    e,
                    reported + minutes(18),
                    vec![item.to_owned()],
                    "按价目表 Price list",
                )
            })?;
            self.act(tech, sheet, |s, e| s.agree(e, reported + minutes(20)))?;
            self.act(tech, sheet, |s, e| {
                s.add_fee_line(
                    e,
                    reported + minutes(40),
                    FeeLine {
                        description: item.to_owned(),
                        quantity: 1,
                        unit_price_cents: 5000,
                        from_price_list: true,
                    },
                )
            })?;
        }
        let done = reported + minutes(55);
        let resident = sheet.view().intake.resident_name;
        let signed = signature(&resident)?;
        self.act(tech, sheet, |s, e| {
            s.complete(
                e,
                done,
                vec![item.to_owned()],
                signed,
                Satisfaction::Satisfied,
            )
        })?;
        Ok(done)
    }

    fn hand_back_and_return(
        &self,
        sheet: &mut RepairSheet,
        tech: &str,
        done: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(tech, sheet, |s, e| {
            s.hand_back(e, done + Duration::hours(3))
        })?;
        self.act(SUPERVISOR, sheet, |s, e| {
            s.confirm_return(e, done + Duration::hours(4))
        })
    }

    /// Repair sheets in every state, some of them late.
    fn repairs(&mut self) -> Result<(), DemoError> {
        let in_unit = |unit, resident, problem| Repair {
            unit,
            resident,
            problem,
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
        };
        let minutes = Duration::minutes;

        // Reported 25 minutes ago and not yet passed to engineering: late.
        let reported = self.ago(25);
        self.open_repair(
            in_unit(
                "B3-1203",
                "刘女士 Ms Liu",
                "卫生间地漏反味 Floor drain smells",
            ),
            reported,
        )?;

        // Dispatched three hours ago; the technician has not arrived: late.
        let reported = self.ago(180);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-0502",
                "孙先生 Mr Sun",
                "空调不制冷 Air conditioner not cooling",
            ),
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(6), WANG)
        })?;

        // Not on the price list: engineering quoted the fee.
        let reported = self.day(1, 14, 0);
        let mut sheet = self.open_repair(
            Repair {
                on_price_list: false,
                ..in_unit(
                    "B2-0801",
                    "周先生 Mr Zhou",
                    "更换防盗门锁芯 Replace security door lock cylinder",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.quote(
                e,
                reported + minutes(15),
                true,
                Some(18_000),
                "锁芯 C 级 Grade C cylinder",
            )
        })?;

        // On site now, items confirmed.
        let reported = self.ago(50);
        let mut sheet = self.open_repair(
            Repair {
                urgency: Urgency::Urgent,
                ..in_unit(
                    "B3-0304",
                    "吴女士 Ms Wu",
                    "厨房水管漏水 Kitchen pipe leaking",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(4), WANG)
        })?;
        self.act(WANG, &mut sheet, |s, e| s.arrive(e, reported + minutes(14)))?;
        self.act(WANG, &mut sheet, |s, e| {
            s.confirm_items(
                e,
                reported + minutes(20),
                vec!["更换角阀 Replace angle valve".into()],
                "按价目表 Price list",
            )
        })?;

        // Agreed, with a fee line and the resident's own lamp checked.
        let reported = self.day(1, 10, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-1102",
                "郑先生 Mr Zheng",
                "更换吸顶灯 Replace ceiling lamp",
            ),
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(LI, &mut sheet, |s, e| s.arrive(e, reported + minutes(15)))?;
        self.act(LI, &mut sheet, |s, e| s.agree(e, reported + minutes(20)))?;
        self.act(LI, &mut sheet, |s, e| {
            s.add_fee_line(
                e,
                reported + minutes(25),
                FeeLine {
                    description: "灯具安装 Lamp fitting".into(),
                    quantity: 1,
                    unit_price_cents: 3000,
                    from_price_list: true,
                },
            )
        })?;
        self.act(LI, &mut sheet, |s, e| {
            s.check_material(
                e,
                reported + minutes(26),
                MaterialCheck {
                    material: "住户自购吸顶灯 Resident's own lamp".into(),
                    result: MaterialResult::Qualified,
                    note: String::new(),
                },
            )
        })?;

        // Completed in a public area yesterday, never handed back: late.
        let reported = self.day(1, 16, 0);
        let mut sheet = self.open_repair(
            Repair {
                location: RepairLocation::PublicArea,
                on_price_list: false,
                ..in_unit(
                    "B2 大堂 Lobby",
                    "物业前台 Front desk",
                    "大堂门禁失灵 Lobby door access failing",
                )
            },
            reported,
        )?;
        self.work(&mut sheet, WANG, reported, "更换读卡器 Replace card reader")?;

        // Handed back, waiting for the supervisor.
        let reported = self.day(2, 9, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B3-0906",
                "冯女士 Ms Feng",
                "马桶水箱漏水 Toilet cistern leaking",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换进水阀 Replace inlet valve")?;
        self.act(WANG, &mut sheet, |s, e| {
            s.hand_back(e, done + Duration::hours(5))
        })?;

        // Returned; its callback is due within the month.
        let reported = self.day(5, 9, 0);
        let mut sheet = self.open_repair(
            in_unit("B1-0201", "陈先生 Mr Chen", "水龙头漏水 Dripping tap"),
            reported,
        )?;
        let done = self.work(&mut sheet, LI, reported, "更换水龙头 Replace tap")?;
        self.hand_back_and_return(&mut sheet, LI, done)?;

        // Called back, the resident satisfied.
        let reported = self.day(6, 10, 0);
        let mut sheet = self.open_repair(
            in_unit("B2-0403", "黄女士 Ms Huang", "插座无电 Socket dead"),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换插座 Replace socket")?;
        self.hand_back_and_return(&mut sheet, WANG, done)?;
        self.act(PATROL, &mut sheet, |s, e| {
            s.call_back(
                e,
                self.day(3, 15, 0),
                phone_callback(true, "使用正常 Works fine"),
            )
        })?;

        // Called back, but the problem is back: to be called again.
        let reported = self.day(7, 11, 0);
        let mut sheet = self.open_repair(
            in_unit(
                "B3-0707",
                "林先生 Mr Lin",
                "阳台推拉门卡滞 Balcony sliding door sticks",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, LI, reported, "更换滑轮 Replace rollers")?;
        self.hand_back_and_return(&mut sheet, LI, done)?;
        let mut unsatisfied = phone_callback(false, "又卡住了 Sticking again");
        unsatisfied.follow_up_by = Some(self.now + Duration::days(2));
        self.act(DESK, &mut sheet, |s, e| {
            s.call_back(e, self.day(2, 15, 30), unsatisfied)
        })?;

        // Returned 40 days ago and never called back: overdue.
        let reported = self.day(40, 9, 30);
        let mut sheet = self.open_repair(
            in_unit(
                "B1-1201",
                "马女士 Ms Ma",
                "热水器不点火 Water heater will not light",
            ),
            reported,
        )?;
        let done = self.work(&mut sheet, WANG, reported, "更换点火针 Replace igniter")?;
        self.hand_back_and_return(&mut sheet, WANG, done)?;

        // Declined by the resident at the fee, and handed back.
        let reported = self.day(3, 9, 0);
        let mut sheet = self.open_repair(
            Repair {
                on_price_list: false,
                ..in_unit(
                    "B2-1001",
                    "杨先生 Mr Yang",
                    "客厅墙面重新粉刷 Repaint living room walls",
                )
            },
            reported,
        )?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.dispatch(e, reported + minutes(5), LI)
        })?;
        self.act(SUPERVISOR, &mut sheet, |s, e| {
            s.quote(
                e,
                reported + minutes(12),
                true,
                Some(120_000),
                "两遍乳胶漆 Two coats",
            )
        })?;
        self.act(LI, &mut sheet, |s, e| s.arrive(e, reported + minutes(60)))?;
        let signed = signature("杨先生 Mr Yang")?;
        self.act(LI, &mut sheet, |s, e| {
            s.decline(e, reported + minutes(70), "费用太高 Fee too high", signed)
        })?;
        self.act(LI, &mut sheet, |s, e| {
            s.hand_back(e, reported + Duration::hours(6))
        })?;
        Ok(())
    }

    fn open_case(
        &mut self,
        case: Case<'_>,
        received: DateTime<Utc>,
    ) -> Result<Complaint, DemoError> {
        let intake = ComplaintIntake {
            resident_name: case.resident.into(),
            unit: case.unit.into(),
            phone: "139 0013 9000".into(),
            department: case.department,
            seriousness: case.seriousness,
            serious: false,
        };
        let clears = FourClears {
            heard: case.heard.into(),
            asked: "时间、地点、持续多久已问清 When, where and how long asked".into(),
            repeated_back: true,
            recorded: case.recorded.into(),
            reported_to: match case.channel {
                Channel::Complaint => Some("客服主管陈静 Chen Jing".into()),
                Channel::HelpRequest(_) => None,
            },
        };
        let complaint = Complaint::open(
            &self.editor(DESK)?,
            received + Duration::minutes(3),
            ESTATE_ID,
            intake,
            case.channel,
            clears,
            received,
        )?;
        self.create(DESK, &complaint)?;
        Ok(complaint)
    }

    fn dispatch_case(
        &self,
        complaint: &mut Complaint,
        department: Department,
        person: Option<&str>,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(DESK, complaint, |c, e| {
            c.dispatch(e, at, department, person)
        })
    }

    fn handle_case(
        &self,
        complaint: &mut Complaint,
        by: &str,
        action: &str,
        at: DateTime<Utc>,
    ) -> Result<(), DemoError> {
        self.act(by, complaint, |c, e| c.record_handling(e, at, action, at))
    }

    fn sign_off_case(&self, complaint: &mut Complaint, at: DateTime<Utc>) -> Result<(), DemoError> {
        let resident = complaint.view().intake.resident_name;
        let signed = signature(&resident)?;
        self.act(PATROL, complaint, |c, e| {
            c.resident_sign_off(e, at, signed, Satisfaction::Satisfied)
        })
    }

    /// Complaints in every state, one handled late, one a duplicate, one
    /// major and escalated.
    fn complaints(&mut self) -> Result<(), DemoError> {
        let complaint = |unit, resident, heard, recorded, department| Case {
            unit,
            resident,
            heard,
            recorded,
            department,
            seriousness: Seriousness::Ordinary,
            channel: Channel::Complaint,
        };
        let hours = Duration::hours;

        // Received: just in.
        self.open_case(
            complaint(
                "B2-1102",
                "钱女士 Ms Qian",
                "楼上每天中午装修电钻声 Drilling upstairs every noon",
                "B2-1202 午间装修噪音 Renovation noise at noon",
                Department::Property,
            ),
            self.ago(20),
        )?;

        // Dispatched to engineering, and the same problem again: a duplicate.
        let received = self.day(1, 19, 0);
        let mut lighting = self.open_case(
            complaint(
                "B1-0101",
                "许先生 Mr Xu",
                "地下车库太暗 Car park too dark",
                "地下车库照明不足 Car park lighting dim",
                Department::Engineering,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut lighting,
            Department::Engineering,
            Some(LI),
            received + Duration::minutes(8),
        )?;
        let mut again = self.open_case(
            complaint(
                "B3-0202",
                "何女士 Ms He",
                "车库灯坏了好几盏 Several car park lights out",
                "地下车库照明不足 Car park lighting dim",
                Department::Engineering,
            ),
            received + Duration::minutes(40),
        )?;
        let original = lighting.id();
        self.act(DESK, &mut again, |c, e| {
            c.mark_duplicate_of(e, received + Duration::minutes(45), original)
        })?;

        // Handled, waiting for the resident's signature.
        let received = self.day(2, 9, 0);
        let mut lift = self.open_case(
            complaint(
                "B3-0901",
                "谢先生 Mr Xie",
                "电梯运行有异响 Lift makes a grinding noise",
                "B3 电梯异响 B3 lift noise",
                Department::Engineering,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut lift,
            Department::Engineering,
            Some(LI),
            received + Duration::minutes(10),
        )?;
        self.handle_case(
            &mut lift,
            LI,
            "导轨已润滑 Guide rails lubricated",
            received + hours(6),
        )?;

        // Handled and signed off.
        let received = self.day(3, 10, 0);
        let mut garbage = self.open_case(
            complaint(
                "B1-0303",
                "罗女士 Ms Luo",
                "垃圾两天没清运 Rubbish not collected for two days",
                "B1 垃圾清运不及时 B1 rubbish collection late",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut garbage,
            Department::Property,
            None,
            received + Duration::minutes(5),
        )?;
        self.handle_case(
            &mut garbage,
            PATROL,
            "已安排加清一次 Extra collection arranged",
            received + hours(4),
        )?;
        self.sign_off_case(&mut garbage, received + hours(5))?;

        // Called back; the resident is satisfied.
        let received = self.day(6, 9, 30);
        let mut dog = self.open_case(
            complaint(
                "B2-0505",
                "高先生 Mr Gao",
                "邻居的狗夜里一直叫 Neighbour's dog barks all night",
                "B2-0605 犬吠扰民 Dog barking at night",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut dog,
            Department::Property,
            None,
            received + Duration::minutes(5),
        )?;
        self.handle_case(
            &mut dog,
            PATROL,
            "已上门劝导 Owner spoken to",
            received + hours(8),
        )?;
        self.sign_off_case(&mut dog, received + hours(9))?;
        self.act(PATROL, &mut dog, |c, e| {
            c.call_back(
                e,
                self.day(4, 10, 0),
                phone_callback(true, "已无犬吠 No more barking"),
            )
        })?;

        // Called back; the problem is back, so it is open again.
        let received = self.day(5, 14, 0);
        let mut seepage = self.open_case(
            Case {
                seriousness: Seriousness::Important,
                ..complaint(
                    "B1-0808",
                    "袁女士 Ms Yuan",
                    "楼梯间墙面渗水 Water seeping through the stairwell wall",
                    "B1 8F 楼梯间渗水 B1 8F stairwell seepage",
                    Department::Engineering,
                )
            },
            received,
        )?;
        self.dispatch_case(
            &mut seepage,
            Department::Engineering,
            Some(WANG),
            received + Duration::minutes(10),
        )?;
        self.handle_case(
            &mut seepage,
            WANG,
            "外墙打胶 Facade resealed",
            received + hours(20),
        )?;
        self.act(SUPERVISOR, &mut seepage, |c, e| {
            c.call_back(
                e,
                self.day(3, 11, 0),
                phone_callback(false, "下雨后仍渗水 Still seeps after rain"),
            )
        })?;

        // Handled three days late and never called back.
        let received = self.day(7, 9, 0);
        let mut water = self.open_case(
            complaint(
                "B3-0101",
                "邓先生 Mr Deng",
                "花园积水好几天 Standing water in the garden for days",
                "中心花园积水 Standing water in central garden",
                Department::Property,
            ),
            received,
        )?;
        self.dispatch_case(
            &mut water,
            Department::Property,
            None,
            received + Duration::minutes(30),
        )?;
        self.handle_case(
            &mut water,
            PATROL,
            "已疏通排水口 Drain cleared",
            self.day(4, 10, 0),
        )?;

        // Major: escalated to management at once, then handled.
        let received = self.day(1, 8, 0);
        let mut tiles = self.open_case(
            Case {
                seriousness: Seriousness::Major,
                ..complaint(
                    "B2 外墙 Facade",
                    "曹先生 Mr Cao",
                    "外墙瓷砖掉落差点砸到人 A facade tile fell and nearly hit someone",
                    "B2 外墙瓷砖脱落 B2 facade tiles falling",
                    Department::Engineering,
                )
            },
            received,
        )?;
        self.act(SUPERVISOR, &mut tiles, |c, e| {
            c.escalate(e, received + Duration::minutes(6), "公司总经理 Company GM")
        })?;
        self.dispatch_case(
            &mut tiles,
            Department::Engineering,
            Some(WANG),
            received + Duration::minutes(8),
        )?;
        self.handle_case(
            &mut tiles,
            WANG,
            "已拉警戒线并清除松动瓷砖 Cordoned off, loose tiles removed",
            received + hours(4),
        )?;
        Ok(())
    }

    /// Help requests: one unanswered (late), one solved at once, one
    /// reported to the head and answered in time, one answered late.
    fn help_requests(&mut self) -> Result<(), DemoError> {
        let help = |unit, resident, heard, recorded, department, kind| Case {
            unit,
            resident,
            heard,
            recorded,
            department,
            seriousness: Seriousness::Ordinary,
            channel: Channel::HelpRequest(kind),
        };
        let minutes = Duration::minutes;

        self.open_case(
            help(
                "B3-0505",
                "韩女士 Ms Han",
                "明天几点停水？ When is the water off tomorrow?",
                "询问停水时间 Asks about the water cut",
                Department::Property,
                HelpKind::Enquiry,
            ),
            self.ago(12),
        )?;

        let received = self.day(1, 11, 0);
        let mut solved = self.open_case(
            help(
                "B1-0707",
                "冯先生 Mr Feng",
                "家里跳闸了 The breaker tripped",
                "B1-0707 跳闸 Breaker tripped",
                Department::Engineering,
                HelpKind::Repair,
            ),
            received,
        )?;
        self.act(DESK, &mut solved, |c, e| {
            c.answer(
                e,
                received + minutes(4),
                "指导住户复位空开 Talked through resetting it",
                true,
            )
        })?;

        let received = self.day(2, 21, 0);
        let mut theft = self.open_case(
            help(
                "B2 车棚 Bike shed",
                "程先生 Mr Cheng",
                "电动车被偷了 My e-bike was stolen",
                "B2 车棚电动车被盗 E-bike stolen from B2 shed",
                Department::Security,
                HelpKind::Crime(CrimeKind::Theft),
            ),
            received,
        )?;
        self.act(DESK, &mut theft, |c, e| {
            c.report_to_head(e, received + minutes(4), "保安队长 Security chief")
        })?;
        self.act(DESK, &mut theft, |c, e| {
            c.answer(
                e,
                received + minutes(9),
                "已调取监控并报警 CCTV pulled, police called",
                false,
            )
        })?;
        self.dispatch_case(
            &mut theft,
            Department::Security,
            None,
            received + minutes(10),
        )?;

        let received = self.day(4, 6, 0);
        let mut flood = self.open_case(
            help(
                "B1 地下室 Basement",
                "夜班保安 Night guard",
                "地下室进水 Water coming into the basement",
                "B1 地下室进水 B1 basement flooding",
                Department::Engineering,
                HelpKind::Disaster(DisasterKind::Flood),
            ),
            received,
        )?;
        self.act(NIGHT_DESK, &mut flood, |c, e| {
            c.report_to_head(e, received + minutes(5), "工程主管 Engineering supervisor")
        })?;
        self.act(NIGHT_DESK, &mut flood, |c, e| {
            c.answer(
                e,
                received + minutes(14),
                "抽水泵已启动 Pumps started",
                false,
            )
        })?;
        self.dispatch_case(
            &mut flood,
            Department::Engineering,
            Some(WANG),
            received + minutes(15),
        )?;
        self.handle_case(
            &mut flood,
            WANG,
            "排水完毕 Water pumped out",
            received + Duration::hours(2),
        )?;
        Ok(())
    }

    /// A public-area inspection with a failed item that opened a repair, a
    /// clean cleaning inspection, a signed unit handover with a defect, and
    /// a renovation acceptance under way.
    fn checklists(&mut self, templates: &[ChecklistTemplate]) -> Result<(), DemoError> {
        let [public_area, cleaning, renovation, handover] = templates else {
            return Err(DemoError::new("four checklist templates expected"));
        };
        let patrol = self.editor(PATROL)?;
        let minutes = Duration::minutes;

        let start = self.day(1, 15, 0);
        let mut sheet = Checklist::start(
            &patrol,
            start,
            ESTATE_ID,
            public_area.plan(),
            Site::new("B3", "7F", None),
        )?;
        for (step, item) in (1i64..).zip(public_area.plan().items) {
            let (result, note) = if item.id == "lamps" {
                (
                    ItemResult::Fail,
                    "7楼消防通道灯不亮 Fire escape lamp dark on 7F",
                )
            } else {
                (ItemResult::Pass, "")
            };
            sheet.set_item(&patrol, start + minutes(step), &item.id, result, note)?;
        }
        sheet.sign(
            &patrol,
            start + minutes(12),
            signature("赵强 Zhao Qiang")?,
            None,
        )?;
        self.create(PATROL, &sheet)?;
        let intake = RepairIntake {
            resident_name: "物业巡逻 Patrol".into(),
            unit: "B3 7F 消防通道 Fire escape".into(),
            phone: "0755-2888 0000".into(),
            problem: "消防通道灯不亮 Fire escape lamp dark".into(),
            location: RepairLocation::PublicArea,
            on_price_list: false,
            urgency: Urgency::Normal,
            appointment: None,
        };
        let before = sheet.doc().heads();
        let repair =
            open_repair_from_item(&mut sheet, &patrol, start + minutes(14), "lamps", intake)?;
        self.push(PATROL, sheet.doc(), Some(&before))?;
        self.create(PATROL, &repair)?;
        self.act(PATROL, &mut sheet, |c, e| {
            c.complete(e, start + minutes(15))
        })?;

        let start = self.day(2, 16, 0);
        let mut sheet = Checklist::start(
            &patrol,
            start,
            ESTATE_ID,
            cleaning.plan(),
            Site::new("B1", "1F", None),
        )?;
        for (step, item) in (1i64..).zip(cleaning.plan().items) {
            let result = if item.id == "green_areas" {
                ItemResult::NotApplicable
            } else {
                ItemResult::Pass
            };
            sheet.set_item(&patrol, start + minutes(step), &item.id, result, "")?;
        }
        sheet.complete(&patrol, start + minutes(12))?;
        self.create(PATROL, &sheet)?;

        let sup = self.editor(SUPERVISOR)?;
        let start = self.day(3, 10, 0);
        let mut sheet = Checklist::start(
            &sup,
            start,
            ESTATE_ID,
            handover.plan(),
            Site::new("B3", "12F", Some("B3-1201")),
        )?;
        for (step, item) in (1i64..).zip(handover.plan().items) {
            let (result, note) = if step == 2 {
                (
                    ItemResult::Fail,
                    "客厅墙面裂缝 Crack in the living-room wall",
                )
            } else {
                (ItemResult::Pass, "")
            };
            sheet.set_item(&sup, start + minutes(step), &item.id, result, note)?;
        }
        for (meter, reading) in [
            (MeterKind::Electricity, "00012.4"),
            (MeterKind::Water, "0003.1"),
            (MeterKind::Gas, "0000.8"),
        ] {
            sheet.record_meter(
                &sup,
                start + minutes(20),
                MeterReading {
                    meter,
                    reading: reading.into(),
                    owner: "田女士 Ms Tian".into(),
                },
            )?;
        }
        sheet.sign(
            &sup,
            start + minutes(30),
            signature("陈静 Chen Jing")?,
            Some(signature("田女士 Ms Tian")?),
        )?;
        sheet.complete(&sup, start + minutes(31))?;
        self.create(SUPERVISOR, &sheet)?;

        let start = self.ago(90);
        let mut sheet = Checklist::start(
            &sup,
            start,
            ESTATE_ID,
            renovation.plan(),
            Site::new("B1", "9F", Some("B1-0901")),
        )?;
        for (step, item) in (1i64..).zip(renovation.plan().items.into_iter().take(3)) {
            sheet.set_item(&sup, start + minutes(step), &item.id, ItemResult::Pass, "")?;
        }
        self.create(SUPERVISOR, &sheet)?;
        Ok(())
    }

    /// The last three duty days: two handed over (the older one signed off
    /// by the supervisor), and today's with an open follow-up.
    fn duty_logs(&mut self) -> Result<(), DemoError> {
        let today = duty_day_of(self.now, self.tz);
        for days_ago in [2u64, 1] {
            let date = sub_days(today, days_ago);
            let signed = days_ago == 2;
            self.past_duty_log(date, signed)?;
        }
        self.current_duty_log(today)
    }

    fn entry(text: &str, category: EntryCategory, follow_up: bool) -> NewEntry {
        NewEntry {
            text: text.to_owned(),
            category,
            important: false,
            follow_up,
        }
    }

    fn past_duty_log(&mut self, date: NaiveDate, signed: bool) -> Result<(), DemoError> {
        let (start, end) = duty_day_bounds(date, self.tz);
        let minutes = Duration::minutes;
        let mut log = DutyLog::open_for_day(ESTATE_ID, date, self.tz)?;
        let desk = self.editor(DESK)?;
        log.append_entry(
            &desk,
            start + minutes(10),
            Self::entry(
                "接班，交接物品齐全 Took over, equipment complete",
                EntryCategory::Equipment,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            start + minutes(95),
            Self::entry(
                "B2-0403 报修插座无电，已开维修单 Socket repair sheet opened",
                EntryCategory::Call,
                false,
            ),
        )?;
        let parcel = log.append_entry(
            &desk,
            start + minutes(200),
            Self::entry(
                "快递柜故障，已报厂家 Parcel locker fault reported to vendor",
                EntryCategory::FollowUp,
                true,
            ),
        )?;
        log.close_follow_up(
            &desk,
            start + minutes(500),
            &parcel,
            "厂家已修复 Vendor fixed it",
        )?;
        let visit = log.append_entry(
            &desk,
            start + minutes(600),
            Self::entry(
                "B1-1201 住户来访询问物业费 Resident asked about fees",
                EntryCategory::Visit,
                true,
            ),
        )?;
        self.create(DESK, &log)?;
        let handover_at = start + Duration::hours(12);
        let (outgoing_signature, incoming_signature) =
            (signature("林晓 Lin Xiao")?, signature("何芳 He Fang")?);
        self.act(DESK, &mut log, |l, e| {
            l.hand_over(
                e,
                handover_at,
                Handover {
                    outgoing: DESK.into(),
                    incoming: NIGHT_DESK.into(),
                    incoming_arrived_at: handover_at - minutes(5),
                    equipment: vec![
                        EquipmentCount {
                            item: "对讲机 Radios".into(),
                            expected: 6,
                            counted: 6,
                            note: String::new(),
                        },
                        EquipmentCount {
                            item: "手电筒 Torches".into(),
                            expected: 4,
                            counted: 3,
                            note: "一支借给巡逻 One lent to patrol".into(),
                        },
                    ],
                    acknowledged: vec![visit.clone()],
                    outgoing_signature,
                    incoming_signature,
                },
            )
        })?;
        self.act(NIGHT_DESK, &mut log, |l, e| {
            l.close_follow_up(
                e,
                handover_at + Duration::hours(1),
                &visit,
                "已回电说明 Called back with the answer",
            )
        })?;
        self.act(NIGHT_DESK, &mut log, |l, e| {
            l.append_entry(
                e,
                handover_at + Duration::hours(6),
                Self::entry(
                    "凌晨巡查无异常 Night check, all quiet",
                    EntryCategory::Other,
                    false,
                ),
            )
        })?;
        if signed {
            let sign = signature("陈静 Chen Jing")?;
            self.act(SUPERVISOR, &mut log, |l, e| {
                l.sign_off(e, end + minutes(15), sign, "已阅 Read")
            })?;
        }
        Ok(())
    }

    fn current_duty_log(&mut self, date: NaiveDate) -> Result<(), DemoError> {
        let (start, _) = duty_day_bounds(date, self.tz);
        // Spread the entries over the part of the day that has passed.
        let span = (self.now - start).num_seconds().max(60);
        let at = |share: i64| start + Duration::seconds(span * share / 100);
        let mut log = DutyLog::open_for_day(ESTATE_ID, date, self.tz)?;
        let desk = self.editor(DESK)?;
        log.append_entry(
            &desk,
            at(5),
            Self::entry(
                "接班，对讲机 6 台齐全 Took over, 6 radios",
                EntryCategory::Equipment,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            at(40),
            Self::entry(
                "B3-0304 厨房漏水，已派王磊 Kitchen leak, Wang sent",
                EntryCategory::Call,
                false,
            ),
        )?;
        log.append_entry(
            &desk,
            at(80),
            Self::entry(
                "B2 外墙警戒线需每日检查 Check the B2 facade cordon daily",
                EntryCategory::FollowUp,
                true,
            ),
        )?;
        self.create(DESK, &log)?;
        Ok(())
    }
}

#[cfg(test)]
mod tests;
