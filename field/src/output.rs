//! What the field command line prints. The JSON shapes are this file's own
//! structs, not the core's types passed through, so that scripts and tests
//! reading them keep working when the core grows a field; the README
//! ("The field command line") documents each one. The only exception is a record's derived
//! view in `show --json`, which is the core's view as it serializes. Human
//! output is plain lines, and every id a later command needs is on them.

#[cfg(not(test))]
use std::io::Write;

use chrono::{DateTime, SecondsFormat, TimeDelta, Utc};
use chrono_tz::Tz;
use serde::Serialize;
use stairwell_core::kinds::IndexEntry;
use stairwell_core::protocol::{Identity, Refused};
use stairwell_core::record::{Conflict, Header, RecordId, TimelineEntry};
use stairwell_core::rules::RuleId;
use stairwell_core::sync::audit::FieldWrite;
use stairwell_core::sync::session::SyncStats;

use super::FieldError;

/// Prints one block of text to stdout, ending it with a newline.
/// Unlike `println!`, never panics: a reader that closed the pipe early
/// (`| head`) has all it wanted, and any other failure is an error.
#[cfg(not(test))]
pub fn print(text: &str) -> Result<(), FieldError> {
    let mut out = std::io::stdout().lock();
    match writeln!(out, "{text}").and_then(|()| out.flush()) {
        Err(err) if err.kind() == std::io::ErrorKind::BrokenPipe => Ok(()),
        other => Ok(other?),
    }
}

/// Under test, through `println!`, which the test harness captures.
#[cfg(test)]
pub fn print(text: &str) -> Result<(), FieldError> {
    println!("{text}");
    Ok(())
}

/// Prints a value as pretty JSON to stdout.
pub fn print_json<T: Serialize>(value: &T) -> Result<(), FieldError> {
    print(&serde_json::to_string_pretty(value)?)
}

/// A time as RFC 3339 UTC, to the second unless it has a fraction.
pub fn time(at: DateTime<Utc>) -> String {
    at.to_rfc3339_opts(SecondsFormat::AutoSi, true)
}

/// A time in the estate's zone, for the lines people read (JSON keeps
/// UTC): `2024-05-01T09:30:00+08:00`.
pub fn local_time(at: DateTime<Utc>, tz: Tz) -> String {
    at.with_timezone(&tz)
        .to_rfc3339_opts(SecondsFormat::AutoSi, false)
}

/// An RFC 3339 UTC time of the JSON output, for a line people read.
fn relocal(utc: &str, tz: Tz) -> String {
    DateTime::parse_from_rfc3339(utc).map_or_else(
        |_| utc.to_owned(),
        |at| local_time(at.with_timezone(&Utc), tz),
    )
}

/// How long until `due`, or how late it is: "in 14 min", "2 h 5 min late".
pub fn time_left(due: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let left = due - now;
    if left >= TimeDelta::zero() {
        format!("in {}", span(left))
    } else {
        format!("{} late", span(-left))
    }
}

fn span(delta: TimeDelta) -> String {
    let minutes = delta.num_minutes();
    let (days, hours, mins) = (minutes / 1440, minutes / 60 % 24, minutes % 60);
    match minutes {
        0 => "under 1 min".to_owned(),
        1..60 => format!("{mins} min"),
        60..2880 => format!("{} h {mins} min", minutes / 60),
        _ => format!("{days} d {hours} h"),
    }
}

/// The deadline part of a line: "due T (in 14 min: rule text)".
fn due_text(entry: &IndexEntry, now: DateTime<Utc>, tz: Tz) -> Option<String> {
    let due = entry.due?;
    let rule = entry.due_rule.as_deref().map(rule_text).unwrap_or_default();
    Some(format!(
        "due {} ({}{rule})",
        local_time(due, tz),
        time_left(due, now)
    ))
}

fn rule_text(code: &str) -> String {
    let text: &str = RuleId::from_code(code).map_or(code, |rule| rule.describe());
    format!(": {text}")
}

/// The line printed after a verb: `<kind> <id>: <state>[, due ...]`, its
/// time in the estate's zone `tz`.
pub fn state_line(entry: &IndexEntry, now: DateTime<Utc>, tz: Tz) -> String {
    let mut line = format!("{} {}: {}", entry.kind, entry.id, entry.state);
    if let Some(due) = due_text(entry, now, tz) {
        line.push_str(", ");
        line.push_str(&due);
    }
    if entry.conflicts > 0 {
        line.push_str(&format!(", {} field(s) in conflict", entry.conflicts));
    }
    line
}

/// `enroll --json`: who this device acts as.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct IdentityOut {
    pub server: String,
    pub user: String,
    pub name: String,
    pub role: String,
    pub device: String,
    pub estates: Vec<EstateOut>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EstateOut {
    pub id: String,
    pub name: String,
    pub time_zone: String,
}

