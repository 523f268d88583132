//! The duty log written at the desk, on the duty page: a line in the log,
//! closing a follow-up with its outcome, the handover between two officers
//! (the equipment count, the follow-ups the incoming officer takes on, both
//! signatures as images) and the supervisor's morning sign-off (`POST
//! /duty/{step}`). Each form is shown only where [`offers`] admits the
//! step for the signed-in role, each step is the core's duty-log verb run
//! as that user, and it is stored through the writer like a device push
//! ([`super::write`]). A log a desk writes first is the same log every
//! device derives for the estate and day, so they merge into one.

use std::sync::Arc;

use automerge::ActorId;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::NaiveDate;
use stairwell_core::kinds::duty_log::{
    DutyLog, DutyLogView, EntryCategory, EquipmentCount, Handover, NewEntry,
};
use stairwell_core::kinds::{AnyRecord, offers};
use stairwell_core::record::{RecordDoc, RecordError, Verb};

use super::actions::signature;
use super::desk::local_time;
use super::html::{self, esc};
use super::images::Upload;
use super::session::{Ctx, PageError, Posted};
use super::write;
use crate::http::state::AppState;
use crate::store::StorageError;

const CATEGORIES: [&str; 6] = [
    "call",
    "visit",
    "incident",
    "follow_up",
    "equipment",
    "other",
];
/// Equipment lines a handover form offers.
const EQUIPMENT_ROWS: usize = 3;

fn category(code: &str) -> EntryCategory {
    match code {
        "call" => EntryCategory::Call,
        "visit" => EntryCategory::Visit,
        "incident" => EntryCategory::Incident,
        "follow_up" => EntryCategory::FollowUp,
        "equipment" => EntryCategory::Equipment,
        _ => EntryCategory::Other,
    }
}

/// The forms the signed-in user is offered on the log of `estate` for
/// `date` (`log` is `None` while nobody has written in it).
pub fn forms(ctx: &Ctx, estate: &str, date: NaiveDate, log: Option<&DutyLog>) -> String {
    let tz = ctx.tz(estate);
    let record = match log {
        Some(log) => AnyRecord::DutyLog(log.clone()),
        None => match DutyLog::open_for_day(estate, date, tz) {
            Ok(log) => AnyRecord::DutyLog(log),
            Err(_) => return String::new(),
        },
    };
    let AnyRecord::DutyLog(log) = &record else {
        return String::new();
    };
    let view = log.view();
    let role = ctx.user.role;
    let day = DayFields { estate, date };
    let mut out = String::new();
    if offers(&record, role, Verb::AppendEntry) {
        out.push_str(&entry_form(ctx, &day));
        out.push_str(&close_forms(ctx, &day, &view));
    }
    if offers(&record, role, Verb::HandOver) {
        out.push_str(&handover_form(ctx, &day, &view));
    }
    if offers(&record, role, Verb::SignOff) {
        out.push_str(&sign_off_form(ctx, &day));
    }
    if out.is_empty() {
        return out;
    }
    format!(
        "<section id=\"duty-actions\" class=\"actions\"><h2>{}</h2>{out}</section>",
        esc(ctx.t("action.title"))
    )
}

/// The hidden fields naming the log a form writes in.
struct DayFields<'a> {
    estate: &'a str,
    date: NaiveDate,
}

impl DayFields<'_> {
    /// The opening of a form posting to `/duty/{step}`, with its `id`
    /// (kept as typed through a live refresh) and extra classes.
    fn start(&self, ctx: &Ctx, step: &str, id: &str, class: &str, multipart: bool) -> String {
        format!(
            "<form method=\"post\" action=\"/duty/{step}\" class=\"stack action{class}\" id=\"{id}\" data-keep=\"1\"{enctype}>\
             {csrf}<input type=\"hidden\" name=\"estate\" value=\"{estate}\">\
             <input type=\"hidden\" name=\"date\" value=\"{date}\">",
            enctype = if multipart {
                " enctype=\"multipart/form-data\""
            } else {
                ""
            },
            csrf = html::csrf_field(ctx),
            estate = esc(self.estate),
            date = self.date,
        )
    }
}

