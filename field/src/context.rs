//! Who is acting and on which estate. Every verb runs as the enrollment's
//! identity (user, device, role) at the wall clock's now, exactly as a
//! phone does; there is deliberately no other way to say who one is, so the
//! command line can never write an event the server would not accept from
//! this device. Also the few store steps every command group repeats.

use std::path::Path;

use chrono::{DateTime, Utc};
use chrono_tz::Tz;
use stairwell_core::kinds::AnyRecord;
use stairwell_core::protocol::EstateInfo;
use stairwell_core::record::{Editor, RecordError, RecordId};
use stairwell_core::store::Store;

use super::FieldError;
use super::output;

/// The enrolled identity acting now.
#[derive(Debug, Clone)]
pub struct Me {
    pub editor: Editor,
    /// The person's display name, used as the signer of their signatures.
    pub name: String,
    pub at: DateTime<Utc>,
    pub estates: Vec<EstateInfo>,
}

impl Me {
    /// The store's enrollment, acting at the current time.
    pub fn of(store: &Store) -> Result<Me, FieldError> {
        let enrollment = store.enrollment()?.ok_or(FieldError::NotEnrolled)?;
        let identity = enrollment.identity;
        Ok(Me {
            editor: Editor::new(identity.user, identity.device, identity.role),
            name: identity.name,
            at: now(),
            estates: identity.estates,
        })
    }

    /// The time zone of one of the enrollment's estates (UTC for an estate
    /// it does not know), in which the lines people read give times.
    pub fn zone(&self, estate: &str) -> Tz {
        zone_of(&self.estates, estate)
    }

    /// The estate to act on: the one asked for, which must be one of the
    /// enrollment's, or else the enrollment's only estate.
    pub fn estate(&self, wanted: Option<&str>) -> Result<String, FieldError> {
        let ids: Vec<&str> = self.estates.iter().map(|e| e.id.as_str()).collect();
        match (wanted, ids.as_slice()) {
            (Some(wanted), _) if ids.contains(&wanted) => Ok(wanted.to_owned()),
            (Some(wanted), _) => Err(FieldError::input(format!(
                "this device is not enrolled for estate {wanted:?} (enrolled: {})",
                ids.join(", ")
            ))),
            (None, [only]) => Ok((*only).to_owned()),
            (None, []) => Err(FieldError::input(
                "the enrollment names no estate; ask the office to add this user to one",
            )),
            (None, _) => Err(FieldError::input(format!(
                "this device is enrolled for several estates ({}): choose one with --estate",
                ids.join(", ")
            ))),
        }
    }
}

/// The wall clock to the millisecond, the precision documents keep: a
/// time the command line writes reads back exactly as it was written.
pub fn now() -> DateTime<Utc> {
    let now = Utc::now();
    DateTime::from_timestamp_millis(now.timestamp_millis()).unwrap_or(now)
}

/// Opens (or creates) the store file.
pub fn open_store(path: &Path) -> Result<Store, FieldError> {
    Ok(Store::open(path)?)
}

/// Loads a record the device has, or says it does not.
pub fn load(store: &Store, id: RecordId) -> Result<AnyRecord, FieldError> {
    store.load(id)?.ok_or(FieldError::NotFound(id))
}

/// Runs a verb on a stored record as `me`, then reports the record's state.
pub fn act(
    store: &mut Store,
    id: RecordId,
    verb: impl FnOnce(&mut AnyRecord, &Me) -> Result<(), RecordError>,
) -> Result<(), FieldError> {
    let me = Me::of(store)?;
    store.update(id, |record| verb(record, &me))?;
    done(store, id, &me)
}

/// Prints a record's new state after a verb: `<kind> <id>: <state>...`.
pub fn done(store: &Store, id: RecordId, me: &Me) -> Result<(), FieldError> {
    let entry = store.get_entry(id)?.ok_or(FieldError::NotFound(id))?;
    let zone = me.zone(&entry.estate);
    output::print(&output::state_line(&entry, me.at, zone))
}

/// The zone of `estate` among `estates`; UTC when it is not one of them.
pub fn zone_of(estates: &[EstateInfo], estate: &str) -> Tz {
    estates
        .iter()
        .find(|known| known.id == estate)
        .and_then(|known| known.time_zone.parse().ok())
        .unwrap_or(Tz::UTC)
}

/// Stores a record created on this device and prints its id alone.
pub fn created(store: &mut Store, record: &AnyRecord) -> Result<(), FieldError> {
    store.insert(record.doc())?;
    output::print(&record.doc().id().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;
    use stairwell_core::record::Role;

    fn me(estates: &[&str]) -> Me {
        Me {
            editor: Editor::new("u1", "d1", Role::FrontDesk),
            name: "Ann".into(),
            at: Utc::now(),
            estates: estates
                .iter()
                .map(|id| EstateInfo {
                    id: (*id).into(),
                    name: format!("Estate {id}"),
                    time_zone: "Asia/Shanghai".into(),
                })
                .collect(),
        }
    }

    #[test]
    fn the_only_estate_is_the_default() {
        assert_eq!(me(&["e1"]).estate(None).ok().as_deref(), Some("e1"));
    }

    #[test]
    fn several_estates_need_a_choice() {
        let me = me(&["e1", "e2"]);
        let err = me.estate(None).err().map(|err| err.to_string());
        assert!(err.is_some_and(|err| err.contains("--estate")));
        assert_eq!(me.estate(Some("e2")).ok().as_deref(), Some("e2"));
    }

    #[test]
    fn an_estate_outside_the_enrollment_is_refused() {
        assert!(me(&["e1"]).estate(Some("e9")).is_err());
    }

    #[test]
    fn verbs_before_enrollment_say_how_to_enroll() {
        let store = Store::open_in_memory().expect("store");
        let err = Me::of(&store).err().map(|err| err.to_string());
        assert_eq!(
            err.as_deref(),
            Some(
                "enroll this store first (stairwell field --store FILE enroll --server URL --token-stdin)"
            )
        );
    }
}
