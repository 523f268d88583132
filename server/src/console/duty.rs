//! The duty log (`/duty?estate=E&date=YYYY-MM-DD`): the entries of a duty
//! day (08:30 to 08:30 local) in order, the handovers with both signatures
//! and the equipment count, and the supervisor's sign-off. The log may
//! never lose a line [docs/DOMAIN.md §6]: the server refuses any push that would
//! remove or alter one, so the page shows how many entries were ever
//! appended (every `entry_appended` event in the history) against how many
//! it shows, which must be the same.

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::kinds::duty_log::{DutyLog, DutyLogView};
use stairwell_core::rules::duty_day::duty_day_of;

use super::duty_desk;
use super::html::{self, esc};
use super::people::People;
use super::session::{Ctx, PageError, blocking};
use crate::http::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct DutyQuery {
    #[serde(default)]
    pub estate: String,
    #[serde(default)]
    pub date: String,
}

/// `GET /duty`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(query): Query<DutyQuery>,
) -> Response {
    match render(&state, &ctx, &query).await {
        Ok(body) => html::shell(&ctx, "duty", ctx.t("duty.title"), true, &body),
        Err(err) => err.into_response(),
    }
}

/// The duty page answering a refused form (400), the reason on top.
pub async fn page_with_error(
    state: &Arc<AppState>,
    ctx: &Ctx,
    estate: &str,
    date: &str,
    message: &str,
) -> Response {
    let query = DutyQuery {
        estate: estate.to_owned(),
        date: date.to_owned(),
    };
    match render(state, ctx, &query).await {
        Ok(body) => {
            let body = format!(
                "<p class=\"error\" id=\"form-error\">{}</p>{body}",
                esc(message)
            );
            let mut response = html::shell(ctx, "duty", ctx.t("duty.title"), true, &body);
            *response.status_mut() = StatusCode::BAD_REQUEST;
            response
        }
        Err(err) => err.into_response(),
    }
}

