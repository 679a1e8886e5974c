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
    /// Ready only once an object is written and read back (the bucket
    /// made when missing): the storage behind the API serves data, not
    /// only its metadata. A SeaweedFS just restarted accepts keys and
    /// lists buckets for seconds before its volume server has registered
    /// and reads of the objects it holds answer InternalError.
    pub(crate) write: bool,
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
        match (response.status().as_u16(), self.write) {
            (200 | 404, false) => Ok(()),
            (200 | 404, true) => round_trip(reach, &bucket, &credentials).await,
            (403, _) => Err("the keys were refused (403)".into()),
            (other, _) => Err(format!("status {other}")),
        }
    }
}

/// Makes the bucket when missing, writes an object and reads it back.
async fn round_trip(
    reach: &Reach<'_>,
    bucket: &Bucket,
    credentials: &Credentials,
) -> Result<(), String> {
    let signed = Duration::from_secs(60);
    let create = bucket.create_bucket(credentials).sign(signed);
    let made = reach.http.put(create.as_str()).send().await;
    let made = made.map_err(|e| error_chain(&e))?.status().as_u16();
    if !matches!(made, 200 | 409) {
        return Err(format!(
            "making the bucket {}: status {made}",
            bucket.name()
        ));
    }
    let key = "devsvc-ready";
    let put = bucket.put_object(Some(credentials), key).sign(signed);
    let written = reach.http.put(put.as_str()).body("ready").send().await;
    let written = written.map_err(|e| error_chain(&e))?.status();
    if !written.is_success() {
        return Err(format!("writing an object: status {written}"));
    }
    let get = bucket.get_object(Some(credentials), key).sign(signed);
    let read = reach.http.get(get.as_str()).send().await;
    match read.map_err(|e| error_chain(&e))?.status() {
        status if status.is_success() => Ok(()),
        status => Err(format!("reading an object back: status {status}")),
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
