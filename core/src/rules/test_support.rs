//! Readable instants for rule tests: rules are stated in local time, so tests
//! state their inputs and expectations in local time too.

use super::local_time::{local_datetime, local_instant};
use chrono::{DateTime, NaiveDate, NaiveDateTime, Utc};
use chrono_tz::Tz;

pub fn utc(rfc3339: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(rfc3339)
        .expect("test instant is RFC 3339")
        .with_timezone(&Utc)
}

pub fn date(iso: &str) -> NaiveDate {
    NaiveDate::parse_from_str(iso, "%Y-%m-%d").expect("test date is YYYY-MM-DD")
}

pub fn local(text: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M").expect("test time is YYYY-MM-DD HH:MM")
}

/// The instant the estate's clocks read `text` ("YYYY-MM-DD HH:MM").
pub fn at(tz: Tz, text: &str) -> DateTime<Utc> {
    local_instant(local(text), tz)
}

/// What the estate's clocks read at an instant, to the second.
pub fn shown(at: DateTime<Utc>, tz: Tz) -> String {
    local_datetime(at, tz)
        .format("%Y-%m-%d %H:%M:%S")
        .to_string()
}
