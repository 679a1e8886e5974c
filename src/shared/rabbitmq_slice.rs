//! A project's slice of a shared RabbitMQ: a virtual host and a user, both
//! named after the project, the user allowed everything in that vhost and
//! nothing elsewhere (another project's vhost refuses it: `access to vhost
//! ... refused`), with no management tags (it cannot log in to the web
//! UI). Made through the management HTTP API as the administrator.
use crate::probe::HttpRequest;

/// The management API's base URL and the administrator's login.
struct Api<'a> {
    base: String,
    admin: &'a HttpRequest,
    http: &'a reqwest::Client,
}

impl Api<'_> {
    fn new<'a>(
        host: &str,
        admin: &'a HttpRequest,
        http: &'a reqwest::Client,
    ) -> Result<Api<'a>, String> {
        if admin.basic.is_none() {
            return Err("the management API's `admin:` login needs a user and password".into());
        }
        Ok(Api {
            base: format!(
                "http://{}:{}/api",
                crate::render::url_host(host),
                admin.port
            ),
            admin,
            http,
        })
    }

    /// `method path` with a JSON body; any status but a success or one of
    /// `tolerated` is the error.
    async fn send(
        &self,
        method: reqwest::Method,
        path: &str,
        body: Option<serde_json::Value>,
        tolerated: &[u16],
    ) -> Result<u16, String> {
        let (user, password) = self.admin.basic.as_ref().expect("checked in new");
        let mut request = self
            .http
            .request(method.clone(), format!("{}{path}", self.base))
            .basic_auth(user, Some(password));
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request
            .send()
            .await
            .map_err(|e| format!("{method} {path}: {e}"))?;
        let status = response.status();
        if status.is_success() || tolerated.contains(&status.as_u16()) {
            return Ok(status.as_u16());
        }
        let text = response.text().await.unwrap_or_default();
        Err(format!(
            "{method} {path}: the management API answered {status}: {text}"
        ))
    }
}

/// `shop`, as a path segment.
fn segment(name: &str) -> String {
    percent_encoding::utf8_percent_encode(name, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Makes the vhost, the user (its password set again) and its
/// permissions in the vhost.
pub(super) async fn provision(
    host: &str,
    admin: &HttpRequest,
    http: &reqwest::Client,
    owner: &str,
    password: &str,
) -> Result<Vec<String>, String> {
    let api = Api::new(host, admin, http)?;
    let name = segment(owner);
    let made = api
        .send(reqwest::Method::PUT, &format!("/vhosts/{name}"), None, &[])
        .await?;
    api.send(
        reqwest::Method::PUT,
        &format!("/users/{name}"),
        Some(serde_json::json!({ "password": password, "tags": "" })),
        &[],
    )
    .await?;
    api.send(
        reqwest::Method::PUT,
        &format!("/permissions/{name}/{name}"),
        Some(serde_json::json!({ "configure": ".*", "write": ".*", "read": ".*" })),
        &[],
    )
    .await?;
    // 201: made now; 204: it was there.
    let mut things = Vec::new();
    if made == 201 {
        things.push(format!("vhost {owner}"));
    }
    things.push(format!("user {owner} (vhost {owner})"));
    Ok(things)
}

/// Drops the slice: the vhost with its queues and exchanges, then the user.
pub(super) async fn drop(
    host: &str,
    admin: &HttpRequest,
    http: &reqwest::Client,
    owner: &str,
) -> Result<Vec<String>, String> {
    let api = Api::new(host, admin, http)?;
    let name = segment(owner);
    let vhost = api
        .send(
            reqwest::Method::DELETE,
            &format!("/vhosts/{name}"),
            None,
            &[404],
        )
        .await?;
    api.send(
        reqwest::Method::DELETE,
        &format!("/users/{name}"),
        None,
        &[404],
    )
    .await?;
    Ok(match vhost {
        404 => Vec::new(),
        _ => vec![format!("vhost {owner} with its queues")],
    })
}
