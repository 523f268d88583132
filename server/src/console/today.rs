//! Today (`/`): every open repair sheet and complaint of the user's
//! estates, soonest deadline first, each with the rule that sets its
//! deadline, the time left, and late ones marked. Filters (query
//! parameters): `estate`, `building`, `technician`, `urgency`.
//!
//! The list is the index rows (`read_model`: state, deadline, rule,
//! assignee); a sheet's urgency is not in its row, so the open sheets'
//! documents are read for it (open work is tens of sheets, not thousands).
//! The front desk and supervisors get a dispatch button on each row that
//! still waits for one.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use axum::extract::{Query, State};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use stairwell_core::kinds::{AnyRecord, IndexEntry};
use stairwell_core::record::{RecordKind, Role, Verb, may};

use super::html::{self, esc};
use super::people::People;
use super::session::{Ctx, PageError, blocking};
use crate::http::state::AppState;
use crate::store::console::IndexQuery;

#[derive(Debug, Default, Deserialize)]
pub struct TodayQuery {
    #[serde(default)]
    pub estate: String,
    #[serde(default)]
    pub building: String,
    #[serde(default)]
    pub technician: String,
    #[serde(default)]
    pub urgency: String,
}

/// An open row with what the index lacks.
#[derive(Debug)]
struct Row {
    entry: IndexEntry,
    urgency: Option<String>,
    building: String,
}

/// The building of a unit such as `B2-1203`: what comes before the dash.
pub fn building_of(location: &str) -> String {
    location
        .split(['-', ' ', '/'])
        .next()
        .unwrap_or("")
        .trim()
        .to_owned()
}

/// `GET /`.
pub async fn page(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Query(query): Query<TodayQuery>,
) -> Response {
    match render(&state, &ctx, &query).await {
        Ok(body) => html::shell(&ctx, "today", ctx.t("today.title"), true, &body),
        Err(err) => err.into_response(),
    }
}

async fn render(state: &Arc<AppState>, ctx: &Ctx, query: &TodayQuery) -> Result<String, PageError> {
    let estates: Vec<String> = if query.estate.is_empty() {
        ctx.user.estates.clone()
    } else {
        ctx.estate(&query.estate).ok_or(PageError::NotFound)?;
        vec![query.estate.clone()]
    };
    let (rows, technicians, people) = blocking(state, move |storage| {
        let entries = storage.console().index_rows(&IndexQuery {
            estates: &estates,
            kinds: &["repair_sheet", "complaint"],
            open_only: true,
        })?;
        let mut rows = Vec::with_capacity(entries.len());
        for entry in entries {
            let urgency = match entry.kind {
                RecordKind::RepairSheet => urgency_of(storage, &entry.id.to_string())?,
                _ => None,
            };
            let building = building_of(entry.location.as_deref().unwrap_or(""));
            rows.push(Row {
                entry,
                urgency,
                building,
            });
        }
        let mut technicians = HashMap::new();
        for estate in &estates {
            technicians.insert(
                estate.clone(),
                storage.console().staff(estate, Role::Technician)?,
            );
        }
        let people = People::of(storage, &estates)?;
        Ok((rows, technicians, people))
    })
    .await?;

    let buildings: BTreeSet<String> = rows
        .iter()
        .map(|row| row.building.clone())
        .filter(|b| !b.is_empty())
        .collect();
    let mut assignees: BTreeSet<String> = rows
        .iter()
        .filter_map(|row| row.entry.assignee.clone())
        .collect();
    assignees.extend(technicians.values().flatten().map(|(id, _)| id.clone()));

    let shown: Vec<&Row> = rows
        .iter()
        .filter(|row| query.building.is_empty() || row.building == query.building)
        .filter(|row| {
            query.technician.is_empty()
                || row.entry.assignee.as_deref() == Some(query.technician.as_str())
        })
        .filter(|row| {
            query.urgency.is_empty() || row.urgency.as_deref() == Some(query.urgency.as_str())
        })
        .collect();
    let late = shown
        .iter()
        .filter(|row| row.entry.due.is_some_and(|due| due < ctx.now))
        .count();

    let mut out = filters(ctx, query, &buildings, &assignees, &people);
    out.push_str(&format!(
        "<p id=\"today-summary\">{}</p>",
        esc(&ctx.lang.tf(
            "today.summary",
            &[&shown.len().to_string(), &late.to_string()]
        ))
    ));
    let acts = may(ctx.user.role, Verb::Dispatch) || may(ctx.user.role, Verb::DispatchComplaint);
    let action_header = if acts {
        format!("<th>{}</th>", esc(ctx.t("col.action")))
    } else {
        String::new()
    };
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"today\" class=\"cards\"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th>{action_header}</tr></thead><tbody>",
        esc(ctx.t("col.due")),
        esc(ctx.t("col.time_left")),
        esc(ctx.t("col.rule")),
        esc(ctx.t("col.kind")),
        esc(ctx.t("col.what")),
        esc(ctx.t("col.where")),
        esc(ctx.t("col.state")),
        esc(ctx.t("col.assignee")),
    ));
    if shown.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"{}\" class=\"muted\">{}</td></tr>",
            if acts { 9 } else { 8 },
            esc(ctx.t("today.none"))
        ));
    }
    for row in shown {
        out.push_str(&row_html(ctx, row, &technicians, &people, acts));
    }
    out.push_str("</tbody></table></div>");
    Ok(out)
}

