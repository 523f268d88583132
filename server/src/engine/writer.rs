//! The one thread that changes records. Request handlers send it their
//! pushes through a channel; it takes whatever has queued up, judges every
//! record in order against the latest state (its cache, or storage), stores
//! all accepted records of all those requests in ONE transaction (group
//! commit: one fsync for many devices), and only then answers each request.
//!
//! Doing the judging here too, not only the SQL, is what makes concurrent
//! pushes to the same record safe: each is applied on top of the other, and
//! the read model is computed from the merged document.

use std::collections::HashMap;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::sync::Arc;
use std::thread::JoinHandle;
use std::time::Instant;

use automerge::{ActorId, ChangeHash};
use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use serde_bytes::ByteBuf;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::protocol::{Accepted, PushedRecord, RefusalCode, Refused};
use stairwell_core::record::{Limits, RecordDoc, RecordError};
use stairwell_core::sync::judge::Author;
use tokio::sync::{mpsc, oneshot};

use crate::engine::cache::{CachedDoc, DocCache};
use crate::engine::directory::Directory;
use crate::engine::metrics::Metrics;
use crate::engine::push::{self, Judging};
use crate::store::{RecordChange, RecordWrite, Storage, StorageError, encode_heads};

/// Requests waiting for the writer before senders wait too (backpressure).
const QUEUE: usize = 1024;
/// Records one group commit takes at most, so one transaction stays short.
const MAX_BATCH_RECORDS: usize = 20_000;
/// Batches with fewer records are judged on the writer thread alone.
const PARALLEL_JUDGING_FROM: usize = 16;
/// Judgings of one batch at most when other servers keep changing its
/// records meanwhile; then the batch fails and the devices sync again.
const MAX_ATTEMPTS: u32 = 5;
/// Chunks never trigger compaction below this many bytes.
const COMPACT_MIN_BYTES: usize = 64 * 1024;

#[derive(Debug, Clone)]
pub struct WriterConfig {
    pub cache_docs: usize,
    pub cache_bytes: usize,
    /// Compact a record's chunks into its snapshot after this many.
    pub compact_chunks: u32,
    /// Requests one group commit takes at most.
    pub max_batch_requests: usize,
    /// Told of every committed batch, for the feed WebSocket.
    pub notices: Option<crate::engine::notices::Notices>,
    /// The shape a record may take; a push past it is refused.
    pub limits: Limits,
}

impl Default for WriterConfig {
    fn default() -> Self {
        WriterConfig {
            cache_docs: 10_000,
            cache_bytes: 256 * 1024 * 1024,
            compact_chunks: 64,
            max_batch_requests: 256,
            notices: None,
            limits: Limits::default(),
        }
    }
}

/// What became of one request's pushed records.
#[derive(Debug, Default)]
pub struct PushOutcome {
    pub accepted: Vec<Accepted>,
    pub refused: Vec<Refused>,
    /// For each record this request changed, what the device still lacks.
    pub echoes: Vec<Echo>,
}

/// The server's changes to a record the device just pushed (its receipt
/// stamps, and anything others stored that the push did not build on):
/// everything after the pushed heads, as of feed row `seq`. The pull sends
/// this instead of the whole record when no later row exists, so a record
/// created on the phone is not sent back to it whole.
#[derive(Debug, Clone)]
pub struct Echo {
    pub id: String,
    pub seq: u64,
    pub bytes: Vec<u8>,
}

