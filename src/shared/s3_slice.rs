//! A project's slice of a shared S3 server (SeaweedFS): its buckets, made
//! by the administrator, and an IAM user named after the project whose
//! one access key is made of its name (`render::access_key`, the
//! templates' `{{user|access_key}}`) and whose secret is the project's, with an
//! inline policy (`devsvc`) that allows everything on those buckets and
//! nothing else: another project's buckets answer AccessDenied, and its
//! bucket list shows its own only. The key and policy are set afresh on
//! every `up`.
use rusty_s3::{Bucket, Credentials, S3Action, UrlStyle};

use super::iam::Iam;
use crate::probe::S3Login;
use crate::provision::S3Target;

const POLICY: &str = "devsvc";
const SIGNED_FOR: std::time::Duration = std::time::Duration::from_secs(300);

fn endpoint(host: &str, admin: &S3Login) -> String {
    format!("http://{}:{}", crate::render::url_host(host), admin.port)
}

/// Makes the buckets, the user, its key and its policy.
pub(super) async fn provision(
    host: &str,
    admin: &S3Login,
    http: &reqwest::Client,
    owner: &str,
    password: &str,
    buckets: &[String],
) -> Result<Vec<String>, String> {
    let target = S3Target {
        endpoint: endpoint(host, admin),
        access_key: admin.access_key.clone(),
        secret_key: admin.secret_key.clone(),
        region: admin.region.clone(),
    };
    let created = crate::provision::ensure_buckets(&target, buckets, http).await?;
    let iam = Iam {
        endpoint: target.endpoint.clone(),
        login: admin,
        http,
    };
    let access_key = crate::render::access_key(owner);
    let user = [("UserName", owner)];
    let key = [("UserName", owner), ("AccessKeyId", access_key.as_str())];
    iam.expect("CreateUser", &user, &["EntityAlreadyExists"])
        .await?;
    iam.expect("DeleteAccessKey", &key, &["NoSuchEntity"])
        .await?;
    iam.expect(
        "CreateAccessKey",
        &[
            ("UserName", owner),
            ("AccessKeyId", &access_key),
            ("SecretAccessKey", password),
        ],
        &[],
    )
    .await?;
    let policy = policy(buckets).to_string();
    iam.expect(
        "PutUserPolicy",
        &[
            ("UserName", owner),
            ("PolicyName", POLICY),
            ("PolicyDocument", &policy),
        ],
        &[],
    )
    .await?;
    let mut made: Vec<String> = created.iter().map(|b| format!("bucket {b}")).collect();
    made.push(format!("user {owner} (buckets {})", buckets.join(", ")));
    Ok(made)
}

/// Everything on the buckets and their objects; nothing else.
fn policy(buckets: &[String]) -> serde_json::Value {
    let resources: Vec<String> = buckets
        .iter()
        .flat_map(|b| [format!("arn:aws:s3:::{b}"), format!("arn:aws:s3:::{b}/*")])
        .collect();
    serde_json::json!({
        "Version": "2012-10-17",
        "Statement": [{ "Effect": "Allow", "Action": ["s3:*"], "Resource": resources }],
    })
}

/// The buckets a policy allows (read back, so `down --volumes` drops
/// what the slice was given, whatever services.yaml says now).
fn policy_buckets(document: &str) -> Vec<String> {
    let decoded = percent_encoding::percent_decode_str(document).decode_utf8_lossy();
    let Ok(policy) = serde_json::from_str::<serde_json::Value>(&decoded) else {
        return Vec::new();
    };
    let mut buckets: Vec<String> = policy["Statement"]
        .as_array()
        .into_iter()
        .flatten()
        .flat_map(|s| match &s["Resource"] {
            serde_json::Value::Array(all) => all.clone(),
            one => vec![one.clone()],
        })
        .filter_map(|r| {
            let name = r.as_str()?.strip_prefix("arn:aws:s3:::")?;
            (!name.contains('/')).then(|| name.to_string())
        })
        .collect();
    buckets.sort();
    buckets.dedup();
    buckets
}

