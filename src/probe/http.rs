//! HTTP probes: a `GET` answered with the expected status, sent with the
//! template's headers (an API key) or basic authentication, so a service
//! whose key does not match the exported one is not ready; and S3, a
//! request signed with the exported keys.
use std::time::Duration;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::Reach;

/// `https` where the port speaks TLS: reqwest then never sends the
/// request in clear.
fn scheme(reach: &Reach<'_>) -> &'static str {
    if reach.tls.is_some() { "https" } else { "http" }
}

/// An HTTP `GET` with everything filled in.
#[derive(Debug, Clone)]
pub(crate) struct HttpRequest {
    pub(crate) port: u16,
    pub(crate) path: String,
    pub(crate) status: u16,
    pub(crate) headers: Vec<(String, String)>,
    /// HTTP basic authentication: user and password.
    pub(crate) basic: Option<(String, String)>,
}

impl HttpRequest {
    pub(super) fn describe(&self, host: &str, scheme: &str) -> String {
        let HttpRequest {
            port, path, status, ..
        } = self;
        let how = match (&self.basic, self.headers.is_empty()) {
            (Some((user, _)), _) => format!(" as {user}"),
            (None, false) => " with its key".to_string(),
            (None, true) => String::new(),
        };
        format!("HTTP {status} from {scheme}://{host}:{port}{path}{how}")
    }

    pub(super) async fn check(&self, reach: &Reach<'_>) -> Result<(), String> {
        let (host, scheme) = (crate::render::url_host(reach.host), scheme(reach));
        let mut request = reach
            .http
            .get(format!("{scheme}://{host}:{}{}", self.port, self.path));
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        if let Some((user, password)) = &self.basic {
            request = request.basic_auth(user, Some(password));
        }
        let response = request.send().await.map_err(|e| error_chain(&e))?;
        let got = response.status().as_u16();
        if got == self.status {
            Ok(())
        } else {
            Err(format!("status {got}"))
        }
    }
}

/// An S3 API and the keys to sign with.
#[derive(Debug, Clone)]
pub(crate) struct S3Login {
    pub(crate) port: u16,
    pub(crate) access_key: String,
    pub(crate) secret_key: String,
    pub(crate) region: String,
    /// The bucket asked about; `None`: `PROBE_BUCKET`.
    pub(crate) bucket: Option<String>,
}

/// A bucket name no project uses: the probe asks about it and only needs
/// to know whether the keys were accepted.
const PROBE_BUCKET: &str = "devsvc-ready-check";

impl S3Login {
    pub(super) fn describe(&self, host: &str, scheme: &str) -> String {
        format!(
            "S3 request signed as {} at {scheme}://{host}:{}",
            self.access_key, self.port
        )
    }

    /// A signed `HEAD` of a bucket: 200 (it exists) or 404 (it does not)
    /// means the keys were accepted; 403 that they were refused.
    pub(super) async fn check(&self, reach: &Reach<'_>) -> Result<(), String> {
        let (host, scheme) = (crate::render::url_host(reach.host), scheme(reach));
        let endpoint = format!("{scheme}://{host}:{}", self.port)
            .parse()
            .map_err(|e| format!("bad S3 endpoint: {e}"))?;
        let name = self.bucket.as_deref().unwrap_or(PROBE_BUCKET).to_string();
        let bucket = Bucket::new(endpoint, UrlStyle::Path, name, self.region.clone())
            .map_err(|e| format!("{e:?}"))?;
        let credentials = Credentials::new(&self.access_key, &self.secret_key);
        let url = bucket
            .head_bucket(Some(&credentials))
            .sign(Duration::from_secs(60));
        let response = reach
            .http
            .head(url.as_str())
            .send()
            .await
            .map_err(|e| error_chain(&e))?;
        match response.status().as_u16() {
            200 | 404 => Ok(()),
            403 => Err("the keys were refused (403)".into()),
            other => Err(format!("status {other}")),
        }
    }
}

/// reqwest's summary and its causes ("error sending request: ...: invalid
/// peer certificate: UnknownIssuer"): the cause is what the user fixes.
fn error_chain(e: &reqwest::Error) -> String {
    let mut text = e.to_string();
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        text = format!("{text}: {cause}");
        source = cause.source();
    }
    text
}
