//! Sign-in sessions and the extractors every console request goes through.
//!
//! A session id is 256 random bits, sent once in the `sw_session` cookie
//! (HttpOnly, SameSite=Strict, Path=/, Max-Age) and stored only as its
//! SHA-256, so a copy of the database signs no one in. Each session has its
//! own CSRF token (256 random bits) that every form carries in a hidden
//! `csrf` field; [`Posted`] refuses a POST whose token is missing or wrong
//! with 403 before anything is read or changed.
//!
//! [`Ctx`] is a signed-in request: without a session a page or export is
//! redirected to `/login` (303) and anything else is answered 401.

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{Form, FromRequest, FromRequestParts, Request};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Duration, Utc};
use chrono_tz::Tz;
use sha2::{Digest, Sha256};
use stairwell_core::sync::judge::Author;

use super::html;
use super::messages::Lang;
use crate::accounts::random_bytes;
use crate::http::state::AppState;
use crate::store::console::ConsoleUser;
use crate::store::{Estate, Storage, StorageError};

/// The session cookie.
pub const SESSION_COOKIE: &str = "sw_session";
/// How long a session lasts after sign-in.
pub const SESSION_HOURS: i64 = 12;

/// A signed-in request: who, in which language, at which instant, and the
/// estates they may see.
#[derive(Debug, Clone)]
pub struct Ctx {
    pub lang: Lang,
    pub user: ConsoleUser,
    pub csrf: String,
    /// The user's estates, by id.
    pub estates: Vec<Estate>,
    pub now: DateTime<Utc>,
    /// The path and query asked for, to come back to after a switch.
    pub path: String,
    /// The session id's hash, to end it.
    pub(crate) session_hash: String,
}

impl Ctx {
    pub fn t(&self, key: &str) -> &'static str {
        self.lang.t(key)
    }

    pub fn estate(&self, id: &str) -> Option<&Estate> {
        self.estates.iter().find(|estate| estate.id == id)
    }

    pub fn tz(&self, estate: &str) -> Tz {
        self.estate(estate).map_or(Tz::UTC, |estate| estate.tz)
    }

    /// The estate a per-estate page shows: the one asked for, if the user
    /// works there, else their first.
    pub fn pick_estate(&self, asked: Option<&str>) -> Result<&Estate, PageError> {
        match asked.filter(|asked| !asked.is_empty()) {
            Some(asked) => self.estate(asked).ok_or(PageError::NotFound),
            None => self.estates.first().ok_or(PageError::NotFound),
        }
    }

    /// The device id the console writes this user's changes as.
    pub fn device(&self) -> String {
        format!("console-{}", self.user.id)
    }

    /// The author the writer judges this user's changes as.
    pub fn author(&self) -> Author {
        Author {
            user: self.user.id.clone(),
            device: self.device(),
            role: self.user.role,
            estates: self.user.estates.clone(),
        }
    }
}

/// Why a console request failed; rendered as a short page, the one place
/// the console's errors become responses. `BadRequest` and `Forbidden`
/// carry what the person is told; `Internal` keeps its cause for the log.
#[derive(Debug)]
pub enum PageError {
    NotFound,
    BadRequest(String),
    Forbidden(String),
    Internal(Box<dyn std::error::Error + Send + Sync>),
}

impl PageError {
    /// A failure of ours, whatever its type.
    pub fn internal(err: impl std::error::Error + Send + Sync + 'static) -> PageError {
        PageError::Internal(Box::new(err))
    }
}

impl From<StorageError> for PageError {
    fn from(err: StorageError) -> Self {
        PageError::internal(err)
    }
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let (status, key, detail) = match self {
            PageError::NotFound => (StatusCode::NOT_FOUND, "error.not_found", String::new()),
            PageError::BadRequest(detail) => (StatusCode::BAD_REQUEST, "error.bad_request", detail),
            PageError::Forbidden(detail) => (StatusCode::FORBIDDEN, "error.forbidden", detail),
            PageError::Internal(err) => {
                tracing::error!(error = %err, "console request failed");
                (
                    StatusCode::INTERNAL_SERVER_ERROR,
                    "error.internal",
                    String::new(),
                )
            }
        };
        // The language is not known here: both, from the one table.
        let body = format!(
            "<p>{} / {}</p><p>{}</p><p><a href=\"/\">{} / {}</a></p>",
            html::esc(Lang::Zh.t(key)),
            html::esc(Lang::En.t(key)),
            html::esc(&detail),
            html::esc(Lang::Zh.t("nav.today")),
            html::esc(Lang::En.t("nav.today")),
        );
        (status, html::bare(Lang::En, Lang::En.t(key), &body)).into_response()
    }
}