#[derive(Debug, thiserror::Error)]
pub enum WriteError {
    #[error(transparent)]
    Storage(#[from] StorageError),
    /// The group commit this push was part of failed: nothing of any of
    /// its pushes was stored. Shared by every push of the group.
    #[error("the group commit failed, nothing of it was stored: {0}")]
    Commit(Arc<StorageError>),
    /// The staff and zones of a batch could not be read; nothing was judged.
    #[error("the estates' staff could not be read: {0}")]
    Directory(Arc<StorageError>),
    /// A record the writer accepted or stored does not load as one.
    #[error("record {id} does not load: {source}")]
    Record {
        id: String,
        #[source]
        source: RecordError,
    },
    #[error("cannot start the writer: {0}")]
    Start(std::io::Error),
    #[error("the writer has stopped")]
    Stopped,
}

struct Job {
    author: Author,
    records: Vec<PushedRecord>,
    reply: oneshot::Sender<Result<PushOutcome, WriteError>>,
}

/// How handlers reach the writer. The writer thread ends once every handle
/// is dropped and the queue is drained.
#[derive(Debug, Clone)]
pub struct WriterHandle {
    jobs: mpsc::Sender<Job>,
}

impl WriterHandle {
    /// Stores what may be stored of `records`; answers once it is durable.
    pub async fn push(
        &self,
        author: Author,
        records: Vec<PushedRecord>,
    ) -> Result<PushOutcome, WriteError> {
        let (reply, answer) = oneshot::channel();
        let job = Job {
            author,
            records,
            reply,
        };
        self.jobs.send(job).await.map_err(|_| WriteError::Stopped)?;
        answer.await.map_err(|_| WriteError::Stopped)?
    }
}

/// Starts the writer thread.
pub fn spawn(
    storage: Arc<dyn Storage>,
    metrics: Arc<Metrics>,
    config: WriterConfig,
) -> Result<(WriterHandle, JoinHandle<()>), WriteError> {
    let actor = ActorId::from(storage.server_actor()?);
    let (jobs, queue) = mpsc::channel(QUEUE);
    let writer = Writer {
        cache: DocCache::new(config.cache_docs, config.cache_bytes),
        storage,
        metrics,
        config,
        actor,
        zones: HashMap::new(),
    };
    let thread = std::thread::Builder::new()
        .name("stairwell-writer".into())
        .spawn(move || writer.run(queue))
        .map_err(WriteError::Start)?;
    Ok((WriterHandle { jobs }, thread))
}

/// Documents and writes staged by a batch (or one job of it), not yet
/// committed: later records of the batch build on them.
#[derive(Default)]
struct Staged {
    docs: HashMap<String, CachedDoc>,
    writes: Vec<RecordWrite>,
    /// Beside each write: the job it answers, and that job's echo bytes.
    echoes: Vec<(usize, String, Vec<u8>)>,
    new_records: u64,
}

impl Staged {
    fn absorb(&mut self, other: Staged) {
        self.docs.extend(other.docs);
        self.writes.extend(other.writes);
        self.echoes.extend(other.echoes);
        self.new_records += other.new_records;
    }
}

/// An accepted push on its way to being staged.
struct Staging<'a> {
    job: usize,
    pushed: &'a PushedRecord,
    pushed_heads: &'a [ChangeHash],
    /// The events the push appended, as the judge found them.
    new_events: &'a [String],
    base: Option<Base>,
}

/// What the record looked like before this push, as the store keeps it.
struct Base {
    heads: Vec<ChangeHash>,
    snapshot_len: usize,
    chunk_count: u32,
    chunk_bytes: usize,
}

struct Writer {
    storage: Arc<dyn Storage>,
    metrics: Arc<Metrics>,
    config: WriterConfig,
    cache: DocCache,
    actor: ActorId,
    zones: HashMap<String, Tz>,
}

impl Writer {
    fn run(mut self, mut queue: mpsc::Receiver<Job>) {
        while let Some(first) = queue.blocking_recv() {
            let mut records = first.records.len();
            let mut jobs = vec![first];
            while jobs.len() < self.config.max_batch_requests && records < MAX_BATCH_RECORDS {
                match queue.try_recv() {
                    Ok(job) => {
                        records += job.records.len();
                        jobs.push(job);
                    }
                    Err(_) => break,
                }
            }
            self.run_batch(jobs);
        }
        tracing::info!("writer stopped: every request is answered");
    }

