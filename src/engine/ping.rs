//! The engine's API version and release from the headers of `GET /_ping`:
//! about a millisecond, where `/version` takes 10-20 (the engine first asks
//! containerd and runc for theirs). Every command pays this once.
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::time::{Duration, timeout};

/// What `/_ping` says of the engine.
pub(super) struct Pinged {
    /// The newest API it speaks, e.g. `1.41`.
    pub(super) api: String,
    /// Its release, e.g. `20.10.24+dfsg1`.
    pub(super) release: String,
    /// Whether it is Podman's Docker-compatible service (`Libpod/4.3.1`).
    pub(super) podman: bool,
}

/// `None` when the endpoint is not a plain socket or TCP address, or the
/// answer lacks either header: the caller then asks `/version`, whose
/// errors are the ones to show.
pub(super) async fn ping(url: &str) -> Option<Pinged> {
    const REQUEST: &[u8] = b"GET /_ping HTTP/1.1\r\nHost: docker\r\nConnection: close\r\n\r\n";
    let exchange = async {
        let mut answer = Vec::new();
        if let Some(path) = url.strip_prefix("unix://") {
            let mut stream = tokio::net::UnixStream::connect(path).await.ok()?;
            stream.write_all(REQUEST).await.ok()?;
            stream.take(16 * 1024).read_to_end(&mut answer).await.ok()?;
        } else {
            let address = url
                .strip_prefix("tcp://")
                .or_else(|| url.strip_prefix("http://"))?
                .trim_end_matches('/');
            let mut stream = tokio::net::TcpStream::connect(address).await.ok()?;
            stream.write_all(REQUEST).await.ok()?;
            stream.take(16 * 1024).read_to_end(&mut answer).await.ok()?;
        }
        parse(&String::from_utf8_lossy(&answer))
    };
    timeout(Duration::from_secs(5), exchange).await.ok()?
}

fn parse(answer: &str) -> Option<Pinged> {
    let head = answer.split("\r\n\r\n").next()?;
    let mut lines = head.split("\r\n");
    if !lines.next()?.contains(" 200 ") {
        return None;
    }
    let (mut api, mut release, mut podman) = (None, None, false);
    for line in lines {
        let Some((name, value)) = line.split_once(':') else {
            continue;
        };
        let value = value.trim();
        match name.trim().to_ascii_lowercase().as_str() {
            "api-version" => api = Some(value.to_string()),
            // `Docker/20.10.24+dfsg1 (linux)`, or Podman's `Libpod/4.3.1 (linux)`
            "server" => {
                let docker = value.strip_prefix("Docker/");
                podman = docker.is_none() && value.starts_with("Libpod/");
                release = docker
                    .or_else(|| value.strip_prefix("Libpod/"))
                    .map(|v| v.split_whitespace().next().unwrap_or(v).to_string())
            }
            _ => {}
        }
    }
    Some(Pinged {
        api: api?,
        release: release?,
        podman,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_the_api_version_and_release_from_the_headers() {
        let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nServer: Docker/20.10.24+dfsg1 (linux)\r\nContent-Length: 2\r\n\r\nOK";
        let pinged = parse(answer).unwrap();
        assert_eq!(
            (pinged.api.as_str(), pinged.release.as_str()),
            ("1.41", "20.10.24+dfsg1")
        );
        assert!(
            parse("HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\n\r\nOK").is_none(),
            "no release"
        );
        assert!(parse("HTTP/1.1 500 Internal Server Error\r\n\r\n").is_none());
        assert!(!pinged.podman);
    }

    /// Podman 4.3's answer, as its service sends it: one round trip
    /// instead of `/version` for every command there too.
    #[test]
    fn reads_podmans_release_and_knows_it_is_podman() {
        let answer = "HTTP/1.1 200 OK\r\nApi-Version: 1.41\r\nLibpod-Api-Version: 4.3.1\r\nServer: Libpod/4.3.1 (linux)\r\nContent-Length: 2\r\n\r\nOK";
        let pinged = parse(answer).unwrap();
        assert_eq!(
            (pinged.api.as_str(), pinged.release.as_str()),
            ("1.41", "4.3.1")
        );
        assert!(pinged.podman);
    }
}
