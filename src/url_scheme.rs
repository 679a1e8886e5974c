//! What an external resource's URL says about how to reach it: the port
//! its scheme means when it names none (`amqps://` is 5671, not the
//! template's 5672) and whether it asks for TLS, by its scheme
//! (`rediss://`) or a query parameter (`sslmode=require`). The facts are
//! the template's data (`schemes:`, `tls_query:`); nothing here names a
//! service kind.
use indexmap::IndexMap;

use crate::template::UrlScheme;

/// A template's URL schemes and TLS query parameters.
#[derive(Debug, Clone, Default, PartialEq)]
pub(crate) struct Schemes {
    pub(crate) schemes: IndexMap<String, UrlScheme>,
    pub(crate) tls_query: IndexMap<String, Vec<String>>,
}

/// How the main port of a resource given by URL is reached.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Transport {
    /// The scheme's port, for a URL that names none.
    pub(crate) default_port: Option<u16>,
    pub(crate) tls: bool,
}

impl Schemes {
    /// The URL's transport; `Err` lists the schemes the template knows
    /// when it knows some and not this one (so it cannot tell whether the
    /// resource expects TLS).
    pub(crate) fn transport(&self, url: &url::Url) -> Result<Transport, String> {
        let scheme = url.scheme();
        let entry = self.schemes.get(scheme).or_else(|| {
            // `postgresql+psycopg://`: a driver named after the scheme.
            scheme
                .split_once('+')
                .and_then(|(base, _)| self.schemes.get(base))
        });
        if entry.is_none() && !self.schemes.is_empty() {
            let known: Vec<String> = self.schemes.keys().map(|s| format!("{s}://")).collect();
            return Err(known.join(", "));
        }
        let by_query = url.query_pairs().any(|(name, value)| {
            self.tls_query
                .get(name.as_ref())
                .is_some_and(|values| values.iter().any(|v| v.eq_ignore_ascii_case(&value)))
        });
        Ok(Transport {
            default_port: entry.map(|e| e.port),
            tls: entry.is_some_and(|e| e.tls) || by_query,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The built-in template's own tables.
    fn of(template: &str) -> Schemes {
        let t: crate::template::Template =
            serde_saphyr::from_str(crate::template::builtin_source(template).unwrap()).unwrap();
        Schemes {
            schemes: t.schemes,
            tls_query: t.tls_query,
        }
    }

    fn transport(template: &str, url: &str) -> Result<Transport, String> {
        of(template).transport(&url::Url::parse(url).unwrap())
    }

    fn port_and_tls(template: &str, url: &str) -> (Option<u16>, bool) {
        let t = transport(template, url).unwrap();
        (t.default_port, t.tls)
    }

    #[test]
    fn each_scheme_means_its_own_default_port_and_tls() {
        for (template, url, port, tls) in [
            ("redis", "redis://:pw@cache.example.com", 6379, false),
            // The scheme's registered default; managed services that
            // listen on 6380 say so in the URL.
            ("redis", "rediss://:pw@cache.example.com", 6379, true),
            ("valkey", "valkeys://:pw@cache.example.com", 6379, true),
            (
                "postgres",
                "postgres://u:pw@db.example.com/app",
                5432,
                false,
            ),
            (
                "postgres",
                "postgresql://u:pw@db.example.com/app",
                5432,
                false,
            ),
            ("rabbitmq", "amqp://u:pw@mq.example.com/%2F", 5672, false),
            ("rabbitmq", "amqps://u:pw@mq.example.com/%2F", 5671, true),
            ("minio", "http://s3.example.com", 80, false),
            ("minio", "https://s3.example.com", 443, true),
            ("seaweedfs", "https://s3.example.com", 443, true),
            ("elasticsearch", "https://u:pw@es.example.com", 443, true),
            ("mysql", "mysql://u:pw@db.example.com/app", 3306, false),
            ("mariadb", "mysql://u:pw@db.example.com/app", 3306, false),
            ("mongodb", "mongodb://u:pw@db.example.com/app", 27017, false),
            (
                "mongodb",
                "mongodb+srv://u:pw@cluster.example.com/app",
                27017,
                true,
            ),
            ("nats", "nats://u:pw@nats.example.com", 4222, false),
            ("nats", "tls://u:pw@nats.example.com", 4222, true),
            ("mailpit", "smtp://mail.example.com", 25, false),
            ("mailpit", "smtps://mail.example.com", 465, true),
        ] {
            assert_eq!(
                port_and_tls(template, url),
                (Some(port), tls),
                "{template}: {url}"
            );
        }
    }

    #[test]
    fn a_query_parameter_asks_for_tls_whatever_the_scheme() {
        for mode in ["require", "verify-ca", "verify-full", "REQUIRE"] {
            let url = format!("postgres://u:pw@db.example.com/app?sslmode={mode}");
            assert_eq!(port_and_tls("postgres", &url), (Some(5432), true), "{mode}");
        }
        // libpq's other modes may fall back to clear text: no TLS is
        // demanded, as before.
        for mode in ["disable", "allow", "prefer"] {
            let url = format!("postgres://u:pw@db.example.com/app?sslmode={mode}");
            assert!(!port_and_tls("postgres", &url).1, "{mode}");
        }
        assert!(port_and_tls("mysql", "mysql://u:pw@db/app?ssl-mode=REQUIRED").1);
        assert!(port_and_tls("mongodb", "mongodb://u:pw@db/app?tls=true").1);
    }

    #[test]
    fn a_driver_suffix_reads_as_its_scheme_and_an_unknown_scheme_is_refused() {
        assert_eq!(
            port_and_tls(
                "postgres",
                "postgresql+psycopg://u:pw@db/app?sslmode=require"
            ),
            (Some(5432), true)
        );
        let known = transport("redis", "http://cache.example.com").unwrap_err();
        assert_eq!(known, "redis://, rediss://");
        // A template without a table takes any scheme, as before.
        assert_eq!(
            port_and_tls("kafka", "anything://broker.example.com"),
            (None, false)
        );
    }
}
