//! Users and devices in the console (`/accounts`), for the admin and, to
//! look only, office staff: every user of their estates with role,
//! estates, console password and last sync; a user's page with their
//! devices, where an admin changes the user, sets a password, revokes a
//! lost phone and makes a one-time enrollment code shown with its QR code
//! (the link the phone app scans); and the account log (`/accounts/log`).
//!
//! Every change goes through [`crate::accounts::admin`], the same checks
//! and log as the command line's, so a form offered here is only a
//! convenience: a crafted POST gets the same refusal. Forms are offered
//! only where those rules would allow them.

use std::sync::Arc;

use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use stairwell_core::record::Role;
use stairwell_core::sync::link::EnrollmentLink;

use super::html::{self, esc};
use super::session::{Ctx, PageError, Posted, blocking};
use crate::accounts::admin::{self, Actor, Detail};
use crate::accounts::codes::IssuedCode;
use crate::accounts::{AuthError, Refusal};
use crate::http::https::Https;
use crate::http::state::AppState;
use crate::store::NewUser;
use crate::store::accounts::{AccountAction, DeviceRow, UserRow};

/// The actions the log names, as `account.action.<action>` messages.
pub const ACTIONS: [&str; 7] = [
    "estate.add",
    "user.add",
    "user.change",
    "user.password",
    "device.issue",
    "device.code",
    "device.revoke",
];
/// Entries the log page shows.
const LOG_ENTRIES: usize = 200;

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    #[serde(default)]
    pub done: String,
}

/// Why a change was refused, in the page's language, with its status.
fn refusal(ctx: &Ctx, err: AuthError) -> Result<(StatusCode, String), PageError> {
    match err {
        AuthError::Refused { why, .. } => {
            let status = match why {
                Refusal::NotAdmin
                | Refusal::OutsideEstates
                | Refusal::OwnRole
                | Refusal::EstatesAtCommandLine => StatusCode::FORBIDDEN,
                _ => StatusCode::BAD_REQUEST,
            };
            let key = format!("account.refused.{}", why.code());
            Ok((status, ctx.t(&key).to_owned()))
        }
        AuthError::Storage(err) if err.is_callers() => {
            Ok((StatusCode::BAD_REQUEST, ctx.t("error.refused").to_owned()))
        }
        other => Err(PageError::internal(other)),
    }
}

fn may_look(ctx: &Ctx) -> Result<(), PageError> {
    if admin::may_view(ctx.user.role) {
        Ok(())
    } else {
        Err(PageError::Forbidden(
            ctx.t("account.refused.not_admin").to_owned(),
        ))
    }
}

fn actor(ctx: &Ctx) -> Actor {
    Actor::Console(ctx.user.clone())
}

/// Whether the signed-in user may change `user`.
fn may_change(ctx: &Ctx, user: &UserRow) -> bool {
    admin::may_change(ctx.user.role) && actor(ctx).covers(&user.estates)
}

// ---- pages ----------------------------------------------------------------

/// `GET /accounts`.
pub async fn list(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    list_page(&state, &ctx, None, StatusCode::OK).await
}

async fn list_page(
    state: &Arc<AppState>,
    ctx: &Ctx,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let body = async {
        may_look(ctx)?;
        let viewer = ctx.user.clone();
        let users = blocking(state, move |storage| {
            admin::visible_users(storage, &viewer).map_err(PageError::internal)
        })
        .await?;
        Ok::<_, PageError>(render_list(ctx, &users, error.as_deref()))
    }
    .await;
    page(ctx, status, ctx.t("account.title"), body)
}

fn page(ctx: &Ctx, status: StatusCode, title: &str, body: Result<String, PageError>) -> Response {
    match body {
        Ok(body) => (status, html::shell(ctx, "accounts", title, false, &body)).into_response(),
        Err(err) => err.into_response(),
    }
}

