//! The NATS probe: the server's `INFO`, a `CONNECT` with the exported
//! credentials, and a `PING` answered by `PONG`. A wrong password is
//! answered by `-ERR 'Authorization Violation'`: not ready. NATS speaks
//! TLS after its `INFO` (a `tls://` URL, or a server that requires it):
//! the connection is upgraded before `CONNECT`, or the probe stops there.
use serde_json::json;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, BufReader};

use super::Reach;

pub(super) async fn check(
    reach: &Reach<'_>,
    port: u16,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<(), String> {
    let mut plain = BufReader::new(super::connect(reach.host, port).await?);
    let info = super::read_line(&mut plain).await?;
    if !info.starts_with("INFO ") {
        return Err(format!("the server greeted with `{}`", shorten(&info)));
    }
    let requires_tls = serde_json::from_str::<serde_json::Value>(&info["INFO ".len()..])
        .is_ok_and(|v| v["tls_required"] == true);
    match reach.tls {
        Some(tls) => {
            // Bytes before the handshake would be read as clear text.
            if !plain.buffer().is_empty() {
                return Err("the server sent more than INFO before TLS".into());
            }
            let stream = tls.upgrade(reach.host, plain.into_inner()).await?;
            log_in(BufReader::new(stream), user, password).await
        }
        // The credentials are not sent in clear to a server that wants TLS.
        None if requires_tls => Err("the server requires TLS: give its URL as tls://".into()),
        None => log_in(plain, user, password).await,
    }
}

/// `CONNECT` and `PING`, then the server's answers until `PONG`.
async fn log_in<S: AsyncRead + AsyncWrite + Unpin>(
    mut reader: BufReader<S>,
    user: Option<&str>,
    password: Option<&str>,
) -> Result<(), String> {
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
