//! Stairwell core: the field records as Automerge documents, the business
//! rules that give them deadlines and rates, and the device's offline store.
//!
//! Layers, lowest first:
//! - [`rules`]: plain data and pure functions (deadlines, rates, duty days);
//! - [`record`]: one Automerge document per record, the append-only event
//!   list, conflict-aware fields, and the identity of whoever edits;
//! - [`kinds`]: the record kinds and their verbs (repair sheet, patrol round,
//!   checklist, complaint, duty log) with the state each derives;
//! - [`store`]: the device's SQLite file, which keeps documents and an index
//!   of them in step;
//! - [`sync`]: the wire protocol and the sans-IO sync session.

pub mod kinds;
pub mod record;
pub mod rules;
pub mod store;
pub mod sync;
