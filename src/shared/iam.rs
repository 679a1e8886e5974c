//! The IAM API of a shared S3 server (SeaweedFS serves it on its S3 port):
//! form-encoded `POST`s signed with AWS Signature Version 4 for the `iam`
//! service, as the administrator. Only what a slice needs: users, their
//! one access key and their inline policy.
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

use crate::probe::S3Login;

/// An IAM endpoint and the administrator's keys.
pub(super) struct Iam<'a> {
    pub(super) endpoint: String,
    pub(super) login: &'a S3Login,
    pub(super) http: &'a reqwest::Client,
}

/// What IAM answered: the body on success, or its error code and message.
pub(super) enum Answer {
    Done(String),
    Refused { code: String, message: String },
}

impl Iam<'_> {
    /// Calls `action` with `params`; a transport failure is the error.
    pub(super) async fn call(
        &self,
        action: &str,
        params: &[(&str, &str)],
    ) -> Result<Answer, String> {
        let body: String = url::form_urlencoded::Serializer::new(String::new())
            .append_pair("Action", action)
            .append_pair("Version", "2010-05-08")
            .extend_pairs(params)
            .finish();
        let url: url::Url = self
            .endpoint
            .parse()
            .map_err(|e| format!("bad IAM endpoint {}: {e}", self.endpoint))?;
        let host = match url.port() {
            Some(port) => format!("{}:{port}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let now = jiff::Timestamp::now();
        let headers = sign(
            self.login,
            &host,
            &body,
            &now.strftime("%Y%m%dT%H%M%SZ").to_string(),
        );
        let mut request = self.http.post(url).body(body);
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("IAM {action}: {e}"))?;
        let status = response.status();
        let text = response.text().await.unwrap_or_default();
        if status.is_success() {
            return Ok(Answer::Done(text));
        }
        Ok(Answer::Refused {
            code: element(&text, "Code").unwrap_or_else(|| status.to_string()),
            message: element(&text, "Message").unwrap_or_default(),
        })
    }

    /// Calls `action`; any refusal but one of `tolerated` (by code) is
    /// the error.
    pub(super) async fn expect(
        &self,
        action: &str,
        params: &[(&str, &str)],
        tolerated: &[&str],
    ) -> Result<String, String> {
        match self.call(action, params).await? {
            Answer::Done(body) => Ok(body),
            Answer::Refused { code, .. } if tolerated.contains(&code.as_str()) => Ok(String::new()),
            Answer::Refused { code, message } => Err(format!("IAM {action}: {code}: {message}")),
        }
    }
}

pub(super) const CONTENT_TYPE: &str = "application/x-www-form-urlencoded; charset=utf-8";

/// The headers that sign a `POST /` of `body` at `amz_date`
/// (`20261202T061500Z`).
fn sign(login: &S3Login, host: &str, body: &str, amz_date: &str) -> Vec<(&'static str, String)> {
    let day = &amz_date[..8];
    let signed_headers = "content-type;host;x-amz-date";
    let canonical = format!(
        "POST\n/\n\ncontent-type:{CONTENT_TYPE}\nhost:{host}\nx-amz-date:{amz_date}\n\n{signed_headers}\n{}",
        hex::encode(Sha256::digest(body.as_bytes()))
    );
    let scope = format!("{day}/{}/iam/aws4_request", login.region);
    let to_sign = format!(
        "AWS4-HMAC-SHA256\n{amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical.as_bytes()))
    );
    let mut key = format!("AWS4{}", login.secret_key).into_bytes();
    for part in [day, login.region.as_str(), "iam", "aws4_request"] {
        key = hmac(&key, part.as_bytes());
    }
    let signature = hex::encode(hmac(&key, to_sign.as_bytes()));
    vec![
        ("content-type", CONTENT_TYPE.to_string()),
        ("x-amz-date", amz_date.to_string()),
        (
            "authorization",
            format!(
                "AWS4-HMAC-SHA256 Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
                login.access_key
            ),
        ),
    ]
}

fn hmac(key: &[u8], data: &[u8]) -> Vec<u8> {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes any key length");
    mac.update(data);
    mac.finalize().into_bytes().to_vec()
}

/// The text of the first `<name>` element of an XML answer, its entities
/// read (a policy comes back as `{&#34;Version&#34;: ...`).
pub(super) fn element(xml: &str, name: &str) -> Option<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event().ok()? {
            quick_xml::events::Event::Start(start) if start.name().as_ref() == name.as_bytes() => {
                let text = reader.read_text(start.name()).ok()?;
                return quick_xml::escape::unescape(&text)
                    .ok()
                    .map(|t| t.into_owned());
            }
            quick_xml::events::Event::Eof => return None,
            _ => {}
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The signature botocore's `SigV4Auth` gives the same request (AWS's
    /// documented example keys and date, a `POST` of `ListUsers`): an
    /// implementation of its own to check against.
    #[test]
    fn signs_as_botocore_does() {
        let login = S3Login {
            port: 443,
            access_key: "AKIDEXAMPLE".into(),
            secret_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            region: "us-east-1".into(),
            bucket: None,
            write: false,
        };
        let headers = sign(
            &login,
            "iam.amazonaws.com",
            "Action=ListUsers&Version=2010-05-08",
            "20150830T123600Z",
        );
        let authorization = &headers[2].1;
        assert!(
            authorization.ends_with(
                "Signature=5d76d0de3e0ffe5a7a23cfce21b99d6f4e5060aad86bd9dc7c617f224e5b492a"
            ),
            "{authorization}"
        );
    }

    #[test]
    fn reads_an_error_code() {
        let xml = "<ErrorResponse><Error><Code>EntityAlreadyExists</Code><Message>x</Message></Error></ErrorResponse>";
        assert_eq!(element(xml, "Code").as_deref(), Some("EntityAlreadyExists"));
        let policy = "<R><PolicyDocument>{&#34;Version&#34;:1}</PolicyDocument></R>";
        assert_eq!(
            element(policy, "PolicyDocument").as_deref(),
            Some("{\"Version\":1}")
        );
        assert_eq!(element(xml, "Nope"), None);
    }
}
