//! A deadline is what every timed rule produces: the rule that set it and the
//! last instant at which the step is still on time. Screens sort and colour
//! open work by it; records compare a step's time against it.

use super::rule_id::RuleId;
use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Deadline {
    pub rule: RuleId,
    /// The last instant that is still on time (inclusive).
    pub due: DateTime<Utc>,
}

impl Deadline {
    pub fn new(rule: RuleId, due: DateTime<Utc>) -> Deadline {
        Deadline { rule, due }
    }

    /// Whether a step done at `done_at` kept the deadline.
    pub fn is_met_by(&self, done_at: DateTime<Utc>) -> bool {
        done_at <= self.due
    }

    /// Whether a step still not done at `now` is late.
    pub fn is_overdue_at(&self, now: DateTime<Utc>) -> bool {
        now > self.due
    }

    /// Time left at `now`; negative once overdue.
    pub fn remaining_at(&self, now: DateTime<Utc>) -> TimeDelta {
        self.due - now
    }
}

/// One timed obligation of a record: the deadline a rule set, and when the
/// step that keeps it was taken, if it was. A record lists all of its
/// obligations so far; screens show the next unmet one, reports judge the
/// met ones, from the same list.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Obligation {
    pub deadline: Deadline,
    pub met_at: Option<DateTime<Utc>>,
}

impl Obligation {
    pub fn new(deadline: Deadline, met_at: Option<DateTime<Utc>>) -> Obligation {
        Obligation { deadline, met_at }
    }

    pub fn is_met(&self) -> bool {
        self.met_at.is_some()
    }

    /// Whether it was kept: `None` while the step is not taken.
    pub fn on_time(&self) -> Option<bool> {
        self.met_at.map(|at| self.deadline.is_met_by(at))
    }
}

/// The deadline a record waits on: the earliest of its obligations not yet
/// met. A met deadline is never waited on, so it is never shown as late.
pub fn next_unmet(obligations: &[Obligation]) -> Option<Deadline> {
    obligations
        .iter()
        .filter(|obligation| !obligation.is_met())
        .map(|obligation| obligation.deadline)
        .min_by_key(|deadline| deadline.due)
}

/// The obligation a rule set, if the record has one.
pub fn obligation_of(obligations: &[Obligation], rule: RuleId) -> Option<Obligation> {
    obligations
        .iter()
        .copied()
        .find(|obligation| obligation.deadline.rule == rule)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rules::test_support::utc;

    fn due_at_noon() -> Deadline {
        Deadline::new(RuleId::RepairUrgentHandled, utc("2024-05-01T12:00:00Z"))
    }

    #[test]
    fn a_step_exactly_at_the_due_instant_is_on_time() {
        assert!(due_at_noon().is_met_by(utc("2024-05-01T12:00:00Z")));
        assert!(!due_at_noon().is_met_by(utc("2024-05-01T12:00:01Z")));
    }

    #[test]
    fn overdue_only_after_the_due_instant() {
        assert!(!due_at_noon().is_overdue_at(utc("2024-05-01T12:00:00Z")));
        assert!(due_at_noon().is_overdue_at(utc("2024-05-01T12:00:01Z")));
    }

    #[test]
    fn remaining_turns_negative_when_late() {
        let late = due_at_noon().remaining_at(utc("2024-05-01T12:05:00Z"));
        assert_eq!(late, TimeDelta::minutes(-5));
    }

    #[test]
    fn deadline_is_stored_with_the_rule_code() {
        let stored = serde_json::to_string(&due_at_noon()).expect("serialises");
        assert_eq!(
            stored,
            r#"{"rule":"repair.urgent_handled","due":"2024-05-01T12:00:00Z"}"#
        );
    }
}
