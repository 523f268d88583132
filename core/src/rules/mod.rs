//! The business rules of docs/DOMAIN.md, as plain data and pure functions.
//!
//! Records (on the phone) and the server (for office screens) both need the same
//! answers to "when is this due?", "is this floor covered?" and "did we reach
//! the callback share?". Keeping the answers here, with no IO and no clock
//! reads, lets both sides agree offline and lets every rule be tested by name.
//! Callers pass every instant, and the estate's time zone, because the
//! procedures speak in local wall-clock time ("by 17:00", "by the 25th").
//!
//! Conventions shared by every file:
//! - a step is on time when it happens at or before its `Deadline::due`;
//! - rules counted in minutes or hours run from the exact instant;
//! - rules counted in days, weeks or months run to the end of the local day
//!   they land on, because staff count days on the calendar, not in 24 h blocks.

pub mod callbacks;
pub mod complaints;
pub mod coverage;
pub mod deadline;
pub mod duty_day;
pub mod local_time;
pub mod money;
pub mod patrol;
pub mod rates;
pub mod renovation;
pub mod repair;
pub mod rule_id;
pub mod vocabulary;

#[cfg(test)]
mod test_support;

pub use coverage::{FloorCoverage, FloorKey};
pub use deadline::{Deadline, Obligation, next_unmet, obligation_of};
pub use rates::RateReport;
pub use repair::RepairSituation;
pub use rule_id::RuleId;
pub use vocabulary::{CallbackOccasion, FindingCategory, RepairLocation, Urgency};
