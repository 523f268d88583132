//! TLS terminated by the server itself (`serve --tls-cert FILE --tls-key
//! FILE`), with rustls: the certificate chain and key are read from PEM
//! files at start and again on SIGHUP, so a renewed certificate (certbot's
//! deploy hook, an estate CA's rotation) is taken without a restart or a
//! dropped connection; a reload that fails keeps the certificate in use
//! and says why. Connections accepted after a reload get the new one.

use std::path::{Path, PathBuf};
use std::sync::{Arc, RwLock};

use rustls::ServerConfig;
use rustls_pki_types::pem::PemObject;
use rustls_pki_types::{CertificateDer, PrivateKeyDer};
use tokio_rustls::TlsAcceptor;

/// Where the certificate chain and its key are.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TlsFiles {
    pub cert: PathBuf,
    pub key: PathBuf,
}

/// Why the certificate could not be (re)loaded.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    #[error("cannot read {path}: {reason}")]
    Read { path: PathBuf, reason: String },
    #[error("{0} holds no PEM certificate")]
    NoCertificate(PathBuf),
    #[error("the key in {path} does not fit: {reason}")]
    Key { path: PathBuf, reason: String },
}

/// The server's TLS configuration, swapped whole on reload.
#[derive(Debug)]
pub struct Tls {
    files: TlsFiles,
    config: RwLock<Arc<ServerConfig>>,
}

impl Tls {
    /// Reads the files; refuses a missing, empty or mismatched pair.
    pub fn load(files: TlsFiles) -> Result<Tls, TlsError> {
        let config = read(&files)?;
        Ok(Tls {
            files,
            config: RwLock::new(config),
        })
    }

    /// Reads the files again; on failure the certificate in use stays.
    pub fn reload(&self) -> Result<(), TlsError> {
        let config = read(&self.files)?;
        if let Ok(mut current) = self.config.write() {
            *current = config;
        }
        Ok(())
    }

    /// The acceptor for a new connection, with the current certificate.
    pub fn acceptor(&self) -> TlsAcceptor {
        let config = match self.config.read() {
            Ok(config) => config.clone(),
            Err(poisoned) => poisoned.into_inner().clone(),
        };
        TlsAcceptor::from(config)
    }
}

fn read(files: &TlsFiles) -> Result<Arc<ServerConfig>, TlsError> {
    let certs = CertificateDer::pem_file_iter(&files.cert)
        .map_err(|err| read_error(&files.cert, err))?
        .collect::<Result<Vec<_>, _>>()
        .map_err(|err| read_error(&files.cert, err))?;
    if certs.is_empty() {
        return Err(TlsError::NoCertificate(files.cert.clone()));
    }
    let key =
        PrivateKeyDer::from_pem_file(&files.key).map_err(|err| read_error(&files.key, err))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let config = ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .and_then(|builder| builder.with_no_client_auth().with_single_cert(certs, key))
        .map_err(|err| TlsError::Key {
            path: files.key.clone(),
            reason: err.to_string(),
        })?;
    let mut config = config;
    config.alpn_protocols = vec![b"http/1.1".to_vec()];
    Ok(Arc::new(config))
}

fn read_error(path: &Path, err: impl std::fmt::Display) -> TlsError {
    TlsError::Read {
        path: path.to_owned(),
        reason: err.to_string(),
    }
}
