//! The office's reports as JSON, for the console and for scripts:
//!
//! - `GET /v1/reports/coverage?estate=E&week=YYYY-MM-DD`: the building ×
//!   floor patrol coverage of the local week (Monday to Monday) holding that
//!   day, against the twice-a-week rule; `week` defaults to this week;
//! - `GET /v1/reports/callbacks?estate=E[&at=RFC3339]`: the callbacks still
//!   due and those overdue, at `at` (default: now);
//! - `GET /v1/reports/monthly?estate=E&month=YYYY-MM`: the complaint
//!   timeliness rate and the callback shares of a local month; `month`
//!   defaults to this month.
//!
//! Each needs a device token in `Authorization: Bearer` (never in the URL,
//! where it would end up in logs) whose user works at the estate. Reports only read,
//! so every role may see them, office viewers included. Errors are JSON
//! `{"error": "..."}` with the fitting status.

use std::sync::Arc;

use axum::Json;
use axum::Router;
use axum::extract::rejection::QueryRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use stairwell_core::protocol::ErrorCode;
use stairwell_core::rules::local_time::local_date;
use stairwell_core::rules::rates::month_of;

use crate::engine::report_queries;
use crate::http::auth::Reader;
use crate::http::error::ApiError;
use crate::http::state::AppState;
use crate::store::{Estate, Storage, StorageError};

pub const COVERAGE_PATH: &str = "/v1/reports/coverage";
pub const CALLBACKS_PATH: &str = "/v1/reports/callbacks";
pub const MONTHLY_PATH: &str = "/v1/reports/monthly";

/// The report routes, merged into the server's router.
pub fn routes() -> Router<Arc<AppState>> {
    Router::new()
        .route(COVERAGE_PATH, get(coverage))
        .route(CALLBACKS_PATH, get(callbacks))
        .route(MONTHLY_PATH, get(monthly))
}

#[derive(Debug, Deserialize)]
struct CoverageQuery {
    estate: String,
    week: Option<String>,
}

#[derive(Debug, Deserialize)]
struct CallbacksQuery {
    estate: String,
    at: Option<String>,
}

#[derive(Debug, Deserialize)]
struct MonthlyQuery {
    estate: String,
    month: Option<String>,
}

async fn coverage(
    State(state): State<Arc<AppState>>,
    reader: Result<Reader, ApiError>,
    query: Result<Query<CoverageQuery>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return bad_request(rejection.body_text()).into_response(),
    };
    let week = query.week.as_deref().map(parse_day).transpose();
    respond(&state, reader, &query.estate, move |storage, estate| {
        let day = week?.unwrap_or_else(|| local_date(Utc::now(), estate.tz));
        report_queries::coverage_grid(storage.read_models(), estate, day).map_err(internal)
    })
    .await
}

async fn callbacks(
    State(state): State<Arc<AppState>>,
    reader: Result<Reader, ApiError>,
    query: Result<Query<CallbacksQuery>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return bad_request(rejection.body_text()).into_response(),
    };
    let at = query.at.as_deref().map(parse_instant).transpose();
    respond(&state, reader, &query.estate, move |storage, estate| {
        let at = at?.unwrap_or_else(Utc::now);
        report_queries::callbacks_at(storage.read_models(), estate, at).map_err(internal)
    })
    .await
}

async fn monthly(
    State(state): State<Arc<AppState>>,
    reader: Result<Reader, ApiError>,
    query: Result<Query<MonthlyQuery>, QueryRejection>,
) -> Response {
    let query = match query {
        Ok(Query(query)) => query,
        Err(rejection) => return bad_request(rejection.body_text()).into_response(),
    };
    let month = query.month.as_deref().map(parse_month).transpose();
    respond(&state, reader, &query.estate, move |storage, estate| {
        let now = Utc::now();
        let month = month?.unwrap_or_else(|| month_of(now, estate.tz));
        report_queries::monthly_rates(storage.read_models(), estate, month, now)
            .map_err(internal)?
            .ok_or_else(|| bad_request("no such month"))
    })
    .await
}

/// Authenticates, checks the estate, runs `report` off the async runtime
/// and answers its result as JSON.
async fn respond<T: Serialize + Send + 'static>(
    state: &Arc<AppState>,
    reader: Result<Reader, ApiError>,
    estate: &str,
    report: impl FnOnce(&dyn Storage, &Estate) -> Result<T, ApiError> + Send + 'static,
) -> Response {
    let author = match reader {
        Ok(Reader(author)) => author,
        Err(err) => return err.into_response(),
    };
    if !author.estates.iter().any(|own| own == estate) {
        let message = format!("{} does not work at estate {estate}", author.user);
        return ApiError::new(StatusCode::FORBIDDEN, ErrorCode::Unauthorized, message)
            .json()
            .into_response();
    }
    let storage = state.storage.clone();
    let estate = estate.to_owned();
    let answer = tokio::task::spawn_blocking(move || {
        let found = storage
            .estate(&estate)
            .map_err(|err: StorageError| ApiError::internal(err).json())?
            .ok_or_else(|| ApiError::not_found(format!("no estate {estate}")).json())?;
        report(&*storage, &found)
    })
    .await;
    match answer {
        Ok(Ok(body)) => Json(body).into_response(),
        Ok(Err(err)) => err.into_response(),
        Err(err) => ApiError::internal(err).json().into_response(),
    }
}

