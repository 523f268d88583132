//! One record (`/records/{id}`): its fields (read from the record's folded
//! view, whatever its kind), its timeline (each event with the device's
//! time and the server's receipt time, and why a superseded one took no
//! effect), its photos and signatures (links to
//! `/records/{id}/blobs/{hash}`, which checks the record is the user's and
//! names that blob), its conflicts with a button per competing value (`POST
//! /records/{id}/resolve`: `resolve_conflict` as the signed-in user,
//! stored through the writer), and its raw history: every event and every
//! field write, who made it, when, and from which device.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde_json::Value;
use stairwell_core::kinds::{AnyRecord, BlobHash};
use stairwell_core::record::{RecordDoc, Role, SHARED_CREATOR, Verb, may};
use stairwell_core::sync::audit;

use super::html::{self, esc};
use super::messages::Lang;
use super::session::{Ctx, PageError, Posted, blocking};
use super::sheet::Sheet;
use super::{actions, images, today, write};
use crate::http::state::AppState;

/// The folded view of any record, as JSON.
pub fn view_json(record: &AnyRecord) -> Value {
    let view = match record {
        AnyRecord::RepairSheet(r) => serde_json::to_value(r.view()),
        AnyRecord::RouteTemplate(r) => serde_json::to_value(r.view()),
        AnyRecord::PatrolRound(r) => serde_json::to_value(r.view()),
        AnyRecord::ChecklistTemplate(r) => serde_json::to_value(r.view()),
        AnyRecord::Checklist(r) => serde_json::to_value(r.view()),
        AnyRecord::Complaint(r) => serde_json::to_value(r.view()),
        AnyRecord::DutyLog(r) => serde_json::to_value(r.view()),
    };
    view.unwrap_or(Value::Null)
}

/// A photo or signature a record refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRef {
    pub hash: String,
    /// `signature` (with its signer) or `photo` (with its caption).
    pub signature: bool,
    pub label: String,
}

fn is_hash(text: &str) -> bool {
    text.len() == 64 && text.chars().all(|c| c.is_ascii_hexdigit())
}

/// Every blob the view names: any object with a `blob` that is a SHA-256,
/// and the hashes in any `photos` list.
pub fn blobs_of(view: &Value) -> Vec<BlobRef> {
    fn walk(value: &Value, out: &mut Vec<BlobRef>) {
        match value {
            Value::Object(map) => {
                if let Some(Value::String(hash)) = map.get("blob")
                    && is_hash(hash)
                {
                    let signer = map.get("signer").and_then(Value::as_str);
                    let caption = map.get("caption").and_then(Value::as_str);
                    let blob = BlobRef {
                        hash: hash.to_ascii_lowercase(),
                        signature: signer.is_some(),
                        label: signer.or(caption).unwrap_or("").to_owned(),
                    };
                    if !out.contains(&blob) {
                        out.push(blob);
                    }
                }
                // A finding's photos are bare hashes.
                if let Some(Value::Array(photos)) = map.get("photos") {
                    for hash in photos.iter().filter_map(Value::as_str) {
                        let blob = BlobRef {
                            hash: hash.to_ascii_lowercase(),
                            signature: false,
                            label: String::new(),
                        };
                        if is_hash(hash) && !out.contains(&blob) {
                            out.push(blob);
                        }
                    }
                }
                map.values().for_each(|inner| walk(inner, out));
            }
            Value::Array(items) => items.iter().for_each(|inner| walk(inner, out)),
            _ => {}
        }
    }
    let mut out = Vec::new();
    walk(view, &mut out);
    out
}

/// `GET /records/{id}`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    match render(&state, &ctx, &id).await {
        Ok((title, body)) => html::shell(&ctx, "record", &title, true, &body),
        Err(err) => err.into_response(),
    }
}

