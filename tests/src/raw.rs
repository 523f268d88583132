//! Hand-made requests to the sync endpoint, for what no honest device sends:
//! garbage bodies, bad tokens, other protocol versions, records crafted with
//! raw Automerge. Answers come back undecoded when the test needs the bytes.

use serde_bytes::ByteBuf;
use stairwell_core::protocol::{
    self, CONTENT_TYPE, ErrorBody, PROTOCOL_VERSION, PushedRecord, SYNC_PATH, SyncRequest,
    SyncResponse,
};

/// A blocking HTTP client for one server's sync endpoint.
#[derive(Debug, Clone)]
pub struct RawClient {
    url: String,
    agent: ureq::Agent,
}

impl RawClient {
    pub fn new(base_url: &str) -> RawClient {
        let agent = ureq::Agent::config_builder()
            .http_status_as_error(false)
            .build()
            .into();
        RawClient {
            url: format!("{}{SYNC_PATH}", base_url.trim_end_matches('/')),
            agent,
        }
    }

    /// POSTs `body` as a sync request; returns the status and the body.
    pub fn post(&self, token: Option<&str>, body: &[u8]) -> (u16, Vec<u8>) {
        let mut request = self.agent.post(&self.url).content_type(CONTENT_TYPE);
        if let Some(token) = token {
            request = request.header("Authorization", format!("Bearer {token}"));
        }
        let mut response = request.send(body).expect("send a request");
        let status = response.status().as_u16();
        let bytes = response
            .body_mut()
            .with_config()
            .limit(256 << 20)
            .read_to_vec()
            .expect("read the answer");
        (status, bytes)
    }

    /// A request that must fail as a whole: its status and error body.
    pub fn fail(&self, token: Option<&str>, body: &[u8]) -> (u16, ErrorBody) {
        let (status, bytes) = self.post(token, body);
        assert_ne!(status, 200, "expected the request to be refused");
        let error = protocol::decode(&bytes).unwrap_or_else(|err| {
            panic!(
                "status {status} without a CBOR error body ({err}): {:?}",
                String::from_utf8_lossy(&bytes)
            )
        });
        (status, error)
    }

    /// A sync request that must be answered with 200.
    pub fn sync(&self, token: &str, request: &SyncRequest) -> SyncResponse {
        let (status, bytes) = self.post(Some(token), &protocol::encode(request));
        assert_eq!(
            status,
            200,
            "sync refused: {:?}",
            protocol::decode::<ErrorBody>(&bytes)
        );
        protocol::decode(&bytes).expect("a sync response")
    }
}

/// A request of this build's protocol version.
pub fn request(cursor: u64, push: Vec<PushedRecord>) -> SyncRequest {
    SyncRequest {
        version: PROTOCOL_VERSION,
        cursor,
        push,
        max_records: 500,
    }
}

pub fn pushed(id: impl ToString, bytes: Vec<u8>) -> PushedRecord {
    PushedRecord {
        id: id.to_string(),
        changes: ByteBuf::from(bytes),
    }
}