fn render_list(ctx: &Ctx, users: &[UserRow], error: Option<&str>) -> String {
    let mut out = error_box(error);
    if !admin::may_change(ctx.user.role) {
        out.push_str(&format!(
            "<p class=\"muted\" id=\"view-only\">{}</p>",
            esc(ctx.t("account.view_only"))
        ));
    }
    out.push_str(&format!(
        "<div class=\"table-wrap\"><table id=\"users\" class=\"nowrap\"><thead><tr><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("account.name")),
        esc(ctx.t("account.id")),
        esc(ctx.t("account.role")),
        esc(ctx.t("account.estates")),
        esc(ctx.t("account.password")),
        esc(ctx.t("account.devices")),
        esc(ctx.t("account.last_sync")),
    ));
    for user in users {
        out.push_str(&format!(
            "<tr><td><a href=\"/accounts/users/{id}\">{name}</a></td><td>{id_text}</td><td>{role}</td>\
             <td>{estates}</td><td>{password}</td><td>{devices}</td><td>{seen}</td></tr>",
            id = html::url_encode(&user.id),
            name = esc(&user.name),
            id_text = esc(&user.id),
            role = esc(&role_name(ctx, user.role)),
            estates = esc(&estate_names(ctx, &user.estates)),
            password = esc(password_state(ctx, user.has_password)),
            devices = user.live_devices,
            seen = esc(&seen(ctx, user.last_seen_at)),
        ));
    }
    out.push_str("</tbody></table></div>");
    out.push_str(&format!(
        "<p><a href=\"/accounts/log\" id=\"account-log-link\">{}</a></p>",
        esc(ctx.t("account.log"))
    ));
    if admin::may_change(ctx.user.role) {
        out.push_str(&user_form(ctx, None));
    }
    out
}

/// `GET /accounts/users/{id}`.
pub async fn user(
    State(state): State<Arc<AppState>>,
    ctx: Ctx,
    Path(id): Path<String>,
    Query(done): Query<Done>,
) -> Response {
    let notice = (!done.done.is_empty()).then(|| format!("account.done.{}", done.done));
    let notice = notice.and_then(|key| ctx.lang.lookup(&key));
    user_page(&state, &ctx, &id, notice, None, StatusCode::OK).await
}

async fn user_page(
    state: &Arc<AppState>,
    ctx: &Ctx,
    id: &str,
    notice: Option<&str>,
    error: Option<String>,
    status: StatusCode,
) -> Response {
    let body = async {
        may_look(ctx)?;
        let (viewer, wanted) = (ctx.user.clone(), id.to_owned());
        let found = blocking(state, move |storage| {
            admin::visible_user(storage, &viewer, &wanted).map_err(PageError::internal)
        })
        .await?;
        let (user, devices) = found.ok_or(PageError::NotFound)?;
        Ok::<_, PageError>(render_user(ctx, &user, &devices, notice, error.as_deref()))
    }
    .await;
    page(ctx, status, ctx.t("account.title"), body)
}

fn render_user(
    ctx: &Ctx,
    user: &UserRow,
    devices: &[DeviceRow],
    notice: Option<&str>,
    error: Option<&str>,
) -> String {
    let mut out = format!(
        "<p><a href=\"/accounts\" id=\"back\">{}</a></p>",
        esc(ctx.t("account.back"))
    );
    if let Some(notice) = notice {
        out.push_str(&format!(
            "<p class=\"notice\" id=\"notice\">{}</p>",
            esc(notice)
        ));
    }
    out.push_str(&error_box(error));
    out.push_str(&format!(
        "<h2 id=\"user-name\">{}</h2><dl class=\"summary\" id=\"user-summary\">\
         <dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd><dt>{}</dt><dd>{}</dd></dl>",
        esc(&user.name),
        esc(ctx.t("account.id")),
        esc(&user.id),
        esc(ctx.t("account.role")),
        esc(&role_name(ctx, user.role)),
        esc(ctx.t("account.estates")),
        esc(&estate_names(ctx, &user.estates)),
        esc(ctx.t("account.password")),
        esc(password_state(ctx, user.has_password)),
    ));
    let changeable = may_change(ctx, user);
    out.push_str(&devices_table(ctx, user, devices, changeable));
    if changeable {
        out.push_str(&code_form(ctx, user));
        out.push_str(&user_form(ctx, Some(user)));
        if crate::accounts::password::may_sign_in(user.role) {
            out.push_str(&password_form(ctx, user));
        }
    }
    out
}