/// Drops the slice: its buckets with their objects, then its user.
pub(super) async fn drop(
    host: &str,
    admin: &S3Login,
    http: &reqwest::Client,
    owner: &str,
) -> Result<Vec<String>, String> {
    let iam = Iam {
        endpoint: endpoint(host, admin),
        login: admin,
        http,
    };
    let body = iam
        .expect(
            "GetUserPolicy",
            &[("UserName", owner), ("PolicyName", POLICY)],
            &["NoSuchEntity"],
        )
        .await?;
    let buckets = super::iam::element(&body, "PolicyDocument")
        .map(|d| policy_buckets(&d))
        .unwrap_or_default();
    let credentials = Credentials::new(&admin.access_key, &admin.secret_key);
    for name in &buckets {
        remove_bucket(&iam.endpoint, admin, &credentials, http, name).await?;
    }
    let access_key = crate::render::access_key(owner);
    let key = [("UserName", owner), ("AccessKeyId", access_key.as_str())];
    let policy = [("UserName", owner), ("PolicyName", POLICY)];
    iam.expect("DeleteAccessKey", &key, &["NoSuchEntity"])
        .await?;
    iam.expect("DeleteUserPolicy", &policy, &["NoSuchEntity"])
        .await?;
    iam.expect("DeleteUser", &[("UserName", owner)], &["NoSuchEntity"])
        .await?;
    Ok(buckets.iter().map(|b| format!("bucket {b}")).collect())
}

/// Deletes every object of the bucket, then the bucket.
async fn remove_bucket(
    endpoint: &str,
    admin: &S3Login,
    credentials: &Credentials,
    http: &reqwest::Client,
    name: &str,
) -> Result<(), String> {
    let url = endpoint.parse().map_err(|e| format!("{endpoint}: {e}"))?;
    let bucket = Bucket::new(url, UrlStyle::Path, name.to_string(), admin.region.clone())
        .map_err(|e| format!("bucket {name}: {e:?}"))?;
    let failed = |what: &str, e: &dyn std::fmt::Display| format!("{what} in bucket {name}: {e}");
    loop {
        let list = bucket.list_objects_v2(Some(credentials)).sign(SIGNED_FOR);
        let response = http
            .get(list)
            .send()
            .await
            .map_err(|e| failed("listing", &e))?;
        match response.status().as_u16() {
            404 => return Ok(()),
            200 => {}
            other => return Err(failed("listing", &format!("status {other}"))),
        }
        let text = response.text().await.map_err(|e| failed("listing", &e))?;
        let listed = rusty_s3::actions::ListObjectsV2::parse_response(&text)
            .map_err(|e| failed("listing", &e))?;
        if listed.contents.is_empty() {
            break;
        }
        for object in &listed.contents {
            let delete = bucket
                .delete_object(Some(credentials), &object.key)
                .sign(SIGNED_FOR);
            let status = http
                .delete(delete)
                .send()
                .await
                .map_err(|e| failed("deleting", &e))?
                .status();
            if !status.is_success() {
                return Err(failed(&format!("deleting {}", object.key), &status));
            }
        }
    }
    let delete = bucket.delete_bucket(credentials).sign(SIGNED_FOR);
    let status = http
        .delete(delete)
        .send()
        .await
        .map_err(|e| failed("deleting the bucket", &e))?
        .status();
    match status.is_success() || status.as_u16() == 404 {
        true => Ok(()),
        false => Err(failed("deleting the bucket", &status)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_policy_names_its_buckets_and_reads_back() {
        let buckets = ["shop-data".to_string(), "shop-logs".to_string()];
        let document = policy(&buckets).to_string();
        assert_eq!(policy_buckets(&document), buckets);
        // As AWS returns it: URL-encoded.
        let encoded: String = url::form_urlencoded::byte_serialize(document.as_bytes()).collect();
        assert_eq!(policy_buckets(&encoded.replace('+', "%20")), buckets);
    }
}
