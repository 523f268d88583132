//! Several servers on one PostgreSQL database, behind a real nginx (round
//! robin, a request passed on to the next replica when one is down), as a
//! property group would run Stairwell.
//!
//! - The storm of `server_kill.rs` through the proxy: devices keep writing
//!   notes to a shared sheet and their own while replicas are SIGKILLed
//!   and started again at random, and PostgreSQL itself is restarted once.
//!   Afterwards every acknowledged note is on the server exactly once,
//!   every note ever written is there once on its own record, every device
//!   holds the server's copy, amcheck finds every index whole, and the
//!   read models equal a rebuild from the documents.
//! - Across replicas: a feed ticket from one opens a WebSocket on another,
//!   which hears a commit made through a third; a sign-in form from one is
//!   posted to another and the session works on a third; wrong passwords
//!   spread over the replicas are held back as if they were one server.
//!
//! Every server here is on PostgreSQL, whatever `STAIRWELL_TEST_BACKEND`
//! says: run under `scripts/with-postgres`, as the test command does.

use std::net::TcpListener;
use std::process::Command;
use std::thread;
use std::time::{Duration, Instant};

use futures_util::StreamExt;
use stairwell_core::record::Role;
use stairwell_server::store::read_models::REPORT_TABLES;
use stairwell_tests::Site;
use stairwell_tests::backend::{Backend, choose, database_for};
use stairwell_tests::console::{PASSWORD, Web};
use stairwell_tests::nginx::{Balance, Front, Nginx};
use stairwell_tests::server::{Server, admin};
use stairwell_tests::storm::{self, Dice, StormPlan, Target};

/// Every server and admin command of this test process on the cluster
/// `scripts/with-postgres` started: replicas share a database.
fn cluster() -> String {
    let cluster = std::env::var("STAIRWELL_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("the replicas' tests need PostgreSQL: run them under scripts/with-postgres")
    });
    choose(Some(Backend::Postgres(cluster.clone())));
    cluster
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|listener| listener.local_addr())
        .expect("a free port")
        .port()
}

/// Three replicas on the site's database, behind nginx.
struct Replicas {
    servers: Vec<Server>,
    nginx: Nginx,
    strikes: u32,
    /// The strike that restarts PostgreSQL instead of a replica.
    postgres_at: u32,
    postgres_restarts: u32,
    kills: [u32; 3],
}

impl Replicas {
    fn start(site: &Site) -> Replicas {
        let servers: Vec<Server> = (1..=3)
            .map(|n| Server::replica(site.data(), &format!("replica{n}"), free_port()))
            .collect();
        let upstreams: Vec<String> = servers.iter().map(|s| s.url().to_owned()).collect();
        let nginx = Nginx::start(site.dir(), &Front::Plain, &upstreams, Balance::RoundRobin);
        Replicas {
            servers,
            nginx,
            strikes: 0,
            postgres_at: 8,
            postgres_restarts: 0,
            kills: [0; 3],
        }
    }

    fn url(&self) -> String {
        format!("http://127.0.0.1:{}", self.nginx.port)
    }
}

impl Target for Replicas {
    fn url(&self, _site: &Site) -> String {
        Replicas::url(self)
    }

    fn strike(&mut self, _site: &mut Site, downtime: Duration, dice: &mut Dice) {
        self.strikes += 1;
        if self.strikes == self.postgres_at {
            restart_postgres();
            self.postgres_restarts += 1;
            return;
        }
        let n = usize::try_from(dice.roll() % 3).expect("small");
        self.servers[n].kill();
        self.kills[n] += 1;
        thread::sleep(downtime);
        self.servers[n].restart();
    }

    /// nginx passes a request a dead replica could not answer on to the
    /// next: devices rarely see a failure (its error log does).
    fn devices_see_faults(&self) -> bool {
        false
    }
}

/// `pg_ctl restart -m fast`: every connection of every replica is cut.
fn restart_postgres() {
    let pg_ctl = std::env::var("STAIRWELL_TEST_PGCTL")
        .expect("STAIRWELL_TEST_PGCTL (scripts/with-postgres sets it)");
    let status = Command::new("sh")
        .arg("-c")
        .arg(format!("{pg_ctl} restart -m fast -w -s -t 60"))
        .current_dir("/")
        .status()
        .expect("run pg_ctl");
    assert!(status.success(), "PostgreSQL restarted");
}

/// Every read-model row, table by table, as JSON text in a fixed order.
fn read_models(url: &str) -> Vec<(String, Vec<String>)> {
    let mut client = postgres::Client::connect(url, postgres::NoTls).expect("connect");
    std::iter::once("read_model")
        .chain(REPORT_TABLES)
        .map(|table| {
            let rows = client
                .query(
                    &format!("SELECT row_to_json(t)::text AS row FROM {table} t ORDER BY 1"),
                    &[],
                )
                .expect("read a table")
                .into_iter()
                .map(|row| row.get::<_, String>(0))
                .collect();
            (table.to_owned(), rows)
        })
        .collect()
}

