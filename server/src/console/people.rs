//! People by name: pages show the name of whoever a record names (the
//! technician, the officer, who took a step), not their user id. What a
//! record names may also be a department (a complaint's assignee) or a
//! name typed on a phone; those read as themselves, translated when they
//! are a word of the vocabulary.

use std::collections::HashMap;

use stairwell_core::record::Role;

use super::html;
use super::messages::Lang;
use crate::store::{Storage, StorageError};

/// User id → name, for the users of `estates`.
#[derive(Debug, Clone, Default)]
pub struct People(HashMap<String, String>);

impl People {
    /// Everyone who works at one of `estates`, whatever their role.
    pub fn of(storage: &dyn Storage, estates: &[String]) -> Result<People, StorageError> {
        let mut names = HashMap::new();
        for estate in estates {
            for role in Role::ALL {
                names.extend(storage.console().staff(estate, role)?);
            }
        }
        Ok(People(names))
    }

    /// The name of `id`; what is not a user (a department, a typed name)
    /// as it reads in `lang`.
    pub fn name(&self, lang: Lang, id: &str) -> String {
        match self.0.get(id) {
            Some(name) => name.clone(),
            None => html::vocab(lang, id),
        }
    }
}