fn entry_form(ctx: &Ctx, day: &DayFields<'_>) -> String {
    let categories: Vec<(String, String)> = CATEGORIES
        .iter()
        .map(|code| ((*code).to_owned(), html::vocab(ctx.lang, code)))
        .collect();
    format!(
        "{start}<h3>{title}</h3>\
         <label>{text_label}<input name=\"text\" id=\"entry-text\" required></label>\
         <label>{category_label}<select name=\"category\" id=\"entry-category\">{categories}</select></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"follow_up\" id=\"entry-follow-up\">{follow_up}</label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"important\" id=\"entry-important\">{important}</label>\
         <button type=\"submit\" id=\"append-entry\">{title}</button></form>",
        start = day.start(ctx, "entry", "duty-entry-form", "", false),
        title = esc(ctx.t("duty.append")),
        text_label = esc(ctx.t("duty.text")),
        category_label = esc(ctx.t("field.category")),
        categories = html::options(&categories, "call"),
        follow_up = esc(ctx.t("duty.needs_follow_up")),
        important = esc(ctx.t("duty.important_work")),
    )
}

fn close_forms(ctx: &Ctx, day: &DayFields<'_>, view: &DutyLogView) -> String {
    view.open_follow_ups
        .iter()
        .map(|open| {
            format!(
                "{start}<h3>{title}</h3><p>{text}</p>\
                 <input type=\"hidden\" name=\"entry\" value=\"{entry}\">\
                 <label>{outcome_label}<input name=\"outcome\" required></label>\
                 <button type=\"submit\" class=\"close-follow-up\">{title}</button></form>",
                start = day.start(
                    ctx,
                    "close",
                    &format!("close-{}", esc(&open.entry)),
                    " close-form",
                    false
                ),
                title = esc(ctx.t("duty.close")),
                text = esc(&open.text),
                entry = esc(&open.entry),
                outcome_label = esc(ctx.t("field.outcome")),
            )
        })
        .collect()
}

fn handover_form(ctx: &Ctx, day: &DayFields<'_>, view: &DutyLogView) -> String {
    let last_items: Vec<&str> = view
        .handovers
        .last()
        .map(|last| {
            last.handover
                .equipment
                .iter()
                .map(|count| count.item.as_str())
                .collect()
        })
        .unwrap_or_default();
    let rows: String = (0..EQUIPMENT_ROWS)
        .map(|row| {
            format!(
                "<tr><td><input name=\"item_{row}\" value=\"{item}\" aria-label=\"{item_label}\"></td>\
                 <td><input name=\"expected_{row}\" inputmode=\"numeric\" size=\"3\" aria-label=\"{expected}\"></td>\
                 <td><input name=\"counted_{row}\" inputmode=\"numeric\" size=\"3\" aria-label=\"{counted}\"></td>\
                 <td><input name=\"note_{row}\" aria-label=\"{note}\"></td></tr>",
                item = esc(last_items.get(row).copied().unwrap_or("")),
                item_label = esc(ctx.t("duty.item")),
                expected = esc(ctx.t("duty.expected")),
                counted = esc(ctx.t("duty.counted")),
                note = esc(ctx.t("duty.note")),
            )
        })
        .collect();
    let acks: String = view
        .open_follow_ups
        .iter()
        .map(|open| {
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"ack_{entry}\">{text}</label>",
                entry = esc(&open.entry),
                text = esc(&open.text),
            )
        })
        .collect();
    let acks = if acks.is_empty() {
        String::new()
    } else {
        format!(
            "<fieldset><legend>{}</legend>{acks}</fieldset>",
            esc(ctx.t("duty.acknowledge"))
        )
    };
    format!(
        "{start}<h3>{title}</h3>\
         <label>{out_label}<input name=\"outgoing\" value=\"{me}\" required></label>\
         <label>{in_label}<input name=\"incoming\" id=\"handover-incoming\" required></label>\
         <label>{arrived_label}<input type=\"datetime-local\" name=\"arrived_at\" id=\"handover-arrived\" required></label>\
         <div class=\"table-wrap\"><table class=\"equipment\"><thead><tr><th>{item}</th><th>{expected}</th><th>{counted}</th><th>{note}</th></tr></thead>\
         <tbody>{rows}</tbody></table></div>{acks}\
         <label>{out_sig}<input type=\"file\" name=\"signature_out\" accept=\"image/*\" required></label>\
         <label>{in_sig}<input type=\"file\" name=\"signature_in\" accept=\"image/*\" required></label>\
         <button type=\"submit\" id=\"hand-over\">{title}</button></form>",
        start = day.start(ctx, "handover", "duty-handover-form", "", true),
        title = esc(ctx.t("duty.hand_over")),
        out_label = esc(ctx.t("duty.outgoing")),
        me = esc(&ctx.user.name),
        in_label = esc(ctx.t("duty.incoming")),
        arrived_label = esc(ctx.t("duty.incoming_arrived")),
        item = esc(ctx.t("duty.item")),
        expected = esc(ctx.t("duty.expected")),
        counted = esc(ctx.t("duty.counted")),
        note = esc(ctx.t("duty.note")),
        out_sig = esc(ctx.t("duty.outgoing_signature")),
        in_sig = esc(ctx.t("duty.incoming_signature")),
    )
}