/// A request the report cannot answer, told as JSON.
fn bad_request(message: impl Into<String>) -> ApiError {
    ApiError::malformed(message).json()
}

fn internal(err: impl std::fmt::Display) -> ApiError {
    ApiError::internal(err).json()
}

fn parse_day(text: &str) -> Result<NaiveDate, ApiError> {
    NaiveDate::parse_from_str(text.trim(), "%Y-%m-%d")
        .map_err(|_| bad_request(format!("week {text:?} is not a date such as 2026-03-02")))
}

fn parse_month(text: &str) -> Result<(i32, u32), ApiError> {
    let bad = || bad_request(format!("month {text:?} is not a month such as 2026-03"));
    let (year, month) = text.trim().split_once('-').ok_or_else(bad)?;
    let year: i32 = year.parse().map_err(|_| bad())?;
    let month: u32 = month.parse().map_err(|_| bad())?;
    if (1..=12).contains(&month) && year.to_string().len() == 4 {
        Ok((year, month))
    } else {
        Err(bad())
    }
}

fn parse_instant(text: &str) -> Result<DateTime<Utc>, ApiError> {
    DateTime::parse_from_rfc3339(text.trim())
        .map(|at| at.with_timezone(&Utc))
        .map_err(|_| {
            bad_request(format!(
                "at {text:?} is not an RFC 3339 time such as 2026-03-02T09:30:00+08:00"
            ))
        })
}

#[cfg(test)]
mod tests {
    use stairwell_core::record::Role;

    use super::*;
    use crate::accounts;
    use crate::http::testing::{TestServer, person};

    /// Status and JSON body of a GET, with the token in the header if given.
    fn get(server: &TestServer, path: &str, token: Option<&str>) -> (u16, serde_json::Value) {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .new_agent();
        let mut request = agent.get(&format!("{}{path}", server.url()));
        if let Some(token) = token {
            request = request.header("Authorization", &format!("Bearer {token}"));
        }
        let mut response = request.call().expect("get");
        let status = response.status().as_u16();
        let text = response.body_mut().read_to_string().expect("body");
        (status, serde_json::from_str(&text).expect("json"))
    }

    #[test]
    fn reports_are_for_the_estates_a_token_works_at() {
        let dir = tempfile::tempdir().expect("tempdir");
        let server = TestServer::start(dir.path());
        let storage = &*server.storage;
        accounts::add_estate(storage, "e1", "East", "Asia/Shanghai").expect("estate");
        accounts::add_estate(storage, "e2", "West", "Asia/Shanghai").expect("estate");
        let office = person(storage, "zhou", Role::Office, &["e1"]);
        let patrol = person(storage, "ma", Role::Patrol, &["e2"]);

        let (status, body) = get(&server, "/v1/reports/callbacks?estate=e1", None);
        assert_eq!(status, 401);
        assert!(body["error"].as_str().is_some_and(|e| e.contains("token")));
        let (status, _) = get(&server, "/v1/reports/callbacks?estate=e1&token=sw_x", None);
        assert_eq!(status, 401);
        let (status, _) = get(
            &server,
            "/v1/reports/callbacks?estate=e1",
            Some(&patrol.token),
        );
        assert_eq!(status, 403, "another estate's user");

        let (status, body) = get(
            &server,
            "/v1/reports/callbacks?estate=e1",
            Some(&office.token),
        );
        assert_eq!(status, 200, "office viewers read reports");
        assert_eq!(body["due"], serde_json::json!([]));
        let path = format!(
            "/v1/reports/coverage?estate=e1&week=2026-03-04&token={}",
            office.token
        );
        let (status, _) = get(&server, &path, None);
        assert_eq!(status, 401, "a token never comes in a URL");
        let (status, body) = get(
            &server,
            "/v1/reports/coverage?estate=e1&week=2026-03-04",
            Some(&office.token),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["week_start"], "2026-03-02");
        assert_eq!(body["required"], 2);
        let (status, body) = get(
            &server,
            "/v1/reports/monthly?estate=e1&month=2026-03",
            Some(&office.token),
        );
        assert_eq!(status, 200, "{body}");
        assert_eq!(body["month"], "2026-03");
        assert_eq!(
            body["complaint_timeliness"]["percent"],
            serde_json::Value::Null
        );
        assert_eq!(body["repair_callbacks"]["target_percent"], 30.0);
        for bad in [
            "/v1/reports/monthly?estate=e1&month=2026-13",
            "/v1/reports/coverage?estate=e1&week=soon",
            "/v1/reports/callbacks?estate=e1&at=yesterday",
        ] {
            let (status, body) = get(&server, bad, Some(&office.token));
            assert_eq!(status, 400, "{bad}: {body}");
        }
        let (status, _) = get(&server, "/v1/reports/monthly", Some(&office.token));
        assert_eq!(status, 400, "the estate is required");
    }

    #[test]
    fn query_values_are_parsed_strictly() {
        assert_eq!(
            parse_day("2026-03-04").expect("day"),
            NaiveDate::from_ymd_opt(2026, 3, 4).expect("date")
        );
        assert!(parse_day("2026-13-01").is_err());
        assert_eq!(parse_month("2026-03").expect("month"), (2026, 3));
        assert!(parse_month("2026-00").is_err());
        assert!(parse_month("26-03").is_err());
        assert!(parse_month("March").is_err());
        assert!(parse_instant("2026-03-02T09:30:00+08:00").is_ok());
        assert!(parse_instant("yesterday").is_err());
    }
}
