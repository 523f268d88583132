//! The device API spoken by hand: a small blocking client for
//! `POST /v1/sync` and plain GETs, devices issued through the admin command
//! line with the editor their phone would write events as, and a [`World`]
//! of two estates and a device for each role the API tests need, served by
//! the one [`crate::Server`].

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use crate::server::Server;

use automerge::ChangeHash;
use chrono::{Duration, Utc};
use serde_bytes::ByteBuf;
use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
use stairwell_core::protocol::{
    self, Accepted, CONTENT_TYPE, ErrorBody, PROTOCOL_VERSION, PushedRecord, SYNC_PATH,
    SyncRequest, SyncResponse,
};
use stairwell_core::record::{Editor, Role};
use stairwell_core::rules::{RepairLocation, Urgency};

/// Runs `stairwell admin --data DATA ARGS…`.
pub fn admin(data: &Path, args: &[&str]) -> Output {
    Command::new(crate::server::binary())
        .arg("admin")
        .arg("--data")
        .arg(data)
        .args(crate::backend::storage_args(data))
        .args(args)
        .output()
        .expect("run stairwell admin")
}

pub fn admin_ok(data: &Path, args: &[&str]) -> String {
    let out = admin(data, args);
    assert!(
        out.status.success(),
        "admin {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A device as issued by the admin command line, with the editor its
/// phone would write events as.
#[derive(Debug, Clone)]
pub struct Device {
    pub id: String,
    pub token: String,
    pub editor: Editor,
}

pub fn issue(data: &Path, user: &str, role: Role) -> Device {
    let out = admin_ok(data, &["device", "issue", "--user", user]);
    let field = |name: &str| {
        out.lines()
            .find_map(|line| line.strip_prefix(name))
            .unwrap_or_else(|| panic!("no {name} in {out}"))
            .trim()
            .to_owned()
    };
    let id = field("device_id:");
    Device {
        token: field("token:"),
        editor: Editor::new(user, id.clone(), role),
        id,
    }
}

/// A small blocking HTTP client for the sync endpoint.
#[derive(Debug, Clone)]
pub struct Client {
    pub url: String,
    agent: ureq::Agent,
}

impl Client {
    pub fn new(url: &str) -> Self {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .proxy(None)
            .build()
            .into();
        Client {
            url: url.to_owned(),
            agent,
        }
    }

    /// POSTs raw bytes to the sync endpoint.
    pub fn post(&self, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
        let mut request = self
            .agent
            .post(format!("{}{SYNC_PATH}", self.url))
            .content_type(CONTENT_TYPE);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.send(body).expect("send");
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .expect("read body");
        (status, bytes)
    }

    /// A sync that must succeed.
    pub fn sync(&self, device: &Device, request: &SyncRequest) -> SyncResponse {
        let (status, bytes) = self.post(Some(&device.token), &protocol::encode(request));
        assert_eq!(
            status,
            200,
            "sync failed: {:?}",
            protocol::decode::<ErrorBody>(&bytes)
        );
        protocol::decode(&bytes).expect("a sync response")
    }

    /// A request that must fail as a whole: its status and error body.
    pub fn fail(&self, token: Option<&str>, body: &[u8]) -> (u16, ErrorBody) {
        let (status, bytes) = self.post(token, body);
        assert_ne!(status, 200, "expected a failure");
        (status, protocol::decode(&bytes).expect("a CBOR error body"))
    }

    /// A GET with a device token in the `Authorization` header.
    pub fn get_with_token(&self, path: &str, token: &str) -> (u16, String) {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.url))
            .header("Authorization", format!("Bearer {token}"))
            .call()
            .expect("get");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().expect("read body"),
        )
    }

    pub fn get(&self, path: &str) -> (u16, String) {
        let mut response = self
            .agent
            .get(format!("{}{path}", self.url))
            .call()
            .expect("get");
        let status = response.status().as_u16();
        (
            status,
            response.body_mut().read_to_string().expect("read body"),
        )
    }
}