fn devices_table(ctx: &Ctx, user: &UserRow, devices: &[DeviceRow], changeable: bool) -> String {
    let tz = user
        .estates
        .first()
        .map_or(chrono_tz::Tz::UTC, |estate| ctx.tz(estate));
    let mut out = format!(
        "<h2>{}</h2><div class=\"table-wrap\"><table id=\"devices\" class=\"nowrap\"><thead><tr><th>{}</th><th>{}</th>\
         <th>{}</th><th>{}</th><th>{}</th><th></th></tr></thead><tbody>",
        esc(ctx.t("account.devices")),
        esc(ctx.t("account.device_name")),
        esc(ctx.t("account.device_id")),
        esc(ctx.t("account.issued")),
        esc(ctx.t("account.last_sync")),
        esc(ctx.t("col.state")),
    );
    if devices.is_empty() {
        out.push_str(&format!(
            "<tr><td colspan=\"6\" class=\"muted\">{}</td></tr>",
            esc(ctx.t("account.no_devices"))
        ));
    }
    for device in devices {
        let state = match device.revoked_at {
            Some(at) => ctx.lang.tf("account.revoked_at", &[&html::time(at, tz)]),
            None => ctx.t("account.active").to_owned(),
        };
        let revoke = if changeable && device.revoked_at.is_none() {
            format!(
                "<form method=\"post\" action=\"/accounts/devices/{}/revoke\" class=\"inline\">{}\
                 <button type=\"submit\" class=\"danger\" id=\"revoke-{}\">{}</button></form>",
                html::url_encode(&device.id),
                html::csrf_field(ctx),
                esc(&device.id),
                esc(ctx.t("account.revoke"))
            )
        } else {
            String::new()
        };
        out.push_str(&format!(
            "<tr{class}><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{revoke}</td></tr>",
            esc(&device.name),
            esc(&device.id),
            esc(&html::time(device.created_at, tz)),
            esc(&seen_in(ctx, device.last_seen_at, tz)),
            esc(&state),
            class = if device.revoked_at.is_some() {
                " class=\"muted\""
            } else {
                ""
            },
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// `GET /accounts/log`.
pub async fn log(State(state): State<Arc<AppState>>, ctx: Ctx) -> Response {
    let body = async {
        may_look(&ctx)?;
        let entries = blocking(&state, |storage| {
            Ok(storage.accounts().actions(LOG_ENTRIES)?)
        })
        .await?;
        Ok::<_, PageError>(render_log(&ctx, &entries))
    }
    .await;
    page(&ctx, StatusCode::OK, ctx.t("account.log"), body)
}

fn render_log(ctx: &Ctx, entries: &[AccountAction]) -> String {
    let tz = ctx.estates.first().map_or(chrono_tz::Tz::UTC, |e| e.tz);
    let mut out = format!(
        "<p><a href=\"/accounts\" id=\"back\">{}</a></p><div class=\"table-wrap\"><table id=\"account-log\" class=\"nowrap\">\
         <thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>",
        esc(ctx.t("account.back")),
        esc(ctx.t("account.log_when")),
        esc(ctx.t("account.log_who")),
        esc(ctx.t("account.log_what")),
        esc(ctx.t("account.log_target")),
        esc(ctx.t("account.log_detail")),
    );
    for entry in entries {
        let what = ctx
            .lang
            .lookup(&format!("account.action.{}", entry.action))
            .map_or_else(|| entry.action.clone(), str::to_owned);
        out.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            esc(&html::time_exact(entry.at, tz)),
            esc(&who(ctx, &entry.actor)),
            esc(&what),
            esc(&entry.target),
            esc(&detail(ctx, &entry.detail, tz)),
        ));
    }
    out.push_str("</tbody></table></div>");
    out
}

/// `console:<id>` is the user; `command line:<name>` the operator.
fn who(ctx: &Ctx, actor: &str) -> String {
    match actor.split_once(':') {
        Some(("console", user)) => user.to_owned(),
        Some(("command line", name)) => format!("{} ({name})", ctx.t("account.actor_cli")),
        _ => actor.to_owned(),
    }
}

/// A log entry's data, each value with its label in the page's language.
fn detail(ctx: &Ctx, text: &str, tz: chrono_tz::Tz) -> String {
    let Some(detail) = Detail::parse(text) else {
        return text.to_owned();
    };
    let mut parts = detail_parts(ctx, &detail, tz);
    if let Some(before) = &detail.before {
        parts.push(format!(
            "{}: {}",
            ctx.t("account.detail.before"),
            detail_parts(ctx, before, tz).join(" · ")
        ));
    }
    parts.join(" · ")
}

fn detail_parts(ctx: &Ctx, detail: &Detail, tz: chrono_tz::Tz) -> Vec<String> {
    let mut parts = Vec::new();
    parts.extend(detail.name.clone());
    parts.extend(detail.role.map(|role| role_name(ctx, role)));
    parts.extend(detail.estates.as_ref().map(|e| estate_names(ctx, e)));
    if let Some(user) = &detail.user {
        parts.push(format!("{}: {user}", ctx.t("account.detail.user")));
    }
    if let Some(zone) = &detail.time_zone {
        parts.push(format!("{}: {zone}", ctx.t("account.detail.time_zone")));
    }
    if let Some(at) = detail.expires_at {
        parts.push(ctx.lang.tf("account.code_expires", &[&html::time(at, tz)]));
    }
    parts
}

// ---- forms ----------------------------------------------------------------

fn error_box(error: Option<&str>) -> String {
    error
        .map(|message| format!("<p class=\"error\" id=\"form-error\">{}</p>", esc(message)))
        .unwrap_or_default()
}

/// The form that adds a user (`None`) or changes one.
fn user_form(ctx: &Ctx, user: Option<&UserRow>) -> String {
    let (action, form_id, title, submit) = match user {
        None => (
            "/accounts/users".to_owned(),
            "add-user",
            "account.add",
            "account.add_submit",
        ),
        Some(user) => (
            format!("/accounts/users/{}", html::url_encode(&user.id)),
            "change-user",
            "account.change",
            "account.change_submit",
        ),
    };
    let id_field = match user {
        None => format!(
            "<label>{}<input name=\"id\" id=\"new-id\" required maxlength=\"64\" \
             pattern=\"[A-Za-z0-9._\\-]+\" autocomplete=\"off\"></label>",
            esc(ctx.t("account.id"))
        ),
        Some(_) => String::new(),
    };
    let own = user.is_some_and(|user| user.id == ctx.user.id);
    let role = user.map_or(Role::Technician, |user| user.role);
    let role_field = if own {
        format!(
            "<input type=\"hidden\" name=\"role\" value=\"{}\"><p class=\"muted\">{}</p>",
            role.as_str(),
            esc(ctx.t("account.own_role"))
        )
    } else {
        let roles: Vec<(String, String)> = Role::ALL
            .iter()
            .map(|role| (role.as_str().to_owned(), role_name(ctx, *role)))
            .collect();
        format!(
            "<label>{}<select name=\"role\" id=\"{form_id}-role\">{}</select></label>",
            esc(ctx.t("account.role")),
            html::options(&roles, role.as_str())
        )
    };
    let estates: String = ctx
        .estates
        .iter()
        .map(|estate| {
            let checked = user.is_none_or(|user| user.estates.contains(&estate.id));
            format!(
                "<label class=\"check\"><input type=\"checkbox\" name=\"estate.{}\"{}>{}</label>",
                esc(&estate.id),
                if checked { " checked" } else { "" },
                esc(&estate.name)
            )
        })
        .collect();
    format!(
        "<h2>{title}</h2><form method=\"post\" action=\"{action}\" class=\"stack\" id=\"{form_id}\">{csrf}\
         {id_field}<label>{name_label}<input name=\"name\" id=\"{form_id}-name\" required value=\"{name}\"></label>\
         {role_field}<fieldset><legend>{estates_label}</legend>{estates}</fieldset>\
         <button type=\"submit\">{submit}</button></form>",
        title = esc(ctx.t(title)),
        csrf = html::csrf_field(ctx),
        name_label = esc(ctx.t("account.name")),
        name = esc(user.map_or("", |user| user.name.as_str())),
        estates_label = esc(ctx.t("account.estates")),
        submit = esc(ctx.t(submit)),
    )
}

fn password_form(ctx: &Ctx, user: &UserRow) -> String {
    format!(
        "<h2>{}</h2><form method=\"post\" action=\"/accounts/users/{}/password\" class=\"stack\" \
         id=\"set-password\">{}<label>{}<input type=\"password\" name=\"password\" required \
         autocomplete=\"new-password\" minlength=\"{min}\"></label><label>{}<input type=\"password\" \
         name=\"again\" required autocomplete=\"new-password\" minlength=\"{min}\"></label>\
         <button type=\"submit\">{}</button></form>",
        esc(ctx.t("account.set_password")),
        html::url_encode(&user.id),
        html::csrf_field(ctx),
        esc(ctx.t("account.new_password")),
        esc(ctx.t("account.again")),
        esc(ctx.t("account.password_submit")),
        min = crate::accounts::password::MIN_LENGTH,
    )
}

fn code_form(ctx: &Ctx, user: &UserRow) -> String {
    format!(
        "<h2>{}</h2><p class=\"muted\">{}</p><form method=\"post\" action=\"/accounts/users/{}/code\" \
         class=\"stack\" id=\"issue-code\">{}<label>{}<input name=\"device_name\" id=\"device-name\" \
         maxlength=\"100\"></label><button type=\"submit\">{}</button></form>",
        esc(ctx.t("account.new_device")),
        esc(ctx.t("account.new_device_hint")),
        html::url_encode(&user.id),
        html::csrf_field(ctx),
        esc(ctx.t("account.device_name")),
        esc(ctx.t("account.code_submit")),
    )
}

/// The estates ticked in a user form.
fn ticked_estates(posted: &Posted) -> Vec<String> {
    let mut estates: Vec<String> = posted
        .form
        .iter()
        .filter(|(_, value)| matches!(value.as_str(), "on" | "1" | "true"))
        .filter_map(|(key, _)| key.strip_prefix("estate.").map(str::to_owned))
        .collect();
    estates.sort();
    estates
}

fn posted_user(posted: &Posted, id: &str) -> Result<NewUser, PageError> {
    let role = posted
        .get("role")
        .parse::<Role>()
        .map_err(|_| PageError::BadRequest(posted.ctx.t("error.bad_request").to_owned()))?;
    Ok(NewUser {
        id: id.trim().to_owned(),
        name: posted.get("name").to_owned(),
        role,
        estates: ticked_estates(posted),
    })
}

/// Runs an account change off the runtime.
async fn change<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&dyn crate::store::Storage) -> Result<T, AuthError> + Send + 'static,
) -> Result<Result<T, AuthError>, PageError> {
    blocking(state, move |storage| Ok(work(storage))).await
}

