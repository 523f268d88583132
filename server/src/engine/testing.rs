//! Test support: the engine (storage and writer) on a data directory, run
//! on its own runtime inside the test process, and people (user, device,
//! token, editor) to act as, pushing what their verbs change through the
//! writer as a phone's sync would. Used by the read model and writer
//! tests; `http::testing` serves it on loopback.

use std::path::Path;
use std::sync::Arc;

use stairwell_core::kinds::HasDoc;
use stairwell_core::protocol::PushedRecord;
use stairwell_core::record::{Editor, RecordDoc, Role};
use stairwell_core::sync::judge::Author;

use crate::accounts;
use crate::engine::metrics::Metrics;
use crate::engine::notices::Notices;
use crate::engine::writer::{self, WriterConfig, WriterHandle};
use crate::store::{SqliteStorage, Storage};

/// A user with one device, as tests act.
#[derive(Debug, Clone)]
pub(crate) struct Person {
    pub token: String,
    pub author: Author,
    pub editor: Editor,
}

/// Adds the user (if new) and issues them a device.
pub(crate) fn person(storage: &dyn Storage, user: &str, role: Role, estates: &[&str]) -> Person {
    let estates: Vec<String> = estates.iter().map(|estate| (*estate).to_owned()).collect();
    if storage.user_name(user).expect("user").is_none() {
        accounts::add_user(storage, user, user, role, &estates).expect("add user");
    }
    let device = accounts::issue_device(storage, user, None).expect("device");
    let author = accounts::authenticate(storage, &device.token)
        .expect("auth")
        .expect("author");
    Person {
        editor: Editor::new(user, author.device.clone(), role),
        token: device.token,
        author,
    }
}

/// The engine on a data directory, with its storage and writer at hand.
#[derive(Debug)]
pub(crate) struct Engine {
    pub storage: Arc<dyn Storage>,
    pub writer: WriterHandle,
    pub metrics: Arc<Metrics>,
    pub notices: Notices,
    pub runtime: tokio::runtime::Runtime,
}

impl Engine {
    /// Opens `dir` and starts a writer on it, until dropped.
    pub fn start(dir: &Path) -> Engine {
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir).expect("open"));
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .expect("runtime");
        let notices = Notices::new();
        let metrics = Arc::new(Metrics::default());
        let config = WriterConfig {
            notices: Some(notices.clone()),
            ..WriterConfig::default()
        };
        let (writer, _thread) =
            writer::spawn(storage.clone(), metrics.clone(), config).expect("writer");
        Engine {
            storage,
            writer,
            metrics,
            notices,
            runtime,
        }
    }

    /// Pushes `doc`'s changes after `since` (all of it for `None`) as
    /// `person`, through the writer, and insists they are accepted.
    pub fn push(&self, person: &Person, doc: &RecordDoc, since: Option<&[automerge::ChangeHash]>) {
        push(&self.runtime, &self.writer, person, doc, since);
    }
}

/// Pushes through a writer as `person`; panics on a refusal.
pub(crate) fn push(
    runtime: &tokio::runtime::Runtime,
    writer: &WriterHandle,
    person: &Person,
    doc: &RecordDoc,
    since: Option<&[automerge::ChangeHash]>,
) {
    let changes = match since {
        Some(heads) => doc.save_after(heads),
        None => doc.save(),
    };
    let record = PushedRecord {
        id: doc.id().to_string(),
        changes: serde_bytes::ByteBuf::from(changes),
    };
    let outcome = runtime
        .block_on(writer.push(person.author.clone(), vec![record]))
        .expect("push");
    assert_eq!(outcome.refused, vec![], "refused");
    assert_eq!(outcome.accepted.len(), 1);
}

impl Engine {
    /// Pushes a record just created, whole, as `who`.
    pub fn create<R: HasDoc>(&self, who: &Person, record: &R) {
        self.push(who, record.record_doc(), None);
    }

    /// Runs `verb` as `who` and pushes what it changed.
    pub fn act<R: HasDoc, T>(
        &self,
        who: &Person,
        record: &mut R,
        verb: impl FnOnce(&mut R, &Editor) -> Result<T, stairwell_core::record::RecordError>,
    ) -> T {
        let before = record.record_doc().heads();
        let out = verb(record, &who.editor).expect("verb");
        self.push(who, record.record_doc(), Some(&before));
        out
    }
}
