//! Patrol coverage (`/coverage?estate=E&week=YYYY-MM-DD`): the building ×
//! floor grid of the local week (Monday to Monday) against the
//! twice-a-week rule, read from the `patrol_visits` read model
//! ([`crate::engine::report_queries::coverage_grid`]); then the rounds started in the
//! week that missed checkpoints or went out of the planned order, and the
//! week's findings past their reporting deadline (2 h for facility damage,
//! 1 h for a plant-room lock...) with no repair sheet opened for them, read
//! from the `patrol_rounds` and `patrol_findings` read models
//! ([`crate::engine::report_queries::patrol_exceptions`]). No round document is loaded.

use std::collections::BTreeSet;
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use chrono::NaiveDate;
use serde::Deserialize;
use stairwell_core::rules::RuleId;
use stairwell_core::rules::local_time::local_date;

use super::html::{self, esc};
use super::people::People;
use super::session::{Ctx, PageError, blocking};
use crate::engine::report_queries;
use crate::http::state::AppState;
use crate::reports::CoverageGrid;

#[derive(Debug, Default, Deserialize)]
pub struct CoverageQuery {
    #[serde(default)]
    pub estate: String,
    #[serde(default)]
    pub week: String,
}

/// `GET /coverage`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(query): Query<CoverageQuery>,
) -> Response {
    match render(&state, &ctx, &query).await {
        Ok(body) => html::shell(&ctx, "coverage", ctx.t("coverage.title"), true, &body),
        Err(err) => err.into_response(),
    }
}

async fn render(
    state: &Arc<AppState>,
    ctx: &Ctx,
    query: &CoverageQuery,
) -> Result<String, PageError> {
    let estate = ctx.pick_estate(Some(&query.estate))?.clone();
    let day = if query.week.is_empty() {
        local_date(ctx.now, estate.tz)
    } else {
        NaiveDate::parse_from_str(query.week.trim(), "%Y-%m-%d")
            .map_err(|_| PageError::BadRequest(ctx.t("error.bad_request").to_owned()))?
    };
    let now = ctx.now;
    let found_estate = estate.clone();
    let (grid, exceptions, people) = blocking(state, move |storage| {
        let models = storage.read_models();
        let grid = report_queries::coverage_grid(models, &found_estate, day)?;
        let exceptions = report_queries::patrol_exceptions(models, &found_estate, day, now)?;
        let people = People::of(storage, std::slice::from_ref(&found_estate.id))?;
        Ok((grid, exceptions, people))
    })
    .await?;
    let rounds = &exceptions.round_issues;
    let findings = &exceptions.late_findings;

    let tz = estate.tz;
    let mut out = format!(
        "<form method=\"get\" action=\"/coverage\" class=\"filters\">{}\
         <label>{}<input type=\"date\" name=\"week\" value=\"{}\"></label>\
         <button type=\"submit\">{}</button></form>",
        html::estate_select(ctx, &estate.id),
        esc(ctx.t("coverage.week_of")),
        day,
        esc(ctx.t("filter.apply")),
    );
    out.push_str(&format!(
        "<p id=\"coverage-summary\">{} — {}</p>",
        esc(&ctx.lang.tf(
            "coverage.summary",
            &[
                &grid.week_start.to_string(),
                &grid
                    .week_end
                    .pred_opt()
                    .unwrap_or(grid.week_end)
                    .to_string(),
                &grid.met.to_string(),
                &grid.places.to_string(),
                &grid.required.to_string(),
            ]
        )),
        esc(&html::rule(ctx.lang, RuleId::PatrolFloorCoverage.code())),
    ));
    out.push_str(&grid_html(ctx, &grid));

    out.push_str(&format!(
        "<h2>{}</h2><p>{}</p>",
        esc(ctx.t("coverage.rounds")),
        esc(&ctx.lang.tf(
            "coverage.rounds_summary",
            &[&exceptions.rounds.to_string(), &rounds.len().to_string()]
        ))
    ));
    if !rounds.is_empty() {
        out.push_str(&format!(
            "<div class=\"table-wrap\"><table id=\"round-issues\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th></tr></thead><tbody>",
            esc(ctx.t("col.started")),
            esc(ctx.t("col.route")),
            esc(ctx.t("col.officer")),
            esc(ctx.t("coverage.missed")),
            esc(ctx.t("coverage.out_of_order")),
        ));
        for round in rounds {
            out.push_str(&format!(
                "<tr><td><a href=\"/records/{}\">{}</a></td><td>{}</td><td>{}</td>\
                 <td class=\"bad\">{}</td><td class=\"bad\">{}</td></tr>",
                round.record_id,
                esc(&html::time(round.started_at, tz)),
                esc(&round.route),
                esc(&people.name(ctx.lang, &round.officer)),
                esc(&round.missed.join(", ")),
                esc(&round.out_of_order.join(", ")),
            ));
        }
        out.push_str("</tbody></table></div>");
    }

    out.push_str(&format!(
        "<h2>{}</h2>",
        esc(ctx.t("coverage.late_findings"))
    ));
    if findings.is_empty() {
        out.push_str(&format!(
            "<p class=\"muted\">{}</p>",
            esc(ctx.t("coverage.no_late_findings"))
        ));
    } else {
        out.push_str(&format!(
            "<div class=\"table-wrap\"><table id=\"late-findings\"><thead><tr><th>{}</th><th>{}</th><th>{}</th>\
             <th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
            esc(ctx.t("col.found")),
            esc(ctx.t("col.what")),
            esc(ctx.t("col.where")),
            esc(ctx.t("col.due")),
            esc(ctx.t("col.time_left")),
            esc(ctx.t("col.rule")),
        ));
        for finding in findings {
            let due = finding.due.unwrap_or(finding.found_at);
            let (left, _) = html::time_left(ctx.lang, due, now);
            out.push_str(&format!(
                "<tr class=\"late\"><td><a href=\"/records/{}\">{}</a></td><td>{} \
                 <span class=\"tag\">{}</span></td><td>{}</td><td>{}</td>\
                 <td class=\"late-mark\">{}</td><td>{}</td></tr>",
                finding.record_id,
                esc(&html::time(finding.found_at, tz)),
                esc(&finding.description),
                esc(&html::vocab(ctx.lang, &finding.category)),
                esc(&finding.location),
                esc(&html::time(due, tz)),
                esc(&left),
                esc(&html::rule(
                    ctx.lang,
                    finding.due_rule.as_deref().unwrap_or("")
                )),
            ));
        }
        out.push_str("</tbody></table></div>");
    }
    Ok(out)
}

