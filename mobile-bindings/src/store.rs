//! [`FieldStore`]: the one object an app holds. It owns the phone's record
//! file, knows who the phone acts for once enrolled, runs every verb as that
//! person at the current time, and tells a [`RecordsListener`] which records
//! changed, after each verb and after a sync stored records.
//!
//! Threads: every method may be called from any thread. Verbs and reads
//! share one connection, taken in turn; `sync` and `enroll` open their own
//! connection to the same file, so the UI keeps working while a sync runs
//! on a background thread (SQLite's WAL lets them overlap; a write waits
//! for the other's at most a few seconds).

use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::PathBuf;
use std::sync::atomic::AtomicBool;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use chrono::{DateTime, Utc};
use stairwell_core::kinds::AnyRecord;
use stairwell_core::protocol::EstateInfo;
use stairwell_core::record::{Editor, RecordError, RecordId};
use stairwell_core::store::Store;
use stairwell_core::sync::http;
use stairwell_core::sync::link::EnrollmentLink;

use crate::error::{Result, StairwellError};
use crate::types::{Identity, now, record_id};

/// Told which records changed on this phone, so screens can refresh.
/// Called on the thread that made the change (a verb's caller, or the sync
/// thread): hop to the UI thread yourself. Exceptions it throws are ignored.
#[uniffi::export(foreign)]
pub trait RecordsListener: Send + Sync {
    /// `record_ids` changed: a verb wrote them, or a sync stored them.
    fn records_changed(&self, record_ids: Vec<String>);
}

/// The phone's Stairwell: its record file, its enrollment, every verb and
/// query, and the sync. Open one per file and keep it for the app's life.
#[derive(uniffi::Object)]
pub struct FieldStore {
    path: PathBuf,
    store: Mutex<Store>,
    /// Set by `cancel_sync`, read by the sync's progress check.
    pub(crate) cancel: AtomicBool,
    /// One sync at a time.
    pub(crate) sync_lock: Mutex<()>,
    listener: RwLock<Option<Arc<dyn RecordsListener>>>,
}

impl std::fmt::Debug for FieldStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FieldStore")
            .field("path", &self.path)
            .finish_non_exhaustive()
    }
}

#[uniffi::export]
impl FieldStore {
    /// Opens the record file at `path` (in the app's private storage),
    /// creating it on first use. Fails with `UpdateRequired` for a file
    /// written by a newer version of the app.
    #[uniffi::constructor]
    pub fn open(path: String) -> Result<Arc<FieldStore>> {
        let path = PathBuf::from(path);
        let store = Store::open(&path)?;
        Ok(Arc::new(FieldStore {
            path,
            store: Mutex::new(store),
            cancel: AtomicBool::new(false),
            sync_lock: Mutex::new(()),
            listener: RwLock::new(None),
        }))
    }

    /// Enrolls this phone with the server at `server_url` (e.g.
    /// `http://10.0.2.2:7878`) using the device `token` the office issued:
    /// asks the server who the token speaks for and keeps the answer, so
    /// the phone knows its user, role and estates offline. Enrolling again
    /// (a new token) replaces the old enrollment. `ca_pem`: the estate's own
    /// certificate authority (PEM), when its server's certificate is not
    /// one the phone's platform trusts; it is then the only root trusted.
    #[uniffi::method(default(ca_pem = None))]
    pub fn enroll(
        &self,
        server_url: String,
        token: String,
        ca_pem: Option<String>,
    ) -> Result<Identity> {
        let server_url = server_url.trim().trim_end_matches('/').to_owned();
        if server_url.is_empty() {
            return Err(StairwellError::invalid("server_url", "is required"));
        }
        let token = token.trim();
        if token.is_empty() {
            return Err(StairwellError::invalid("token", "is required"));
        }
        let mut store = self.connection()?;
        let identity = http::enroll(&mut store, &server_url, token, ca_pem.as_deref())?;
        Ok(Identity::new(identity, &server_url))
    }

    /// Enrolls this phone with a one-time code the office issued (shown
    /// with a QR code in the console, or printed by `stairwell admin device
    /// issue --code`) instead of a token: the server makes the phone's
    /// token and sends it here only. A wrong, used or expired code is
    /// refused with the server's reason; `ca_pem` as for [`Self::enroll`].
    #[uniffi::method(default(ca_pem = None))]
    pub fn enroll_with_code(
        &self,
        server_url: String,
        code: String,
        ca_pem: Option<String>,
    ) -> Result<Identity> {
        let server_url = server_url.trim().trim_end_matches('/').to_owned();
        if code.trim().is_empty() {
            return Err(StairwellError::invalid("code", "is required"));
        }
        let mut store = self.connection()?;
        let identity = http::enroll_with_code(&mut store, &server_url, &code, ca_pem.as_deref())?;
        Ok(Identity::new(identity, &server_url))
    }

    /// Enrolls this phone from the enrollment link its camera read off the
    /// console's QR code (`stairwell://enroll?server=…&code=…`): the server
    /// and the one-time code in one scan. A text that is not such a link is
    /// `InvalidInput` on `link`; the rest as for [`Self::enroll_with_code`].
    #[uniffi::method(default(ca_pem = None))]
    pub fn enroll_with_link(&self, link: String, ca_pem: Option<String>) -> Result<Identity> {
        let link = EnrollmentLink::parse(&link)
            .map_err(|reason| StairwellError::invalid("link", reason))?;
        self.enroll_with_code(link.server, link.code, ca_pem)
    }

