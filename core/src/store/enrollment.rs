//! Which server this device syncs with, with which token, and who that token
//! speaks for. Kept in the store file so that a phone restarted in a
//! basement still knows its user, role and estates without the network.

use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::{Store, StoreError, index, meta, write_tx};
use crate::protocol::Identity;

const ENROLLMENT: &str = "enrollment";

/// The device's enrollment with a server.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Enrollment {
    pub server_url: String,
    pub token: String,
    pub identity: Identity,
    /// The estate's own certificate authority (PEM), when its server's
    /// certificate is not one the platform trusts: the only root trusted
    /// for this server then.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ca_pem: Option<String>,
}

impl Store {
    /// Keeps the enrollment and each estate's time zone, in one transaction.
    pub fn enroll(&mut self, enrollment: &Enrollment) -> Result<(), StoreError> {
        let zones = enrollment
            .identity
            .estates
            .iter()
            .map(|estate| {
                let tz: Tz = estate.time_zone.parse().map_err(|_| {
                    StoreError::Corrupt(format!(
                        "the server named an unknown time zone {:?}",
                        estate.time_zone
                    ))
                })?;
                Ok((estate.id.as_str(), tz))
            })
            .collect::<Result<Vec<_>, StoreError>>()?;
        let json = serde_json::to_string(enrollment)
            .map_err(|err| StoreError::Corrupt(err.to_string()))?;
        let tx = write_tx(&mut self.conn)?;
        meta::put(&tx, ENROLLMENT, json)?;
        for (estate, tz) in zones {
            if meta::set_time_zone(&tx, estate, tz)? {
                index::reindex_estate(&tx, estate)?;
            }
        }
        Ok(tx.commit()?)
    }

    /// The enrollment, or `None` before the device has enrolled.
    pub fn enrollment(&self) -> Result<Option<Enrollment>, StoreError> {
        meta::get::<String>(&self.conn, ENROLLMENT)?
            .map(|json| {
                serde_json::from_str(&json).map_err(|err| StoreError::Corrupt(err.to_string()))
            })
            .transpose()
    }
}