/// The record page answering a refused form (400), the reason on top.
pub async fn page_with_error(
    state: &Arc<AppState>,
    ctx: &Ctx,
    id: &str,
    message: &str,
) -> Response {
    match render(state, ctx, id).await {
        Ok((title, body)) => {
            let body = format!(
                "<p class=\"error\" id=\"form-error\">{}</p>{body}",
                esc(message)
            );
            let mut response = html::shell(ctx, "record", &title, true, &body);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn render(state: &Arc<AppState>, ctx: &Ctx, id: &str) -> Result<(String, String), PageError> {
    let loaded = write::load(state, ctx, id).await?;
    let record = &loaded.record;
    let doc = record.doc();
    let header = doc.header().clone();
    let tz = ctx.tz(&header.estate);
    let entry = record.index_entry(tz);
    let view = view_json(record);
    let technicians = if may(ctx.user.role, Verb::Dispatch) {
        let estate = header.estate.clone();
        blocking(state, move |storage| {
            Ok(storage.console().staff(&estate, Role::Technician)?)
        })
        .await?
    } else {
        Vec::new()
    };
    let title = match record {
        // A duty log's stored title is the core's English; the page names
        // its day in the page's language.
        AnyRecord::DutyLog(log) => ctx.lang.tf(
            "duty.log_of",
            &[&log
                .view()
                .day_start
                .with_timezone(&tz)
                .date_naive()
                .to_string()],
        ),
        _ => format!(
            "{} · {}",
            html::vocab(ctx.lang, header.kind.as_str()),
            entry.title
        ),
    };

    let id = header.id.to_string();
    let sheet = Sheet::gather(state, ctx, &id, &header.estate, &view).await?;
    let creator = if header.created_by == SHARED_CREATOR {
        ctx.t("duty.shared_creator").to_owned()
    } else {
        sheet.person(&header.created_by)
    };
    let mut out = String::new();
    // Summary.
    let estate_name = ctx
        .estate(&header.estate)
        .map_or(header.estate.clone(), |estate| estate.name.clone());
    let due = match (entry.due, entry.due_rule.as_deref()) {
        (Some(due), Some(rule)) => format!(
            "{} ({}) — {}",
            esc(&html::time(due, tz)),
            html::time_left_html(ctx.lang, due, ctx.now),
            esc(&html::rule(ctx.lang, rule))
        ),
        _ => "—".to_owned(),
    };
    out.push_str(&format!(
        "<dl class=\"fields\" id=\"summary\">\
         <dt>{}</dt><dd><code>{}</code></dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd id=\"record-state\">{}</dd><dt>{}</dt><dd>{}</dd>\
         <dt>{}</dt><dd>{} · {}</dd></dl>",
        esc(ctx.t("record.id")),
        header.id,
        esc(ctx.t("filter.estate")),
        esc(&estate_name),
        esc(ctx.t("col.state")),
        esc(&html::vocab(ctx.lang, &entry.state)),
        esc(ctx.t("col.due")),
        due,
        esc(ctx.t("record.created")),
        esc(&html::time(header.created_at, tz)),
        esc(&creator),
    ));
    let mut by_estate = HashMap::new();
    by_estate.insert(header.estate.clone(), technicians);
    let dispatch = today::dispatch_form(ctx, &entry, &by_estate);
    if !dispatch.is_empty() {
        out.push_str(&format!("<p>{dispatch}</p>"));
    }
    if let AnyRecord::DutyLog(log) = record {
        let date = log.view().day_start.with_timezone(&tz).date_naive();
        out.push_str(&format!(
            "<p><a href=\"/duty?estate={}&date={date}\">{}</a></p>",
            html::url_encode(&header.estate),
            esc(ctx.t("nav.duty"))
        ));
    }

    out.push_str(&conflicts_html(ctx, &sheet, doc));
    out.push_str(&sheet.render(header.kind, &view));
    out.push_str(&actions::forms(ctx, record));
    out.push_str(&timeline_html(ctx, &sheet, doc, &view));
    // For an auditor: every write, folded away until asked for.
    out.push_str(&format!(
        "<details id=\"audit\"><summary>{}</summary>{}{}</details>",
        esc(ctx.t("record.audit")),
        field_history_html(ctx, &sheet, doc),
        history_html(ctx, &sheet, doc)
    ));
    out.push_str(&format!(
        "<p><a id=\"export-history\" href=\"/records/{}/history.json\">{}</a></p>",
        header.id,
        esc(ctx.t("record.export_history"))
    ));
    Ok((title, out))
}

fn conflicts_html(ctx: &Ctx, sheet: &Sheet<'_>, doc: &RecordDoc) -> String {
    let tz = sheet.tz;
    let conflicts = doc.conflicts();
    let mut out = format!(
        "<h2 id=\"conflicts-title\">{}</h2>",
        esc(&ctx
            .lang
            .tf("record.conflicts_n", &[&conflicts.len().to_string()]))
    );
    if conflicts.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\" id=\"no-conflicts\">{}</p>",
            esc(ctx.t("record.no_conflicts"))
        ));
        return out;
    }
    let may_resolve = may(ctx.user.role, Verb::ResolveConflict);
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"conflicts\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th></th></tr></thead><tbody>",
        esc(ctx.t("col.field")),
        esc(ctx.t("col.value")),
        esc(ctx.t("col.user")),
        esc(ctx.t("col.device")),
        esc(ctx.t("col.device_time")),
    ));
    for conflict in &conflicts {
        for (pick, value) in conflict.values.iter().enumerate() {
            let button = if may_resolve {
                format!(
                    "<form method=\"post\" action=\"/records/{id}/resolve\" class=\"inline\">{csrf}\
                     <input type=\"hidden\" name=\"field\" value=\"{field}\">\
                     <input type=\"hidden\" name=\"pick\" value=\"{pick}\">\
                     <button type=\"submit\" class=\"resolve\" data-field=\"{field}\" \
                     data-pick=\"{pick}\">{label}</button></form>",
                    id = doc.id(),
                    csrf = html::csrf_field(ctx),
                    field = esc(&conflict.field),
                    label = esc(ctx.t("record.keep_this")),
                )
            } else {
                String::new()
            };
            out.push_str(&format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{button}</td></tr>",
                esc(&sheet.field_label(&conflict.field)),
                esc(&sheet.plain(&value.value)),
                esc(&sheet.person(&value.user)),
                esc(&value.device),
                esc(&html::time_exact(value.at, tz)),
            ));
        }
    }
    out.push_str("</tbody></table></div>");
    out
}

