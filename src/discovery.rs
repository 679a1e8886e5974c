//! Which container engine to talk to, decided like the docker CLI does:
//! `DOCKER_HOST`, then `DOCKER_CONTEXT` or the current context of
//! `~/.docker/config.json`, then the default sockets (rootful, rootless,
//! Podman). bollard does not read contexts, so this module does.
use std::path::{Path, PathBuf};

use sha2::{Digest, Sha256};

/// An engine address and the reason it was chosen (shown by `doctor` and in
/// connection errors).
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Endpoint {
    /// `unix:///path` or `tcp://host:port`.
    pub url: String,
    pub chosen_by: String,
}

impl Endpoint {
    /// The host that published ports are reached on: loopback for a local
    /// socket, the engine's own host for a remote tcp or ssh engine.
    pub(crate) fn service_host(&self) -> String {
        let ssh = |rest: &str| {
            rest.split('/')
                .next()
                .map(|a| a.rsplit('@').next().unwrap_or(a).to_string())
        };
        match self
            .url
            .strip_prefix("tcp://")
            .or_else(|| self.url.strip_prefix("http://"))
            .map(str::to_string)
            .or_else(|| self.url.strip_prefix("ssh://").and_then(ssh))
        {
            Some(rest) => {
                let host = rest.split('/').next().unwrap_or(&rest);
                let host = match host.rsplit_once(':') {
                    Some((h, port)) if port.chars().all(|c| c.is_ascii_digit()) => h,
                    _ => host,
                };
                let host = host.trim_start_matches('[').trim_end_matches(']');
                // Any loopback address (127.0.0.0/8, ::1) is this machine,
                // where published ports answer on 127.0.0.1.
                let loopback = host
                    .parse::<std::net::IpAddr>()
                    .is_ok_and(|ip| ip.is_loopback());
                if host.is_empty() || host == "0.0.0.0" || host == "localhost" || loopback {
                    "127.0.0.1".into()
                } else {
                    host.into()
                }
            }
            None => "127.0.0.1".into(),
        }
    }

    pub(crate) fn is_local(&self) -> bool {
        self.service_host() == "127.0.0.1"
    }
}

pub(crate) type EnvLookup = Box<dyn Fn(&str) -> Option<String>>;

/// Everything discovery reads, so it can be tested without touching the
/// real environment.
pub(crate) struct Inputs {
    pub env: EnvLookup,
    pub exists: Box<dyn Fn(&Path) -> bool>,
}

pub(crate) fn discover(inputs: &Inputs) -> Endpoint {
    let env = &inputs.env;
    if let Some(host) = env("DOCKER_HOST") {
        return Endpoint {
            url: host,
            chosen_by: "DOCKER_HOST".into(),
        };
    }
    let config_dir = env("DOCKER_CONFIG")
        .map(PathBuf::from)
        .or_else(|| env("HOME").map(|h| PathBuf::from(h).join(".docker")));
    let context = env("DOCKER_CONTEXT")
        .map(|c| (c, "DOCKER_CONTEXT".to_string()))
        .or_else(|| {
            let dir = config_dir.as_ref()?;
            let path = dir.join("config.json");
            let json: serde_json::Value =
                serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?;
            let name = json.get("currentContext")?.as_str()?.to_string();
            Some((name, format!("currentContext in {}", path.display())))
        });
    if let (Some((name, source)), Some(dir)) = (context, &config_dir)
        && name != "default"
    {
        if let Some(url) = context_host(dir, &name) {
            return Endpoint {
                url,
                chosen_by: format!("context `{name}` ({source})"),
            };
        }
        return Endpoint {
            url: format!("context `{name}`"),
            chosen_by: format!(
                "{source}, but {} has no such context",
                dir.join("contexts/meta").display()
            ),
        };
    }
    let mut sockets: Vec<(PathBuf, &str)> = Vec::new();
    if let Some(run) = env("XDG_RUNTIME_DIR") {
        sockets.push((
            PathBuf::from(&run).join("docker.sock"),
            "rootless Docker socket",
        ));
    }
    sockets.push((
        PathBuf::from("/var/run/docker.sock"),
        "default Docker socket",
    ));
    if let Some(run) = env("XDG_RUNTIME_DIR") {
        sockets.push((
            PathBuf::from(run).join("podman/podman.sock"),
            "rootless Podman socket",
        ));
    }
    sockets.push((PathBuf::from("/run/podman/podman.sock"), "Podman socket"));
    let found = sockets.iter().find(|(p, _)| (inputs.exists)(p));
    let (path, why) = found.unwrap_or(&sockets[sockets.len() - 3.min(sockets.len())]);
    let why = if found.is_some() {
        format!("{why}, found")
    } else {
        "default Docker socket (no socket found: none of DOCKER_HOST, a context, or a known socket)"
            .into()
    };
    Endpoint {
        url: format!("unix://{}", path.display()),
        chosen_by: why,
    }
}

