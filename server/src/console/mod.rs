//! The office console: server-rendered HTML from the same binary, for
//! office staff, the front desk, supervisors and admins. No build step and
//! no outside requests: the CSS and the one small script are compiled in
//! (`include_str!`), the CSS inlined and the script served as
//! `/console.js` (the CSP allows no inline script), charts are SVG drawn
//! here.
//!
//! Files, one per page or concept:
//! - [`session`]: sign-in sessions (cookie, expiry), the CSRF token every
//!   form carries, and the extractors every page and form goes through;
//! - [`login`]: sign in, sign out, the language switch;
//! - [`messages`]: every UI string, Chinese and English, in one table;
//! - [`html`]: escaping, the page shell, times and durations;
//! - [`today`], [`record`], [`coverage`], [`callbacks`], [`monthly`],
//!   [`duty`], [`desk`]: the pages;
//! - [`chart`]: server-side SVG bar charts; [`people`]: names for user ids;
//! - [`accounts`]: users and devices for the admin (office staff look):
//!   enrollment codes with their QR code, revoking a lost phone, the log;
//! - [`actions`], [`duty_desk`]: the steps a desk takes on a record page
//!   and in the duty log, offered where the role and state allow them;
//!   [`images`]: the signature images those forms upload;
//! - [`write`](mod@write): the console's own changes (front desk verbs, conflict
//!   resolutions) go to the single writer exactly like a device push, so
//!   they are validated the same way, feed the read models and reach
//!   devices at their next sync;
//! - [`events`]: server-sent events from the writer's commit broadcast, so
//!   open pages refresh their live part when a device syncs;
//! - what the console keeps (password hashes, sessions) and asks of storage
//!   is a trait of the store, [`crate::store::ConsoleStore`]; passwords are
//!   [`crate::accounts::password`].
//!
//! Every page is scoped to the signed-in user's estates: a record of
//! another estate answers 404 as if it did not exist.

pub mod accounts;
pub mod actions;
pub mod callbacks;
pub mod chart;
pub mod coverage;
pub mod desk;
pub mod duty;
pub mod duty_desk;
pub mod events;
pub mod html;
pub mod images;
pub mod login;
pub mod messages;
pub mod monthly;
pub mod people;
pub mod record;
pub mod session;
pub mod sheet;
pub mod today;
pub mod write;

use std::sync::Arc;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};

pub use crate::store::console::{ConsoleStore, ConsoleUser};
pub use messages::Lang;
pub use session::Ctx;

use crate::http::state::AppState;

/// The console's routes, merged into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route("/", get(today::page))
        .route(html::SCRIPT_PATH, get(html::script))
        .route("/login", get(login::form).post(login::submit))
        .route("/logout", post(login::logout))
        .route("/lang/{code}", get(login::switch_language))
        .route("/records/{id}", get(record::page))
        .route("/records/{id}/blobs/{hash}", get(record::blob))
        .route("/records/{id}/blobs/{hash}/thumb", get(record::thumbnail))
        .route("/records/{id}/resolve", post(record::resolve))
        .route("/records/{id}/history.json", get(record::history_export))
        .route("/records/{id}/dispatch", post(desk::dispatch))
        .route(
            "/records/{id}/act",
            post(actions::act).layer(DefaultBodyLimit::max(UPLOAD_FORM_LIMIT)),
        )
        .route("/coverage", get(coverage::page))
        .route("/callbacks", get(callbacks::page))
        .route("/monthly", get(monthly::page))
        .route("/monthly/{table}/export.csv", get(monthly::export))
        .route("/duty", get(duty::page))
        .route(
            "/duty/{step}",
            post(duty_desk::submit).layer(DefaultBodyLimit::max(UPLOAD_FORM_LIMIT)),
        )
        .route(
            "/desk/repair/new",
            get(desk::repair_form).post(desk::repair_submit),
        )
        .route(
            "/desk/complaint/new",
            get(desk::complaint_form).post(desk::complaint_submit),
        )
        .route("/accounts", get(accounts::list))
        .route("/accounts/log", get(accounts::log))
        .route("/accounts/users", post(accounts::add))
        .route(
            "/accounts/users/{id}",
            get(accounts::user).post(accounts::update),
        )
        .route("/accounts/users/{id}/password", post(accounts::password))
        .route("/accounts/users/{id}/code", post(accounts::code))
        .route("/accounts/devices/{id}/revoke", post(accounts::revoke))
        .route("/events", get(events::stream))
        // The server lifts the default body limit for sync; console forms
        // are small.
        .layer(DefaultBodyLimit::max(FORM_LIMIT))
}

/// The largest form body the console reads.
pub const FORM_LIMIT: usize = 64 * 1024;
/// The largest form that carries signature images (a phone's photo of a
/// signed sheet is a few MiB).
pub const UPLOAD_FORM_LIMIT: usize = 8 * 1024 * 1024;