#[test]
fn replicas_and_postgresql_killed_under_a_storm_lose_and_double_nothing() {
    let cluster = cluster();
    let mut site = Site::new();
    let mut replicas = Replicas::start(&site);
    let plan = StormPlan {
        devices: 4,
        kills: 20,
        syncs_between_kills: 8,
        downtime: (Duration::from_millis(50), Duration::from_millis(400)),
        kill_jitter: Duration::from_millis(10),
        max_notes_per_device: 2_000,
        deadline: Duration::from_secs(180),
    };
    let report = storm::run_on(&plan, &mut site, &mut replicas);
    assert_eq!(replicas.postgres_restarts, 1);
    // The kills cut requests or refused them: nginx had to pass them on.
    let passed_on = std::fs::read_to_string(site.dir().join("nginx/logs/error.log"))
        .expect("nginx's log")
        .lines()
        .filter(|line| line.contains("upstream"))
        .count();
    assert!(passed_on > 0, "no request met a dead replica");
    println!(
        "{report}; replicas killed {:?} times; {passed_on} requests passed on by nginx",
        replicas.kills
    );

    // The read models the commits kept equal those rebuilt from the
    // documents alone.
    let url = database_for(&cluster, site.data());
    let kept = read_models(&url);
    assert!(kept[0].1.len() > 4, "index rows were kept: {:?}", kept[0]);
    admin(site.data(), &["rebuild-read-models"]);
    assert_eq!(read_models(&url), kept, "a rebuild gives the same rows");
}

#[test]
fn tickets_notices_sessions_and_throttles_hold_across_replicas() {
    cluster();
    let site = Site::new();
    site.add_user("lin", Role::FrontDesk, &["e1"]);
    site.add_user("sun", Role::FrontDesk, &["e1"]);
    admin_password(&site, "lin");
    let replicas: Vec<Server> = (1..=3)
        .map(|n| Server::replica(site.data(), &format!("r{n}"), free_port()))
        .collect();
    let url = |n: usize| replicas[n].url().to_owned();

    // A ticket from replica 1 opens the feed socket on replica 2, which
    // hears a change pushed through replica 3.
    let mut phone = site.device("lin");
    let client = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .build()
        .new_agent();
    let mut answer = client
        .post(format!("{}/v1/feed/ticket", url(0)))
        .header("Authorization", format!("Bearer {}", phone.token()))
        .send_empty()
        .expect("a ticket");
    let ticket: serde_json::Value =
        serde_json::from_str(&answer.body_mut().read_to_string().expect("body")).expect("json");
    let ticket = ticket["ticket"].as_str().expect("ticket").to_owned();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    let ws = format!(
        "{}/v1/feed/ws?ticket={ticket}",
        url(1).replace("http", "ws")
    );
    let (mut socket, _) = runtime
        .block_on(tokio_tungstenite::connect_async(ws))
        .expect("the socket opens on another replica");
    phone.set_url(&url(2));
    let sheet = stairwell_tests::api::open_sheet_as(phone.editor(), "e1", "lift stuck");
    phone.create(sheet.doc());
    phone.sync_ok();
    let heard = runtime.block_on(async {
        tokio::time::timeout(Duration::from_secs(5), async {
            while let Some(message) = socket.next().await {
                let text = message.expect("a message").into_text().expect("text");
                if text.contains("\"feed\"") {
                    return text.to_string();
                }
            }
            String::new()
        })
        .await
    });
    let heard = heard.expect("the commit was heard on another replica within 5 s");
    assert!(heard.contains("feed"), "{heard}");

    // A sign-in form from replica 1, posted to replica 2; the session
    // works on replica 3.
    let mut web = Web::new(&url(0));
    let form = web.get("/login");
    let token = stairwell_tests::console::hidden(&form.body, "login_token");
    web.url = url(1);
    let signed = web.post(
        "/login",
        &[
            ("login_token", &token),
            ("user", "lin"),
            ("password", PASSWORD),
            ("next", "/"),
        ],
    );
    assert_eq!(signed.status, 303, "{}", signed.body);
    web.url = url(2);
    assert_eq!(web.get("/").status, 200, "signed in on every replica");

    // Wrong passwords for one account, one replica after another: after
    // the free ones, every replica makes the guesser wait.
    let started = Instant::now();
    let mut held = None;
    for attempt in 0..12 {
        let mut guesser = Web::new(&url(attempt % 3));
        let answer = guesser.login("sun", "wrong-guess");
        if answer.status == 429 {
            held = Some(attempt);
            break;
        }
        assert_eq!(answer.status, 401, "a wrong password");
    }
    let held = held.expect("the guesses were held back");
    assert!(
        held <= 4,
        "held back after {held} guesses over three replicas"
    );
    assert!(started.elapsed() < Duration::from_secs(30));
}

/// Sets `user`'s console password to the demo's.
fn admin_password(site: &Site, user: &str) {
    let (ok, said) = stairwell_tests::console::admin(
        site.data(),
        &["user", "password", user, "--password-stdin"],
        &format!("{PASSWORD}\n"),
    );
    assert!(ok, "{said}");
}