/// Two estates and a device for each kind of user the tests need.
#[derive(Debug)]
pub struct World {
    pub dir: tempfile::TempDir,
    pub data: PathBuf,
    pub server: Server,
    pub client: Client,
    /// Front desk at e1: opens sheets.
    pub desk: Device,
    /// Supervisor at e1: dispatches.
    pub supervisor: Device,
    /// Patrol officer at e1: may not dispatch.
    pub patrol: Device,
    /// Front desk at e2 only.
    pub other: Device,
}

impl World {
    pub fn client(&self) -> &Client {
        &self.client
    }
}

pub fn world(serve_args: &[&str]) -> World {
    let dir = tempfile::tempdir().expect("tempdir");
    let data = dir.path().join("data");
    let data_ref = data.as_path();
    admin_ok(
        data_ref,
        &[
            "estate",
            "add",
            "e1",
            "--name",
            "East Garden",
            "--tz",
            "Asia/Shanghai",
        ],
    );
    admin_ok(
        data_ref,
        &[
            "estate",
            "add",
            "e2",
            "--name",
            "West Court",
            "--tz",
            "Asia/Shanghai",
        ],
    );
    let users = [
        ("lin", "front_desk", "e1", Role::FrontDesk),
        ("chen", "supervisor", "e1", Role::Supervisor),
        ("li", "patrol", "e1", Role::Patrol),
        ("zhou", "front_desk", "e2", Role::FrontDesk),
    ];
    let mut devices = Vec::new();
    for (user, role_name, estate, role) in users {
        admin_ok(
            data_ref,
            &[
                "user", "add", user, "--name", user, "--role", role_name, "--estate", estate,
            ],
        );
        devices.push(issue(data_ref, user, role));
    }
    // The technician sheets are dispatched to: a name the rules check.
    admin_ok(
        data_ref,
        &[
            "user",
            "add",
            "wang",
            "--name",
            "Wang",
            "--role",
            "technician",
            "--estate",
            "e1",
        ],
    );
    let server = Server::start(data_ref, serve_args);
    let mut devices = devices.into_iter();
    let mut next = || devices.next().expect("device");
    World {
        client: Client::new(server.url()),
        desk: next(),
        supervisor: next(),
        patrol: next(),
        other: next(),
        server,
        data,
        dir,
    }
}

pub fn request(cursor: u64, push: Vec<PushedRecord>) -> SyncRequest {
    SyncRequest {
        version: PROTOCOL_VERSION,
        cursor,
        push,
        max_records: 500,
    }
}

pub fn pushed(id: impl ToString, bytes: Vec<u8>) -> PushedRecord {
    PushedRecord {
        id: id.to_string(),
        changes: ByteBuf::from(bytes),
    }
}

/// A repair sheet opened on `device` at `estate`.
pub fn open_sheet(device: &Device, estate: &str) -> RepairSheet {
    open_sheet_as(&device.editor, estate, "厨房水龙头漏水")
}

/// An urgent in-unit repair sheet about `problem`, opened by `editor`.
pub fn open_sheet_as(editor: &Editor, estate: &str, problem: &str) -> RepairSheet {
    let intake = Intake {
        resident_name: "李先生".into(),
        unit: "B2-1203".into(),
        phone: "138 0000 1234".into(),
        problem: problem.into(),
        location: RepairLocation::InUnit,
        on_price_list: true,
        urgency: Urgency::Urgent,
        appointment: None,
    };
    let now = Utc::now();
    RepairSheet::open(
        editor,
        now,
        estate,
        intake,
        now - Duration::minutes(5),
        None,
    )
    .expect("open a sheet")
}

pub fn heads(accepted: &Accepted) -> Vec<ChangeHash> {
    accepted
        .heads
        .iter()
        .map(|hash| ChangeHash::try_from(hash.as_slice()).expect("a change hash"))
        .collect()
}
