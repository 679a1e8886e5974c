//! The NATS probe: the server's `INFO`, a `CONNECT` with the exported
//! credentials, and a `PING` answered by `PONG`. A wrong password is
//! answered by `-ERR 'Authorization Violation'`: not ready.
use serde_json::json;
use tokio::io::{AsyncWriteExt, BufReader};

pub(super) async fn check(
    host: &str,
    port: u16,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<(), String> {
    let mut reader = BufReader::new(super::connect(host, port).await?);
    let info = super::read_line(&mut reader).await?;
    if !info.starts_with("INFO ") {
        return Err(format!("the server greeted with `{}`", shorten(&info)));
    }
    let mut connect = json!({
        "verbose": false,
        "pedantic": false,
        "name": "devsvc",
        "lang": "devsvc",
        "version": env!("CARGO_PKG_VERSION"),
        "protocol": 1,
    });
    if let Some(user) = user {
        connect["user"] = user.into();
    }
    if let Some(password) = password {
        connect["pass"] = password.into();
    }
    let request = format!("CONNECT {connect}\r\nPING\r\n");
    reader
        .get_mut()
        .write_all(request.as_bytes())
        .await
        .map_err(|e| e.to_string())?;
    loop {
        match super::read_line(&mut reader).await?.as_str() {
            "PONG" => return Ok(()),
            // The server may check on us first, or repeat its INFO.
            "PING" => {
                let _ = reader.get_mut().write_all(b"PONG\r\n").await;
            }
            line if line.starts_with("INFO ") || line == "+OK" => {}
            line => return Err(format!("CONNECT answered `{}`", shorten(line))),
        }
    }
}

/// The start of a long line (an INFO is a whole JSON document).
fn shorten(line: &str) -> String {
    match line.char_indices().nth(120) {
        Some((cut, _)) => format!("{}...", &line[..cut]),
        None => line.to_string(),
    }
}
