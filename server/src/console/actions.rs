//! The steps a desk takes on a record page (`POST /records/{id}/act`): a
//! supervisor's quote for an item off the price list, confirming a
//! returned sheet, and a callback (by phone, or in person with the
//! resident's signature image uploaded) on a repair sheet or a complaint.
//! The forms are shown only where [`offers`] says the signed-in role may
//! take the step on the record as it stands (the lifecycle check the judge
//! runs), each step is the core's verb run as the signed-in user, and it is
//! stored through the writer like a device push ([`super::write`]).

use std::sync::Arc;

use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use chrono_tz::Tz;
use stairwell_core::kinds::{AnyRecord, BlobHash, Callback, CallbackMethod, Signature, offers};
use stairwell_core::record::Verb;
use stairwell_core::rules::money::parse_yuan;

use super::desk::local_time;
use super::html::{self, esc};
use super::images::Upload;
use super::session::{Ctx, PageError, Posted};
use super::{record, write};
use crate::http::state::AppState;

/// The forms the signed-in user is offered on `record`.
pub fn forms(ctx: &Ctx, record: &AnyRecord) -> String {
    let role = ctx.user.role;
    let id = record.doc().id().to_string();
    let mut out = String::new();
    if offers(record, role, Verb::Quote) {
        out.push_str(&quote_form(ctx, &id));
    }
    if offers(record, role, Verb::ConfirmReturn) {
        out.push_str(&confirm_return_form(ctx, &id));
    }
    if offers(record, role, Verb::CallBack) {
        out.push_str(&callback_form(ctx, &id, &resident_of(record)));
    }
    if out.is_empty() {
        return out;
    }
    format!(
        "<section id=\"actions\" class=\"actions\"><h2>{}</h2>{out}</section>",
        esc(ctx.t("action.title"))
    )
}

fn resident_of(record: &AnyRecord) -> String {
    match record {
        AnyRecord::RepairSheet(sheet) => sheet.view().intake.resident_name,
        AnyRecord::Complaint(complaint) => complaint.view().intake.resident_name,
        _ => String::new(),
    }
}

fn form_start(ctx: &Ctx, id: &str, action: &str, multipart: bool) -> String {
    format!(
        "<form method=\"post\" action=\"/records/{id}/act\" class=\"stack action\" \
         id=\"{form_id}-form\" data-keep=\"1\"{enctype}>{csrf}<input type=\"hidden\" name=\"action\" value=\"{action}\">",
        form_id = action.replace('_', "-"),
        enctype = if multipart {
            " enctype=\"multipart/form-data\""
        } else {
            ""
        },
        csrf = html::csrf_field(ctx),
    )
}

fn quote_form(ctx: &Ctx, id: &str) -> String {
    let choices = [
        ("yes".to_owned(), ctx.t("action.feasible").to_owned()),
        ("no".to_owned(), ctx.t("action.not_feasible").to_owned()),
    ];
    format!(
        "{start}<h3>{title}</h3>\
         <label>{feasible_label}<select name=\"feasible\">{feasible}</select></label>\
         <label>{fee_label}<input name=\"fee\" inputmode=\"decimal\" placeholder=\"120.00\"></label>\
         <label>{note_label}<input name=\"note\"></label>\
         <button type=\"submit\" id=\"quote\">{submit}</button></form>",
        start = form_start(ctx, id, "quote", false),
        title = esc(ctx.t("action.quote")),
        feasible_label = esc(ctx.t("action.feasibility")),
        feasible = html::options(&choices, "yes"),
        fee_label = esc(ctx.t("action.fee_yuan")),
        note_label = esc(ctx.t("field.note")),
        submit = esc(ctx.t("action.quote")),
    )
}

fn confirm_return_form(ctx: &Ctx, id: &str) -> String {
    format!(
        "{start}<h3>{title}</h3><p class=\"muted\">{hint}</p>\
         <button type=\"submit\" id=\"confirm-return\">{title}</button></form>",
        start = form_start(ctx, id, "confirm_return", false),
        title = esc(ctx.t("action.confirm_return")),
        hint = esc(ctx.t("action.confirm_return_hint")),
    )
}

