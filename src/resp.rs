//! A small RESP2 client for Redis and Valkey: one connection, one command
//! at a time, whole replies parsed. Seeds send their commands through it,
//! and shared servers make their ACL users and drop a slice's keys.
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// One reply, as Redis sent it.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Reply {
    /// `+OK`.
    Simple(String),
    /// `-ERR ...`, `-NOPERM ...`: Redis refused the command.
    Error(String),
    Integer(i64),
    /// `None`: the null bulk string.
    Bulk(Option<Vec<u8>>),
    Array(Vec<Reply>),
}

impl Reply {
    /// The reply as text, for messages (`OK`, `3`, a bulk string).
    pub(crate) fn text(&self) -> String {
        match self {
            Reply::Simple(s) | Reply::Error(s) => s.clone(),
            Reply::Integer(n) => n.to_string(),
            Reply::Bulk(Some(b)) => String::from_utf8_lossy(b).into_owned(),
            Reply::Bulk(None) => "(nil)".into(),
            Reply::Array(items) => format!("({} items)", items.len()),
        }
    }
}

/// A connection to one server.
pub(crate) struct Resp(BufReader<TcpStream>);

impl Resp {
    pub(crate) async fn connect(host: &str, port: u16) -> Result<Resp, String> {
        let stream = TcpStream::connect((host, port))
            .await
            .map_err(|e| format!("connecting to Redis at {host}:{port}: {e}"))?;
        Ok(Resp(BufReader::new(stream)))
    }

    /// `AUTH [user] password`; Redis's refusal is an error.
    pub(crate) async fn auth(&mut self, user: Option<&str>, password: &str) -> Result<(), String> {
        let reply = match user {
            Some(user) => self.ok(&["AUTH", user, password]).await,
            None => self.ok(&["AUTH", password]).await,
        };
        match reply {
            Err(e) => Err(e),
            Ok(_) => Ok(()),
        }
    }

    /// Sends one command and reads its whole reply; the error is the
    /// connection's (Redis's own refusals are `Reply::Error`).
    pub(crate) async fn call(&mut self, words: &[&[u8]]) -> Result<Reply, String> {
        self.0
            .get_mut()
            .write_all(&command(words))
            .await
            .map_err(|e| e.to_string())?;
        self.reply().await
    }

    /// One command that must succeed; Redis's refusal becomes the error.
    pub(crate) async fn ok(&mut self, words: &[&str]) -> Result<Reply, String> {
        let bytes: Vec<&[u8]> = words.iter().map(|w| w.as_bytes()).collect();
        match self.call(&bytes).await? {
            Reply::Error(e) => Err(format!("{}: {e}", words[0])),
            reply => Ok(reply),
        }
    }

    /// One page of `SCAN cursor MATCH pattern`: the next cursor (`0` when
    /// done) and the keys found.
    pub(crate) async fn scan_page(
        &mut self,
        cursor: &str,
        pattern: &str,
    ) -> Result<(String, Vec<Vec<u8>>), String> {
        let reply = self
            .ok(&["SCAN", cursor, "MATCH", pattern, "COUNT", "1000"])
            .await?;
        let Reply::Array(parts) = &reply else {
            return Err(format!("SCAN answered {}", reply.text()));
        };
        let [next, Reply::Array(keys)] = parts.as_slice() else {
            return Err("SCAN answered an unexpected reply".into());
        };
        let keys = keys
            .iter()
            .filter_map(|k| match k {
                Reply::Bulk(Some(bytes)) => Some(bytes.clone()),
                _ => None,
            })
            .collect();
        Ok((next.text(), keys))
    }

    /// One whole reply, arrays read to their end.
    async fn reply(&mut self) -> Result<Reply, String> {
        // The arrays being read: their items so far, and how many they hold.
        let mut open: Vec<(Vec<Reply>, usize)> = Vec::new();
        loop {
            let mut value = match self.header().await? {
                Header::Value(value) => value,
                Header::Array(0) => Reply::Array(Vec::new()),
                Header::Array(length) => {
                    open.push((Vec::with_capacity(length), length));
                    continue;
                }
            };
            // The value ends the arrays it fills.
            loop {
                let Some((items, length)) = open.last_mut() else {
                    return Ok(value);
                };
                items.push(value);
                if items.len() < *length {
                    break;
                }
                let (items, _) = open.pop().expect("an array being read");
                value = Reply::Array(items);
            }
        }
    }

