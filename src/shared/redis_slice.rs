//! A project's slice of a shared Redis or Valkey server: an ACL user named
//! after the project whose keys and channels are those under its prefix
//! (`shop:`), which the env file exports. Its commands are all but the
//! `@dangerous` ones (FLUSHALL, FLUSHDB, KEYS, CONFIG, ...: each reaches
//! every project's keys), and INFO, which clients such as Sidekiq and
//! BullMQ ask for the server's version. The user is set afresh on every
//! `up`; Redis keeps ACL users in memory only, and a server starts again
//! only through `up`, which sets its project's user again.
use crate::probe::Probe;
use crate::resp::{Reply, Resp};

/// Keys the slice may use: its prefix, with the pattern's `*`.
pub(super) fn key_pattern(owner: &str) -> String {
    format!("{owner}:*")
}

/// The administrator's connection (the `default` user).
async fn admin_session(host: &str, admin: &Probe) -> Result<Resp, String> {
    let Probe::Redis {
        port,
        user,
        password,
    } = admin
    else {
        return Err("not a Redis login".into());
    };
    let mut redis = Resp::connect(host, *port).await?;
    if let Some(password) = password {
        redis.auth(user.as_deref(), password).await?;
    }
    Ok(redis)
}

/// Sets the slice's ACL user: on, with `password` only, its prefix's keys
/// and channels only.
pub(super) async fn provision(
    host: &str,
    admin: &Probe,
    owner: &str,
    password: &str,
) -> Result<Vec<String>, String> {
    let mut redis = admin_session(host, admin).await?;
    let keys = format!("~{}", key_pattern(owner));
    let channels = format!("&{}", key_pattern(owner));
    let secret = format!(">{password}");
    redis
        .ok(&[
            "ACL",
            "SETUSER",
            owner,
            "reset",
            "on",
            &secret,
            &keys,
            &channels,
            "+@all",
            "-@dangerous",
            "+info",
        ])
        .await
        .map_err(|e| format!("setting the ACL user {owner}: {e}"))?;
    Ok(vec![format!(
        "ACL user {owner} (keys {})",
        key_pattern(owner)
    )])
}

/// Drops the slice: its keys in every database, then its ACL user.
/// Returns what was dropped.
pub(super) async fn drop(host: &str, admin: &Probe, owner: &str) -> Result<Vec<String>, String> {
    let mut redis = admin_session(host, admin).await?;
    let databases = match redis.ok(&["CONFIG", "GET", "databases"]).await? {
        Reply::Array(pair) => pair
            .get(1)
            .and_then(|n| n.text().parse::<usize>().ok())
            .unwrap_or(16),
        _ => 16,
    };
    let pattern = key_pattern(owner);
    let mut removed = 0usize;
    for db in 0..databases {
        redis.ok(&["SELECT", &db.to_string()]).await?;
        let mut cursor = "0".to_string();
        loop {
            let (next, keys) = redis.scan_page(&cursor, &pattern).await?;
            if !keys.is_empty() {
                let mut words: Vec<&[u8]> = vec![b"UNLINK"];
                words.extend(keys.iter().map(Vec::as_slice));
                if let Reply::Error(e) = redis.call(&words).await? {
                    return Err(format!("UNLINK: {e}"));
                }
                removed += keys.len();
            }
            if next == "0" {
                break;
            }
            cursor = next;
        }
    }
    redis
        .ok(&["ACL", "DELUSER", owner])
        .await
        .map_err(|e| format!("dropping the ACL user {owner}: {e}"))?;
    Ok(vec![format!("{removed} keys under {pattern}")])
}
