//! Seed data: a file of Redis commands, or a folder of S3 buckets, applied
//! to a service whose data is new (by `up`) or on demand (`devsvc seed`).
//! Without `force` a service that holds data already is left alone; with
//! it, the seed goes over the data: seeded keys and objects get their
//! seeded values again, everything else stays.
use std::path::Path;

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use crate::resp::{Reply, Resp};

use super::{S3Target, SIGNED_FOR};

/// What seeding did.
#[derive(Debug, PartialEq)]
pub(crate) enum Seeded {
    /// Applied; says what, e.g. `12 commands from fixtures/redis.txt`.
    Applied(String),
    /// Not applied: the service holds data already (and no `force`).
    HasData,
}

/// One command of a Redis seed file and the line it is on.
#[derive(Debug, PartialEq)]
pub(crate) struct Command {
    pub(crate) line: usize,
    pub(crate) words: Vec<Vec<u8>>,
}

/// How long one command may take to answer (a `BLPOP k 0` in a seed file
/// would otherwise wait for ever).
const COMMAND_TIMEOUT: std::time::Duration = std::time::Duration::from_secs(30);

/// Reads a seed file: one command per line, words split on spaces; a word
/// in double quotes may hold spaces and the escapes `\n`, `\r`, `\t`,
/// `\"`, `\\` and `\xHH` (any byte); one in single quotes is taken as
/// written, but for `\'`. Blank lines and lines starting with `#` are
/// skipped.
pub(crate) fn parse_commands(text: &str) -> Result<Vec<Command>, (usize, String)> {
    let mut commands = Vec::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            continue;
        }
        let words = split_words(trimmed).map_err(|why| (index + 1, why))?;
        commands.push(Command {
            line: index + 1,
            words,
        });
    }
    Ok(commands)
}

fn split_words(line: &str) -> Result<Vec<Vec<u8>>, String> {
    let mut words = Vec::new();
    let mut chars = line.chars().peekable();
    loop {
        while chars.next_if(|c| *c == ' ' || *c == '\t').is_some() {}
        let Some(&first) = chars.peek() else {
            return Ok(words);
        };
        let mut word = Vec::new();
        let push = |word: &mut Vec<u8>, c: char| {
            word.extend_from_slice(c.encode_utf8(&mut [0; 4]).as_bytes())
        };
        match first {
            '"' => {
                chars.next();
                loop {
                    match chars.next().ok_or("unbalanced quotes")? {
                        '"' => break,
                        '\\' => unescape(&mut chars, &mut word)?,
                        c => push(&mut word, c),
                    }
                }
            }
            '\'' => {
                chars.next();
                loop {
                    match chars.next().ok_or("unbalanced quotes")? {
                        '\'' => break,
                        '\\' if chars.peek() == Some(&'\'') => {
                            chars.next();
                            word.push(b'\'');
                        }
                        c => push(&mut word, c),
                    }
                }
            }
            _ => {
                while let Some(c) = chars.next_if(|c| *c != ' ' && *c != '\t') {
                    push(&mut word, c);
                }
            }
        }
        if chars.peek().is_some_and(|c| *c != ' ' && *c != '\t') {
            return Err("a closing quote must be followed by a space".into());
        }
        words.push(word);
    }
}

/// One escape after a backslash in double quotes, as bytes.
fn unescape(
    chars: &mut std::iter::Peekable<std::str::Chars>,
    word: &mut Vec<u8>,
) -> Result<(), String> {
    let byte = match chars.next().ok_or("unbalanced quotes")? {
        'n' => b'\n',
        'r' => b'\r',
        't' => b'\t',
        'b' => 8,
        'a' => 7,
        'x' => {
            let hex: String = [chars.next(), chars.next()].into_iter().flatten().collect();
            u8::from_str_radix(&hex, 16).map_err(|_| format!("bad escape \\x{hex}"))?
        }
        other => {
            word.extend_from_slice(other.encode_utf8(&mut [0; 4]).as_bytes());
            return Ok(());
        }
    };
    word.push(byte);
    Ok(())
}

/// Sends the file's commands to Redis one at a time: the first error
/// stops the seed and names its file and line.
pub(crate) async fn redis(
    file: &Path,
    host: &str,
    port: u16,
    login: RedisAuth<'_>,
    force: bool,
) -> Result<Seeded, String> {
    let shown = file.display();
    let text = std::fs::read_to_string(file).map_err(|e| format!("{shown}: {e}"))?;
    let commands = parse_commands(&text).map_err(|(line, why)| format!("{shown}:{line}: {why}"))?;
    let mut redis = Resp::connect(host, port).await?;
    if let Some(password) = login.password {
        redis.auth(login.user, password).await?;
    }
    if !force && holds_data(&mut redis, login.user).await? {
        return Ok(Seeded::HasData);
    }
    for command in &commands {
        let words: Vec<&[u8]> = command.words.iter().map(Vec::as_slice).collect();
        let answer = tokio::time::timeout(COMMAND_TIMEOUT, redis.call(&words))
            .await
            .map_err(|_| {
                format!(
                    "{shown}:{}: no answer within {} s",
                    command.line,
                    COMMAND_TIMEOUT.as_secs()
                )
            })?
            .map_err(|e| format!("{shown}:{}: {e}", command.line))?;
        if let Reply::Error(error) = answer {
            return Err(format!("{shown}:{}: Redis answered: {error}", command.line));
        }
    }
    Ok(Seeded::Applied(format!(
        "{} commands from {shown}",
        commands.len()
    )))
}