fn callback_form(ctx: &Ctx, id: &str, resident: &str) -> String {
    let methods = [
        ("phone".to_owned(), html::vocab(ctx.lang, "phone")),
        ("in_person".to_owned(), html::vocab(ctx.lang, "in_person")),
    ];
    format!(
        "{start}<h3>{title}</h3>\
         <label>{method_label}<select name=\"method\" id=\"callback-method\">{methods}</select></label>\
         <label class=\"check\"><input type=\"checkbox\" name=\"satisfied\" id=\"callback-satisfied\" checked>{satisfied}</label>\
         <label>{outcome_label}<input name=\"outcome\" id=\"callback-outcome\" required></label>\
         <label>{follow_label}<input type=\"datetime-local\" name=\"follow_up_by\"></label>\
         <fieldset><legend>{sign_legend}</legend>\
         <label>{signer_label}<input name=\"signer\" value=\"{resident}\"></label>\
         <label>{image_label}<input type=\"file\" name=\"signature\" id=\"callback-signature\" accept=\"image/*\"></label>\
         </fieldset>\
         <button type=\"submit\" id=\"call-back\">{submit}</button></form>",
        start = form_start(ctx, id, "call_back", true),
        title = esc(ctx.t("action.call_back")),
        method_label = esc(ctx.t("field.method")),
        methods = html::options(&methods, "phone"),
        satisfied = esc(ctx.t("field.satisfied")),
        outcome_label = esc(ctx.t("field.outcome")),
        follow_label = esc(ctx.t("field.follow_up_by")),
        sign_legend = esc(ctx.t("action.in_person_signature")),
        signer_label = esc(ctx.t("field.signer")),
        resident = esc(resident),
        image_label = esc(ctx.t("action.signature_image")),
        submit = esc(ctx.t("action.call_back")),
    )
}

/// `POST /records/{id}/act`: the step named by the form's `action`. A
/// refused step shows the record again with the reason above its forms.
pub async fn act(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    match take(&state, &id, &posted).await {
        Ok(()) => Redirect::to(&format!("/records/{id}")).into_response(),
        Err(PageError::BadRequest(message) | PageError::Forbidden(message)) => {
            record::page_with_error(&state, &posted.ctx, &id, &message).await
        }
        Err(err) => err.into_response(),
    }
}

async fn take(state: &Arc<AppState>, id: &str, posted: &Posted) -> Result<(), PageError> {
    let ctx = &posted.ctx;
    let mut loaded = write::load(state, ctx, id).await?;
    let editor = ctx.editor();
    let now = ctx.now;
    let tz = ctx.tz(&loaded.record.doc().header().estate);
    let mut upload = None;
    let taken = match (posted.get("action"), &mut loaded.record) {
        ("quote", AnyRecord::RepairSheet(sheet)) => {
            let feasible = posted.get("feasible") != "no";
            let fee = fee_cents(ctx, posted.get("fee"))?;
            sheet.quote(&editor, now, feasible, fee, posted.get("note"))
        }
        ("confirm_return", AnyRecord::RepairSheet(sheet)) => sheet.confirm_return(&editor, now),
        ("call_back", AnyRecord::RepairSheet(sheet)) => {
            let (callback, image) = callback(state, posted, tz)?;
            upload = image;
            sheet.call_back(&editor, now, callback)
        }
        ("call_back", AnyRecord::Complaint(complaint)) => {
            let (callback, image) = callback(state, posted, tz)?;
            upload = image;
            complaint.call_back(&editor, now, callback)
        }
        _ => return Err(PageError::BadRequest(ctx.t("error.bad_request").to_owned())),
    };
    taken.map_err(|err| write::refused(ctx, err))?;
    // The image is stored only once the step it belongs to was admitted.
    if let Some(upload) = upload {
        upload.store(state, ctx).await?;
    }
    write::store(state, ctx, loaded.record.doc(), Some(&loaded.heads)).await
}

/// A fee typed in yuan (`120`, `45.50`); empty is none.
fn fee_cents(ctx: &Ctx, text: &str) -> Result<Option<i64>, PageError> {
    if text.is_empty() {
        return Ok(None);
    }
    parse_yuan(text)
        .map(Some)
        .map_err(|err| PageError::BadRequest(format!("{}: {err}", ctx.t("action.fee_yuan"))))
}

/// The callback the form describes, and the signature image to store
/// with it. In person without an image is left for the core to refuse
/// with its own reason.
fn callback(
    state: &Arc<AppState>,
    posted: &Posted,
    tz: Tz,
) -> Result<(Callback, Option<Upload>), PageError> {
    let ctx = &posted.ctx;
    let follow_up_by = local_time(posted.get("follow_up_by"), tz)?;
    let method = match posted.get("method") {
        "in_person" => CallbackMethod::InPerson,
        _ => CallbackMethod::Phone,
    };
    let image = match (method, posted.file("signature")) {
        (CallbackMethod::InPerson, Some(bytes)) => Some(Upload::check(state, ctx, bytes)?),
        _ => None,
    };
    let signature = image
        .as_ref()
        .map(|upload| signature(ctx, upload.hash.clone(), posted.get("signer")))
        .transpose()?;
    let callback = Callback {
        method,
        signature,
        satisfied: posted.checked("satisfied"),
        outcome: posted.get("outcome").to_owned(),
        follow_up_by,
    };
    Ok((callback, image))
}

/// A signature by `signer` on the image `blob`.
pub fn signature(ctx: &Ctx, blob: BlobHash, signer: &str) -> Result<Signature, PageError> {
    Signature::new(blob, signer).map_err(|err| write::refused(ctx, err))
}
