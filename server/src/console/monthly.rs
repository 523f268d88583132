//! The monthly report (`/monthly?estate=E&month=YYYY-MM`): the complaint
//! timeliness rate, the repair deadline rates by urgency tier, and the
//! callback shares, each a table with an SVG chart, and each table as CSV
//! (`/monthly/{timeliness|repairs|callbacks}/export.csv?estate=E&month=M`).
//!
//! Every figure is read from the read models, never from the documents:
//! complaint timeliness and callback shares from
//! [`crate::engine::report_queries::monthly_rates`], the repair tiers from the
//! `repair_timeliness` rows of the sheets reported in the month
//! ([`crate::engine::report_queries::repair_tiers`]), each sheet against its urgency
//! tier's deadline [docs/DOMAIN.md §2.5]: on time when the technician arrived (or
//! the job ended) by it, late when after it or still not done past it,
//! pending while still in time.
//!
//! CSV headers are stable snake_case names, not translated, so scripts can
//! read every export the same way.

use std::sync::Arc;

use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stairwell_core::rules::rates::month_of;

use super::callbacks::{percent, rates_table};
use super::chart::{self, Bar};
use super::html::{self, esc};
use super::session::{Ctx, PageError, blocking};
use crate::engine::report_queries;
use crate::engine::report_queries::{MonthlyReport, TimelinessCounts};
use crate::http::state::AppState;
use crate::reports::TierRates;
use crate::store::Estate;

/// The exportable tables.
pub const TABLES: [&str; 3] = ["timeliness", "repairs", "callbacks"];

#[derive(Debug, Default, Deserialize)]
pub struct MonthlyQuery {
    #[serde(default)]
    pub estate: String,
    #[serde(default)]
    pub month: String,
}

/// Everything the page and its exports show.
#[derive(Debug)]
struct Report {
    estate: Estate,
    rates: MonthlyReport,
    tiers: Vec<TierRates>,
}

fn parse_month(text: &str) -> Option<(i32, u32)> {
    let (year, month) = text.trim().split_once('-')?;
    let year: i32 = year.parse().ok()?;
    let month: u32 = month.parse().ok()?;
    ((1..=12).contains(&month) && year.to_string().len() == 4).then_some((year, month))
}

async fn report(
    state: &Arc<AppState>,
    ctx: &Ctx,
    query: &MonthlyQuery,
) -> Result<Report, PageError> {
    let estate = ctx.pick_estate(Some(&query.estate))?.clone();
    let now = ctx.now;
    let month = if query.month.is_empty() {
        month_of(now, estate.tz)
    } else {
        parse_month(&query.month)
            .ok_or_else(|| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?
    };
    blocking(state, move |storage| {
        let rates = report_queries::monthly_rates(storage.read_models(), &estate, month, now)?
            .ok_or_else(|| PageError::BadRequest("no such month".into()))?;
        let tiers = report_queries::repair_tiers(storage.read_models(), &estate, month, now)?;
        Ok(Report {
            estate,
            rates,
            tiers,
        })
    })
    .await
}

/// `GET /monthly`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(query): Query<MonthlyQuery>,
) -> Response {
    match report(&state, &ctx, &query).await {
        Ok(report) => {
            let body = render(&ctx, &report);
            html::shell(&ctx, "monthly", ctx.t("monthly.title"), true, &body)
        }
        Err(err) => err.into_response(),
    }
}

fn counts_row(ctx: &Ctx, key: &str, counts: &TimelinessCounts) -> String {
    format!(
        "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
        esc(ctx.t(key)),
        counts.total,
        counts.on_time,
        counts.late,
        counts.unhandled_late,
        counts.pending,
    )
}

fn export_link(ctx: &Ctx, report: &Report, table: &str) -> String {
    format!(
        "<p><a class=\"export\" id=\"export-{table}\" href=\"/monthly/{table}/export.csv?estate={}&amp;month={}\" download>{}</a></p>",
        html::url_encode(&report.estate.id),
        html::url_encode(&report.rates.month),
        esc(ctx.t("monthly.export_csv")),
    )
}

