//! The places a patrol route passes (docs/DOMAIN.md §2: buildings, floors, units,
//! shops, car parks, green areas, facility rooms). Rounds copy these values
//! when they start and findings reuse [`Location`], so a place is described
//! the same way wherever it appears.

use std::collections::BTreeSet;

use serde::{Deserialize, Serialize};

use crate::kinds::common::required;
use crate::record::RecordError;

/// Where something is on the estate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Location {
    pub building: String,
    pub floor: String,
    /// A named part of the estate, e.g. "car park B1", "plant room".
    pub area: String,
}

impl Location {
    pub fn new(
        building: impl Into<String>,
        floor: impl Into<String>,
        area: impl Into<String>,
    ) -> Self {
        Location {
            building: building.into(),
            floor: floor.into(),
            area: area.into(),
        }
    }

    /// Trims every part. A floor alone says nothing (which building?), so a
    /// building or an area is required; green areas have no building.
    pub(crate) fn validated(self) -> Result<Self, RecordError> {
        let location = Location {
            building: self.building.trim().to_owned(),
            floor: self.floor.trim().to_owned(),
            area: self.area.trim().to_owned(),
        };
        if location.building.is_empty() && location.area.is_empty() {
            return Err(RecordError::invalid(
                "location",
                "name a building or an area",
            ));
        }
        Ok(location)
    }

    /// One line for lists, e.g. "B2, 12F, corridor".
    pub fn describe(&self) -> String {
        [&self.building, &self.floor, &self.area]
            .into_iter()
            .filter(|part| !part.is_empty())
            .map(String::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

/// The kinds of place the procedures name for a route.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    Floor,
    Unit,
    Shop,
    CarPark,
    GreenArea,
    FacilityRoom,
}

/// A point on the route where the officer signs in by its tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Checkpoint {
    /// The code on the QR or NFC tag; unique within a route.
    pub code: String,
    #[serde(flatten)]
    pub location: Location,
    pub place: PlaceKind,
}

impl Checkpoint {
    pub fn new(code: impl Into<String>, location: Location, place: PlaceKind) -> Self {
        Checkpoint {
            code: code.into(),
            location,
            place,
        }
    }

    fn validated(self) -> Result<Self, RecordError> {
        Ok(Checkpoint {
            code: required("code", self.code)?,
            location: self.location.validated()?,
            place: self.place,
        })
    }
}

/// Checks a planned checkpoint list: not empty, each valid, codes unique
/// (a scanned tag must name exactly one checkpoint).
pub(crate) fn validated_checkpoints(
    checkpoints: Vec<Checkpoint>,
) -> Result<Vec<Checkpoint>, RecordError> {
    if checkpoints.is_empty() {
        return Err(RecordError::invalid(
            "checkpoints",
            "a route needs at least one checkpoint",
        ));
    }
    let checkpoints = checkpoints
        .into_iter()
        .map(Checkpoint::validated)
        .collect::<Result<Vec<_>, _>>()?;
    let mut seen = BTreeSet::new();
    if let Some(twice) = checkpoints.iter().find(|c| !seen.insert(c.code.as_str())) {
        return Err(RecordError::invalid(
            "checkpoints",
            format!("code {:?} appears twice", twice.code),
        ));
    }
    Ok(checkpoints)
}
