//! The kind-specific lines of `show`'s human output: what a screen of the
//! app would show about the record, and every id a later command takes
//! (finding ids, checklist item ids, duty log entry ids). The JSON output
//! does not use these: it carries the whole view.

use serde::Serialize;
use stairwell_core::kinds::CallbackRecord;
use stairwell_core::kinds::checklist::ChecklistView;
use stairwell_core::kinds::checklist_template::{ChecklistTemplateView, TemplateType};
use stairwell_core::kinds::complaint::{Channel, ComplaintView, HelpKind};
use stairwell_core::kinds::duty_log::{DutyLogView, LogEntry};
use stairwell_core::kinds::patrol_round::{CheckpointVisits, PatrolRoundView, RoundState};
use stairwell_core::kinds::repair_sheet::RepairSheetView;
use stairwell_core::kinds::route_template::{Checkpoint, RouteTemplateView};

use chrono_tz::Tz;

use super::output::local_time;

/// The stored (snake_case) name of a value of the core's vocabulary.
fn name<T: Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(text)) => text,
        Ok(other) => other.to_string(),
        Err(_) => "?".to_owned(),
    }
}

/// A template type, with the stage of a renovation acceptance.
fn template_type(template_type: TemplateType) -> String {
    match template_type {
        TemplateType::RenovationAcceptance { stage } => {
            format!("{} ({})", template_type.as_str(), name(&stage))
        }
        other => other.as_str().to_owned(),
    }
}

/// "complaint", or "help request (crime: theft)".
fn channel(channel: Channel) -> String {
    let Channel::HelpRequest(kind) = channel else {
        return "complaint".to_owned();
    };
    let kind = match kind {
        HelpKind::Crime(crime) => format!("crime: {}", name(&crime)),
        HelpKind::Disaster(disaster) => format!("disaster: {}", name(&disaster)),
        other => name(&other),
    };
    format!("help request ({kind})")
}

