//! The console's own changes: a front-desk verb or a conflict resolution is
//! made on a copy of the record with the core's verbs, as the signed-in
//! user on the device `console-<user>`, and the resulting Automerge changes
//! are pushed to the single writer exactly like a phone's push. The writer
//! runs the same checks (`check_push`: estate, role, author, history kept),
//! stamps receipt times, updates the index and report rows, announces the
//! commit (live pages refresh) and devices receive the change at their
//! next sync.

use std::sync::Arc;

use automerge::{ActorId, ChangeHash};
use serde_bytes::ByteBuf;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::protocol::PushedRecord;
use stairwell_core::record::{Editor, RecordDoc, RecordError};

use super::session::{Ctx, PageError, blocking};
use crate::http::state::AppState;
use crate::store::StorageError;

impl Ctx {
    /// The editor the console's verbs run as.
    pub fn editor(&self) -> Editor {
        Editor::new(self.user.id.clone(), self.device(), self.user.role)
    }
}

/// A record loaded for a change, with the heads the server has.
#[derive(Debug)]
pub struct Loaded {
    pub record: AnyRecord,
    pub heads: Vec<ChangeHash>,
}

/// Loads a record the user may see; `NotFound` for another estate's.
pub async fn load(state: &Arc<AppState>, ctx: &Ctx, id: &str) -> Result<Loaded, PageError> {
    let (doc, heads) = load_doc(state, ctx, id).await?;
    let id = doc.id().to_string();
    let record = AnyRecord::from_doc(doc)
        .map_err(|source| PageError::from(StorageError::Record { id, source }))?;
    Ok(Loaded { record, heads })
}

/// The document of a record the user may see, and its heads.
pub async fn load_doc(
    state: &Arc<AppState>,
    ctx: &Ctx,
    id: &str,
) -> Result<(RecordDoc, Vec<ChangeHash>), PageError> {
    let id = canonical_id(id)?;
    let estates = ctx.user.estates.clone();
    let stored = blocking(state, move |storage| Ok(storage.load_record(&id)?)).await?;
    let stored = stored
        .filter(|stored| estates.contains(&stored.estate))
        .ok_or(PageError::NotFound)?;
    let mut doc = RecordDoc::load(&stored.bytes).map_err(|source| {
        PageError::from(StorageError::Record {
            id: stored.id.clone(),
            source,
        })
    })?;
    // A fresh actor for every console edit: two edits made at once from
    // the same loaded copy must not reuse one actor's sequence numbers.
    doc.set_actor(ActorId::random());
    let heads = doc.heads();
    Ok((doc, heads))
}

/// Record ids in their one canonical spelling, as they are stored.
pub fn canonical_id(id: &str) -> Result<String, PageError> {
    id.parse::<stairwell_core::record::RecordId>()
        .ok()
        .map(|parsed| parsed.to_string())
        .filter(|canonical| canonical == id)
        .ok_or(PageError::NotFound)
}

/// Pushes the changes of `doc` since `since` (the whole document for a new
/// record) through the writer as the signed-in user.
pub async fn store(
    state: &Arc<AppState>,
    ctx: &Ctx,
    doc: &RecordDoc,
    since: Option<&[ChangeHash]>,
) -> Result<(), PageError> {
    let changes = match since {
        Some(heads) => doc.save_after(heads),
        None => doc.save(),
    };
    let pushed = PushedRecord {
        id: doc.id().to_string(),
        changes: ByteBuf::from(changes),
    };
    let outcome = state
        .writer
        .push(ctx.author(), vec![pushed])
        .await
        .map_err(PageError::internal)?;
    if let Some(refused) = outcome.refused.first() {
        tracing::info!(
            record = %refused.id,
            code = refused.code.as_str(),
            user = %ctx.user.id,
            "console change refused"
        );
        return Err(PageError::Forbidden(format!(
            "{}: {}",
            refused.code.as_str(),
            refused.message
        )));
    }
    tracing::info!(record = %doc.id(), user = %ctx.user.id, "console change stored");
    Ok(())
}

/// A verb the core refused, shown to the person who tried it.
pub fn refused(ctx: &Ctx, err: RecordError) -> PageError {
    PageError::BadRequest(format!("{}: {err}", ctx.t("error.refused")))
}