fn sign_off_form(ctx: &Ctx, day: &DayFields<'_>) -> String {
    format!(
        "{start}<h3>{title}</h3>\
         <label>{comment_label}<input name=\"comment\" id=\"sign-off-comment\"></label>\
         <label>{image_label}<input type=\"file\" name=\"signature\" id=\"sign-off-signature\" accept=\"image/*\" required></label>\
         <button type=\"submit\" id=\"sign-off\">{title}</button></form>",
        start = day.start(ctx, "sign-off", "duty-sign-off-form", "", true),
        title = esc(ctx.t("duty.sign_off_action")),
        comment_label = esc(ctx.t("duty.comment")),
        image_label = esc(ctx.t("action.signature_image")),
    )
}

/// `POST /duty/{step}`: `entry`, `close`, `handover` or `sign-off`. A
/// refused step shows the form's error on an error page that links back.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    Path(step): Path<String>,
    posted: Posted,
) -> Response {
    let back = format!(
        "/duty?estate={}&date={}",
        html::url_encode(posted.get("estate")),
        html::url_encode(posted.get("date"))
    );
    match take(&state, &step, &posted).await {
        Ok(()) => Redirect::to(&back).into_response(),
        Err(PageError::BadRequest(message) | PageError::Forbidden(message)) => {
            super::duty::page_with_error(
                &state,
                &posted.ctx,
                posted.get("estate"),
                posted.get("date"),
                &message,
            )
            .await
        }
        Err(err) => err.into_response(),
    }
}

