//! What the writer knows of the estates a batch of pushes touches: each
//! estate's time zone and its staff with their roles. The rules read it
//! through the core's [`Staff`] trait, so a step that names a person (the
//! technician a sheet is dispatched to) is checked against the accounts.
//! Read afresh for every batch, so a user added or moved a moment ago counts.

use std::collections::HashMap;

use chrono_tz::Tz;
use stairwell_core::record::{Role, Staff};

use crate::store::{Storage, StorageError};

/// The estates of one batch: their zones and staff.
#[derive(Debug, Default)]
pub struct Directory {
    zones: HashMap<String, Tz>,
    staff: HashMap<String, HashMap<String, Role>>,
}

impl Directory {
    /// Reads `estates` from storage; an estate it does not know keeps no
    /// staff and the UTC zone.
    pub fn load<'a>(
        storage: &dyn Storage,
        estates: impl IntoIterator<Item = &'a String>,
    ) -> Result<Self, StorageError> {
        let mut directory = Directory::default();
        for estate in estates {
            if directory.zones.contains_key(estate) {
                continue;
            }
            let tz = storage.estate(estate)?.map_or(Tz::UTC, |found| found.tz);
            directory.zones.insert(estate.clone(), tz);
            let staff = storage.staff(estate)?.into_iter().collect();
            directory.staff.insert(estate.clone(), staff);
        }
        Ok(directory)
    }

    /// A directory of one estate, for tests of the judging around it.
    #[cfg(test)]
    pub(crate) fn of(estate: &str, staff: &[(&str, Role)]) -> Self {
        let staff = staff
            .iter()
            .map(|(user, role)| ((*user).to_owned(), *role))
            .collect();
        Directory {
            zones: HashMap::from([(estate.to_owned(), chrono_tz::Asia::Shanghai)]),
            staff: HashMap::from([(estate.to_owned(), staff)]),
        }
    }

    /// The estate's time zone (UTC for an estate not loaded).
    pub fn zone(&self, estate: &str) -> Tz {
        self.zones.get(estate).copied().unwrap_or(Tz::UTC)
    }
}

impl Staff for Directory {
    fn role_at(&self, estate: &str, user: &str) -> Option<Role> {
        self.staff.get(estate)?.get(user).copied()
    }
}