/// Runs blocking storage work off the async runtime.
pub async fn blocking<T: Send + 'static>(
    state: &Arc<AppState>,
    work: impl FnOnce(&dyn Storage) -> Result<T, PageError> + Send + 'static,
) -> Result<T, PageError> {
    let storage = state.storage.clone();
    tokio::task::spawn_blocking(move || work(&*storage))
        .await
        .map_err(PageError::internal)?
}

/// The value of cookie `name`, if the request carries it.
pub fn cookie(headers: &HeaderMap, name: &str) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim().to_owned())
}

pub fn hash_id(id: &str) -> String {
    hex::encode(Sha256::digest(id.as_bytes()))
}

/// 256 random bits as hex.
pub fn random_token() -> Result<String, PageError> {
    random_bytes::<32>()
        .map(hex::encode)
        .map_err(|err| PageError::from(StorageError::Random(err)))
}

/// Compares secrets without stopping at the first difference.
pub fn same_secret(a: &str, b: &str) -> bool {
    a.len() == b.len()
        && a.bytes()
            .zip(b.bytes())
            .fold(0u8, |diff, (x, y)| diff | (x ^ y))
            == 0
}

/// Starts a session for `user`; returns the cookie to set.
pub fn start(storage: &dyn Storage, user: &str) -> Result<HeaderValue, PageError> {
    let id = random_token()?;
    let csrf = random_token()?;
    let expires = Utc::now() + Duration::hours(SESSION_HOURS);
    storage
        .console()
        .create_session(&hash_id(&id), user, &csrf, expires)?;
    let cookie = format!(
        "{SESSION_COOKIE}={id}; HttpOnly; SameSite=Strict; Path=/; Max-Age={}",
        SESSION_HOURS * 3600
    );
    HeaderValue::from_str(&cookie).map_err(PageError::internal)
}

/// A cookie that removes the session cookie.
pub fn cleared() -> HeaderValue {
    HeaderValue::from_static("sw_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0")
}

/// Where to send a request that has no session.
fn unauthenticated(parts: &Parts) -> Response {
    if parts.method == Method::GET || parts.method == Method::HEAD {
        let next = parts
            .uri
            .path_and_query()
            .map_or("/", |path| path.as_str())
            .to_owned();
        let target = if next == "/" {
            "/login".to_owned()
        } else {
            format!("/login?next={}", html::url_encode(&next))
        };
        Redirect::to(&target).into_response()
    } else {
        (StatusCode::UNAUTHORIZED, "sign in first\n").into_response()
    }
}

impl FromRequestParts<Arc<AppState>> for Ctx {
    type Rejection = Response;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &Arc<AppState>,
    ) -> Result<Self, Self::Rejection> {
        let lang = Lang::of(&parts.headers);
        let Some(id) = cookie(&parts.headers, SESSION_COOKIE).filter(|id| !id.is_empty()) else {
            return Err(unauthenticated(parts));
        };
        let session_hash = hash_id(&id);
        let lookup = session_hash.clone();
        let now = Utc::now();
        let found = blocking(state, move |storage| {
            let Some(session) = storage.console().session(&lookup, now)? else {
                return Ok(None);
            };
            if !crate::accounts::password::may_sign_in(session.user.role) {
                return Ok(None);
            }
            let mut estates = Vec::new();
            for id in &session.user.estates {
                estates.extend(storage.estate(id)?);
            }
            Ok(Some((session, estates)))
        })
        .await
        .map_err(IntoResponse::into_response)?;
        let Some((session, estates)) = found else {
            return Err(unauthenticated(parts));
        };
        Ok(Ctx {
            lang,
            user: session.user,
            csrf: session.csrf,
            estates,
            now,
            path: parts
                .uri
                .path_and_query()
                .map_or("/", |path| path.as_str())
                .to_owned(),
            session_hash,
        })
    }
}

/// A form POSTed by a signed-in user with the session's CSRF token. Any
/// other POST is refused (401 without a session, 403 with a missing or
/// wrong token) before the handler runs. A form that carries an image (a
/// signature) is `multipart/form-data`; its files are in `files`.
#[derive(Debug)]
pub struct Posted {
    pub ctx: Ctx,
    pub form: HashMap<String, String>,
    /// The files of a multipart form, by field name; an empty file input
    /// is left out.
    pub files: HashMap<String, Vec<u8>>,
}