fn to_user(id: &str, done: &str) -> Response {
    Redirect::to(&format!(
        "/accounts/users/{}?done={done}",
        html::url_encode(id)
    ))
    .into_response()
}

/// `POST /accounts/users`: adds a user.
pub async fn add(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let user = match posted_user(&posted, posted.get("id")) {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    let who = actor(&posted.ctx);
    let id = user.id.clone();
    match change(&state, move |storage| admin::add_user(storage, &who, &user)).await {
        Ok(Ok(_)) => to_user(&id, "added"),
        Ok(Err(err)) => match refusal(&posted.ctx, err) {
            Ok((status, message)) => list_page(&state, &posted.ctx, Some(message), status).await,
            Err(err) => err.into_response(),
        },
        Err(err) => err.into_response(),
    }
}

/// The user page again with a refusal, or the internal failure.
async fn refused_on_user(state: &Arc<AppState>, ctx: &Ctx, id: &str, err: AuthError) -> Response {
    match refusal(ctx, err) {
        Ok((status, message)) => user_page(state, ctx, id, None, Some(message), status).await,
        Err(err) => err.into_response(),
    }
}

/// `POST /accounts/users/{id}`: changes a user's name, role and estates.
pub async fn update(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let user = match posted_user(&posted, &id) {
        Ok(user) => user,
        Err(err) => return err.into_response(),
    };
    let who = actor(&posted.ctx);
    match change(&state, move |storage| {
        admin::change_user(storage, &who, &user)
    })
    .await
    {
        Ok(Ok(_)) => to_user(&id, "changed"),
        Ok(Err(err)) => refused_on_user(&state, &posted.ctx, &id, err).await,
        Err(err) => err.into_response(),
    }
}

/// `POST /accounts/users/{id}/password`.
pub async fn password(
    State(state): State<Arc<AppState>>,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    // Not trimmed: spaces may be part of a password.
    let typed = |name: &str| posted.form.get(name).cloned().unwrap_or_default();
    let (password, again) = (typed("password"), typed("again"));
    if password != again {
        let message = posted.ctx.t("account.passwords_differ").to_owned();
        return user_page(
            &state,
            &posted.ctx,
            &id,
            None,
            Some(message),
            StatusCode::BAD_REQUEST,
        )
        .await;
    }
    let (who, user) = (actor(&posted.ctx), id.clone());
    match change(&state, move |storage| {
        admin::set_password(storage, &who, &user, &password)
    })
    .await
    {
        Ok(Ok(())) => to_user(&id, "password"),
        Ok(Err(err)) => refused_on_user(&state, &posted.ctx, &id, err).await,
        Err(err) => err.into_response(),
    }
}

/// `POST /accounts/devices/{id}/revoke`.
pub async fn revoke(
    State(state): State<Arc<AppState>>,
    Path(device): Path<String>,
    posted: Posted,
) -> Response {
    let who = actor(&posted.ctx);
    let target = device.clone();
    let revoked = change(&state, move |storage| {
        let owner = storage
            .accounts()
            .device(&target)?
            .map(|device| device.user);
        admin::revoke_device(storage, &who, &target).map(|()| owner)
    })
    .await;
    match revoked {
        Ok(Ok(Some(user))) => to_user(&user, "revoked"),
        Ok(Ok(None)) => PageError::NotFound.into_response(),
        Ok(Err(err)) => match refusal(&posted.ctx, err) {
            Ok((status, message)) => list_page(&state, &posted.ctx, Some(message), status).await,
            Err(err) => err.into_response(),
        },
        Err(err) => err.into_response(),
    }
}

/// `POST /accounts/users/{id}/code`: a one-time enrollment code, shown
/// once with the QR code of its enrollment link.
pub async fn code(
    State(state): State<Arc<AppState>>,
    https: Option<Extension<Https>>,
    headers: HeaderMap,
    Path(id): Path<String>,
    posted: Posted,
) -> Response {
    let name = posted.get("device_name").to_owned();
    let (who, user) = (actor(&posted.ctx), id.clone());
    let issued = change(&state, move |storage| {
        let name = Some(name.as_str()).filter(|name| !name.is_empty());
        let code = admin::issue_code(storage, &who, &user, name, Utc::now())?;
        let shown = storage
            .console()
            .console_user(&user)?
            .map_or_else(|| user.clone(), |user| user.name);
        Ok((code, shown))
    })
    .await;
    match issued {
        Ok(Ok((code, shown))) => {
            let server = public_url(&headers, https.is_some());
            let body = render_code(&posted.ctx, &id, &code, server.as_deref());
            let title = posted.ctx.lang.tf("account.code_title", &[&shown]);
            html::shell(&posted.ctx, "accounts", &title, false, &body)
        }
        Ok(Err(err)) => refused_on_user(&state, &posted.ctx, &id, err).await,
        Err(err) => err.into_response(),
    }
}

/// The address phones reach this server at, as the browser did: the
/// request's scheme and `Host`. `None` for a host that is not a plain name
/// or address (a header no browser sends).
pub fn public_url(headers: &HeaderMap, https: bool) -> Option<String> {
    let host = headers.get(header::HOST)?.to_str().ok()?.trim();
    let plain = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'));
    let scheme = if https { "https" } else { "http" };
    plain.then(|| format!("{scheme}://{host}"))
}

fn render_code(ctx: &Ctx, user: &str, code: &IssuedCode, server: Option<&str>) -> String {
    let tz = ctx.estates.first().map_or(chrono_tz::Tz::UTC, |e| e.tz);
    let expires = ctx
        .lang
        .tf("account.code_expires", &[&html::time(code.expires_at, tz)]);
    let mut out = format!(
        "<p class=\"enroll-code\" id=\"enroll-code\">{}</p><p>{}</p>",
        esc(&code.code),
        esc(&expires)
    );
    match server {
        Some(server) => {
            let link = EnrollmentLink {
                server: server.to_owned(),
                code: code.code.clone(),
            };
            out.push_str(&format!(
                "<div class=\"qr\" id=\"enroll-qr\" data-link=\"{}\">{}</div>\
                 <p>{}</p><dl class=\"summary\"><dt>{}</dt><dd id=\"enroll-server\">{}</dd></dl>\
                 <p class=\"muted\">{}</p><pre class=\"command\" id=\"enroll-command\"><code>stairwell field enroll --server {} --code {}</code></pre>",
                esc(&link.to_uri()),
                qr_svg(&link.to_uri()),
                esc(ctx.t("account.code_how")),
                esc(ctx.t("account.code_server")),
                esc(server),
                esc(ctx.t("account.code_cli")),
                esc(server),
                esc(&code.code),
            ));
        }
        None => out.push_str(&error_box(Some(ctx.t("account.code_no_server")))),
    }
    out.push_str(&format!(
        "<p><a href=\"/accounts/users/{}\" id=\"back\">{}</a></p>",
        html::url_encode(user),
        esc(ctx.t("account.back"))
    ));
    out
}

/// The QR code of `text` as inline SVG (no XML declaration).
fn qr_svg(text: &str) -> String {
    match qrcode::QrCode::new(text.as_bytes()) {
        Ok(code) => {
            let svg = code
                .render::<qrcode::render::svg::Color<'_>>()
                .min_dimensions(240, 240)
                .quiet_zone(true)
                .build();
            svg.find("<svg")
                .map_or(svg.clone(), |at| svg[at..].to_owned())
        }
        Err(err) => {
            tracing::error!(error = %err, "the enrollment link does not fit a QR code");
            String::new()
        }
    }
}

// ---- words ------------------------------------------------------------------

fn role_name(ctx: &Ctx, role: Role) -> String {
    ctx.t(&format!("role.{}", role.as_str())).to_owned()
}

fn estate_names(ctx: &Ctx, estates: &[String]) -> String {
    estates
        .iter()
        .map(|id| {
            ctx.estate(id)
                .map_or(id.as_str(), |estate| estate.name.as_str())
        })
        .collect::<Vec<_>>()
        .join(", ")
}

fn password_state(ctx: &Ctx, set: bool) -> &'static str {
    ctx.t(if set {
        "account.password_set"
    } else {
        "account.password_none"
    })
}