    fn run_batch(&mut self, jobs: Vec<Job>) {
        let started = Instant::now();
        let now = Utc::now();
        let estates = jobs.iter().flat_map(|job| &job.author.estates);
        let directory = match Directory::load(&*self.storage, estates) {
            Ok(directory) => directory,
            Err(err) => {
                let err = Arc::new(err);
                for job in jobs {
                    let _ = job.reply.send(Err(WriteError::Directory(err.clone())));
                }
                return;
            }
        };
        let mut attempt = 1;
        let (results, committed, writes) = loop {
            let (mut results, mut batch) = self.stage_batch(&jobs, &directory, now);
            let writes = batch.writes.len();
            let echoes = std::mem::take(&mut batch.echoes);
            match self.commit(batch, results.len()) {
                // Another server changed records this batch was judged
                // against: forget them, judge everything again on the
                // stored records.
                Err(err) if attempt < MAX_ATTEMPTS && self.forget_stale(&err) => {
                    attempt += 1;
                }
                committed => {
                    let committed = committed.map(|seqs| {
                        for ((job, id, bytes), seq) in echoes.into_iter().zip(seqs) {
                            if let Some(Ok(outcome)) = results.get_mut(job) {
                                outcome.echoes.push(Echo { id, seq, bytes });
                            }
                        }
                    });
                    break (results, committed, writes);
                }
            }
        };
        tracing::debug!(
            requests = results.len(),
            writes,
            attempts = attempt,
            elapsed_us = started.elapsed().as_micros() as u64,
            "group commit"
        );
        for (job, result) in jobs.into_iter().zip(results) {
            let result = match (&committed, result) {
                (Err(err), Ok(_)) => Err(WriteError::Commit(err.clone())),
                (Ok(()), Ok(outcome)) => {
                    self.metrics.accepted(outcome.accepted.len() as u64);
                    Ok(outcome)
                }
                (_, Err(err)) => Err(err),
            };
            // A requester that gave up (connection closed) needs no answer.
            let _ = job.reply.send(result);
        }
    }

    /// Judges and stages every job of a batch, in order.
    fn stage_batch(
        &mut self,
        jobs: &[Job],
        directory: &Directory,
        now: DateTime<Utc>,
    ) -> (Vec<Result<PushOutcome, WriteError>>, Staged) {
        let mut batch = Staged::default();
        let mut prejudged = self.judge_in_parallel(jobs, directory);
        let limits = self.config.limits;
        let results = jobs
            .iter()
            .enumerate()
            .map(|(index, job)| {
                let judging = Judging {
                    author: &job.author,
                    directory,
                    limits: &limits,
                };
                self.run_job(
                    index,
                    (judging, &job.records),
                    &mut prejudged,
                    &mut batch,
                    now,
                )
            })
            .collect();
        (results, batch)
    }

    /// Drops from the cache the records a commit found changed by another
    /// server; whether that was why it failed.
    fn forget_stale(&mut self, err: &StorageError) -> bool {
        let StorageError::Stale { ids } = err else {
            return false;
        };
        tracing::info!(records = ?ids, "changed by another server meanwhile; judging again");
        for id in ids {
            self.cache.remove(id);
        }
        self.metrics.stale_retry();
        true
    }

    /// Stores the batch; returns the feed position of each write.
    fn commit(&mut self, batch: Staged, requests: usize) -> Result<Vec<u64>, Arc<StorageError>> {
        if batch.writes.is_empty() {
            return Ok(Vec::new());
        }
        let seqs = self.storage.commit(&batch.writes).map_err(|err| {
            if !matches!(err, StorageError::Stale { .. }) {
                tracing::error!(%err, "group commit failed; nothing of it was stored");
            }
            Arc::new(err)
        })?;
        if let Some(notices) = &self.config.notices {
            notices.announce(
                batch
                    .writes
                    .iter()
                    .map(|w| w.estate.as_str())
                    .zip(seqs.clone()),
            );
        }
        for (id, doc) in batch.docs {
            self.cache.insert(id, doc);
        }
        self.metrics.commit(requests as u64);
        self.metrics.stored_new_records(batch.new_records);
        self.metrics.cache(self.cache.len(), self.cache.bytes());
        Ok(seqs)
    }

