//! What changes when a request came over https: the console's cookies are
//! marked `Secure`, so a browser never sends a session over plain http,
//! and every answer carries HSTS, so it never tries plain http again. A
//! request is https when this server terminated its TLS or, when the
//! operator said the server sits behind a TLS-terminating proxy
//! (`--behind-https-proxy`), when the proxy says so (`X-Forwarded-Proto:
//! https`); otherwise that header is ignored, so a client cannot claim it.
//! Behind such a proxy the client's address is the one it forwards
//! (`X-Forwarded-For`), for the throttles that count by address.

use axum::extract::Request;
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

/// Marks a request that came over https (a request extension).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Https;

/// A year, and the subdomains with it: what HSTS asks the browser to keep.
const HSTS: &str = "max-age=31536000; includeSubDomains";

/// Whether a request with these headers came over https, by the proxy's
/// word (trusted only behind a proxy).
pub fn forwarded_https(headers: &axum::http::HeaderMap) -> bool {
    headers
        .get("x-forwarded-proto")
        .and_then(|value| value.to_str().ok())
        .is_some_and(|proto| proto.trim().eq_ignore_ascii_case("https"))
}

/// The client's address as the proxy forwards it: the last entry of
/// `X-Forwarded-For`, the one the proxy itself wrote (trusted only behind
/// a proxy, like the protocol).
pub fn forwarded_for(headers: &axum::http::HeaderMap) -> Option<std::net::IpAddr> {
    headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .last()?
        .trim()
        .parse()
        .ok()
}

/// The layer: `Secure` cookies and HSTS on answers to https requests.
pub async fn secure_cookies_and_hsts(request: Request, next: Next) -> Response {
    let https = request.extensions().get::<Https>().is_some();
    let mut response = next.run(request).await;
    if !https {
        return response;
    }
    let headers = response.headers_mut();
    let cookies: Vec<HeaderValue> = headers
        .get_all(header::SET_COOKIE)
        .iter()
        .map(|cookie| match cookie.to_str() {
            Ok(text) if !text.to_ascii_lowercase().contains("; secure") => {
                HeaderValue::from_str(&format!("{text}; Secure")).unwrap_or_else(|_| cookie.clone())
            }
            _ => cookie.clone(),
        })
        .collect();
    headers.remove(header::SET_COOKIE);
    for cookie in cookies {
        headers.append(header::SET_COOKIE, cookie);
    }
    headers.insert(
        header::STRICT_TRANSPORT_SECURITY,
        HeaderValue::from_static(HSTS),
    );
    response
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_proxys_https_counts() {
        let mut headers = axum::http::HeaderMap::new();
        assert!(!forwarded_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("HTTPS"));
        assert!(forwarded_https(&headers));
        headers.insert("x-forwarded-proto", HeaderValue::from_static("http"));
        assert!(!forwarded_https(&headers));
        assert_eq!(forwarded_for(&headers), None);
        headers.insert(
            "x-forwarded-for",
            HeaderValue::from_static("10.0.0.9, 203.0.113.7"),
        );
        assert_eq!(forwarded_for(&headers), "203.0.113.7".parse().ok());
    }
}