fn urgency_of(storage: &dyn crate::store::Storage, id: &str) -> Result<Option<String>, PageError> {
    let Some(stored) = storage.load_record(id)? else {
        return Ok(None);
    };
    Ok(match AnyRecord::load(&stored.bytes) {
        Ok(AnyRecord::RepairSheet(sheet)) => {
            let urgency = sheet.view().intake.urgency;
            serde_json::to_value(urgency)
                .ok()
                .and_then(|value| value.as_str().map(str::to_owned))
        }
        _ => None,
    })
}

fn filters(
    ctx: &Ctx,
    query: &TodayQuery,
    buildings: &BTreeSet<String>,
    assignees: &BTreeSet<String>,
    people: &People,
) -> String {
    let all = (String::new(), ctx.t("filter.all").to_owned());
    let mut estates = vec![all.clone()];
    estates.extend(
        ctx.estates
            .iter()
            .map(|estate| (estate.id.clone(), estate.name.clone())),
    );
    let mut building_items = vec![all.clone()];
    building_items.extend(buildings.iter().map(|b| (b.clone(), b.clone())));
    let mut technician_items = vec![all.clone()];
    technician_items.extend(
        assignees
            .iter()
            .map(|id| (id.clone(), people.name(ctx.lang, id))),
    );
    let mut urgencies = vec![all];
    urgencies.extend(
        ["extra_urgent", "urgent", "normal"]
            .into_iter()
            .map(|code| (code.to_owned(), html::vocab(ctx.lang, code))),
    );
    format!(
        "<form method=\"get\" action=\"/\" class=\"filters\" id=\"today-filters\">\
         <label>{}<select name=\"estate\">{}</select></label>\
         <label>{}<select name=\"building\">{}</select></label>\
         <label>{}<select name=\"technician\">{}</select></label>\
         <label>{}<select name=\"urgency\">{}</select></label>\
         <button type=\"submit\">{}</button></form>",
        esc(ctx.t("filter.estate")),
        html::options(&estates, &query.estate),
        esc(ctx.t("filter.building")),
        html::options(&building_items, &query.building),
        esc(ctx.t("filter.technician")),
        html::options(&technician_items, &query.technician),
        esc(ctx.t("filter.urgency")),
        html::options(&urgencies, &query.urgency),
        esc(ctx.t("filter.apply")),
    )
}