/// The docker endpoint of a named context: its meta lives in
/// `contexts/meta/<sha256 of name>/meta.json`.
fn context_host(config_dir: &Path, name: &str) -> Option<String> {
    let digest = hex::encode(Sha256::digest(name.as_bytes()));
    let meta = config_dir
        .join("contexts/meta")
        .join(digest)
        .join("meta.json");
    let json: serde_json::Value = serde_json::from_slice(&std::fs::read(meta).ok()?).ok()?;
    Some(
        json.pointer("/Endpoints/docker/Host")?
            .as_str()?
            .to_string(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn inputs(vars: &'static [(&'static str, String)], sockets: &'static [&'static str]) -> Inputs {
        Inputs {
            env: Box::new(move |k| vars.iter().find(|(n, _)| *n == k).map(|(_, v)| v.clone())),
            exists: Box::new(move |p| sockets.iter().any(|s| Path::new(s) == p)),
        }
    }

    fn leak(v: Vec<(&'static str, String)>) -> &'static [(&'static str, String)] {
        Box::leak(v.into_boxed_slice())
    }

    #[test]
    fn docker_host_wins() {
        let e = discover(&inputs(
            leak(vec![("DOCKER_HOST", "tcp://10.1.2.3:2375".into())]),
            &[],
        ));
        assert_eq!(e.url, "tcp://10.1.2.3:2375");
        assert_eq!(e.chosen_by, "DOCKER_HOST");
        assert_eq!(e.service_host(), "10.1.2.3");
    }

    #[test]
    fn services_of_an_ssh_engine_are_reached_on_its_host() {
        let at = |url: &str| Endpoint {
            url: url.into(),
            chosen_by: "DOCKER_HOST".into(),
        };
        assert_eq!(
            at("ssh://me@build.example:2222").service_host(),
            "build.example"
        );
        assert_eq!(
            at("ssh://10.0.0.7/run/docker.sock").service_host(),
            "10.0.0.7"
        );
        assert_eq!(at("ssh://me@[fd00::7]:22").service_host(), "fd00::7");
        assert!(!at("ssh://me@build.example").is_local());
        assert!(at("ssh://root@127.0.0.1:2222").is_local());
        // All of 127.0.0.0/8 and ::1 is this machine.
        for local in [
            "tcp://[::1]:2375",
            "tcp://127.0.0.2:2375",
            "tcp://127.255.0.1",
        ] {
            assert!(at(local).is_local(), "{local}");
            assert_eq!(at(local).service_host(), "127.0.0.1", "{local}");
        }
        assert_eq!(at("tcp://[fd00::5]:2375").service_host(), "fd00::5");
        assert!(!at("tcp://[fd00::5]:2375").is_local());
        assert!(!at("tcp://128.0.0.1:2375").is_local());
    }

    #[test]
    fn context_from_config_json_then_env() {
        let home = tempfile::tempdir().unwrap();
        let docker = home.path().join(".docker");
        let digest = hex::encode(Sha256::digest(b"remote"));
        let meta = docker.join("contexts/meta").join(digest);
        std::fs::create_dir_all(&meta).unwrap();
        std::fs::write(
            meta.join("meta.json"),
            r#"{"Name":"remote","Endpoints":{"docker":{"Host":"unix:///tmp/other.sock"}}}"#,
        )
        .unwrap();
        std::fs::write(docker.join("config.json"), r#"{"currentContext":"remote"}"#).unwrap();
        let h = home.path().display().to_string();
        let e = discover(&inputs(leak(vec![("HOME", h.clone())]), &[]));
        assert_eq!(e.url, "unix:///tmp/other.sock");
        assert!(e.chosen_by.contains("currentContext"), "{}", e.chosen_by);
        let e = discover(&inputs(
            leak(vec![("HOME", h), ("DOCKER_CONTEXT", "nope".into())]),
            &[],
        ));
        assert!(e.chosen_by.contains("no such context"), "{}", e.chosen_by);
    }

    #[test]
    fn socket_order_rootless_then_default_then_podman() {
        let run = vec![("XDG_RUNTIME_DIR", "/run/user/1000".to_string())];
        let e = discover(&inputs(
            leak(run.clone()),
            &["/run/user/1000/docker.sock", "/var/run/docker.sock"],
        ));
        assert_eq!(e.url, "unix:///run/user/1000/docker.sock");
        let e = discover(&inputs(leak(run.clone()), &["/var/run/docker.sock"]));
        assert_eq!(e.url, "unix:///var/run/docker.sock");
        let e = discover(&inputs(
            leak(run.clone()),
            &["/run/user/1000/podman/podman.sock"],
        ));
        assert_eq!(e.url, "unix:///run/user/1000/podman/podman.sock");
        let e = discover(&inputs(leak(run), &[]));
        assert_eq!(e.url, "unix:///var/run/docker.sock");
        assert!(e.chosen_by.contains("no socket found"));
    }
}