fn seen(ctx: &Ctx, at: Option<DateTime<Utc>>) -> String {
    let tz = ctx.estates.first().map_or(chrono_tz::Tz::UTC, |e| e.tz);
    seen_in(ctx, at, tz)
}

fn seen_in(ctx: &Ctx, at: Option<DateTime<Utc>>, tz: chrono_tz::Tz) -> String {
    at.map_or_else(
        || ctx.t("account.never").to_owned(),
        |at| html::time(at, tz),
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::console::Lang;

    #[test]
    fn every_refusal_and_action_is_named_in_both_languages() {
        for lang in [Lang::Zh, Lang::En] {
            for why in Refusal::ALL {
                let key = format!("account.refused.{}", why.code());
                assert!(lang.lookup(&key).is_some(), "{key} in {lang:?}");
            }
            for action in ACTIONS {
                let key = format!("account.action.{action}");
                assert!(lang.lookup(&key).is_some(), "{key} in {lang:?}");
            }
            for done in ["added", "changed", "password", "revoked"] {
                let key = format!("account.done.{done}");
                assert!(lang.lookup(&key).is_some(), "{key} in {lang:?}");
            }
        }
    }

    #[test]
    fn the_public_address_is_the_one_the_browser_used() {
        let mut headers = HeaderMap::new();
        assert_eq!(public_url(&headers, false), None);
        headers.insert(header::HOST, "desk.example.com:8443".parse().expect("host"));
        assert_eq!(
            public_url(&headers, true).as_deref(),
            Some("https://desk.example.com:8443")
        );
        headers.insert(header::HOST, "evil/path".parse().expect("host"));
        assert_eq!(public_url(&headers, false), None);
    }

    #[test]
    fn the_qr_code_is_inline_svg() {
        let svg = qr_svg("stairwell://enroll?server=http%3A%2F%2F127.0.0.1%3A7878&code=AB12-CD34");
        assert!(svg.starts_with("<svg"), "{}", &svg[..40.min(svg.len())]);
        assert!(svg.contains("<path") || svg.contains("<rect"));
    }
}