/// How a seed logs in to Redis.
#[derive(Clone, Copy)]
pub(crate) struct RedisAuth<'a> {
    /// The ACL user; `None`: `default`. A user is a slice of a shared
    /// server, whose keys are those under `USER:`.
    pub(crate) user: Option<&'a str>,
    pub(crate) password: Option<&'a str>,
}

/// Whether the data the seed would go over is there: any key at all on a
/// server of the project's own; a key under the slice's prefix on a
/// shared one (where other projects' keys do not count).
async fn holds_data(redis: &mut Resp, user: Option<&str>) -> Result<bool, String> {
    let Some(user) = user else {
        return Ok(redis.ok(&["DBSIZE"]).await? != Reply::Integer(0));
    };
    let pattern = format!("{user}:*");
    let mut cursor = "0".to_string();
    loop {
        let (next, keys) = redis.scan_page(&cursor, &pattern).await?;
        if !keys.is_empty() {
            return Ok(true);
        }
        if next == "0" {
            return Ok(false);
        }
        cursor = next;
    }
}

/// Uploads each subfolder of `folder` into the bucket of its name, keys
/// being the files' paths below it, content types by extension. Without
/// `force`, a bucket holding objects already is left alone.
/// A service's buckets, and what their names start with beyond the seed
/// folders' (a shared server's slice: folder `uploads`, bucket
/// `shop-uploads`).
#[derive(Clone, Copy)]
pub(crate) struct Buckets<'a> {
    pub(crate) names: &'a [String],
    pub(crate) prefix: &'a str,
}