fn row_html(
    ctx: &Ctx,
    row: &Row,
    technicians: &HashMap<String, Vec<(String, String)>>,
    people: &People,
    acts: bool,
) -> String {
    let entry = &row.entry;
    let tz = ctx.tz(&entry.estate);
    let (due, left, late) = match entry.due {
        Some(due) => {
            let late = due < ctx.now;
            (
                html::time(due, tz),
                html::time_left_html(ctx.lang, due, ctx.now),
                late,
            )
        }
        None => ("—".to_owned(), String::new(), false),
    };
    let rule = entry
        .due_rule
        .as_deref()
        .map(|code| html::rule(ctx.lang, code))
        .unwrap_or_default();
    let urgency = row
        .urgency
        .as_deref()
        .map(|code| {
            format!(
                " <span class=\"tag {code}\">{}</span>",
                esc(&html::vocab(ctx.lang, code))
            )
        })
        .unwrap_or_default();
    let conflicts = if entry.conflicts > 0 {
        format!(
            " <span class=\"tag bad\">{}</span>",
            esc(&ctx
                .lang
                .tf("record.conflicts_n", &[&entry.conflicts.to_string()]))
        )
    } else {
        String::new()
    };
    format!(
        "<tr class=\"{class}\" data-id=\"{id}\"><td class=\"due\" data-label=\"{l_due}\">{due}</td>\
         <td data-label=\"{l_left}\">{left}</td><td data-label=\"{l_rule}\">{rule}</td>\
         <td data-label=\"{l_kind}\">{kind}{urgency}</td>\
         <td data-label=\"{l_what}\"><a href=\"/records/{id}\">{title}</a>{conflicts}</td>\
         <td data-label=\"{l_where}\">{location}</td><td class=\"state\" data-label=\"{l_state}\">{state}</td>\
         <td data-label=\"{l_assignee}\">{assignee}</td>{action}</tr>",
        l_due = esc(ctx.t("col.due")),
        l_left = esc(ctx.t("col.time_left")),
        l_rule = esc(ctx.t("col.rule")),
        l_kind = esc(ctx.t("col.kind")),
        l_what = esc(ctx.t("col.what")),
        l_where = esc(ctx.t("col.where")),
        l_state = esc(ctx.t("col.state")),
        l_assignee = esc(ctx.t("col.assignee")),
        class = if late { "late" } else { "" },
        id = entry.id,
        due = esc(&due),
        left = left,
        rule = esc(&rule),
        kind = esc(&html::vocab(ctx.lang, entry.kind.as_str())),
        title = esc(&entry.title),
        location = esc(entry.location.as_deref().unwrap_or("")),
        state = esc(&html::vocab(ctx.lang, &entry.state)),
        assignee = esc(&entry
            .assignee
            .as_deref()
            .map_or_else(|| "—".to_owned(), |id| people.name(ctx.lang, id))),
        action = if acts {
            format!(
                "<td data-label=\"{}\">{}</td>",
                esc(ctx.t("col.action")),
                dispatch_form(ctx, entry, technicians)
            )
        } else {
            String::new()
        },
    )
}

/// The dispatch button of a row that waits for one, for those who may.
pub fn dispatch_form(
    ctx: &Ctx,
    entry: &IndexEntry,
    technicians: &HashMap<String, Vec<(String, String)>>,
) -> String {
    let choices: Vec<(String, String)> = match entry.kind {
        RecordKind::RepairSheet
            if may(ctx.user.role, Verb::Dispatch)
                && matches!(entry.state.as_str(), "reported" | "dispatched" | "quoted") =>
        {
            technicians
                .get(&entry.estate)
                .into_iter()
                .flatten()
                .map(|(id, name)| (id.clone(), name.clone()))
                .collect()
        }
        RecordKind::Complaint
            if may(ctx.user.role, Verb::DispatchComplaint) && entry.state == "received" =>
        {
            super::desk::DEPARTMENTS
                .iter()
                .map(|code| ((*code).to_owned(), html::vocab(ctx.lang, code)))
                .collect()
        }
        _ => return String::new(),
    };
    if choices.is_empty() {
        return String::new();
    }
    let name = match entry.kind {
        RecordKind::RepairSheet => "technician",
        _ => "department",
    };
    let selected = entry.assignee.as_deref().unwrap_or("");
    format!(
        "<form method=\"post\" action=\"/records/{id}/dispatch\" class=\"inline dispatch\">{csrf}\
         <input type=\"hidden\" name=\"back\" value=\"{back}\">\
         <select name=\"{name}\" aria-label=\"{label}\">{options}</select>\
         <button type=\"submit\" class=\"secondary\">{label}</button></form>",
        id = entry.id,
        csrf = html::csrf_field(ctx),
        back = esc(&ctx.path),
        options = html::options(&choices, selected),
        label = esc(ctx.t("action.dispatch")),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn buildings_come_from_units() {
        assert_eq!(building_of("B2-1203"), "B2");
        assert_eq!(building_of("B1 lobby"), "B1");
        assert_eq!(building_of(""), "");
    }
}