    /// Who this phone acts for; `None` before it is enrolled. Works offline.
    pub fn whoami(&self) -> Result<Option<Identity>> {
        let enrollment = self.lock()?.enrollment()?;
        Ok(enrollment.map(|e| Identity::new(e.identity, &e.server_url)))
    }

    /// Registers the listener told about changed records, replacing any
    /// earlier one; `None` removes it.
    pub fn set_listener(&self, listener: Option<Arc<dyn RecordsListener>>) {
        match self.listener.write() {
            Ok(mut slot) => *slot = listener,
            Err(poisoned) => *poisoned.into_inner() = listener,
        }
    }
}

/// The enrolled person acting now.
#[derive(Debug, Clone)]
pub(crate) struct Me {
    pub editor: Editor,
    /// The person's display name, the signer of their own signatures.
    pub name: String,
    pub at: DateTime<Utc>,
    pub estates: Vec<EstateInfo>,
}

impl Me {
    /// The estate to act on: the one asked for, which must be one of the
    /// enrollment's, or else the enrollment's only estate.
    pub fn estate(&self, wanted: Option<&str>) -> Result<String> {
        let ids: Vec<&str> = self.estates.iter().map(|e| e.id.as_str()).collect();
        let wanted = wanted.map(str::trim).filter(|wanted| !wanted.is_empty());
        match (wanted, ids.as_slice()) {
            (Some(wanted), _) if ids.contains(&wanted) => Ok(wanted.to_owned()),
            (Some(wanted), _) => Err(StairwellError::invalid(
                "estate",
                format!(
                    "this phone is not enrolled for estate {wanted:?} (enrolled: {})",
                    ids.join(", ")
                ),
            )),
            (None, [only]) => Ok((*only).to_owned()),
            (None, []) => Err(StairwellError::refused(
                "the enrollment names no estate; ask the office to add this user to one",
            )),
            (None, _) => Err(StairwellError::invalid(
                "estate",
                format!(
                    "this phone is enrolled for several estates ({}): choose one",
                    ids.join(", ")
                ),
            )),
        }
    }
}

/// Whether a foreign callback ran without throwing; what it threw is
/// dropped, since a listener's failure must not undo a stored verb.
pub(crate) fn call_foreign(callback: impl FnOnce()) -> bool {
    catch_unwind(AssertUnwindSafe(callback)).is_ok()
}

impl FieldStore {
    /// The shared connection, for verbs and reads.
    pub(crate) fn lock(&self) -> Result<MutexGuard<'_, Store>> {
        self.store
            .lock()
            .map_err(|_| StairwellError::internal("a call panicked while holding the store"))
    }

    /// A connection of its own, for a sync or an enrollment.
    pub(crate) fn connection(&self) -> Result<Store> {
        Ok(Store::open(&self.path)?)
    }

    /// The enrolled person, acting now.
    pub(crate) fn me(store: &Store) -> Result<Me> {
        let enrollment = store.enrollment()?.ok_or(StairwellError::NotEnrolled)?;
        let identity = enrollment.identity;
        Ok(Me {
            editor: Editor::new(identity.user, identity.device, identity.role),
            name: identity.name,
            at: now(),
            estates: identity.estates,
        })
    }

    /// Runs `write` as the enrolled person with the store, then tells the
    /// listener about the records it names as changed.
    pub(crate) fn write<T>(
        &self,
        write: impl FnOnce(&mut Store, &Me) -> Result<(T, Vec<RecordId>)>,
    ) -> Result<T> {
        let (result, changed) = {
            let mut store = self.lock()?;
            let me = FieldStore::me(&store)?;
            write(&mut store, &me)?
        };
        self.notify(changed.iter().map(ToString::to_string).collect());
        Ok(result)
    }

    /// Runs a verb on one stored record, in one transaction: a refused verb
    /// writes nothing.
    pub(crate) fn act<T>(
        &self,
        id: &str,
        verb: impl FnOnce(&mut AnyRecord, &Me) -> Result<T, RecordError>,
    ) -> Result<T> {
        let id = record_id(id)?;
        self.write(|store, me| {
            let result = store.update(id, |record| verb(record, me))?;
            Ok((result, vec![id]))
        })
    }

    /// Stores a record created on this phone; returns its id.
    pub(crate) fn create(
        &self,
        make: impl FnOnce(&Store, &Me) -> Result<AnyRecord>,
    ) -> Result<String> {
        self.write(|store, me| {
            let record = make(store, me)?;
            let id = record.doc().id();
            store.insert(record.doc())?;
            Ok((id.to_string(), vec![id]))
        })
    }

    /// Loads a stored record.
    pub(crate) fn load(store: &Store, id: RecordId) -> Result<AnyRecord> {
        store.load(id)?.ok_or(StairwellError::NotFound {
            record_id: id.to_string(),
        })
    }

    /// Tells the listener, if any, that `record_ids` changed.
    pub(crate) fn notify(&self, record_ids: Vec<String>) {
        if record_ids.is_empty() {
            return;
        }
        let listener = match self.listener.read() {
            Ok(slot) => slot.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        if let Some(listener) = listener {
            call_foreign(|| listener.records_changed(record_ids));
        }
    }
}
