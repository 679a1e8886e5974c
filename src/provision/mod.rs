//! Provisioning once a service is ready: S3 buckets, created through the
//! service's own S3 API with signed requests (rusty-s3), databases
//! (`databases.rs`), both idempotently; and seed data (`seed.rs`).
use std::time::Duration;

mod databases;
mod seed;
pub(crate) use databases::ensure_databases;
pub(crate) use seed::Seeded;

use crate::instance::{Instance, SeedTo};

use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

/// Where and how to reach an S3 API, with secrets filled in.
pub(crate) struct S3Target {
    pub endpoint: String,
    pub access_key: String,
    pub secret_key: String,
    pub region: String,
}

const SIGNED_FOR: Duration = Duration::from_secs(300);

/// Creates each bucket that does not exist yet; returns those it created.
pub(crate) async fn ensure_buckets(
    target: &S3Target,
    buckets: &[String],
    http: &reqwest::Client,
) -> Result<Vec<String>, String> {
    let endpoint = target
        .endpoint
        .parse()
        .map_err(|e| format!("bad S3 endpoint {}: {e}", target.endpoint))?;
    let credentials = Credentials::new(&target.access_key, &target.secret_key);
    let mut created = Vec::new();
    for name in buckets {
        let bucket = Bucket::new(
            Clone::clone(&endpoint),
            UrlStyle::Path,
            name.clone(),
            target.region.clone(),
        )
        .map_err(|e| format!("bucket {name}: {e:?}"))?;
        let head = bucket.head_bucket(Some(&credentials)).sign(SIGNED_FOR);
        let status = http
            .head(head.as_str())
            .send()
            .await
            .map_err(|e| format!("HEAD bucket {name}: {e}"))?
            .status();
        if status.is_success() {
            continue;
        }
        if status.as_u16() != 404 {
            return Err(format!(
                "checking bucket `{name}`: the S3 API answered {status}"
            ));
        }
        let put = bucket.create_bucket(&credentials).sign(SIGNED_FOR);
        let response = http
            .put(put.as_str())
            .send()
            .await
            .map_err(|e| format!("creating bucket {name}: {e}"))?;
        let status = response.status();
        // 409 BucketAlreadyOwnedByYou: another run created it first.
        if !status.is_success() && status.as_u16() != 409 {
            let body = response.text().await.unwrap_or_default();
            return Err(format!(
                "creating bucket `{name}`: the S3 API answered {status}: {body}"
            ));
        }
        created.push(name.clone());
    }
    Ok(created)
}

/// Applies the service's seed data (README: "Seed data"); `force` applies
/// it over data the service holds already.
pub(crate) async fn apply_seed(
    inst: &Instance,
    host: &str,
    http: &reqwest::Client,
    force: bool,
) -> Result<Seeded, String> {
    let Some(seed) = &inst.seed else {
        return Err("no `seed:`".into());
    };
    match (&seed.to, &inst.s3) {
        (
            SeedTo::Redis {
                port,
                user,
                password,
            },
            _,
        ) => {
            let login = seed::RedisAuth {
                user: user.as_deref(),
                password: password.as_deref(),
            };
            seed::redis(&seed.path, host, *port, login, force).await
        }
        (SeedTo::S3, Some(target)) => {
            let buckets = seed::Buckets {
                names: &inst.buckets,
                prefix: &inst.bucket_prefix,
            };
            seed::s3(&seed.path, target, buckets, http, force).await
        }
        (SeedTo::S3, None) => Err("the template has no `s3:` API to seed through".into()),
    }
}
