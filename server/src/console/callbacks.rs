//! Callbacks (`/callbacks?estate=E`): the cases still to be called back,
//! overdue first, then those still in time
//! ([`crate::engine::report_queries::callbacks_at`]); and this month's callback shares
//! against the targets of docs/DOMAIN.md §5 (at least 50% of handled complaints, 30%
//! of completed repairs), from [`crate::engine::report_queries::monthly_rates`].

use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stairwell_core::rules::RateReport;
use stairwell_core::rules::rates::month_of;

use super::html::{self, esc};
use super::messages::Lang;
use super::session::{Ctx, PageError, blocking};
use crate::engine::report_queries;
use crate::http::state::AppState;
use crate::reports::CallbackCase;

#[derive(Debug, Default, Deserialize)]
pub struct CallbacksQuery {
    #[serde(default)]
    pub estate: String,
}

/// `GET /callbacks`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(query): Query<CallbacksQuery>,
) -> Response {
    match render(&state, &ctx, &query).await {
        Ok(body) => html::shell(&ctx, "callbacks", ctx.t("callbacks.title"), true, &body),
        Err(err) => err.into_response(),
    }
}

async fn render(
    state: &Arc<AppState>,
    ctx: &Ctx,
    query: &CallbacksQuery,
) -> Result<String, PageError> {
    let estate = ctx.pick_estate(Some(&query.estate))?.clone();
    let now = ctx.now;
    let month = month_of(now, estate.tz);
    let found = estate.clone();
    let (report, monthly) = blocking(state, move |storage| {
        let report = report_queries::callbacks_at(storage.read_models(), &found, now)?;
        let monthly = report_queries::monthly_rates(storage.read_models(), &found, month, now)?;
        Ok((report, monthly))
    })
    .await?;

    let mut out = format!(
        "<form method=\"get\" action=\"/callbacks\" class=\"filters\">{}\
         <button type=\"submit\">{}</button></form>",
        html::estate_select(ctx, &estate.id),
        esc(ctx.t("filter.apply")),
    );
    if let Some(monthly) = &monthly {
        out.push_str(&format!(
            "<h2>{}</h2>{}",
            esc(&ctx.lang.tf("callbacks.rates", &[&monthly.month])),
            rates_table(
                ctx.lang,
                "callback-rates",
                &[
                    ("monthly.complaint_callbacks", &monthly.complaint_callbacks),
                    ("monthly.repair_callbacks", &monthly.repair_callbacks),
                ]
            )
        ));
    }
    out.push_str(&format!(
        "<h2>{}</h2>",
        esc(&ctx
            .lang
            .tf("callbacks.overdue", &[&report.overdue.len().to_string()]))
    ));
    out.push_str(&cases(
        ctx,
        &report.overdue,
        "callbacks-overdue",
        estate.tz,
        true,
    ));
    out.push_str(&format!(
        "<h2>{}</h2>",
        esc(&ctx
            .lang
            .tf("callbacks.due", &[&report.due.len().to_string()]))
    ));
    out.push_str(&cases(ctx, &report.due, "callbacks-due", estate.tz, false));
    Ok(out)
}

fn cases(ctx: &Ctx, cases: &[CallbackCase], id: &str, tz: chrono_tz::Tz, late: bool) -> String {
    if cases.is_empty() {
        return format!(
            "<p class=\"muted\" id=\"{id}\">{}</p>",
            esc(ctx.t("callbacks.none"))
        );
    }
    let mut out = format!(
        "<div class=\"table-wrap\"><table id=\"{id}\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("col.due")),
        esc(ctx.t("col.time_left")),
        esc(ctx.t("col.kind")),
        esc(ctx.t("col.what")),
        esc(ctx.t("col.where")),
        esc(ctx.t("col.done")),
        esc(ctx.t("callbacks.by")),
        esc(ctx.t("callbacks.made")),
    );
    for case in cases {
        let (left, _) = html::time_left(ctx.lang, case.shown_due(), ctx.now);
        let by = case
            .callback_by
            .and_then(|by| serde_json::to_value(by).ok())
            .and_then(|value| value.as_str().map(|code| html::vocab(ctx.lang, code)))
            .unwrap_or_else(|| ctx.t("callbacks.by_property_officer").to_owned());
        out.push_str(&format!(
            "<tr class=\"{}\"><td>{}</td><td>{}</td><td>{}</td><td><a href=\"/records/{}\">{}</a></td>\
             <td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            if late { "late" } else { "" },
            esc(&html::time(case.shown_due(), tz)),
            esc(&left),
            esc(&html::vocab(ctx.lang, &case.kind)),
            esc(&case.record_id),
            esc(&case.title),
            esc(&case.location),
            esc(&html::time(case.done_at, tz)),
            esc(&by),
            case.callbacks,
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// A table of rates against their targets.
pub fn rates_table(lang: Lang, id: &str, rates: &[(&str, &RateReport)]) -> String {
    let mut out = format!(
        "<div class=\"table-wrap\"><table id=\"{id}\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         </tr></thead><tbody>",
        esc(lang.t("col.measure")),
        esc(lang.t("col.count")),
        esc(lang.t("col.rate")),
        esc(lang.t("col.target")),
        esc(lang.t("col.met")),
    );
    for (key, rate) in rates {
        out.push_str(&format!(
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}/{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            esc(lang.t(key)),
            esc(&html::rule(lang, rate.rule.code())),
            rate.numerator,
            rate.denominator,
            percent(rate.percent),
            percent(rate.target_percent),
            met(lang, rate.met, rate.target_percent.is_some()),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

pub fn percent(value: Option<f64>) -> String {
    value.map_or_else(|| "—".to_owned(), |value| format!("{value:.1}%"))
}

/// Whether a rate met its target; a rate without a target is not judged,
/// and one without cases has nothing to judge.
pub fn met(lang: Lang, met: Option<bool>, has_target: bool) -> String {
    let muted = |key| format!("<span class=\"muted\">{}</span>", esc(lang.t(key)));
    match (met, has_target) {
        (_, false) => muted("rate.no_target"),
        (Some(true), true) => format!("<span class=\"good\">{}</span>", esc(lang.t("rate.met"))),
        (Some(false), true) => format!("<span class=\"bad\">{}</span>", esc(lang.t("rate.missed"))),
        (None, true) => muted("rate.no_data"),
    }
}
