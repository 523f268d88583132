//! The HTTP driver of the sync session: the one transport the field command
//! line, the mobile bindings and the end-to-end tests all use. It only moves
//! bytes; every decision is the session's.

use std::time::Duration;

use super::blobs::{
    BLOB_CONTENT_TYPE, BLOB_LENGTH_HEADER, BLOBS_MISSING_PATH, BlobStats, BlobStep, BlobUpload,
    blob_path,
};
use super::session::{SyncError, SyncSession, SyncStats};
use crate::kinds::BlobHash;
use crate::protocol::{
    CONTENT_TYPE, ENROLL_PATH, EnrollRequest, EnrollResponse, ErrorBody, IDENTITY_PATH, Identity,
    PROTOCOL_VERSION, SYNC_PATH, decode, encode,
};
use crate::store::{Enrollment, Store, blob_hash};

/// Largest response read, far above a batch of records.
const MAX_RESPONSE_BYTES: u64 = 512 * 1024 * 1024;

/// Why a sync over HTTP stopped.
#[derive(Debug, thiserror::Error)]
pub enum TransportError {
    #[error(transparent)]
    Sync(#[from] SyncError),
    #[error("could not reach the server: {0}")]
    Unreachable(String),
    /// The server refused the whole request (bad token, too large...).
    #[error("the server refused the sync ({status}): {message}")]
    Refused { status: u16, message: String },
    #[error("sync cancelled")]
    Cancelled,
    /// The server holds no such blob, or none this device may read.
    #[error("{0}")]
    NotFound(String),
    /// The server address cannot be a base URL.
    #[error("{0}")]
    BadServerUrl(String),
    /// The server's certificate is not one this device trusts.
    #[error(
        "the server's certificate is not trusted ({0}); if the estate uses its own certificate \
         authority, enroll with it (--ca FILE)"
    )]
    Untrusted(String),
    /// The certificate authority given is not a PEM certificate.
    #[error("the certificate authority is not a PEM certificate: {0}")]
    BadCa(String),
}