impl IdentityOut {
    pub fn new(server: &str, identity: &Identity) -> Self {
        IdentityOut {
            server: server.to_owned(),
            user: identity.user.clone(),
            name: identity.name.clone(),
            role: identity.role.as_str().to_owned(),
            device: identity.device.clone(),
            estates: identity
                .estates
                .iter()
                .map(|estate| EstateOut {
                    id: estate.id.clone(),
                    name: estate.name.clone(),
                    time_zone: estate.time_zone.clone(),
                })
                .collect(),
        }
    }

    pub fn text(&self) -> String {
        let mut lines = vec![
            format!("server:  {}", self.server),
            format!("user:    {} ({})", self.user, self.name),
            format!("role:    {}", self.role),
            format!("device:  {}", self.device),
            "estates:".to_owned(),
        ];
        lines.extend(
            self.estates
                .iter()
                .map(|e| format!("  {}  {} ({})", e.id, e.name, e.time_zone)),
        );
        lines.join("\n")
    }
}

/// The stderr line after each round trip of a sync.
pub fn progress_line(stats: &SyncStats) -> String {
    format!(
        "sent {}, received {}, refused {}, round trips {}",
        stats.sent,
        stats.received,
        stats.refused.len(),
        stats.round_trips
    )
}

/// The stdout summary of a finished sync; says so when records were refused.
pub fn sync_summary(stats: &SyncStats) -> String {
    let mut lines = vec![format!(
        "sync complete: sent {} record(s), received {}, in {} round trip(s) \
         ({} bytes sent, {} received)",
        stats.sent, stats.received, stats.round_trips, stats.bytes_sent, stats.bytes_received
    )];
    if !stats.refused.is_empty() {
        lines.push(format!(
            "the server refused {} record(s); their changes stay on this device:",
            stats.refused.len()
        ));
        lines.extend(stats.refused.iter().map(refused_line));
    }
    lines.join("\n")
}

fn refused_line(refused: &Refused) -> String {
    format!(
        "  {} {}: {}",
        refused.id,
        refused.code.as_str(),
        refused.message
    )
}

/// One index row, as `list --json` prints it and `show --json` embeds it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Row {
    pub id: String,
    pub kind: String,
    pub estate: String,
    pub state: String,
    pub open: bool,
    pub title: String,
    pub location: Option<String>,
    pub assignee: Option<String>,
    pub due: Option<String>,
    pub due_rule: Option<String>,
    pub conflicts: usize,
    pub updated_at: String,
}

impl From<&IndexEntry> for Row {
    fn from(entry: &IndexEntry) -> Self {
        Row {
            id: entry.id.to_string(),
            kind: entry.kind.as_str().to_owned(),
            estate: entry.estate.clone(),
            state: entry.state.clone(),
            open: entry.open,
            title: entry.title.clone(),
            location: entry.location.clone(),
            assignee: entry.assignee.clone(),
            due: entry.due.map(time),
            due_rule: entry.due_rule.clone(),
            conflicts: entry.conflicts,
            updated_at: time(entry.updated_at),
        }
    }
}

/// `list`'s human output: one line per record, soonest deadline first.
pub fn list_text(entries: &[IndexEntry], now: DateTime<Utc>) -> String {
    if entries.is_empty() {
        return "no records".to_owned();
    }
    entries
        .iter()
        .map(|entry| list_line(entry, now))
        .collect::<Vec<_>>()
        .join("\n")
}

fn list_line(entry: &IndexEntry, now: DateTime<Utc>) -> String {
    let left = entry.due.map_or("-".to_owned(), |due| time_left(due, now));
    let mut line = format!(
        "{:<18} {} {:<18} {:<11} {}",
        left, entry.id, entry.kind, entry.state, entry.title
    );
    if let Some(location) = entry.location.as_deref().filter(|l| !l.is_empty()) {
        line.push_str(&format!(" @ {location}"));
    }
    if let Some(assignee) = &entry.assignee {
        line.push_str(&format!(" -> {assignee}"));
    }
    if entry.conflicts > 0 {
        line.push_str(&format!(" [{} conflict(s)]", entry.conflicts));
    }
    line
}

/// One competing value of a conflicted field; `pick` is what `resolve`
/// takes to keep it.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictValueOut {
    pub pick: usize,
    pub value: serde_json::Value,
    pub user: String,
    pub device: String,
    pub at: String,
}

/// A field in conflict within one record (`show --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldConflictOut {
    pub field: String,
    pub values: Vec<ConflictValueOut>,
}