/// Floors sort as numbers where they are numbers (B1 before 1F otherwise).
fn floor_order(floor: &str) -> (i64, String) {
    let digits: String = floor.chars().filter(char::is_ascii_digit).collect();
    let number = digits.parse::<i64>().unwrap_or(i64::MAX);
    let number = if floor.starts_with(['B', 'b']) && !digits.is_empty() {
        -number
    } else {
        number
    };
    (number, floor.to_owned())
}

fn grid_html(ctx: &Ctx, grid: &CoverageGrid) -> String {
    let floors: BTreeSet<(i64, String)> = grid
        .buildings
        .iter()
        .flat_map(|building| building.floors.iter().map(|cell| floor_order(&cell.floor)))
        .collect();
    // Two header rows name the axes: "B1" is a building down the side and
    // a basement floor along the top.
    let mut out = format!(
        "<div class=\"table-wrap\"><table class=\"grid\" id=\"coverage-grid\"><thead>\
         <tr><th rowspan=\"2\">{}</th><th colspan=\"{}\" class=\"axis\">{}</th></tr><tr>",
        esc(ctx.t("coverage.building")),
        floors.len().max(1),
        esc(ctx.t("coverage.floors")),
    );
    for (_, floor) in &floors {
        let name = if floor.is_empty() {
            ctx.t("coverage.no_floor")
        } else {
            floor
        };
        out.push_str(&format!("<th scope=\"col\">{}</th>", esc(name)));
    }
    out.push_str("</tr></thead><tbody>");
    if grid.buildings.is_empty() {
        out.push_str(&format!(
            "<tr><td class=\"muted\">{}</td></tr>",
            esc(ctx.t("coverage.no_routes"))
        ));
    }
    for building in &grid.buildings {
        out.push_str(&format!(
            "<tr><th scope=\"row\">{}</th>",
            esc(&building.building)
        ));
        for (_, floor) in &floors {
            match building.floors.iter().find(|cell| &cell.floor == floor) {
                Some(cell) => out.push_str(&format!(
                    "<td class=\"cell {}\" title=\"{}\">{}/{}</td>",
                    if cell.met { "met" } else { "unmet" },
                    esc(&ctx
                        .lang
                        .tf("coverage.cell_title", &[&cell.check_ins.to_string()])),
                    cell.visits,
                    grid.required,
                )),
                None => out.push_str("<td class=\"cell none\">·</td>"),
            }
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    out
}