/// A server address as people type it, as a base URL: `127.0.0.1:7878`
/// and `stairwell.example.com` get `http://` (what a server without TLS
/// speaks); `http://` and `https://` are kept; anything else (another
/// scheme, a path, a query, spaces) is refused with what was expected.
pub fn server_url(typed: &str) -> Result<String, TransportError> {
    let trimmed = typed.trim();
    let refuse = |why: &str| {
        TransportError::BadServerUrl(format!(
            "{typed:?} is not a server address such as http://192.168.1.20:7878 or 192.168.1.20:7878 ({why})"
        ))
    };
    let (scheme, rest) = match trimmed.split_once("://") {
        Some((scheme, rest)) => (scheme.to_ascii_lowercase(), rest),
        None => ("http".to_owned(), trimmed),
    };
    let rest = rest.trim_end_matches('/');
    if scheme != "http" && scheme != "https" {
        return Err(refuse("only http:// and https:// are spoken"));
    }
    if rest.is_empty() {
        return Err(refuse("no host"));
    }
    if rest.contains(['/', '?', '#', ' ', '@']) {
        return Err(refuse("give the host and port only, without a path"));
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Asks the server who `token` speaks for and keeps the answer in the
/// store, with the server's address and the token, for later syncs.
/// `base_url` may be typed without its scheme (see [`server_url`]).
pub fn enroll(
    store: &mut Store,
    base_url: &str,
    token: &str,
    ca_pem: Option<&str>,
) -> Result<Identity, TransportError> {
    let base_url = server_url(base_url)?;
    let url = format!("{base_url}{IDENTITY_PATH}");
    let mut response = agent(ca_pem)?
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(unreachable)?;
    let bytes = read_body(&mut response)?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(refusal(status, &bytes));
    }
    let identity: Identity = decode(&bytes).map_err(SyncError::BadResponse)?;
    keep(store, base_url, token.to_owned(), identity, ca_pem)
}

/// Enrolls `store` with a one-time code the office issued instead of a
/// token: the server makes this device's token and sends it here only,
/// where it stays in the store. A wrong, used or expired code is refused
/// with the server's reason.
pub fn enroll_with_code(
    store: &mut Store,
    base_url: &str,
    code: &str,
    ca_pem: Option<&str>,
) -> Result<Identity, TransportError> {
    let base_url = server_url(base_url)?;
    let request = EnrollRequest {
        version: PROTOCOL_VERSION,
        code: code.trim().to_owned(),
    };
    let mut response = agent(ca_pem)?
        .post(format!("{base_url}{ENROLL_PATH}"))
        .content_type(CONTENT_TYPE)
        .send(&encode(&request)[..])
        .map_err(unreachable)?;
    let bytes = read_body(&mut response)?;
    let status = response.status().as_u16();
    if status != 200 {
        return Err(refusal(status, &bytes));
    }
    let answer: EnrollResponse = decode(&bytes).map_err(SyncError::BadResponse)?;
    keep(store, base_url, answer.token, answer.identity, ca_pem)
}

/// Keeps the enrollment in the store; returns who it speaks for.
fn keep(
    store: &mut Store,
    server_url: String,
    token: String,
    identity: Identity,
    ca_pem: Option<&str>,
) -> Result<Identity, TransportError> {
    let enrollment = Enrollment {
        server_url,
        token,
        identity: identity.clone(),
        ca_pem: ca_pem.map(str::to_owned),
    };
    store.enroll(&enrollment).map_err(SyncError::from)?;
    Ok(identity)
}

/// Syncs `store` with the server at `base_url` (e.g. `http://127.0.0.1:7878`).
/// `on_progress` sees the figures after each round trip and returns `false`
/// to cancel; what was stored by then stays stored.
///
/// Once the records are done, the pending blobs are uploaded
/// ([`upload_blobs`]). Records never wait for blobs: if the upload stops
/// early, the sync still succeeds, with the reason in `blobs.error` and the
/// blobs left pending for the next sync.
pub fn sync(
    store: &mut Store,
    base_url: &str,
    token: &str,
    mut on_progress: impl FnMut(&SyncStats) -> bool,
) -> Result<SyncStats, TransportError> {
    let agent = agent_for(store)?;
    let url = format!("{}{SYNC_PATH}", base_url.trim_end_matches('/'));
    let mut session = SyncSession::new(store)?;
    while let Some(body) = session.next_request(store)? {
        let response = post(&agent, &url, token, &body)?;
        let stats = session.handle_response(store, &response)?;
        if !on_progress(stats) {
            return Err(TransportError::Cancelled);
        }
    }
    let mut stats = session.stats().clone();
    let uploaded = upload_with(&agent, store, base_url, token, |blobs| {
        stats.blobs = blobs.clone();
        on_progress(&stats)
    });
    match uploaded {
        Ok(blobs) => stats.blobs = blobs,
        Err(TransportError::Cancelled) => return Err(TransportError::Cancelled),
        Err(err) => stats.blobs.error = Some(err.to_string()),
    }
    Ok(stats)
}

/// The agent for the server `store` is enrolled with, trusting what its
/// enrollment says.
fn agent_for(store: &Store) -> Result<ureq::Agent, TransportError> {
    let enrollment = store.enrollment().map_err(SyncError::from)?;
    agent(enrollment.as_ref().and_then(|e| e.ca_pem.as_deref()))
}

/// An agent speaking http and https. Trusted for https: the estate's own
/// authority alone when `ca_pem` is given; otherwise the platform's
/// verifier on phones (Android, iOS) and Mozilla's roots, bundled,
/// elsewhere.
fn agent(ca_pem: Option<&str>) -> Result<ureq::Agent, TransportError> {
    use ureq::tls::{PemItem, RootCerts, TlsConfig, parse_pem};
    let roots = match ca_pem {
        Some(pem) => {
            let certs = parse_pem(pem.as_bytes())
                .filter_map(|item| match item {
                    Ok(PemItem::Certificate(cert)) => Some(Ok(cert)),
                    Ok(_) => None,
                    Err(err) => Some(Err(TransportError::BadCa(err.to_string()))),
                })
                .collect::<Result<Vec<_>, _>>()?;
            if certs.is_empty() {
                return Err(TransportError::BadCa("no CERTIFICATE block in it".into()));
            }
            RootCerts::new_with_certs(&certs)
        }
        None if cfg!(any(target_os = "android", target_os = "ios")) => RootCerts::PlatformVerifier,
        None => RootCerts::WebPki,
    };
    Ok(ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(120)))
        .tls_config(TlsConfig::builder().root_certs(roots).build())
        .build()
        .into())
}

