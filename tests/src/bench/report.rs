//! The bench's table: one row per figure, with its target and whether it
//! was met; a missed target says by how much. Rows are printed as they are
//! measured (a long run shows progress) and once more, all together, at the
//! end.

use std::io::Write as _;
use std::time::Duration;

use super::{fmt_bytes, fmt_duration};

/// A target a figure is held to.
#[derive(Debug, Clone)]
pub enum Target {
    /// Informational: no target.
    None,
    /// The value must stay under this duration.
    Under(Duration),
    /// The value must stay under this many bytes.
    UnderBytes(u64),
}

#[derive(Debug, Clone)]
pub struct Row {
    pub scenario: String,
    pub figure: String,
    pub value: String,
    pub target: String,
    /// `None` where there is no target.
    pub met: Option<bool>,
    pub verdict: String,
    pub note: String,
}

#[derive(Debug, Default)]
pub struct Report {
    pub rows: Vec<Row>,
    /// Lines said beside the table (skips, errors), printed with it.
    pub notes: Vec<String>,
    printed_header: bool,
}

impl Report {
    pub fn new() -> Report {
        Report::default()
    }

    /// A figure that is a duration.
    pub fn time(&mut self, scenario: &str, figure: &str, value: Duration, target: Target) {
        let (target_text, met, verdict) = judge_time(value, &target);
        self.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            value: fmt_duration(value),
            target: target_text,
            met,
            verdict,
            note: String::new(),
        });
    }

    /// A figure that is a size in bytes.
    pub fn bytes(&mut self, scenario: &str, figure: &str, value: u64, target: Target) {
        let (target_text, met, verdict) = judge_bytes(value, &target);
        self.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            value: format!("{} ({value} B)", fmt_bytes(value)),
            target: target_text,
            met,
            verdict,
            note: String::new(),
        });
    }

    /// Any other figure, without a target.
    pub fn info(&mut self, scenario: &str, figure: &str, value: impl Into<String>) {
        self.push(Row {
            scenario: scenario.into(),
            figure: figure.into(),
            value: value.into(),
            target: "-".into(),
            met: None,
            verdict: "-".into(),
            note: String::new(),
        });
    }

    /// Adds a note to the last row (printed in its own column).
    pub fn note(&mut self, note: impl Into<String>) {
        let note = note.into();
        if let Some(row) = self.rows.last_mut() {
            row.note = note.clone();
        }
        println!("      ↳ {note}");
        let _ = std::io::stdout().flush();
    }

    /// A line beside the table: a skipped scenario, an error.
    pub fn say(&mut self, line: impl Into<String>) {
        let line = line.into();
        println!("  ! {line}");
        let _ = std::io::stdout().flush();
        self.notes.push(line);
    }

    fn push(&mut self, row: Row) {
        if !self.printed_header {
            println!("{}", header());
            self.printed_header = true;
        }
        println!("{}", line(&row));
        let _ = std::io::stdout().flush();
        self.rows.push(row);
    }

    /// The whole table again, then the notes and a count of targets met.
    pub fn print_all(&self, machine: &str) {
        println!();
        println!("## Stairwell bench");
        println!();
        println!("{machine}");
        println!();
        println!("{}", header());
        for row in &self.rows {
            println!("{}", line(row));
            if !row.note.is_empty() {
                println!("|   | ↳ {} | | | |", row.note);
            }
        }
        if !self.notes.is_empty() {
            println!();
            for note in &self.notes {
                println!("- {note}");
            }
        }
        let judged: Vec<&Row> = self.rows.iter().filter(|row| row.met.is_some()).collect();
        let met = judged.iter().filter(|row| row.met == Some(true)).count();
        println!();
        println!("targets met: {met} of {}", judged.len());
        for row in judged.iter().filter(|row| row.met == Some(false)) {
            println!(
                "  missed: {} / {}: {} ({})",
                row.scenario, row.figure, row.value, row.verdict
            );
        }
    }
}

fn header() -> String {
    "| scenario | figure | value | target | met? |\n|---|---|---|---|---|".into()
}

fn line(row: &Row) -> String {
    format!(
        "| {} | {} | {} | {} | {} |",
        row.scenario, row.figure, row.value, row.target, row.verdict
    )
}

fn judge_time(value: Duration, target: &Target) -> (String, Option<bool>, String) {
    match target {
        Target::Under(limit) => {
            let met = value < *limit;
            let verdict = if met {
                format!("yes ({:.0}% of target)", ratio(value, *limit) * 100.0)
            } else {
                format!(
                    "NO: {:.2}× the target, {} over",
                    ratio(value, *limit),
                    fmt_duration(value - *limit)
                )
            };
            (format!("< {}", fmt_duration(*limit)), Some(met), verdict)
        }
        Target::UnderBytes(_) | Target::None => ("-".into(), None, "-".into()),
    }
}

fn judge_bytes(value: u64, target: &Target) -> (String, Option<bool>, String) {
    match target {
        Target::UnderBytes(limit) => {
            let met = value < *limit;
            let share = value as f64 / *limit as f64;
            let verdict = if met {
                format!("yes ({:.0}% of target)", share * 100.0)
            } else {
                format!(
                    "NO: {share:.2}× the target, {} over",
                    fmt_bytes(value - limit)
                )
            };
            (
                format!("< {} ({limit} B)", fmt_bytes(*limit)),
                Some(met),
                verdict,
            )
        }
        Target::Under(_) | Target::None => ("-".into(), None, "-".into()),
    }
}

fn ratio(value: Duration, limit: Duration) -> f64 {
    value.as_secs_f64() / limit.as_secs_f64().max(f64::MIN_POSITIVE)
}