    /// One line of a reply, with a bulk string's bytes.
    async fn header(&mut self) -> Result<Header, String> {
        let mut line = String::new();
        if self
            .0
            .read_line(&mut line)
            .await
            .map_err(|e| e.to_string())?
            == 0
        {
            return Err("Redis closed the connection".into());
        }
        let line = line.trim_end();
        let rest = line.get(1..).unwrap_or_default().to_string();
        let number = || {
            rest.parse::<i64>()
                .map_err(|_| format!("Redis sent `{line}`, not a reply"))
        };
        Ok(Header::Value(match line.as_bytes().first() {
            Some(b'+') => Reply::Simple(rest.clone()),
            Some(b'-') => Reply::Error(rest.clone()),
            Some(b':') => Reply::Integer(number()?),
            Some(b'$') => match usize::try_from(number()?) {
                Err(_) => Reply::Bulk(None),
                Ok(length) => {
                    let mut bytes = vec![0; length + 2];
                    self.0
                        .read_exact(&mut bytes)
                        .await
                        .map_err(|e| e.to_string())?;
                    bytes.truncate(length);
                    Reply::Bulk(Some(bytes))
                }
            },
            Some(b'*') => match usize::try_from(number()?) {
                Err(_) => Reply::Bulk(None),
                Ok(length) => return Ok(Header::Array(length)),
            },
            _ => return Err(format!("Redis sent `{line}`, not a reply")),
        }))
    }
}

enum Header {
    Value(Reply),
    Array(usize),
}

/// A command as RESP sends it: an array of bulk strings.
pub(crate) fn command(words: &[&[u8]]) -> Vec<u8> {
    let mut out = format!("*{}\r\n", words.len()).into_bytes();
    for word in words {
        out.extend(format!("${}\r\n", word.len()).into_bytes());
        out.extend_from_slice(word);
        out.extend(b"\r\n");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use tokio::io::AsyncWriteExt;
    use tokio::net::TcpListener;

    /// A server that answers any command with `bytes`.
    async fn answering(bytes: &'static [u8]) -> u16 {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        tokio::spawn(async move {
            let (mut socket, _) = listener.accept().await.unwrap();
            let mut buffer = [0u8; 256];
            let _ = socket.read(&mut buffer).await;
            socket.write_all(bytes).await.unwrap();
        });
        port
    }

    #[tokio::test]
    async fn nested_arrays_are_read_whole() {
        // SCAN's reply: a cursor and an array of keys, then a later reply.
        let port = answering(b"*2\r\n$1\r\n0\r\n*2\r\n$5\r\nshop:\r\n$0\r\n\r\n").await;
        let mut redis = Resp::connect("127.0.0.1", port).await.unwrap();
        let reply = redis.call(&[b"SCAN", b"0"]).await.unwrap();
        assert_eq!(
            reply,
            Reply::Array(vec![
                Reply::Bulk(Some(b"0".to_vec())),
                Reply::Array(vec![
                    Reply::Bulk(Some(b"shop:".to_vec())),
                    Reply::Bulk(Some(Vec::new())),
                ]),
            ])
        );
    }

    #[tokio::test]
    async fn refusals_and_nulls_are_values() {
        let port = answering(b"-NOPERM no\r\n").await;
        let mut redis = Resp::connect("127.0.0.1", port).await.unwrap();
        assert_eq!(
            redis.call(&[b"GET", b"k"]).await.unwrap(),
            Reply::Error("NOPERM no".into())
        );
        let port = answering(b"$-1\r\n").await;
        let mut redis = Resp::connect("127.0.0.1", port).await.unwrap();
        assert_eq!(
            redis.call(&[b"GET", b"k"]).await.unwrap(),
            Reply::Bulk(None)
        );
    }
}
