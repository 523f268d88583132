//! Signing in and out, and the language switch.
//!
//! The sign-in form is protected against cross-site posting too: `GET
//! /login` sets a one-off `sw_login` cookie and puts the same random token
//! in the form; `POST /login` refuses (403) a form whose token does not
//! match; a form token is good once, for 10 minutes. A wrong user or
//! password answers 401 with the form again and says no more than that.
//! Failures back off per account and per client address, and password
//! checks are bounded (`accounts::sign_in`): past them the answer is 429
//! with `Retry-After`, the same whether or not the account exists. Signing out (a POST with the session's CSRF token)
//! deletes the session row, so the old cookie is worthless even if kept.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use axum::Form;
use axum::extract::{ConnectInfo, Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::html::{self, esc};
use super::messages::{LANG_COOKIE, Lang};
use super::session::{self, PageError, Posted, blocking, cookie, random_token, same_secret};
use crate::accounts::password;
use crate::accounts::sign_in::Refusal;
use crate::http::state::AppState;

const LOGIN_COOKIE: &str = "sw_login";

/// Only a path on this server is a place to come back to.
pub fn local_path(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.contains('\\')
                && !path.chars().any(char::is_control) =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

fn render(lang: Lang, token: &str, next: &str, user: &str, error: Option<&str>) -> String {
    let error = error
        .map(|message| format!("<p class=\"error\" id=\"login-error\">{}</p>", esc(message)))
        .unwrap_or_default();
    format!(
        "{error}<form method=\"post\" action=\"/login\" class=\"stack\" id=\"login-form\">\
         <input type=\"hidden\" name=\"login_token\" value=\"{token}\">\
         <input type=\"hidden\" name=\"next\" value=\"{next}\">\
         <label>{user_label}<input name=\"user\" id=\"user\" autocomplete=\"username\" \
         value=\"{user}\" required autofocus></label>\
         <label>{password_label}<input name=\"password\" id=\"password\" type=\"password\" \
         autocomplete=\"current-password\" required></label>\
         <button type=\"submit\" id=\"sign-in\">{submit}</button></form>\
         <p class=\"muted\">{hint}</p><p>{langs}</p>",
        token = esc(token),
        next = esc(next),
        user = esc(user),
        user_label = esc(lang.t("login.user")),
        password_label = esc(lang.t("login.password")),
        submit = esc(lang.t("login.submit")),
        hint = esc(lang.t("login.hint")),
        langs = html::language_links(lang, "/login"),
    )
}

fn login_page(
    status: StatusCode,
    lang: Lang,
    token: &str,
    next: &str,
    user: &str,
    error: Option<&str>,
) -> Response {
    let mut response = html::bare(
        lang,
        lang.t("login.title"),
        &render(lang, token, next, user, error),
    );
    *response.status_mut() = status;
    let cookie =
        format!("{LOGIN_COOKIE}={token}; HttpOnly; SameSite=Strict; Path=/login; Max-Age=3600");
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

/// A new sign-in form token, kept so that it is used once.
async fn new_login_token(state: &AppState) -> Result<String, PageError> {
    let token = random_token()?;
    state.sign_in.issue_login_token(&token).await?;
    Ok(token)
}

/// `GET /login`.
pub async fn form(
    State(state): State<Arc<AppState>>,
    headers: HeaderMap,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let lang = Lang::of(&headers);
    let token = match new_login_token(&state).await {
        Ok(token) => token,
        Err(err) => return err.into_response(),
    };
    let next = local_path(query.get("next").map(String::as_str));
    login_page(StatusCode::OK, lang, &token, &next, "", None)
}

/// The answer while a sign-in may not be checked: 429, how long to wait,
/// the same whether or not the account exists.
fn refused(lang: Lang, token: &str, next: &str, user: &str, refusal: Refusal) -> Response {
    let (wait, message) = match refusal {
        Refusal::Wait(wait) => {
            let seconds = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
            (seconds, lang.tf("login.wait", &[&seconds.to_string()]))
        }
        Refusal::Busy => (1, lang.t("login.busy").to_owned()),
    };
    let mut response = login_page(
        StatusCode::TOO_MANY_REQUESTS,
        lang,
        token,
        next,
        user,
        Some(&message),
    );
    if let Ok(value) = HeaderValue::from_str(&wait.to_string()) {
        response.headers_mut().insert(header::RETRY_AFTER, value);
    }
    response
}

/// `POST /login`.
pub async fn submit(
    State(state): State<Arc<AppState>>,
    ConnectInfo(client): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Form(form): Form<HashMap<String, String>>,
) -> Response {
    let lang = Lang::of(&headers);
    let field = |name: &str| form.get(name).map_or("", |value| value.as_str());
    let expected = cookie(&headers, LOGIN_COOKIE).unwrap_or_default();
    let sent = field("login_token");
    if expected.is_empty()
        || !same_secret(sent, &expected)
        || !state.sign_in.redeem_login_token(sent).await
    {
        let body = format!(
            "<p class=\"error\">{}</p><p><a href=\"/login\">{}</a></p>",
            esc(lang.t("error.csrf")),
            esc(lang.t("login.title"))
        );
        let mut response = html::bare(lang, lang.t("error.forbidden"), &body);
        *response.status_mut() = StatusCode::FORBIDDEN;
        return response;
    }
    let user = field("user").trim().to_owned();
    let secret = field("password").to_owned();
    let next = local_path(Some(field("next")));
    let address = client.ip();
    let again = async || new_login_token(&state).await.unwrap_or_default();
    if let Err(refusal) = state.sign_in.may_try(&user, address).await {
        tracing::info!(%user, %address, "console sign-in throttled");
        return refused(lang, &again().await, &next, &user, refusal);
    }
    let _slot = match state.sign_in.check_slot().await {
        Ok(slot) => slot,
        Err(refusal) => return refused(lang, &again().await, &next, &user, refusal),
    };
    // Guesses queued while the earlier ones were checked wait their turn too.
    if let Err(refusal) = state.sign_in.may_try(&user, address).await {
        return refused(lang, &again().await, &next, &user, refusal);
    }
    let outcome = check(&state, &user, secret).await;
    match outcome {
        Ok(Some(cookie)) => {
            state.sign_in.succeeded(&user).await;
            tracing::info!(%user, "console sign-in");
            let mut response = Redirect::to(&next).into_response();
            response.headers_mut().append(header::SET_COOKIE, cookie);
            response
        }
        Ok(None) => {
            state.sign_in.failed(&user, address).await;
            tracing::info!(%user, %address, "console sign-in refused");
            let token = again().await;
            login_page(
                StatusCode::UNAUTHORIZED,
                lang,
                &token,
                &next,
                &user,
                Some(lang.t("login.failed")),
            )
        }
        Err(err) => err.into_response(),
    }
}

/// The password check: the stored hash read, checked on the checker
/// threads, and a session started for a user who may sign in.
async fn check(
    state: &Arc<AppState>,
    user: &str,
    secret: String,
) -> Result<Option<HeaderValue>, PageError> {
    let lookup = user.to_owned();
    let stored = blocking(state, move |storage| {
        Ok(storage.console().password_hash(&lookup)?)
    })
    .await?;
    if !state.sign_in.verify(secret, stored).await {
        return Ok(None);
    }
    let user = user.to_owned();
    blocking(state, move |storage| {
        match password::console_user(storage, &user)? {
            Some(found) => Ok(Some(session::start(storage, &found.id)?)),
            None => Ok(None),
        }
    })
    .await
}

/// `POST /logout`: ends the session.
pub async fn logout(State(state): State<Arc<AppState>>, posted: Posted) -> Response {
    let hash = posted.ctx.session_hash.clone();
    if let Err(err) = blocking(&state, move |storage| {
        storage.console().end_session(&hash)?;
        Ok(())
    })
    .await
    {
        return err.into_response();
    }
    tracing::info!(user = %posted.ctx.user.id, "console sign-out");
    let mut response = Redirect::to("/login").into_response();
    response
        .headers_mut()
        .append(header::SET_COOKIE, session::cleared());
    response
}

/// `GET /lang/{zh|en}?back=PATH`: remembers the language in a cookie and
/// goes back. It changes nothing but how pages read, so it needs no session.
pub async fn switch_language(
    Path(code): Path<String>,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let Some(lang) = Lang::parse(&code) else {
        return PageError::NotFound.into_response();
    };
    let back = local_path(query.get("back").map(String::as_str));
    let mut response = Redirect::to(&back).into_response();
    let cookie = format!(
        "{LANG_COOKIE}={}; SameSite=Strict; Path=/; Max-Age=31536000",
        lang.code()
    );
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().append(header::SET_COOKIE, value);
    }
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_local_paths_are_followed() {
        assert_eq!(local_path(Some("/records/1?x=2")), "/records/1?x=2");
        assert_eq!(local_path(Some("//evil.example/")), "/");
        assert_eq!(local_path(Some("https://evil.example/")), "/");
        assert_eq!(local_path(Some("/\\evil")), "/");
        assert_eq!(local_path(None), "/");
    }
}