fn timeline_html(ctx: &Ctx, sheet: &Sheet<'_>, doc: &RecordDoc, view: &Value) -> String {
    let tz = sheet.tz;
    let superseded: HashMap<String, String> = view
        .get("timeline")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
        .filter_map(|line| {
            Some((
                line.get("event")?.as_str()?.to_owned(),
                line.get("superseded")?.as_str()?.to_owned(),
            ))
        })
        .collect();
    let mut out = format!(
        "<h2>{}</h2><div class=\"table-wrap\"><table id=\"timeline\"><thead><tr><th>#</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("record.timeline")),
        esc(ctx.t("col.event")),
        esc(ctx.t("col.device_time")),
        esc(ctx.t("col.received_time")),
        esc(ctx.t("col.user")),
        esc(ctx.t("col.device")),
    );
    for (index, event) in doc.raw_events().iter().enumerate() {
        let note = superseded
            .get(&event.id)
            .map(|reason| {
                format!(
                    " <span class=\"bad\">{}: {}</span>",
                    esc(ctx.t("record.superseded")),
                    esc(reason)
                )
            })
            .unwrap_or_default();
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}{note}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            index + 1,
            esc(&event_name(ctx.lang, &event.kind)),
            esc(&html::time_exact(event.at, tz)),
            esc(&event.received_at.map_or_else(
                || ctx.t("record.not_received").to_owned(),
                |at| { html::time_exact(at, tz) }
            )),
            esc(&sheet.person(&event.user)),
            esc(&event.device),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

fn event_name(lang: Lang, kind: &str) -> String {
    lang.lookup(&format!("event.{kind}"))
        .map_or_else(|| kind.replace('_', " "), str::to_owned)
}

/// Each field's writes, field by field: the value, what it replaced, who,
/// from which device and when, and whether it resolved a conflict.
fn field_history_html(ctx: &Ctx, sheet: &Sheet<'_>, doc: &RecordDoc) -> String {
    let tz = sheet.tz;
    let mut writes = audit::field_history(doc);
    // Field by field, each in history order (the sort is stable).
    writes.sort_by(|a, b| a.field.cmp(&b.field));
    let mut out = format!(
        "<h2>{}</h2><div class=\"table-wrap\"><table id=\"field-history\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("record.field_history")),
        esc(ctx.t("col.field")),
        esc(ctx.t("col.value")),
        esc(ctx.t("record.replaced")),
        esc(ctx.t("col.user")),
        esc(ctx.t("col.device")),
        esc(ctx.t("col.device_time")),
    );
    for write in &writes {
        let replaced = if write.previous.is_empty() {
            ctx.t("record.first_value").to_owned()
        } else {
            let was: Vec<String> = write
                .previous
                .iter()
                .map(|value| sheet.plain(value))
                .collect();
            was.join(" | ")
        };
        let resolved = if write.resolves_conflict {
            format!(
                " <span class=\"tag\">{}</span>",
                esc(ctx.t("record.resolved_conflict"))
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<tr data-field=\"{}\"><td>{}</td><td>{}{resolved}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&write.field),
            esc(&sheet.field_label(&write.field)),
            esc(&sheet.plain(&write.value)),
            esc(&replaced),
            esc(&sheet.person(&write.user)),
            esc(&write.device),
            esc(&html::time_exact(write.at, tz)),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A field write as one line: `old → new`, or the first value.
fn change_text(write: &audit::FieldWrite) -> String {
    let was: Vec<String> = write.previous.iter().map(ToString::to_string).collect();
    if was.is_empty() {
        write.value.to_string()
    } else {
        format!("{} → {}", was.join(" | "), write.value)
    }
}

/// Every event and every field write, oldest first.
fn history_html(ctx: &Ctx, sheet: &Sheet<'_>, doc: &RecordDoc) -> String {
    let tz = sheet.tz;
    // (time, order, row) so equal times keep a stable order.
    let mut rows: BTreeMap<(DateTime<Utc>, usize), String> = BTreeMap::new();
    for (index, event) in doc.raw_events().iter().enumerate() {
        let data = if event.data.is_null() || event.data == Value::Object(Default::default()) {
            String::new()
        } else {
            event.data.to_string()
        };
        rows.insert(
            (event.at, index),
            format!(
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} <code>{}</code></td></tr>",
                esc(&html::time_exact(event.at, tz)),
                esc(&event
                    .received_at
                    .map_or_else(String::new, |at| html::time_exact(at, tz))),
                esc(&sheet.person(&event.user)),
                esc(&event.device),
                esc(&event_name(ctx.lang, &event.kind)),
                esc(&data),
            ),
        );
    }
    let offset = rows.len();
    for (index, write) in audit::field_history(doc).iter().enumerate() {
        rows.insert(
            (write.at, offset + index),
            format!(
                "<tr><td>{}</td><td></td><td>{}</td><td>{}</td><td>{} <code>{}</code></td></tr>",
                esc(&html::time_exact(write.at, tz)),
                esc(&sheet.person(&write.user)),
                esc(&write.device),
                esc(&ctx
                    .lang
                    .tf("record.set_field", &[&sheet.field_label(&write.field)])),
                esc(&change_text(write)),
            ),
        );
    }
    let mut out = format!(
        "<h2>{}</h2><div class=\"table-wrap\"><table id=\"history\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("record.history")),
        esc(ctx.t("col.device_time")),
        esc(ctx.t("col.received_time")),
        esc(ctx.t("col.user")),
        esc(ctx.t("col.device")),
        esc(ctx.t("col.change")),
    );
    rows.into_values().for_each(|row| out.push_str(&row));
    out.push_str("</tbody></table></div>");
    out
}

/// `GET /records/{id}/history.json`: the record's whole raw history, every
/// change with its actor, time, verb and operations, for an auditor.
pub async fn history_export(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
) -> Response {
    match write::load(&state, &ctx, &id).await {
        Ok(loaded) => {
            let mut response = Json(audit::raw_history(loaded.record.doc())).into_response();
            let name = format!("attachment; filename=\"{id}-history.json\"");
            if let Ok(value) = HeaderValue::from_str(&name) {
                response
                    .headers_mut()
                    .insert(header::CONTENT_DISPOSITION, value);
            }
            response
        }
        Err(err) => err.into_response(),
    }
}

/// `POST /records/{id}/resolve`: keeps value `pick` of conflict `field`.
pub async fn resolve(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let ctx = &posted.ctx;
    let outcome = async {
        if !may(ctx.user.role, Verb::ResolveConflict) {
            return Err(PageError::Forbidden(ctx.t("error.forbidden").to_owned()));
        }
        let field = posted.required("field")?.to_owned();
        let pick: usize = posted
            .required("pick")?
            .parse()
            .map_err(|_| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?;
        let (mut doc, heads) = write::load_doc(&state, ctx, &id).await?;
        doc.resolve_conflict(&ctx.editor(), ctx.now, &field, pick)
            .map_err(|err| write::refused(ctx, err))?;
        write::store(&state, ctx, &doc, Some(&heads)).await
    }
    .await;
    match outcome {
        Ok(()) => Redirect::to(&format!("/records/{id}")).into_response(),
        Err(err) => err.into_response(),
    }
}

/// The bytes of blob `hash` if the record is one the user may see and it
/// names that blob.
async fn named_blob(
    state: &Arc<AppState>,
    ctx: &Ctx,
    id: &str,
    hash: &str,
) -> Result<(String, Vec<u8>), PageError> {
    let loaded = write::load(state, ctx, id).await?;
    let hash = hash.to_ascii_lowercase();
    if !blobs_of(&view_json(&loaded.record))
        .iter()
        .any(|blob| blob.hash == hash)
    {
        return Err(PageError::NotFound);
    }
    let blob_hash: BlobHash = hash.parse().map_err(|_| PageError::NotFound)?;
    let author = ctx.author();
    let bytes = blocking(state, move |storage| {
        Ok(storage.read_blob(&author, &blob_hash)?)
    })
    .await?
    .ok_or(PageError::NotFound)?;
    Ok((hash, bytes))
}

/// An image answer: its type, never sniffed again by the browser, cached
/// by the browser for a day (a blob never changes).
fn image_response(bytes: Vec<u8>, content_type: &'static str) -> Response {
    let mut response = (StatusCode::OK, bytes).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("private, max-age=86400, immutable"),
    );
    response
}

/// `GET /records/{id}/blobs/{hash}`: a photo or signature of a record the
/// user may see, and only one the record names.
pub async fn blob(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path((id, hash)): Path<(String, String)>,
) -> Response {
    match named_blob(&state, &ctx, &id, &hash).await {
        Ok((_, bytes)) => {
            let content_type = images::sniff(&bytes);
            image_response(bytes, content_type)
        }
        Err(err) => err.into_response(),
    }
}

/// At most this many thumbnails are made at once; the others wait.
static THUMBNAILING: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(2);

/// `GET /records/{id}/blobs/{hash}/thumb`: the image's thumbnail, made on
/// first use and cached ([`images::make_thumbnail`]); 404 for what is not
/// an image.
pub async fn thumbnail(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path((id, hash)): Path<(String, String)>,
) -> Response {
    let outcome = async {
        let (hash, bytes) = named_blob(&state, &ctx, &id, &hash).await?;
        if let Some(cached) = images::cached_thumbnail(&hash) {
            return Ok(cached);
        }
        let _slot = THUMBNAILING.acquire().await.map_err(PageError::internal)?;
        tokio::task::spawn_blocking(move || images::make_thumbnail(&hash, &bytes))
            .await
            .map_err(PageError::internal)?
            .map_err(|err| {
                tracing::info!(error = %err, "no thumbnail");
                PageError::NotFound
            })
    }
    .await;
    match outcome {
        Ok(thumbnail) => image_response(thumbnail.bytes.to_vec(), thumbnail.content_type),
        Err(err) => err.into_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blobs_are_found_anywhere_in_a_view() {
        let hash = "a".repeat(64);
        let view = serde_json::json!({
            "photos": [{"blob": hash, "caption": "leak"}],
            "completion": {"signature": {"blob": "b".repeat(64), "signer": "Li"}},
            "note": {"blob": "not a hash"},
            "findings": [{"photos": ["c".repeat(64)]}]
        });
        let found = blobs_of(&view);
        assert_eq!(found.len(), 3);
        let photo = found.iter().find(|b| b.hash == hash).expect("photo");
        assert_eq!(photo.label, "leak");
        assert!(!photo.signature);
        assert_eq!(found.iter().filter(|b| b.signature).count(), 1);
    }
}
