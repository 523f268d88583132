//! TLS to the database: managed PostgreSQL services require it, and a
//! database across a network should never see plain passwords. Every
//! connection (the pool's, the migration's, the commit listener's) goes
//! through rustls with the ring provider, as the server's own https does.
//! The URL speaks libpq's words, so a provider's connection string works
//! as given: `sslmode=disable|prefer|require|verify-ca|verify-full` (the
//! default is `prefer`: TLS when the server offers it; rustls always checks
//! the certificate and the host name, so `require` and the `verify-`
//! modes are one), and `sslrootcert=FILE`, the authority to trust instead
//! of Mozilla's roots (a provider's CA bundle, or an estate's own).

use std::path::{Path, PathBuf};
use std::sync::Arc;

use postgres::Config;
use rustls::RootCertStore;
use rustls::pki_types::CertificateDer;
use rustls::pki_types::pem::PemObject;
use tokio_postgres_rustls::MakeRustlsConnect;

use crate::store::StorageError;

/// The TLS connector every connection uses.
pub type Tls = MakeRustlsConnect;

/// The connection settings of `url`, and the TLS connector it asks for.
pub(super) fn settings(url: &str) -> Result<(Config, Tls), StorageError> {
    let (url, root) = libpq_words(url)?;
    let config: Config = url.parse()?;
    let roots = match root {
        Some(file) => authority(&file)?,
        None => RootCertStore {
            roots: webpki_roots::TLS_SERVER_ROOTS.to_vec(),
        },
    };
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let client = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|err| StorageError::Backend(Box::new(err)))?
        .with_root_certificates(roots)
        .with_no_client_auth();
    Ok((config, MakeRustlsConnect::new(client)))
}

/// A failed connection in words: the client's own message says only "error
/// performing TLS handshake", its causes say which certificate and why.
pub(super) fn explained(err: &postgres::Error) -> StorageError {
    let mut text = err.to_string();
    let mut cause = std::error::Error::source(err);
    while let Some(inner) = cause {
        text.push_str(&format!(": {inner}"));
        cause = inner.source();
    }
    if text.contains("certificate") {
        text.push_str(
            " (the database's certificate is not trusted: name its authority with \
             sslrootcert=FILE in the database URL)",
        );
    }
    StorageError::Backend(text.into())
}

/// The URL without the words the client does not know (`sslrootcert`, the
/// `verify-` modes), and the authority file it named.
fn libpq_words(url: &str) -> Result<(String, Option<PathBuf>), StorageError> {
    let is_url = url.starts_with("postgres://") || url.starts_with("postgresql://");
    if !is_url || !url.contains('?') {
        return Ok((url.to_owned(), None));
    }
    let mut parsed = url::Url::parse(url)
        .map_err(|err| StorageError::Conflict(format!("the database URL does not read: {err}")))?;
    let mut root = None;
    let pairs: Vec<(String, String)> = parsed
        .query_pairs()
        .filter_map(|(key, value)| match (key.as_ref(), value.as_ref()) {
            ("sslrootcert", file) => {
                root = Some(PathBuf::from(file));
                None
            }
            ("sslmode", "verify-ca" | "verify-full") => {
                Some(("sslmode".to_owned(), "require".to_owned()))
            }
            _ => Some((key.into_owned(), value.into_owned())),
        })
        .collect();
    parsed.query_pairs_mut().clear().extend_pairs(pairs);
    Ok((parsed.into(), root))
}

/// The certificates of a PEM file, as the only roots trusted.
fn authority(file: &Path) -> Result<RootCertStore, StorageError> {
    let unreadable = |why: String| {
        StorageError::NotFound(format!(
            "the database's certificate authority {}: {why}",
            file.display()
        ))
    };
    let certs = CertificateDer::pem_file_iter(file)
        .map_err(|err| unreadable(err.to_string()))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| unreadable(err.to_string()))?;
    let mut roots = RootCertStore::empty();
    let (added, _) = roots.add_parsable_certificates(certs);
    if added == 0 {
        return Err(unreadable("holds no certificate".into()));
    }
    Ok(roots)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn libpq_words_become_the_clients() {
        let (url, root) = libpq_words(
            "postgres://u:p@db.example.com:5432/sw?sslmode=verify-full&sslrootcert=/etc/ca.pem&connect_timeout=5",
        )
        .expect("reads");
        assert_eq!(root, Some(PathBuf::from("/etc/ca.pem")));
        assert!(url.contains("sslmode=require") && url.contains("connect_timeout=5"));
        assert!(!url.contains("sslrootcert"), "{url}");
        assert!(url.parse::<Config>().is_ok(), "{url}");
        let plain = "host=/tmp user=sw";
        assert_eq!(libpq_words(plain).expect("reads"), (plain.to_owned(), None));
    }

    #[test]
    fn a_missing_authority_file_is_named() {
        let err = settings("postgres://u@h/db?sslrootcert=/nonexistent/ca.pem")
            .map(|_| ())
            .expect_err("refused");
        assert!(err.to_string().contains("/nonexistent/ca.pem"), "{err}");
    }
}
