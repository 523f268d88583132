//! The few domain words the rules branch on. Records store the same enums, so a
//! sheet's urgency or a finding's category means one thing on the phone, on the
//! server and in the rules; the snake_case names are what lands in documents.

use serde::{Deserialize, Serialize};

/// How fast a repair must be handled [§2.5].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Urgency {
    ExtraUrgent,
    Urgent,
    Normal,
}

/// Where a repair is, which decides who pays and which clock runs [§10].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RepairLocation {
    /// Inside a unit: a paid service billed with the management fee.
    InUnit,
    /// A shared estate facility: free to residents.
    PublicArea,
}

/// What a patrol officer found; each kind has its own record and deadline [§12].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FindingCategory {
    /// A damaged or faulty shared facility.
    FacilityDamage,
    /// A machine, pipe, fan or telecom room door found open.
    PlantRoomDoorOpen,
    Cleanliness,
    RenovationViolation,
    /// A door, window or balcony of a unit that endangers people.
    UnitSafetyHazard,
    /// A dispute, a crowd or gambling.
    Disturbance,
    /// Littering, trampled lawns, bad parking, hawking, blocked fire escapes.
    PublicOrder,
}

/// The events after which residents are called back [§11].
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CallbackOccasion {
    ComplaintHandled,
    RepairCompleted,
    CommunityEvent,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vocabulary_is_stored_as_snake_case() {
        let stored = serde_json::to_string(&(
            Urgency::ExtraUrgent,
            RepairLocation::PublicArea,
            FindingCategory::PlantRoomDoorOpen,
            CallbackOccasion::ComplaintHandled,
        ))
        .expect("plain enums serialise");
        assert_eq!(
            stored,
            r#"["extra_urgent","public_area","plant_room_door_open","complaint_handled"]"#
        );
    }

    #[test]
    fn vocabulary_reads_back_what_it_wrote() {
        let read: FindingCategory =
            serde_json::from_str(r#""unit_safety_hazard""#).expect("known name");
        assert_eq!(read, FindingCategory::UnitSafetyHazard);
    }
}