fn render(ctx: &Ctx, report: &Report) -> String {
    let rates = &report.rates;
    let lang = ctx.lang;
    let mut out = format!(
        "<form method=\"get\" action=\"/monthly\" class=\"filters\">{}\
         <label>{}<input type=\"month\" name=\"month\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>",
        html::estate_select(ctx, &report.estate.id),
        esc(ctx.t("monthly.month")),
        esc(&rates.month),
        esc(ctx.t("filter.apply")),
    );

    // Complaint timeliness.
    out.push_str(&format!("<h2>{}</h2>", esc(ctx.t("monthly.timeliness"))));
    out.push_str(&rates_table(
        lang,
        "timeliness-rate",
        &[("monthly.complaint_timeliness", &rates.complaint_timeliness)],
    ));
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"timeliness\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th></tr></thead><tbody>{}{}</tbody></table></div>",
        esc(ctx.t("col.channel")),
        esc(ctx.t("col.total")),
        esc(ctx.t("col.on_time")),
        esc(ctx.t("col.late")),
        esc(ctx.t("col.unhandled_late")),
        esc(ctx.t("col.pending")),
        counts_row(ctx, "vocab.complaint", &rates.complaints),
        counts_row(ctx, "monthly.help_requests", &rates.help_requests),
    ));
    out.push_str(&chart::bars(
        "chart-timeliness",
        ctx.t("monthly.timeliness"),
        &[Bar {
            label: ctx.t("monthly.complaint_timeliness").to_owned(),
            percent: rates.complaint_timeliness.percent,
            target: rates.complaint_timeliness.target_percent,
        }],
    ));
    out.push_str(&export_link(ctx, report, "timeliness"));

    // Repairs by urgency tier.
    out.push_str(&format!("<h2>{}</h2>", esc(ctx.t("monthly.repairs"))));
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"repairs\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("field.urgency")),
        esc(ctx.t("col.total")),
        esc(ctx.t("col.on_time")),
        esc(ctx.t("col.late")),
        esc(ctx.t("col.pending")),
        esc(ctx.t("col.rate")),
    ));
    for tier in &report.tiers {
        out.push_str(&format!(
            "<tr><td>{}<br><span class=\"muted\">{}</span></td><td>{}</td><td>{}</td><td>{}</td>\
             <td>{}</td><td>{}</td></tr>",
            esc(&html::vocab(lang, tier.code())),
            esc(&html::rule(lang, tier.rule.code())),
            tier.sheets,
            tier.on_time,
            tier.late,
            tier.pending,
            percent(tier.percent()),
        ));
    }
    out.push_str("</tbody></table></div>");
    let bars: Vec<Bar> = report
        .tiers
        .iter()
        .map(|tier| Bar {
            label: html::vocab(lang, tier.code()),
            percent: tier.percent(),
            target: None,
        })
        .collect();
    out.push_str(&chart::bars(
        "chart-repairs",
        ctx.t("monthly.repairs"),
        &bars,
    ));
    out.push_str(&export_link(ctx, report, "repairs"));

    // Callback shares.
    out.push_str(&format!("<h2>{}</h2>", esc(ctx.t("monthly.callbacks"))));
    let shares = [
        ("monthly.complaint_callbacks", &rates.complaint_callbacks),
        ("monthly.repair_callbacks", &rates.repair_callbacks),
    ];
    out.push_str(&rates_table(lang, "callbacks", &shares));
    let bars: Vec<Bar> = shares
        .iter()
        .map(|(key, rate)| Bar {
            label: ctx.t(key).to_owned(),
            percent: rate.percent,
            target: rate.target_percent,
        })
        .collect();
    out.push_str(&chart::bars(
        "chart-callbacks",
        ctx.t("monthly.callbacks"),
        &bars,
    ));
    out.push_str(&export_link(ctx, report, "callbacks"));
    out
}

/// A CSV field, quoted when it needs to be.
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_owned()
    }
}