impl From<&Conflict> for FieldConflictOut {
    fn from(conflict: &Conflict) -> Self {
        FieldConflictOut {
            field: conflict.field.clone(),
            values: conflict
                .values
                .iter()
                .enumerate()
                .map(|(pick, value)| ConflictValueOut {
                    pick,
                    value: value.value.clone(),
                    user: value.user.clone(),
                    device: value.device.clone(),
                    at: time(value.at),
                })
                .collect(),
        }
    }
}

/// A field in conflict, with its record (`conflicts --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ConflictOut {
    pub id: String,
    pub kind: String,
    pub title: String,
    #[serde(flatten)]
    pub conflict: FieldConflictOut,
}

pub fn conflict_lines(conflict: &FieldConflictOut) -> Vec<String> {
    let mut lines = vec![format!("  field {}:", conflict.field)];
    lines.extend(conflict.values.iter().map(|value| {
        format!(
            "    --pick {}: {} (by {} on {} at {})",
            value.pick, value.value, value.user, value.device, value.at
        )
    }));
    lines
}

pub fn conflicts_text(conflicts: &[ConflictOut]) -> String {
    if conflicts.is_empty() {
        return "no conflicts".to_owned();
    }
    let mut lines = Vec::new();
    for conflict in conflicts {
        lines.push(format!(
            "{} {} ({}): resolve with --field {} --pick N",
            conflict.kind, conflict.id, conflict.title, conflict.conflict.field
        ));
        lines.extend(conflict_lines(&conflict.conflict));
    }
    lines.join("\n")
}

/// A record whose last push the server refused (`refusals --json`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RefusalOut {
    pub id: String,
    pub code: String,
    pub message: String,
}

impl RefusalOut {
    pub fn new(id: RecordId, code: &str, message: &str) -> Self {
        RefusalOut {
            id: id.to_string(),
            code: code.to_owned(),
            message: message.to_owned(),
        }
    }
}

pub fn refusals_text(refusals: &[RefusalOut]) -> String {
    if refusals.is_empty() {
        return "no refusals".to_owned();
    }
    refusals
        .iter()
        .map(|r| format!("{} {}: {}", r.id, r.code, r.message))
        .collect::<Vec<_>>()
        .join("\n")
}

/// A record's immutable header.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct HeaderOut {
    pub kind: String,
    pub schema: u64,
    pub id: String,
    pub estate: String,
    pub created_at: String,
    pub created_by: String,
}

impl From<&Header> for HeaderOut {
    fn from(header: &Header) -> Self {
        HeaderOut {
            kind: header.kind.as_str().to_owned(),
            schema: header.schema,
            id: header.id.to_string(),
            estate: header.estate.clone(),
            created_at: time(header.created_at),
            created_by: header.created_by.clone(),
        }
    }
}

/// One write of one field: an amendment, one of a conflict's values, or
/// the resolution that chose between them.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FieldWriteOut {
    pub field: String,
    pub value: serde_json::Value,
    /// The values it replaced: none for the first write, several for a
    /// conflict's resolution.
    pub previous: Vec<serde_json::Value>,
    pub user: String,
    pub device: String,
    pub at: String,
    pub resolves_conflict: bool,
    /// The Automerge change that made it.
    pub change: String,
}

impl From<&FieldWrite> for FieldWriteOut {
    fn from(write: &FieldWrite) -> Self {
        FieldWriteOut {
            field: write.field.clone(),
            value: write.value.clone(),
            previous: write.previous.clone(),
            user: write.user.clone(),
            device: write.device.clone(),
            at: time(write.at),
            resolves_conflict: write.resolves_conflict,
            change: write.change.clone(),
        }
    }
}

/// One line of a record's timeline.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TimelineOut {
    pub event: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub at: String,
    pub user: String,
    pub device: String,
    /// Why the event did not take effect; null when it did.
    pub superseded: Option<String>,
}

impl From<&TimelineEntry> for TimelineOut {
    fn from(entry: &TimelineEntry) -> Self {
        TimelineOut {
            event: entry.event.clone(),
            kind: entry.kind.clone(),
            at: time(entry.at),
            user: entry.user.clone(),
            device: entry.device.clone(),
            superseded: entry.superseded.clone(),
        }
    }
}

/// `show --json`: everything about one record.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ShowOut {
    pub id: String,
    pub kind: String,
    pub header: HeaderOut,
    pub entry: Row,
    /// Whether the device has changes of this record the server lacks.
    pub pending_sync: bool,
    /// The server's refusal of the last push of this record, if any.
    pub refusal: Option<RefusalOut>,
    /// The kind's derived view as the core serializes it, without its
    /// `timeline` and `conflicts`, which are given below for every kind.
    pub view: serde_json::Value,
    pub timeline: Vec<TimelineOut>,
    pub conflicts: Vec<FieldConflictOut>,
    /// Every write of every field, in history order, with what it replaced.
    pub field_history: Vec<FieldWriteOut>,
}

