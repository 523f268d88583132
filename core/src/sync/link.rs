//! The enrollment link a phone scans from the console's QR code:
//! `stairwell://enroll?server=<server URL>&code=<one-time code>`. One
//! format, written by the server's console and read by the phone (the
//! bindings' `enroll_with_link`), so the app needs no parsing of its own.

use url::Url;

/// The scheme and host of an enrollment link.
const PREFIX: &str = "stairwell://enroll";

/// A server to enroll with and the one-time code to enroll by.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EnrollmentLink {
    pub server: String,
    pub code: String,
}

impl EnrollmentLink {
    /// The link as the QR code carries it.
    pub fn to_uri(&self) -> String {
        let mut url = Url::parse(PREFIX).unwrap_or_else(|_| unreachable!("a constant URL"));
        url.query_pairs_mut()
            .append_pair("server", &self.server)
            .append_pair("code", &self.code);
        url.into()
    }

    /// Reads a scanned link; says what is wrong with one that is not ours.
    pub fn parse(text: &str) -> Result<EnrollmentLink, String> {
        let text = text.trim();
        let url = Url::parse(text).map_err(|err| format!("not an enrollment link: {err}"))?;
        if url.scheme() != "stairwell" || url.host_str() != Some("enroll") {
            return Err(format!(
                "not an enrollment link (it should start with {PREFIX}?): {text}"
            ));
        }
        let value = |name: &str| {
            url.query_pairs()
                .find(|(key, _)| key == name)
                .map(|(_, value)| value.trim().to_owned())
                .filter(|value| !value.is_empty())
                .ok_or_else(|| format!("the enrollment link has no {name}"))
        };
        Ok(EnrollmentLink {
            server: value("server")?,
            code: value("code")?,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_link_reads_back_as_written() {
        let link = EnrollmentLink {
            server: "https://stairwell.example.com:8443/base?x=1&y=2".into(),
            code: "AB12-CD34".into(),
        };
        let uri = link.to_uri();
        assert!(
            uri.starts_with("stairwell://enroll?server=https%3A%2F%2F"),
            "{uri}"
        );
        assert_eq!(EnrollmentLink::parse(&uri), Ok(link));
    }

    #[test]
    fn other_texts_are_refused_with_the_reason() {
        for (text, says) in [
            (
                "https://example.com/?server=a&code=b",
                "not an enrollment link",
            ),
            ("stairwell://enroll?server=https%3A%2F%2Fa", "has no code"),
            ("stairwell://enroll?code=AB12-CD34", "has no server"),
            ("AB12-CD34", "not an enrollment link"),
        ] {
            let err = EnrollmentLink::parse(text).expect_err(text);
            assert!(err.contains(says), "{text}: {err}");
        }
    }
}