/// A request that got no answer: an untrusted certificate says so
/// (rustls reports it through the connection's I/O error).
fn unreachable(err: ureq::Error) -> TransportError {
    let text = err.to_string();
    let certificate = matches!(err, ureq::Error::Tls(_) | ureq::Error::Rustls(_))
        || text.contains("invalid peer certificate");
    if certificate {
        TransportError::Untrusted(text)
    } else {
        TransportError::Unreachable(text)
    }
}

fn post(
    agent: &ureq::Agent,
    url: &str,
    token: &str,
    body: &[u8],
) -> Result<Vec<u8>, TransportError> {
    let mut response = agent
        .post(url)
        .header("Authorization", &format!("Bearer {token}"))
        .content_type(CONTENT_TYPE)
        .send(body)
        .map_err(unreachable)?;
    let bytes = read_body(&mut response)?;
    match response.status().as_u16() {
        200 => Ok(bytes),
        status => Err(refusal(status, &bytes)),
    }
}

fn read_body(response: &mut ureq::http::Response<ureq::Body>) -> Result<Vec<u8>, TransportError> {
    response
        .body_mut()
        .with_config()
        .limit(MAX_RESPONSE_BYTES)
        .read_to_vec()
        .map_err(|err| TransportError::Unreachable(err.to_string()))
}

/// The server's reason for refusing a whole request, from its error body.
fn refusal(status: u16, body: &[u8]) -> TransportError {
    let message = decode::<ErrorBody>(body)
        .map(|error| error.message)
        .unwrap_or_else(|_| String::from_utf8_lossy(body).into_owned());
    TransportError::Refused { status, message }
}

/// How often a request of a blob upload is sent again after the
/// connection dropped, before the upload stops (the next one resumes).
const BLOB_RETRIES: u32 = 2;

/// Uploads every pending blob of `store`: asks the server which it lacks
/// and how much of each an earlier, interrupted upload left there, then
/// sends the rest in chunks. A blob the server refuses (too large...) stays
/// pending with the reason and the others go on. `on_progress` sees the
/// figures after each request and returns `false` to cancel; every chunk
/// the server acknowledged stays there, and the next upload resumes.
pub fn upload_blobs(
    store: &mut Store,
    base_url: &str,
    token: &str,
    on_progress: impl FnMut(&BlobStats) -> bool,
) -> Result<BlobStats, TransportError> {
    upload_with(&agent_for(store)?, store, base_url, token, on_progress)
}

fn upload_with(
    agent: &ureq::Agent,
    store: &mut Store,
    base_url: &str,
    token: &str,
    mut on_progress: impl FnMut(&BlobStats) -> bool,
) -> Result<BlobStats, TransportError> {
    let base = base_url.trim_end_matches('/');
    let mut upload = BlobUpload::new(store)?;
    while let Some(step) = upload.next_step(store)? {
        let (status, body) = send_blob_step(agent, base, token, &step)?;
        match step {
            BlobStep::AskMissing { .. } if status == 200 => upload.handle_missing(store, &body)?,
            BlobStep::PutChunk { .. }
                if matches!(status, 200..=202 | 400 | 404 | 409 | 413 | 422) =>
            {
                upload.handle_chunk(store, status, &body)?
            }
            _ => return Err(refusal(status, &body)),
        }
        if !on_progress(upload.stats()) {
            return Err(TransportError::Cancelled);
        }
    }
    Ok(upload.stats().clone())
}