fn csv_number(value: Option<f64>) -> String {
    value.map_or_else(String::new, |value| format!("{value:.1}"))
}

fn csv_bool(value: Option<bool>) -> &'static str {
    match value {
        Some(true) => "true",
        Some(false) => "false",
        None => "",
    }
}

/// The CSV of one table.
fn csv(table: &str, report: &Report) -> Option<String> {
    let rates = &report.rates;
    let prefix = format!("{},{}", csv_field(&report.estate.id), rates.month);
    let mut lines: Vec<String> = Vec::new();
    match table {
        "timeliness" => {
            lines.push(
                "estate,month,channel,total,on_time,late,unhandled_late,pending,rate_percent,rule"
                    .into(),
            );
            for (channel, counts, rate) in [
                (
                    "complaint",
                    &rates.complaints,
                    csv_number(rates.complaint_timeliness.percent),
                ),
                ("help_request", &rates.help_requests, String::new()),
            ] {
                lines.push(format!(
                    "{prefix},{channel},{},{},{},{},{},{rate},{}",
                    counts.total,
                    counts.on_time,
                    counts.late,
                    counts.unhandled_late,
                    counts.pending,
                    rates.complaint_timeliness.rule.code(),
                ));
            }
        }
        "repairs" => {
            lines.push("estate,month,urgency,sheets,on_time,late,pending,rate_percent,rule".into());
            for tier in &report.tiers {
                lines.push(format!(
                    "{prefix},{},{},{},{},{},{},{}",
                    tier.code(),
                    tier.sheets,
                    tier.on_time,
                    tier.late,
                    tier.pending,
                    csv_number(tier.percent()),
                    tier.rule.code(),
                ));
            }
        }
        "callbacks" => {
            lines.push(
                "estate,month,measure,called_back,cases,rate_percent,target_percent,met,rule"
                    .into(),
            );
            for (measure, rate) in [
                ("complaint_callbacks", &rates.complaint_callbacks),
                ("repair_callbacks", &rates.repair_callbacks),
            ] {
                lines.push(format!(
                    "{prefix},{measure},{},{},{},{},{},{}",
                    rate.numerator,
                    rate.denominator,
                    csv_number(rate.percent),
                    csv_number(rate.target_percent),
                    csv_bool(rate.met),
                    rate.rule.code(),
                ));
            }
        }
        _ => return None,
    }
    let mut text = lines.join("\r\n");
    text.push_str("\r\n");
    Some(text)
}

/// `GET /monthly/{table}/export.csv`.
pub async fn export(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(table): Path<String>,
    Query(query): Query<MonthlyQuery>,
) -> Response {
    if !TABLES.contains(&table.as_str()) {
        return PageError::NotFound.into_response();
    }
    let report = match report(&state, &ctx, &query).await {
        Ok(report) => report,
        Err(err) => return err.into_response(),
    };
    let Some(text) = csv(&table, &report) else {
        return PageError::NotFound.into_response();
    };
    let filename = format!(
        "stairwell-{}-{}-{table}.csv",
        report
            .estate
            .id
            .replace(|c: char| !c.is_ascii_alphanumeric() && c != '-', "_"),
        report.rates.month
    );
    let mut response = (StatusCode::OK, text).into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{filename}\"")) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

#[cfg(test)]
mod tests {
    use super::*;
    use stairwell_core::rules::{RuleId, Urgency};

    #[test]
    fn months_parse_strictly() {
        assert_eq!(parse_month("2026-03"), Some((2026, 3)));
        assert_eq!(parse_month("2026-13"), None);
        assert_eq!(parse_month("26-03"), None);
    }

    #[test]
    fn csv_quotes_what_needs_it() {
        assert_eq!(csv_field("plain"), "plain");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }

    #[test]
    fn tier_rates_count_judged_sheets_only() {
        let tier = TierRates {
            urgency: Urgency::Urgent,
            rule: RuleId::RepairUrgentHandled,
            sheets: 5,
            on_time: 3,
            late: 1,
            pending: 1,
        };
        assert_eq!(tier.percent(), Some(75.0));
    }
}