    /// One request's records. All or nothing: an internal failure drops
    /// everything this request staged, and the rest of the batch goes on.
    fn run_job(
        &mut self,
        job: usize,
        (judging, records): (Judging<'_>, &[PushedRecord]),
        prejudged: &mut HashMap<(usize, usize), Verdict>,
        batch: &mut Staged,
        now: DateTime<Utc>,
    ) -> Result<PushOutcome, WriteError> {
        let mut local = Staged::default();
        let mut outcome = PushOutcome::default();
        for (index, pushed) in records.iter().enumerate() {
            let judged = match prejudged.remove(&(job, index)) {
                Some(judged) => judged,
                None => self.judge_in_turn(judging, pushed, batch, &local)?,
            };
            match self.run_record(job, pushed, judged, &mut local, now)? {
                Ok(accepted) => outcome.accepted.push(accepted),
                Err(refused) => {
                    tracing::info!(
                        record = %refused.id,
                        code = refused.code.as_str(),
                        user = %judging.author.user,
                        device = %judging.author.device,
                        reason = %refused.message,
                        "push refused"
                    );
                    self.metrics.refused(refused.code);
                    outcome.refused.push(refused);
                }
            }
        }
        batch.absorb(local);
        Ok(outcome)
    }

    /// Judges, on every core at once, the records of a batch that are new
    /// to the server and that nothing else in the batch touches: judging a
    /// new record needs nothing but its own bytes, and a device's first
    /// sync after a day offline is mostly that. Returns the judgements by
    /// (job, record index); the rest are judged in order by
    /// [`Writer::judge_in_turn`].
    ///
    /// Edits of stored records stay on the writer thread: judged elsewhere,
    /// the edited documents the cache keeps would live in other threads'
    /// malloc arenas, and a server after a sync of 1,000 edited records
    /// held 13% more memory (measured with the bench's big estate).
    fn judge_in_parallel(
        &mut self,
        jobs: &[Job],
        directory: &Directory,
    ) -> HashMap<(usize, usize), Verdict> {
        let limits = self.config.limits;
        let threads = std::thread::available_parallelism().map_or(1, usize::from);
        let pushed = || {
            jobs.iter().enumerate().flat_map(|(job, each)| {
                each.records
                    .iter()
                    .enumerate()
                    .map(move |(index, record)| ((job, index), record))
            })
        };
        if threads < 2 || pushed().nth(PARALLEL_JUDGING_FROM - 1).is_none() {
            return HashMap::new();
        }
        let mut seen: HashMap<&str, usize> = HashMap::new();
        for (_, record) in pushed() {
            *seen.entry(record.id.as_str()).or_default() += 1;
        }
        let empty = Staged::default();
        let mut new: Vec<((usize, usize), &PushedRecord)> = Vec::new();
        for (key, record) in pushed() {
            if seen.get(record.id.as_str()) != Some(&1) {
                continue;
            }
            // A storage error is met again, and answered, in `judge_in_turn`.
            let loaded = self.ensure_loaded(&record.id, &empty, &empty);
            if matches!(loaded, Ok(None)) && !self.cache.contains(&record.id) {
                new.push((key, record));
            }
        }
        let share = new.len().div_ceil(threads).max(1);
        std::thread::scope(|scope| {
            let workers: Vec<_> = new
                .chunks(share)
                .map(|part| {
                    scope.spawn(move || {
                        part.iter()
                            .map(|((job, index), record)| {
                                let judging = Judging {
                                    author: &jobs[*job].author,
                                    directory,
                                    limits: &limits,
                                };
                                let judged = judge(None, record, judging);
                                ((*job, *index), (judged, None))
                            })
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .filter_map(|worker| worker.join().ok())
                .flatten()
                .collect()
        })
    }

    /// Judges a record against its latest state: staged earlier in this
    /// batch, cached, or stored. A push that builds on history the cached
    /// copy lacks may build on what another server stored since: the copy
    /// is forgotten and the push judged again on the stored record.
    fn judge_in_turn(
        &mut self,
        judging: Judging<'_>,
        pushed: &PushedRecord,
        batch: &Staged,
        local: &Staged,
    ) -> Result<Verdict, WriteError> {
        let cached = !local.docs.contains_key(&pushed.id)
            && !batch.docs.contains_key(&pushed.id)
            && self.cache.contains(&pushed.id);
        let verdict = self.judge_once(judging, pushed, batch, local)?;
        let lacks_history = matches!(
            &verdict.0,
            Ok(Err(refused)) if refused.code == RefusalCode::MissingHistory
        );
        if cached && lacks_history {
            tracing::info!(record = %pushed.id, "the cached copy may be stale; judging on the stored one");
            self.cache.remove(&pushed.id);
            self.metrics.stale_retry();
            return self.judge_once(judging, pushed, batch, local);
        }
        Ok(verdict)
    }

    fn judge_once(
        &mut self,
        judging: Judging<'_>,
        pushed: &PushedRecord,
        batch: &Staged,
        local: &Staged,
    ) -> Result<Verdict, WriteError> {
        let uncached = self.ensure_loaded(&pushed.id, batch, local)?;
        let current = uncached
            .as_ref()
            .or_else(|| lookup(&mut self.cache, batch, local, &pushed.id));
        let before = current.map(|cached| cached.record.doc());
        Ok((judge(before, pushed, judging), current.map(base_of)))
    }

    /// Answers a judged record, staging it when it changed anything.
    fn run_record(
        &mut self,
        job: usize,
        pushed: &PushedRecord,
        (judged, base): Verdict,
        local: &mut Staged,
        now: DateTime<Utc>,
    ) -> Result<Result<Accepted, Refused>, WriteError> {
        let applied = match judged {
            Ok(Ok(applied)) => applied,
            Ok(Err(refused)) => return Ok(Err(refused)),
            Err(_) => {
                return Ok(Err(Refused {
                    id: pushed.id.clone(),
                    code: RefusalCode::NotAutomerge,
                    message: "the changes could not be read".into(),
                }));
            }
        };
        let accepted = Accepted {
            id: pushed.id.clone(),
            heads: applied
                .pushed_heads
                .iter()
                .map(|hash| ByteBuf::from(hash.0.to_vec()))
                .collect(),
        };
        if applied.changed {
            let staging = Staging {
                job,
                pushed,
                pushed_heads: &applied.pushed_heads,
                new_events: &applied.new_events,
                base,
            };
            self.stage(staging, applied.after, local, now)?;
        }
        Ok(Ok(accepted))
    }

    /// Stamps an accepted record and stages its write and its new state.
    fn stage(
        &mut self,
        staging: Staging<'_>,
        mut after: RecordDoc,
        local: &mut Staged,
        now: DateTime<Utc>,
    ) -> Result<(), WriteError> {
        let Staging {
            job,
            pushed,
            pushed_heads,
            new_events,
            base,
        } = staging;
        let unreadable = |source| WriteError::Record {
            id: pushed.id.clone(),
            source,
        };
        push::stamp(&mut after, new_events, &self.actor, now).map_err(unreadable)?;
        let tz = self.zone(&after.header().estate)?;
        let record = AnyRecord::from_doc(after).map_err(unreadable)?;
        let doc = record.doc();
        let echo = doc.save_after(pushed_heads);
        let base_heads = base.as_ref().map(|base| encode_heads(&base.heads));
        let (change, mut cached) = match base {
            None => {
                // What the device sent, then the stamps: a document that
                // loads as is, without the cost of saving it anew.
                let snapshot = [pushed.changes.as_slice(), &echo].concat();
                let meta = (snapshot.len(), 0, 0);
                (RecordChange::Create { snapshot }, meta)
            }
            Some(base) => {
                let chunk = doc.save_after(&base.heads);
                let meta = (
                    base.snapshot_len,
                    base.chunk_count + 1,
                    base.chunk_bytes + chunk.len(),
                );
                (RecordChange::Append { chunk }, meta)
            }
        };
        let compacted = self.should_compact(cached).then(|| doc.save());
        if let Some(snapshot) = &compacted {
            cached = (snapshot.len(), 0, 0);
        }
        if matches!(change, RecordChange::Create { .. }) {
            local.new_records += 1;
        }
        local.echoes.push((job, pushed.id.clone(), echo));
        local.writes.push(RecordWrite {
            id: pushed.id.clone(),
            estate: doc.header().estate.clone(),
            kind: doc.kind().as_str().to_owned(),
            change,
            compacted,
            heads: encode_heads(&doc.heads()),
            base_heads,
            index: record.index_entry(tz),
            models: crate::reports::ModelRows::derive(&record, tz),
        });
        let (snapshot_len, chunk_count, chunk_bytes) = cached;
        local.docs.insert(
            pushed.id.clone(),
            CachedDoc {
                record,
                snapshot_len,
                chunk_count,
                chunk_bytes,
            },
        );
        Ok(())
    }

    fn should_compact(
        &self,
        (snapshot_len, chunk_count, chunk_bytes): (usize, u32, usize),
    ) -> bool {
        chunk_count >= self.config.compact_chunks
            || chunk_bytes > snapshot_len.max(COMPACT_MIN_BYTES)
    }

    /// Makes sure the record, if stored, is at hand: staged, cached, or (when
    /// too big for the cache) returned for this one use.
    fn ensure_loaded(
        &mut self,
        id: &str,
        batch: &Staged,
        local: &Staged,
    ) -> Result<Option<CachedDoc>, WriteError> {
        if local.docs.contains_key(id) || batch.docs.contains_key(id) || self.cache.contains(id) {
            return Ok(None);
        }
        let Some(stored) = self.storage.load_record(id)? else {
            return Ok(None);
        };
        let record = RecordDoc::load(&stored.bytes)
            .and_then(AnyRecord::from_doc)
            .map_err(|source| WriteError::Record {
                id: id.to_owned(),
                source,
            })?;
        let doc = CachedDoc {
            record,
            snapshot_len: stored.snapshot_len,
            chunk_count: stored.chunk_count,
            chunk_bytes: stored.chunk_bytes,
        };
        if !self.cache.fits(&doc) {
            return Ok(Some(doc));
        }
        self.cache.insert(id.to_owned(), doc);
        self.metrics.cache(self.cache.len(), self.cache.bytes());
        Ok(None)
    }

    fn zone(&mut self, estate: &str) -> Result<Tz, WriteError> {
        if let Some(tz) = self.zones.get(estate) {
            return Ok(*tz);
        }
        match self.storage.estate(estate)? {
            Some(found) => {
                self.zones.insert(estate.to_owned(), found.tz);
                Ok(found.tz)
            }
            None => {
                tracing::warn!(estate, "record of an unknown estate; deadlines in UTC");
                Ok(Tz::UTC)
            }
        }
    }
}

/// The newest state of a record: this request's, then this batch's, then
/// the committed one in the cache.
/// A pushed record judged: accepted or refused, or a panic inside
/// Automerge, which parses bytes from outside.
type Judged = std::thread::Result<Result<push::Applied, Refused>>;

/// A record judged, with the version it was judged against (none for a
/// record new to the server).
type Verdict = (Judged, Option<Base>);

/// A panic while judging costs one record, not the writer thread.
fn judge(before: Option<&RecordDoc>, pushed: &PushedRecord, judging: Judging<'_>) -> Judged {
    catch_unwind(AssertUnwindSafe(|| push::apply(before, pushed, judging)))
}

fn lookup<'a>(
    cache: &'a mut DocCache,
    batch: &'a Staged,
    local: &'a Staged,
    id: &str,
) -> Option<&'a CachedDoc> {
    local
        .docs
        .get(id)
        .or_else(|| batch.docs.get(id))
        .or_else(|| cache.get(id))
}

fn base_of(cached: &CachedDoc) -> Base {
    Base {
        heads: cached.record.doc().heads(),
        snapshot_len: cached.snapshot_len,
        chunk_count: cached.chunk_count,
        chunk_bytes: cached.chunk_bytes,
    }
}

#[cfg(test)]
mod tests {
    use chrono::Duration;
    use stairwell_core::kinds::repair_sheet::{Intake, RepairSheet};
    use stairwell_core::record::{Editor, Role};
    use stairwell_core::rules::{RepairLocation, Urgency};

    use super::*;
    use crate::accounts;
    use crate::store::SqliteStorage;

    fn counter(metrics: &Metrics, name: &str) -> u64 {
        metrics
            .render()
            .lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .and_then(|value| value.parse().ok())
            .unwrap_or_else(|| panic!("no {name}"))
    }

    /// A writer over a new database with estate `e1` and one user of
    /// `role` with a device.
    struct Bench {
        _dir: tempfile::TempDir,
        storage: Arc<dyn Storage>,
        metrics: Arc<Metrics>,
        author: Author,
        editor: Editor,
        writer: WriterHandle,
        thread: JoinHandle<()>,
    }

    fn bench(role: Role) -> Bench {
        let dir = tempfile::tempdir().expect("tempdir");
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(dir.path()).expect("open"));
        accounts::add_estate(&*storage, "e1", "East", "Asia/Shanghai").expect("estate");
        accounts::add_user(&*storage, "lin", "Lin", role, &["e1".into()]).expect("user");
        for n in 0..12 {
            let technician = format!("t{n}");
            accounts::add_user(
                &*storage,
                &technician,
                &technician,
                Role::Technician,
                &["e1".into()],
            )
            .expect("technician");
        }
        let device = accounts::issue_device(&*storage, "lin", None).expect("device");
        let author = accounts::authenticate(&*storage, &device.token)
            .expect("auth")
            .expect("author");
        let editor = Editor::new("lin", author.device.clone(), role);
        let metrics = Arc::new(Metrics::default());
        let (writer, thread) =
            spawn(storage.clone(), metrics.clone(), WriterConfig::default()).expect("writer");
        Bench {
            _dir: dir,
            storage,
            metrics,
            author,
            editor,
            writer,
            thread,
        }
    }

    fn new_sheet(editor: &Editor) -> RepairSheet {
        let now = Utc::now();
        let intake = Intake {
            resident_name: "张女士".into(),
            unit: "C3-0801".into(),
            phone: "137 2222 3333".into(),
            problem: "门锁坏了".into(),
            location: RepairLocation::InUnit,
            on_price_list: true,
            urgency: Urgency::Normal,
            appointment: None,
        };
        RepairSheet::open(editor, now, "e1", intake, now - Duration::minutes(1), None)
            .expect("open")
    }

    fn whole(sheet: &RepairSheet) -> PushedRecord {
        PushedRecord {
            id: sheet.id().to_string(),
            changes: serde_bytes::ByteBuf::from(sheet.doc().save()),
        }
    }

    /// A pushed record of what `sheet` gained from `edit`.
    fn edited(
        sheet: &mut RepairSheet,
        edit: impl FnOnce(&mut RepairSheet) -> Result<(), stairwell_core::record::RecordError>,
    ) -> PushedRecord {
        let before = sheet.doc().heads();
        edit(sheet).expect("edit");
        PushedRecord {
            id: sheet.id().to_string(),
            changes: serde_bytes::ByteBuf::from(sheet.doc().save_after(&before)),
        }
    }

    /// Runs each request as its own task at once; returns their outcomes.
    fn push_at_once(bench: &Bench, requests: Vec<Vec<PushedRecord>>) -> Vec<PushOutcome> {
        let runtime = tokio::runtime::Runtime::new().expect("runtime");
        runtime.block_on(async {
            let tasks: Vec<_> = requests
                .into_iter()
                .map(|records| {
                    let (writer, author) = (bench.writer.clone(), bench.author.clone());
                    tokio::spawn(async move { writer.push(author, records).await })
                })
                .collect();
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(task.await.expect("task").expect("push"));
            }
            outcomes
        })
    }

    fn stop(bench: Bench) {
        drop(bench.writer);
        bench
            .thread
            .join()
            .expect("the writer stops once its handles are gone");
    }

    #[test]
    fn concurrent_edits_are_judged_against_what_is_stored() {
        let bench = bench(Role::Supervisor);
        let editor = bench.editor.clone();
        let now = Utc::now();
        let mut sheets: Vec<RepairSheet> = (0..12).map(|_| new_sheet(&editor)).collect();
        push_at_once(&bench, sheets.iter().map(|s| vec![whole(s)]).collect());

        // Each sheet dispatched on its own request, one of them twice over
        // (two requests for one record are judged in order); and a push of
        // changes for a sheet the server does not have.
        let mut requests: Vec<Vec<PushedRecord>> = sheets
            .iter_mut()
            .enumerate()
            .map(|(n, sheet)| {
                vec![edited(sheet, |s| {
                    s.dispatch(&editor, now, &format!("t{n}"))
                })]
            })
            .collect();
        requests.push(vec![edited(&mut sheets[0], |s| {
            s.add_note(&editor, now, "again")
        })]);
        let mut unknown = new_sheet(&editor);
        requests.push(vec![edited(&mut unknown, |s| {
            s.add_note(&editor, now, "lost")
        })]);
        let outcomes = push_at_once(&bench, requests);
        let accepted: usize = outcomes.iter().map(|o| o.accepted.len()).sum();
        assert_eq!(accepted, 13, "{outcomes:?}");
        let refused: Vec<&Refused> = outcomes.iter().flat_map(|o| &o.refused).collect();
        assert_eq!(refused.len(), 1);
        assert_eq!(refused[0].code, RefusalCode::MissingHistory);
        for sheet in &sheets {
            let stored = bench
                .storage
                .load_record(&sheet.id().to_string())
                .expect("load")
                .expect("stored");
            let record = RecordDoc::load(&stored.bytes).expect("a document");
            let missing =
                automerge::ReadDoc::get_missing_deps(record.automerge(), &sheet.doc().heads());
            assert!(missing.is_empty(), "every pushed change is stored");
        }
        stop(bench);
    }

    /// A second writer on the same database, as another server replica
    /// would have: its own cache, the same records.
    fn second_writer(bench: &Bench) -> (WriterHandle, JoinHandle<()>, Arc<Metrics>) {
        let path = bench._dir.path();
        let storage: Arc<dyn Storage> = Arc::new(SqliteStorage::open(path).expect("open"));
        let metrics = Arc::new(Metrics::default());
        let (writer, thread) =
            spawn(storage, metrics.clone(), WriterConfig::default()).expect("writer");
        (writer, thread, metrics)
    }

    #[test]
    fn a_record_changed_by_another_server_is_judged_again_not_lost() {
        let bench = bench(Role::Supervisor);
        let (other, other_thread, other_metrics) = second_writer(&bench);
        let editor = bench.editor.clone();
        let now = Utc::now();
        let mut sheet = new_sheet(&editor);
        let push = |writer: &WriterHandle, records| {
            let runtime = tokio::runtime::Runtime::new().expect("runtime");
            runtime
                .block_on(writer.push(bench.author.clone(), records))
                .expect("push")
        };
        // Both servers hold the sheet in their caches.
        push(&bench.writer, vec![whole(&sheet)]);
        // Another phone's copy: its own Automerge actor.
        let mut other_copy =
            RepairSheet::from_doc(RecordDoc::load(&sheet.doc().save()).expect("load"))
                .expect("sheet");
        let noted = edited(&mut other_copy, |s| s.add_note(&editor, now, "from B"));
        push(&other, vec![noted]);
        // This server's cache is now stale; a dispatch judged against it
        // fails the heads check, is judged again, and both changes stay.
        let dispatched = edited(&mut sheet, |s| s.dispatch(&editor, now, "t1"));
        let outcome = push(&bench.writer, vec![dispatched]);
        assert_eq!(outcome.accepted.len(), 1, "{outcome:?}");
        let stored = bench
            .storage
            .load_record(&sheet.id().to_string())
            .expect("load")
            .expect("stored");
        let merged =
            RepairSheet::from_doc(RecordDoc::load(&stored.bytes).expect("load")).expect("sheet");
        let view = merged.view();
        assert_eq!(view.technician.as_deref(), Some("t1"));
        assert!(
            view.notes.iter().any(|note| note.text == "from B"),
            "{:?}",
            view.notes
        );
        assert_eq!(counter(&bench.metrics, "stairwell_judged_again_total"), 1);
        assert_eq!(counter(&other_metrics, "stairwell_judged_again_total"), 0);
        drop(other);
        other_thread.join().expect("the other writer stops");
        stop(bench);
    }

    #[test]
    fn concurrent_requests_share_commits() {
        let bench = bench(Role::FrontDesk);
        let requests = 50;
        let pushes: Vec<Vec<PushedRecord>> = (0..requests)
            .map(|_| vec![whole(&new_sheet(&bench.editor))])
            .collect();
        for outcome in push_at_once(&bench, pushes) {
            assert_eq!(outcome.accepted.len(), 1);
        }
        assert_eq!(bench.storage.record_count().expect("count"), requests);
        let commits = counter(&bench.metrics, "stairwell_group_commits_total");
        assert!(
            commits < requests,
            "{commits} commits for {requests} requests"
        );
        assert_eq!(
            counter(&bench.metrics, "stairwell_group_commit_requests_total"),
            requests
        );
        stop(bench);
    }
}