pub(crate) async fn s3(
    folder: &Path,
    target: &S3Target,
    buckets: Buckets<'_>,
    http: &reqwest::Client,
    force: bool,
) -> Result<Seeded, String> {
    let endpoint: url::Url = target
        .endpoint
        .parse()
        .map_err(|e| format!("bad S3 endpoint {}: {e}", target.endpoint))?;
    let credentials = Credentials::new(&target.access_key, &target.secret_key);
    let mut uploaded = 0;
    let mut seeded_buckets = Vec::new();
    for (folder_name, dir) in subfolders(folder)? {
        let name = format!("{}{folder_name}", buckets.prefix);
        if !buckets.names.contains(&name) {
            return Err(format!(
                "{}: `{folder_name}` is not one of the service's buckets ({}); add it to `buckets:`",
                dir.display(),
                buckets.names.join(", ")
            ));
        }
        let bucket = Bucket::new(
            endpoint.clone(),
            UrlStyle::Path,
            name.clone(),
            target.region.clone(),
        )
        .map_err(|e| format!("bucket {name}: {e:?}"))?;
        if !force && !bucket_is_empty(&bucket, &credentials, http).await? {
            continue;
        }
        for (key, path) in files_below(&dir)? {
            let body = std::fs::read(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            let content_type = mime_guess::from_path(&path).first_or_octet_stream();
            let put = bucket.put_object(Some(&credentials), &key).sign(SIGNED_FOR);
            let response = http
                .put(put.as_str())
                .header("content-type", content_type.as_ref())
                .body(body)
                .send()
                .await
                .map_err(|e| format!("{}: uploading: {e}", path.display()))?;
            if !response.status().is_success() {
                let status = response.status();
                let answer = response.text().await.unwrap_or_default();
                return Err(format!(
                    "{}: the S3 API answered {status}: {answer}",
                    path.display()
                ));
            }
            uploaded += 1;
        }
        seeded_buckets.push(name);
    }
    if seeded_buckets.is_empty() {
        return Ok(Seeded::HasData);
    }
    Ok(Seeded::Applied(format!(
        "{uploaded} objects from {} into {}",
        folder.display(),
        seeded_buckets.join(", ")
    )))
}

async fn bucket_is_empty(
    bucket: &Bucket,
    credentials: &Credentials,
    http: &reqwest::Client,
) -> Result<bool, String> {
    let mut list = bucket.list_objects_v2(Some(credentials));
    list.with_max_keys(1);
    let url = list.sign(SIGNED_FOR);
    let response = http
        .get(url.as_str())
        .send()
        .await
        .map_err(|e| format!("listing bucket {}: {e}", bucket.name()))?;
    let status = response.status();
    let body = response.text().await.unwrap_or_default();
    if !status.is_success() {
        return Err(format!(
            "listing bucket {}: the S3 API answered {status}: {body}",
            bucket.name()
        ));
    }
    Ok(!body.contains("<Contents>"))
}

/// The folder's subfolders, by name, sorted; hidden ones (`.git`) are
/// not buckets.
fn subfolders(folder: &Path) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let mut found = Vec::new();
    let entries = std::fs::read_dir(folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    for entry in entries {
        let entry = entry.map_err(|e| format!("{}: {e}", folder.display()))?;
        if entry.path().is_dir() && !entry.file_name().to_string_lossy().starts_with('.') {
            found.push((
                entry.file_name().to_string_lossy().into_owned(),
                entry.path(),
            ));
        }
    }
    found.sort();
    Ok(found)
}

/// Every file below `dir`, with its key: the path relative to `dir`,
/// `/`-separated; sorted. A link to a folder is followed once per folder
/// it reaches, so a link back up (`fixtures/again -> ..`) ends.
fn files_below(dir: &Path) -> Result<Vec<(String, std::path::PathBuf)>, String> {
    let mut found = Vec::new();
    let mut seen = std::collections::HashSet::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(current) = pending.pop() {
        let real =
            std::fs::canonicalize(&current).map_err(|e| format!("{}: {e}", current.display()))?;
        if !seen.insert(real) {
            continue;
        }
        let entries =
            std::fs::read_dir(&current).map_err(|e| format!("{}: {e}", current.display()))?;
        for entry in entries {
            let path = entry
                .map_err(|e| format!("{}: {e}", current.display()))?
                .path();
            // Hidden files and folders (`.DS_Store`, `.git`) are the
            // machine's or the tools', not seed data.
            if path
                .file_name()
                .is_some_and(|n| n.to_string_lossy().starts_with('.'))
            {
                continue;
            }
            if path.is_dir() {
                pending.push(path);
            } else {
                let key = path
                    .strip_prefix(dir)
                    .map_err(|e| e.to_string())?
                    .components()
                    .map(|c| c.as_os_str().to_string_lossy())
                    .collect::<Vec<_>>()
                    .join("/");
                found.push((key, path));
            }
        }
    }
    found.sort();
    Ok(found)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hidden_files_and_folders_are_not_seed_data() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join(".git/objects")).unwrap();
        std::fs::write(dir.path().join(".git/objects/x"), "x").unwrap();
        std::fs::write(dir.path().join(".DS_Store"), "x").unwrap();
        std::fs::create_dir(dir.path().join("img")).unwrap();
        std::fs::write(dir.path().join("img/.hidden.png"), "x").unwrap();
        std::fs::write(dir.path().join("img/logo.png"), "x").unwrap();
        let keys: Vec<String> = files_below(dir.path())
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["img/logo.png"]);
    }

    #[test]
    fn a_link_back_up_is_followed_once() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("users")).unwrap();
        std::fs::write(dir.path().join("users/a.json"), "{}").unwrap();
        std::os::unix::fs::symlink("..", dir.path().join("users/again")).unwrap();
        let keys: Vec<String> = files_below(dir.path())
            .unwrap()
            .into_iter()
            .map(|(key, _)| key)
            .collect();
        assert_eq!(keys, ["users/a.json"]);
    }

    #[test]
    fn commands_split_on_spaces_with_quotes_and_escapes() {
        let text = "# fixtures\nSET greeting \"hello\\tworld\"\n\n  HSET user:1 name 'Ada L' age 36\nSET raw \"\\x41\\\"\"\n";
        let commands = parse_commands(text).unwrap();
        assert_eq!(commands.len(), 3);
        assert_eq!(commands[0].line, 2);
        let words = |i: usize| -> Vec<String> {
            commands[i]
                .words
                .iter()
                .map(|w| String::from_utf8_lossy(w).into_owned())
                .collect()
        };
        assert_eq!(words(0), ["SET", "greeting", "hello\tworld"]);
        assert_eq!(words(1), ["HSET", "user:1", "name", "Ada L", "age", "36"]);
        assert_eq!(words(2), ["SET", "raw", "A\""]);
        // Any byte, as redis-cli sends it; `\'` inside single quotes.
        let bytes = parse_commands("SET b \"\\xff\\x00\" 'it\\'s'\n").unwrap();
        assert_eq!(bytes[0].words[2], [0xff, 0x00]);
        assert_eq!(bytes[0].words[3], b"it's");
        assert_eq!(parse_commands("SET a \"open\n").unwrap_err().0, 1);
        assert_eq!(parse_commands("OK\nSET a 'x'y\n").unwrap_err().0, 2);
    }
}