/// Sends one step, again after a dropped connection: a chunk that did
/// arrive is answered with `409` and the server's offset, so resending is
/// safe.
fn send_blob_step(
    agent: &ureq::Agent,
    base: &str,
    token: &str,
    step: &BlobStep,
) -> Result<(u16, Vec<u8>), TransportError> {
    let mut attempt = 0;
    loop {
        let sent = match step {
            BlobStep::AskMissing { body } => agent
                .post(format!("{base}{BLOBS_MISSING_PATH}"))
                .header("Authorization", &format!("Bearer {token}"))
                .content_type(CONTENT_TYPE)
                .send(body),
            BlobStep::PutChunk {
                hash,
                offset,
                length,
                chunk,
            } => agent
                .put(format!("{base}{}?offset={offset}", blob_path(hash)))
                .header("Authorization", &format!("Bearer {token}"))
                .header(BLOB_LENGTH_HEADER, &length.to_string())
                .content_type(BLOB_CONTENT_TYPE)
                .send(chunk.as_slice()),
        };
        let answered = sent.map_err(unreachable).and_then(|mut response| {
            let body = read_body(&mut response)?;
            Ok((response.status().as_u16(), body))
        });
        match answered {
            Err(TransportError::Unreachable(_)) if attempt < BLOB_RETRIES => {
                attempt += 1;
                std::thread::sleep(Duration::from_millis(500 * u64::from(attempt)));
            }
            other => return other,
        }
    }
}

/// A blob's bytes: from the store if the device holds it, else downloaded
/// from the server, checked against its hash, and kept in the store.
pub fn download_blob(
    store: &mut Store,
    base_url: &str,
    token: &str,
    hash: &BlobHash,
) -> Result<Vec<u8>, TransportError> {
    if let Some(bytes) = store.blob(hash).map_err(SyncError::from)? {
        return Ok(bytes);
    }
    let url = format!("{}{}", base_url.trim_end_matches('/'), blob_path(hash));
    let mut response = agent_for(store)?
        .get(&url)
        .header("Authorization", &format!("Bearer {token}"))
        .call()
        .map_err(unreachable)?;
    let bytes = read_body(&mut response)?;
    match response.status().as_u16() {
        200 => {}
        404 => {
            return Err(TransportError::NotFound(format!(
                "the server has no blob {hash} this device may read"
            )));
        }
        status => return Err(refusal(status, &bytes)),
    }
    if blob_hash(&bytes) != *hash {
        return Err(SyncError::BadResponse(format!(
            "the server sent bytes that are not blob {hash}"
        ))
        .into());
    }
    store
        .put_remote_blob(hash, &bytes)
        .map_err(SyncError::from)?;
    Ok(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_server_address_is_understood_without_its_scheme() {
        let url = |typed: &str| server_url(typed).map_err(|err| err.to_string());
        assert_eq!(url("127.0.0.1:7878"), Ok("http://127.0.0.1:7878".into()));
        assert_eq!(
            url(" http://127.0.0.1:7878/ "),
            Ok("http://127.0.0.1:7878".into())
        );
        assert_eq!(
            url("HTTPS://sync.example.com"),
            Ok("https://sync.example.com".into())
        );
        for bad in [
            "",
            "ftp://host",
            "http://",
            "host:7878/v1/sync",
            "a b",
            "http://u@host",
        ] {
            let err = url(bad).expect_err(bad);
            assert!(err.contains("is not a server address such as"), "{err}");
        }
    }
}