impl Posted {
    pub fn get(&self, name: &str) -> &str {
        self.form.get(name).map_or("", |value| value.trim())
    }

    /// A value the form must have.
    pub fn required(&self, name: &str) -> Result<&str, PageError> {
        let value = self.get(name);
        if value.is_empty() {
            Err(PageError::BadRequest(format!(
                "{}: {name}",
                self.ctx.t("error.missing_field")
            )))
        } else {
            Ok(value)
        }
    }

    pub fn checked(&self, name: &str) -> bool {
        matches!(self.get(name), "on" | "1" | "true" | "yes")
    }

    /// The bytes of a file field, if one was chosen.
    pub fn file(&self, name: &str) -> Option<&[u8]> {
        self.files.get(name).map(Vec::as_slice)
    }
}

impl FromRequest<Arc<AppState>> for Posted {
    type Rejection = Response;

    async fn from_request(req: Request, state: &Arc<AppState>) -> Result<Self, Self::Rejection> {
        let (mut parts, body) = req.into_parts();
        let ctx = match Ctx::from_request_parts(&mut parts, state).await {
            Ok(ctx) => ctx,
            Err(refused) => {
                // Read the (small) form first, so the client gets the
                // answer instead of a connection closed under its body.
                let _ = axum::body::to_bytes(body, super::FORM_LIMIT).await;
                return Err(refused);
            }
        };
        let multipart = parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|value| value.to_str().ok())
            .is_some_and(|value| value.starts_with("multipart/form-data"));
        let req = Request::from_parts(parts, body);
        let (form, files) = if multipart {
            read_multipart(req, state, &ctx).await?
        } else {
            let Form(form) = Form::<HashMap<String, String>>::from_request(req, state)
                .await
                .map_err(|_| csrf_refused(&ctx))?;
            (form, HashMap::new())
        };
        let sent = form.get("csrf").map(String::as_str).unwrap_or("");
        if !same_secret(sent, &ctx.csrf) {
            tracing::warn!(user = %ctx.user.id, "console form refused: bad CSRF token");
            return Err(csrf_refused(&ctx));
        }
        Ok(Posted { ctx, form, files })
    }
}

type Fields = (HashMap<String, String>, HashMap<String, Vec<u8>>);

/// The text fields and files of a multipart form. A body over the route's
/// limit, or one that is not a well-formed multipart body, is a bad request.
async fn read_multipart(
    req: Request,
    state: &Arc<AppState>,
    ctx: &Ctx,
) -> Result<Fields, Response> {
    let too_big = || {
        PageError::BadRequest(ctx.lang.tf(
            "error.upload_too_big",
            &[&(super::UPLOAD_FORM_LIMIT / 1024 / 1024).to_string()],
        ))
        .into_response()
    };
    let mut multipart = axum::extract::Multipart::from_request(req, state)
        .await
        .map_err(|_| csrf_refused(ctx))?;
    let mut form = HashMap::new();
    let mut files = HashMap::new();
    while let Some(field) = multipart.next_field().await.map_err(|_| too_big())? {
        let name = field.name().unwrap_or_default().to_owned();
        let is_file = field.file_name().is_some();
        let bytes = field.bytes().await.map_err(|_| too_big())?;
        if is_file {
            if !bytes.is_empty() {
                files.insert(name, bytes.to_vec());
            }
        } else {
            let text = String::from_utf8(bytes.to_vec()).map_err(|_| {
                PageError::BadRequest(ctx.t("error.bad_request").to_owned()).into_response()
            })?;
            form.insert(name, text);
        }
    }
    Ok((form, files))
}

fn csrf_refused(ctx: &Ctx) -> Response {
    let body = format!(
        "<p>{}</p><p><a href=\"/\">{}</a></p>",
        html::esc(ctx.t("error.csrf")),
        html::esc(ctx.t("nav.today"))
    );
    (
        StatusCode::FORBIDDEN,
        html::bare(ctx.lang, ctx.t("error.forbidden"), &body),
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookies_are_read_by_name() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("lang=zh; sw_session=abc123; other=1"),
        );
        assert_eq!(cookie(&headers, SESSION_COOKIE).as_deref(), Some("abc123"));
        assert_eq!(cookie(&headers, "lang").as_deref(), Some("zh"));
        assert_eq!(cookie(&headers, "missing"), None);
    }

    #[test]
    fn secrets_compare_whole() {
        assert!(same_secret("abcd", "abcd"));
        assert!(!same_secret("abcd", "abce"));
        assert!(!same_secret("abcd", "abc"));
        assert!(!same_secret("", "a"));
    }
}