async fn take(state: &Arc<AppState>, step: &str, posted: &Posted) -> Result<(), PageError> {
    let ctx = &posted.ctx;
    let estate = ctx.pick_estate(Some(posted.required("estate")?))?.clone();
    let date = NaiveDate::parse_from_str(posted.required("date")?, "%Y-%m-%d")
        .map_err(|_| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?;
    let (mut log, heads) = day_log(state, ctx, &estate.id, date, estate.tz).await?;
    let editor = ctx.editor();
    let now = ctx.now;
    let mut uploads = Vec::new();
    let taken: Result<(), RecordError> = match step {
        "entry" => log.append_entry(&editor, now, new_entry(posted)).map(drop),
        "close" => log
            .close_follow_up(
                &editor,
                now,
                posted.required("entry")?,
                posted.get("outcome"),
            )
            .map(drop),
        "handover" => {
            let (handover, images) = handover(state, posted, estate.tz)?;
            uploads = images;
            log.hand_over(&editor, now, handover)
        }
        "sign-off" => {
            let image = required_image(state, posted, "signature")?;
            let signed = signature(ctx, image.hash.clone(), &ctx.user.name)?;
            uploads.push(image);
            log.sign_off(&editor, now, signed, posted.get("comment"))
        }
        _ => return Err(PageError::NotFound),
    };
    taken.map_err(|err| write::refused(ctx, err))?;
    for upload in uploads {
        upload.store(state, ctx).await?;
    }
    write::store(state, ctx, log.doc(), heads.as_deref()).await
}

/// The day's log as the server has it with its heads, or a new one (no
/// heads: the whole document is pushed) when nobody has written in it.
async fn day_log(
    state: &Arc<AppState>,
    ctx: &Ctx,
    estate: &str,
    date: NaiveDate,
    tz: chrono_tz::Tz,
) -> Result<(DutyLog, Option<Vec<automerge::ChangeHash>>), PageError> {
    let id = DutyLog::id_for(estate, date).to_string();
    match write::load(state, ctx, &id).await {
        Ok(loaded) => match loaded.record {
            AnyRecord::DutyLog(log) => Ok((log, Some(loaded.heads))),
            _ => Err(PageError::NotFound),
        },
        Err(PageError::NotFound) => {
            let fresh =
                DutyLog::open_for_day(estate, date, tz).map_err(|err| write::refused(ctx, err))?;
            let record_error = |source| StorageError::Record {
                id: id.clone(),
                source,
            };
            let mut doc = RecordDoc::load(&fresh.doc().save()).map_err(record_error)?;
            doc.set_actor(ActorId::random());
            match AnyRecord::from_doc(doc).map_err(record_error)? {
                AnyRecord::DutyLog(log) => Ok((log, None)),
                _ => Err(PageError::NotFound),
            }
        }
        Err(err) => Err(err),
    }
}

fn new_entry(posted: &Posted) -> NewEntry {
    NewEntry {
        text: posted.get("text").to_owned(),
        category: category(posted.get("category")),
        important: posted.checked("important"),
        follow_up: posted.checked("follow_up"),
    }
}

fn required_image(state: &AppState, posted: &Posted, name: &str) -> Result<Upload, PageError> {
    let ctx = &posted.ctx;
    let bytes = posted.file(name).ok_or_else(|| {
        PageError::BadRequest(format!(
            "{}: {}",
            ctx.t("error.missing_field"),
            ctx.t("action.signature_image")
        ))
    })?;
    Upload::check(state, ctx, bytes)
}

/// The handover the form describes, and its two signature images.
fn handover(
    state: &AppState,
    posted: &Posted,
    tz: chrono_tz::Tz,
) -> Result<(Handover, Vec<Upload>), PageError> {
    let ctx = &posted.ctx;
    let arrived = local_time(posted.required("arrived_at")?, tz)?.unwrap_or(ctx.now);
    let equipment = equipment(posted)?;
    let acknowledged = posted
        .form
        .iter()
        .filter(|(_, value)| matches!(value.as_str(), "on" | "1"))
        .filter_map(|(name, _)| name.strip_prefix("ack_").map(str::to_owned))
        .collect();
    let outgoing = posted.required("outgoing")?.to_owned();
    let incoming = posted.required("incoming")?.to_owned();
    let out_image = required_image(state, posted, "signature_out")?;
    let in_image = required_image(state, posted, "signature_in")?;
    let handover = Handover {
        outgoing_signature: signature(ctx, out_image.hash.clone(), &outgoing)?,
        incoming_signature: signature(ctx, in_image.hash.clone(), &incoming)?,
        outgoing,
        incoming,
        incoming_arrived_at: arrived,
        equipment,
        acknowledged,
    };
    Ok((handover, vec![out_image, in_image]))
}

/// The equipment lines filled in; a count that is not a number is refused.
fn equipment(posted: &Posted) -> Result<Vec<EquipmentCount>, PageError> {
    let ctx = &posted.ctx;
    let number = |name: &str| -> Result<u32, PageError> {
        posted.get(name).parse().map_err(|_| {
            PageError::BadRequest(format!(
                "{}: {}",
                ctx.t("duty.count_not_number"),
                posted.get(name)
            ))
        })
    };
    let mut lines = Vec::new();
    for row in 0..EQUIPMENT_ROWS {
        let item = posted.get(&format!("item_{row}"));
        if item.is_empty() {
            continue;
        }
        lines.push(EquipmentCount {
            item: item.to_owned(),
            expected: number(&format!("expected_{row}"))?,
            counted: number(&format!("counted_{row}"))?,
            note: posted.get(&format!("note_{row}")).to_owned(),
        });
    }
    Ok(lines)
}