/// Joins the parts that are not empty with single spaces.
fn words(parts: &[&str]) -> String {
    parts
        .iter()
        .map(|part| part.trim())
        .filter(|part| !part.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn cents(amount: i64) -> String {
    format!("¥{}", stairwell_core::rules::money::format_yuan(amount))
}

pub fn repair(view: &RepairSheetView, tz: Tz) -> Vec<String> {
    let intake = &view.intake;
    let mut lines = vec![
        format!(
            "resident: {}, unit {}, phone {}",
            intake.resident_name, intake.unit, intake.phone
        ),
        format!("problem: {}", intake.problem),
        format!(
            "{}, {}, {}",
            name(&intake.location),
            name(&intake.urgency),
            if intake.on_price_list {
                "on the price list"
            } else {
                "off the price list"
            }
        ),
        format!("reported at {}", local_time(view.reported_at, tz)),
    ];
    if let Some(appointment) = intake.appointment {
        lines.push(format!("appointment: {}", local_time(appointment, tz)));
    }
    if let Some(source) = &view.source {
        lines.push(format!(
            "opened from {} item {}",
            source.record, source.item
        ));
    }
    if let Some(technician) = &view.technician {
        lines.push(format!("technician: {technician}"));
    }
    lines.extend(repair_work(view));
    lines.extend(callbacks(&view.callbacks));
    lines
}

fn repair_work(view: &RepairSheetView) -> Vec<String> {
    let mut lines = Vec::new();
    if let Some(quote) = &view.quote {
        let fee = quote.fee_cents.map(cents).unwrap_or_else(|| "-".into());
        let verdict = if quote.feasible {
            "feasible"
        } else {
            "not feasible"
        };
        lines.push(words(&["quote:", verdict, "fee", &fee, &quote.note]));
    }
    if let Some((items, standard)) = &view.confirmed_items {
        lines.push(format!(
            "items: {} (fee standard: {standard})",
            items.join(", ")
        ));
    }
    for line in &view.fee_lines {
        lines.push(format!(
            "fee: {} x{} at {} = {}",
            line.description,
            line.quantity,
            cents(line.unit_price_cents),
            cents(line.total_cents())
        ));
    }
    if !view.fee_lines.is_empty() {
        lines.push(format!("fee total: {}", cents(view.fee_total_cents())));
    }
    for check in &view.materials {
        let result = name(&check.result);
        lines.push(words(&["material:", &check.material, &result, &check.note]));
    }
    if let Some(declined) = &view.declined {
        lines.push(format!(
            "declined: {} (signed by {})",
            declined.reason, declined.signature.signer
        ));
    }
    if let Some(done) = &view.completion {
        lines.push(format!(
            "completed: {} (signed by {}, {})",
            done.items_repaired.join(", "),
            done.signature.signer,
            name(&done.satisfaction)
        ));
    }
    lines.extend(
        view.notes
            .iter()
            .map(|note| format!("note by {}: {}", note.user, note.text)),
    );
    lines.extend(
        view.photos
            .iter()
            .map(|photo| words(&["photo", photo.blob.as_str(), &photo.caption])),
    );
    lines
}

fn callbacks(records: &[CallbackRecord]) -> Vec<String> {
    records
        .iter()
        .map(|record| {
            let callback = &record.callback;
            let verdict = if callback.satisfied {
                "satisfied"
            } else {
                "unsatisfied"
            };
            format!(
                "callback by {} ({}), {verdict}: {}",
                record.user,
                name(&callback.method),
                callback.outcome
            )
        })
        .collect()
}

fn checkpoint(checkpoint: &Checkpoint) -> String {
    format!(
        "{} ({}, {})",
        checkpoint.code,
        checkpoint.location.describe(),
        name(&checkpoint.place)
    )
}

pub fn patrol(view: &PatrolRoundView, tz: Tz) -> Vec<String> {
    let mut lines = vec![
        format!(
            "route: {} v{} ({})",
            view.route_name, view.route_version, view.route
        ),
        format!(
            "officer: {}, started {}",
            view.officer,
            local_time(view.started_at, tz)
        ),
        "checkpoints:".to_owned(),
    ];
    lines.extend(view.checkpoints.iter().map(planned));
    if let Some(next) = view.next_checkpoint() {
        lines.push(format!("next checkpoint: {}", checkpoint(next)));
    }
    let missed: Vec<String> = view.missed().into_iter().map(checkpoint).collect();
    if !missed.is_empty() {
        lines.push(format!("missed: {}", missed.join(", ")));
    }
    if !view.in_order {
        lines.push("visited out of the planned order".to_owned());
    }
    for finding in &view.findings {
        let head = format!("finding {}:", finding.id);
        let category = name(&finding.report.category);
        let place = format!("@ {}", finding.report.location.describe());
        let repairs = repairs(&finding.repairs);
        let parts = [
            head.as_str(),
            &category,
            &finding.report.description,
            &place,
            &repairs,
        ];
        lines.push(words(&parts));
    }
    lines.extend(
        view.notes
            .iter()
            .map(|note| format!("note by {}: {}", note.user, note.text)),
    );
    lines
}

/// What an officer is told after a check-in or the finish (lines starting
/// `warning: ` go to stderr).
pub fn round_progress(view: &PatrolRoundView) -> Vec<String> {
    let total = view.checkpoints.len();
    let missed: Vec<String> = view.missed().into_iter().map(checkpoint).collect();
    let mut lines = Vec::new();
    if view.state == RoundState::Finished {
        lines.push(match missed.len() {
            0 => format!("every one of the {total} checkpoints visited"),
            n => format!("missed {n} of {total} checkpoints: {}", missed.join("; ")),
        });
        return lines;
    }
    if view.check_ins.last().is_some_and(|visit| !visit.in_order) {
        lines.push("warning: this check-in is out of the planned order".to_owned());
    }
    lines.push(match view.next_checkpoint() {
        Some(next) => format!("next checkpoint: {}", checkpoint(next)),
        None => format!("all {total} checkpoints visited: finish the round"),
    });
    if !missed.is_empty() {
        lines.push(format!("skipped so far: {}", missed.join("; ")));
    }
    lines
}

fn planned(planned: &CheckpointVisits) -> String {
    let mark = if planned.visits.is_empty() { " " } else { "x" };
    format!(
        "  [{mark}] {} visits {}",
        checkpoint(&planned.checkpoint),
        planned.visits.len()
    )
}

fn repairs<T: std::fmt::Display>(ids: &[T]) -> String {
    if ids.is_empty() {
        return String::new();
    }
    let ids: Vec<String> = ids.iter().map(ToString::to_string).collect();
    format!("(repair sheets: {})", ids.join(", "))
}

pub fn route(view: &RouteTemplateView, _tz: Tz) -> Vec<String> {
    let mut lines = vec![format!("route: {} v{}", view.name, view.version)];
    lines.extend(
        view.checkpoints
            .iter()
            .map(|c| format!("  {}", checkpoint(c))),
    );
    lines
}

pub fn checklist(view: &ChecklistView, _tz: Tz) -> Vec<String> {
    let mut lines = vec![
        format!(
            "{} ({}) v{}",
            view.title,
            template_type(view.template_type),
            view.template_version
        ),
        format!(
            "site: {}, inspector {}",
            view.site.describe(),
            view.inspector
        ),
        "items:".to_owned(),
    ];
    for status in &view.items {
        let answer = status.answer.as_ref();
        let result = answer.map_or("-".to_owned(), |a| name(&a.value.result));
        let note = answer.map(|a| a.value.note.as_str()).unwrap_or_default();
        let result = format!("[{result}]");
        let repairs = repairs(&status.repairs);
        let line = words(&[&status.item.id, &result, &status.item.label, note, &repairs]);
        lines.push(format!("  {line}"));
    }
    for meter in &view.meters {
        let reading = &meter.value;
        lines.push(format!(
            "meter {}: {} (owner {})",
            name(&reading.meter),
            reading.reading,
            reading.owner
        ));
    }
    if let Some(signing) = &view.signing {
        let owner = signing
            .owner
            .as_ref()
            .map(|o| format!(", owner {}", o.signer));
        lines.push(format!(
            "signed by {}{}",
            signing.staff.signer,
            owner.unwrap_or_default()
        ));
    }
    if view.key_retained_by_office {
        lines.push("one door key stays with the office until the defects are fixed".to_owned());
    }
    lines
}

pub fn checklist_template(view: &ChecklistTemplateView, _tz: Tz) -> Vec<String> {
    let mut lines = vec![format!(
        "template: {} ({}) v{}",
        view.name,
        template_type(view.template_type),
        view.version
    )];
    lines.extend(
        view.items
            .iter()
            .map(|item| format!("  {} {}", item.id, item.label)),
    );
    lines
}

pub fn complaint(view: &ComplaintView, tz: Tz) -> Vec<String> {
    let intake = &view.intake;
    let clears = &view.clears;
    let mut lines = vec![
        format!("channel: {}", channel(view.channel)),
        format!(
            "resident: {}, unit {}, phone {}",
            intake.resident_name, intake.unit, intake.phone
        ),
        format!(
            "department {}, {}{}",
            name(&intake.department),
            name(&intake.seriousness),
            if intake.serious { ", serious" } else { "" }
        ),
        format!("heard: {}", clears.heard),
        format!("asked: {}", clears.asked),
        format!("recorded: {}", clears.recorded),
        format!("received at {}", local_time(view.received_at, tz)),
    ];
    if let Some(head) = &clears.reported_to {
        lines.push(format!("reported to {head}"));
    }
    lines.extend(complaint_work(view, tz));
    lines.extend(callbacks(&view.callbacks));
    lines
}

fn complaint_work(view: &ComplaintView, tz: Tz) -> Vec<String> {
    let mut lines = Vec::new();
    for dispatch in &view.dispatches {
        let person = dispatch.person.as_deref().unwrap_or("-");
        lines.push(format!(
            "dispatched to {} ({person})",
            name(&dispatch.department)
        ));
    }
    if view.escalation_pending {
        lines.push("must be reported at once to company management".to_owned());
    }
    if let Some(escalation) = &view.escalation {
        lines.push(format!("escalated to {}", escalation.to));
    }
    for answer in &view.answers {
        let solved = if answer.solved {
            "solved"
        } else {
            "not solved"
        };
        lines.push(format!("answer ({solved}): {}", answer.reply));
    }
    if let Some(report) = &view.head_report {
        lines.push(format!("reported to the head {}", report.head));
    }
    for handling in &view.handlings {
        lines.push(format!(
            "handled {}: {}",
            local_time(handling.handled_at, tz),
            handling.action
        ));
    }
    if let Some(sign_off) = &view.sign_off {
        lines.push(format!(
            "signed off by {}, {}",
            sign_off.signature.signer,
            name(&sign_off.rating)
        ));
    }
    if let Some(original) = &view.duplicate_of {
        lines.push(format!("duplicate of {original}"));
    }
    if view.channel == Channel::Complaint {
        lines.push(format!("called back by: {}", name(&view.callback_by)));
    }
    lines
}

pub fn duty(view: &DutyLogView, tz: Tz) -> Vec<String> {
    let mut lines = vec![
        format!("duty day from {}", local_time(view.day_start, tz)),
        "entries:".to_owned(),
    ];
    lines.extend(view.entries.iter().map(|logged| entry(logged, tz)));
    for open in &view.open_follow_ups {
        let important = if open.important { " (important)" } else { "" };
        lines.push(format!(
            "open follow-up {}{important}: {}",
            open.entry, open.text
        ));
    }
    for record in &view.handovers {
        let handover = &record.handover;
        lines.push(format!(
            "handover {} -> {} at {}",
            handover.outgoing,
            handover.incoming,
            local_time(record.handed_over_at, tz)
        ));
    }
    if let Some(sign_off) = &view.sign_off {
        lines.push(format!(
            "signed off by {}: {}",
            sign_off.signature.signer, sign_off.comment
        ));
    }
    lines
}

fn entry(entry: &LogEntry, tz: Tz) -> String {
    let mut flags = vec![name(&entry.category)];
    if entry.important {
        flags.push("important".into());
    }
    if entry.follow_up {
        flags.push("follow-up".into());
    }
    let mut line = format!(
        "  {} {} {} [{}] {}",
        entry.id,
        local_time(entry.at, tz),
        entry.user,
        flags.join(", "),
        entry.text
    );
    if let Some(closed) = &entry.closed_by {
        line.push_str(&format!(" (closed by {}: {})", closed.entry, closed.text));
    }
    if let Some(corrected) = &entry.corrected_by {
        line.push_str(&format!(
            " (corrected by {}: {})",
            corrected.entry, corrected.text
        ));
    }
    line
}