impl ShowOut {
    /// The human text: header, state and deadline, the kind's own lines,
    /// the timeline and the conflicts.
    /// Times are in the estate's zone `tz`.
    pub fn text(
        &self,
        entry: &IndexEntry,
        details: &[String],
        now: DateTime<Utc>,
        tz: Tz,
    ) -> String {
        let mut lines = vec![
            format!("{} {}", self.kind, self.id),
            format!(
                "estate {}, created {} by {}",
                self.header.estate,
                relocal(&self.header.created_at, tz),
                self.header.created_by
            ),
            format!(
                "state: {}{}",
                self.entry.state,
                open_text(self.entry.open && self.entry.state != "open")
            ),
        ];
        if let Some(due) = due_text(entry, now, tz) {
            lines.push(due);
        }
        if self.pending_sync {
            lines.push("changes not yet synced".to_owned());
        }
        if let Some(refusal) = &self.refusal {
            lines.push(format!(
                "last push refused ({}): {}",
                refusal.code, refusal.message
            ));
        }
        lines.extend(details.iter().cloned());
        lines.push("timeline:".to_owned());
        lines.extend(self.timeline.iter().map(|event| timeline_line(event, tz)));
        let corrections: Vec<&FieldWriteOut> = self
            .field_history
            .iter()
            .filter(|write| !write.previous.is_empty())
            .collect();
        if !corrections.is_empty() {
            lines.push("corrections:".to_owned());
            lines.extend(
                corrections
                    .into_iter()
                    .map(|write| correction_line(write, tz)),
            );
        }
        if !self.conflicts.is_empty() {
            lines.push("conflicts (resolve with --field F --pick N):".to_owned());
            lines.extend(self.conflicts.iter().flat_map(conflict_lines));
        }
        lines.join("\n")
    }
}

fn open_text(open: bool) -> &'static str {
    if open { " (open)" } else { "" }
}

fn correction_line(write: &FieldWriteOut, tz: Tz) -> String {
    let was: Vec<String> = write.previous.iter().map(ToString::to_string).collect();
    format!(
        "  {} {} {} -> {} by {} ({}){}",
        relocal(&write.at, tz),
        write.field,
        was.join(" | "),
        write.value,
        write.user,
        write.device,
        if write.resolves_conflict {
            " resolving a conflict"
        } else {
            ""
        }
    )
}

fn timeline_line(entry: &TimelineOut, tz: Tz) -> String {
    let mut line = format!(
        "  {} {} by {} ({}) [{}]",
        relocal(&entry.at, tz),
        entry.kind,
        entry.user,
        entry.device,
        entry.event
    );
    if let Some(reason) = &entry.superseded {
        line.push_str(&format!(" SUPERSEDED: {reason}"));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(text: &str) -> DateTime<Utc> {
        DateTime::parse_from_rfc3339(text)
            .expect("test time")
            .with_timezone(&Utc)
    }

    #[test]
    fn time_left_reads_naturally() {
        let now = at("2024-05-01T12:00:00Z");
        assert_eq!(time_left(at("2024-05-01T12:14:30Z"), now), "in 14 min");
        assert_eq!(time_left(at("2024-05-01T12:00:20Z"), now), "in under 1 min");
        assert_eq!(time_left(at("2024-05-01T09:55:00Z"), now), "2 h 5 min late");
        assert_eq!(time_left(at("2024-05-04T15:00:00Z"), now), "in 3 d 3 h");
    }

    #[test]
    fn times_are_rfc3339_utc() {
        assert_eq!(
            time(at("2024-05-01T20:00:00+08:00")),
            "2024-05-01T12:00:00Z"
        );
    }

    #[test]
    fn progress_line_has_the_four_figures() {
        let stats = SyncStats {
            round_trips: 2,
            sent: 3,
            received: 4,
            ..SyncStats::default()
        };
        assert_eq!(
            progress_line(&stats),
            "sent 3, received 4, refused 0, round trips 2"
        );
    }

    #[test]
    fn sync_summary_names_refused_records() {
        use stairwell_core::protocol::RefusalCode;
        let stats = SyncStats {
            round_trips: 1,
            refused: vec![Refused {
                id: "r1".into(),
                code: RefusalCode::Forbidden,
                message: "a patrol may not quote".into(),
            }],
            ..SyncStats::default()
        };
        let summary = sync_summary(&stats);
        assert!(summary.contains("the server refused 1 record(s)"));
        assert!(summary.contains("r1 forbidden: a patrol may not quote"));
    }
}