async fn render(state: &Arc<AppState>, ctx: &Ctx, query: &DutyQuery) -> Result<String, PageError> {
    let estate = ctx.pick_estate(Some(&query.estate))?.clone();
    let tz = estate.tz;
    let date = if query.date.is_empty() {
        duty_day_of(ctx.now, tz)
    } else {
        NaiveDate::parse_from_str(query.date.trim(), "%Y-%m-%d")
            .map_err(|_| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?
    };
    let id = DutyLog::id_for(&estate.id, date).to_string();
    let estates = vec![estate.id.clone()];
    let (log, people) = blocking(state, move |storage| {
        let people = People::of(storage, &estates)?;
        let Some(stored) = storage.load_record(&id)? else {
            return Ok((None, people));
        };
        match AnyRecord::load(&stored.bytes) {
            Ok(AnyRecord::DutyLog(log)) => Ok((Some(log), people)),
            _ => Ok((None, people)),
        }
    })
    .await?;
    let log = log.filter(|log| log.doc().header().estate == estate.id);

    let prev = date.pred_opt().unwrap_or(date);
    let next = date.succ_opt().unwrap_or(date);
    let mut out = format!(
        "<form method=\"get\" action=\"/duty\" class=\"filters\">{}\
         <label>{}<input type=\"date\" name=\"date\" value=\"{date}\"></label>\
         <button type=\"submit\">{}</button>\
         <a href=\"/duty?estate={e}&date={prev}\">← {prev}</a> \
         <a href=\"/duty?estate={e}&date={next}\">{next} →</a></form>",
        html::estate_select(ctx, &estate.id),
        esc(ctx.t("duty.date")),
        esc(ctx.t("filter.apply")),
        e = html::url_encode(&estate.id),
    );
    let forms = duty_desk::forms(ctx, &estate.id, date, log.as_ref());
    let Some(log) = log else {
        out.push_str(&format!(
            "<p class=\"muted\" id=\"duty-none\">{}</p>",
            esc(&ctx.lang.tf("duty.none", &[&date.to_string()]))
        ));
        out.push_str(&forms);
        return Ok(out);
    };
    let view = log.view();
    let appended = log
        .doc()
        .raw_events()
        .iter()
        .filter(|event| event.kind == "entry_appended")
        .count();
    let intact = appended == view.entries.len();
    out.push_str(&format!(
        "<p id=\"duty-counts\" class=\"{}\">{}</p>",
        if intact { "ok" } else { "error" },
        esc(&ctx.lang.tf(
            if intact {
                "duty.counts_intact"
            } else {
                "duty.counts_differ"
            },
            &[&appended.to_string(), &view.entries.len().to_string()]
        ))
    ));
    out.push_str(&format!(
        "<p><a href=\"/records/{}\">{}</a></p>",
        log.id(),
        esc(ctx.t("duty.record"))
    ));
    out.push_str(&entries_html(ctx, &view, &people, tz));
    out.push_str(&handovers_html(ctx, &log, &view, tz));
    out.push_str(&format!("<h2>{}</h2>", esc(ctx.t("duty.sign_off"))));
    match &view.sign_off {
        Some(sign_off) => out.push_str(&format!(
            "<p id=\"duty-signed\" class=\"ok\">{} {} · {} · {}</p>",
            esc(&ctx.lang.tf("duty.signed_by", &[&sign_off.signature.signer])),
            signed(&log, &sign_off.signature),
            esc(&html::time(sign_off.at, tz)),
            esc(&sign_off.comment),
        )),
        None => out.push_str(&format!(
            "<p id=\"duty-unsigned\" class=\"notice\">{}</p>",
            esc(ctx.t("duty.not_signed"))
        )),
    }
    out.push_str(&forms);
    Ok(out)
}

fn entries_html(ctx: &Ctx, view: &DutyLogView, people: &People, tz: chrono_tz::Tz) -> String {
    let mut out = format!(
        "<h2>{}</h2><div class=\"table-wrap\"><table id=\"duty-entries\"><thead><tr><th>#</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("duty.entries")),
        esc(ctx.t("col.device_time")),
        esc(ctx.t("col.user")),
        esc(ctx.t("col.kind")),
        esc(ctx.t("duty.text")),
        esc(ctx.t("duty.follow_up")),
    );
    for (index, entry) in view.entries.iter().enumerate() {
        let category = serde_json::to_value(entry.category)
            .ok()
            .and_then(|value| value.as_str().map(str::to_owned))
            .unwrap_or_default();
        let mut notes = Vec::new();
        if entry.important {
            notes.push(format!(
                "<span class=\"tag urgent\">{}</span>",
                esc(ctx.t("duty.important"))
            ));
        }
        if let Some(link) = &entry.corrected_by {
            notes.push(format!(
                "<span class=\"muted\">{}</span>",
                esc(&ctx.lang.tf("duty.corrected_by", &[&link.text]))
            ));
        }
        if entry.after_sign_off {
            notes.push(format!(
                "<span class=\"muted\">{}</span>",
                esc(ctx.t("duty.after_sign_off"))
            ));
        }
        if let Some(reason) = &entry.superseded {
            notes.push(format!(
                "<span class=\"bad\">{}: {}</span>",
                esc(ctx.t("record.superseded")),
                esc(reason)
            ));
        }
        let follow_up = match (&entry.follow_up, &entry.closed_by) {
            (false, _) => String::new(),
            (true, Some(link)) => esc(&ctx.lang.tf("duty.closed_by", &[&link.text])),
            (true, None) => format!("<span class=\"bad\">{}</span>", esc(ctx.t("duty.open"))),
        };
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} {}</td><td>{}</td></tr>",
            index + 1,
            esc(&html::time(entry.at, tz)),
            esc(&people.name(ctx.lang, &entry.user)),
            esc(&html::vocab(ctx.lang, &category)),
            esc(&entry.text),
            notes.join(" "),
            follow_up,
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

fn handovers_html(ctx: &Ctx, log: &DutyLog, view: &DutyLogView, tz: chrono_tz::Tz) -> String {
    let mut out = format!("<h2>{}</h2>", esc(ctx.t("duty.handovers")));
    if view.handovers.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            esc(ctx.t("duty.no_handovers"))
        ));
        return out;
    }
    for record in &view.handovers {
        let handover = &record.handover;
        let sign = |signature: &stairwell_core::kinds::Signature| signed(log, signature);
        let equipment: String = handover
            .equipment
            .iter()
            .map(|count| {
                format!(
                    "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                    if count.missing() > 0 { "late" } else { "" },
                    esc(&count.item),
                    count.expected,
                    count.counted,
                    esc(&count.note),
                )
            })
            .collect();
        out.push_str(&format!(
            "<div class=\"handover\"><p><strong>{}</strong> → <strong>{}</strong> · {} · {}</p>\
             <p>{}: {} · {}: {}</p>{}\
             <div class=\"table-wrap\"><table class=\"equipment\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>\
             <tbody>{equipment}</tbody></table></div></div>",
            esc(&handover.outgoing),
            esc(&handover.incoming),
            esc(&html::time(record.handed_over_at, tz)),
            esc(&ctx.lang.tf(
                "duty.arrived_ahead",
                &[&html::duration(ctx.lang, record.arrived_ahead())]
            )),
            esc(ctx.t("duty.outgoing_signature")),
            sign(&handover.outgoing_signature),
            esc(ctx.t("duty.incoming_signature")),
            sign(&handover.incoming_signature),
            record
                .superseded
                .as_deref()
                .map(|reason| format!(
                    "<p class=\"bad\">{}: {}</p>",
                    esc(ctx.t("record.superseded")),
                    esc(reason)
                ))
                .unwrap_or_default(),
            esc(ctx.t("duty.item")),
            esc(ctx.t("duty.expected")),
            esc(ctx.t("duty.counted")),
            esc(ctx.t("duty.note")),
        ));
    }
    out
}

/// A signature on the log: its thumbnail and who signed, linking to the
/// whole image.
fn signed(log: &DutyLog, signature: &stairwell_core::kinds::Signature) -> String {
    format!(
        "<a class=\"signature\" href=\"/records/{id}/blobs/{hash}\"><img src=\"/records/{id}/blobs/{hash}/thumb\" \
         alt=\"{signer}\" loading=\"lazy\"> {signer}</a>",
        id = log.id(),
        hash = signature.blob,
        signer = esc(&signature.signer)
    )
}
