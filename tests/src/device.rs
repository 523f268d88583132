//! A simulated phone: its own offline store file, the token it was issued,
//! the identity the server told it at enrollment, and the URL of the server
//! it syncs with (settable: a restarted server listens on a new port). Every
//! verb runs as that identity, exactly as an app does, through
//! [`Store::update`]; every sync goes through `stairwell_core::sync::http`,
//! the transport the bindings and the field command line use.

use std::fs;
use std::path::{Path, PathBuf};

use automerge::ChangeHash;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::duty_log::DutyLog;
use stairwell_core::kinds::patrol_round::PatrolRound;
use stairwell_core::kinds::repair_sheet::RepairSheet;
use stairwell_core::kinds::route_template::RouteTemplate;
use stairwell_core::protocol::Identity;
use stairwell_core::record::{Editor, RecordDoc, RecordError, RecordId};
use stairwell_core::store::Store;
use stairwell_core::sync::http::{self, TransportError};
use stairwell_core::sync::session::SyncStats;

/// One device and its store.
#[derive(Debug)]
pub struct Device {
    path: PathBuf,
    store: Store,
    url: String,
    token: String,
    identity: Identity,
    editor: Editor,
}

impl Device {
    /// Creates a store file at `path` and enrolls it with the server at
    /// `url` using `token`, as a phone does when it is set up.
    pub fn enroll(path: &Path, url: &str, token: &str) -> Result<Device, TransportError> {
        let mut store = Store::open(path).expect("open the device store");
        http::enroll(&mut store, url, token, None)?;
        Ok(Device::with(path, store))
    }

    /// Opens an enrolled store file (a copy of one, say); it syncs with the
    /// URL it was enrolled with until told another.
    pub fn open(path: &Path) -> Device {
        let store = Store::open(path).expect("open the device store");
        Device::with(path, store)
    }

    fn with(path: &Path, store: Store) -> Device {
        let enrollment = store
            .enrollment()
            .expect("read the enrollment")
            .expect("the store is enrolled");
        let identity = enrollment.identity;
        Device {
            path: path.to_owned(),
            editor: Editor::new(
                identity.user.clone(),
                identity.device.clone(),
                identity.role,
            ),
            store,
            url: enrollment.server_url,
            token: enrollment.token,
            identity,
        }
    }

    /// Who this device acts as: the enrolled user, device and role.
    pub fn editor(&self) -> &Editor {
        &self.editor
    }

    pub fn identity(&self) -> &Identity {
        &self.identity
    }

    pub fn user(&self) -> &str {
        &self.identity.user
    }

    pub fn token(&self) -> &str {
        &self.token
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// Points the device at another server address (a restarted server).
    pub fn set_url(&mut self, url: &str) {
        url.clone_into(&mut self.url);
    }

    pub fn store(&self) -> &Store {
        &self.store
    }

    pub fn store_mut(&mut self) -> &mut Store {
        &mut self.store
    }

    /// One sync with the server, as the app runs it.
    pub fn sync(&mut self) -> Result<SyncStats, TransportError> {
        http::sync(&mut self.store, &self.url, &self.token, |_| true)
    }

    /// A sync that must succeed with nothing refused.
    pub fn sync_ok(&mut self) -> SyncStats {
        let stats = self
            .sync()
            .unwrap_or_else(|err| panic!("{} could not sync: {err}", self.identity.device));
        assert!(
            stats.refused.is_empty(),
            "{} had records refused: {:?}",
            self.identity.device,
            stats.refused
        );
        stats
    }

    /// Stores a record made on this device; it is pushed at the next sync.
    pub fn create(&mut self, doc: &RecordDoc) -> RecordId {
        self.store.insert(doc).expect("store a new record");
        doc.id()
    }

    /// Runs a verb on a stored record and stores what it changed.
    pub fn update<T>(
        &mut self,
        id: RecordId,
        verb: impl FnOnce(&mut AnyRecord, &Editor) -> Result<T, RecordError>,
    ) -> T {
        let editor = self.editor.clone();
        self.store
            .update(id, |record| verb(record, &editor))
            .unwrap_or_else(|err| panic!("{} could not change {id}: {err}", self.editor.user))
    }

    /// A record this device holds.
    pub fn record(&self, id: RecordId) -> AnyRecord {
        self.store
            .load(id)
            .expect("load a record")
            .unwrap_or_else(|| panic!("{} does not have record {id}", self.identity.device))
    }

    pub fn has(&self, id: RecordId) -> bool {
        self.store.get_entry(id).expect("read the index").is_some()
    }

    pub fn repair_sheet(&self, id: RecordId) -> RepairSheet {
        RepairSheet::from_doc(self.record(id).doc().clone()).expect("a repair sheet")
    }

    pub fn patrol_round(&self, id: RecordId) -> PatrolRound {
        PatrolRound::from_doc(self.record(id).doc().clone()).expect("a patrol round")
    }

    pub fn route_template(&self, id: RecordId) -> RouteTemplate {
        RouteTemplate::from_doc(self.record(id).doc().clone()).expect("a route template")
    }

    pub fn duty_log(&self, id: RecordId) -> DutyLog {
        DutyLog::from_doc(self.record(id).doc().clone()).expect("a duty log")
    }

    /// A record's Automerge heads, sorted, to compare replicas.
    pub fn heads(&self, id: RecordId) -> Vec<ChangeHash> {
        let mut heads = self.record(id).doc().heads();
        heads.sort_unstable();
        heads
    }

    /// Closes the store (its file is then whole, with nothing left in the
    /// write-ahead log) and returns the file's path.
    pub fn close(self) -> PathBuf {
        let Device { path, store, .. } = self;
        drop(store);
        path
    }

    /// Copies the store file to `to` and returns the copy as a device of its
    /// own (same identity, token and URL). The store is closed for the copy,
    /// so the file is whole, then opened again. The copy is the same phone,
    /// Automerge actor included: edit one or the other, never both.
    pub fn copy_to(&mut self, to: &Path) -> Device {
        let placeholder = Store::open_in_memory().expect("an in-memory store");
        drop(std::mem::replace(&mut self.store, placeholder));
        fs::copy(&self.path, to).expect("copy the store file");
        self.store = Store::open(&self.path).expect("reopen the device store");
        let mut copy = Device::open(to);
        copy.set_url(&self.url);
        copy
    }
}
