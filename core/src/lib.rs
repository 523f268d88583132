//! Stairwell core: the field records as Automerge documents, the business
//! rules that give them deadlines and rates, and the device's offline store.
//!
//! Layers, lowest first:
//! - [`rules`]: plain data and pure functions (deadlines, rates, duty days);
//! - [`record`]: one Automerge document per record, the append-only event
//!   list, conflict-aware fields, and the identity of whoever edits;
//! - [`kinds`]: the record kinds and their verbs (repair sheet, patrol round,
//!   checklist, complaint, duty log) with the state each derives;
//! - [`protocol`]: the wire messages between a device and the server;
//! - [`store`]: the device's SQLite file, which keeps documents and an index
//!   of them in step;
//! - [`sync`]: the server's judge of a push, the blob protocol, the sans-IO
//!   sync session and its HTTP driver.
//!
//! `scripts/check-layers` checks that each imports only those before it.

pub mod kinds;
pub mod protocol;
pub mod record;
pub mod rules;
pub mod store;
pub mod sync;
