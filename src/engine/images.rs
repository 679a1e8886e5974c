//! Images: presence and pulls with summed layer progress.
use std::collections::HashMap;

use bollard::query_parameters::CreateImageOptionsBuilder;
use futures_util::StreamExt;

use super::*;

impl Engine {
    pub(crate) async fn image_present(&self, image: &str) -> Result<bool> {
        match self.docker.inspect_image(image).await {
            Ok(_) => Ok(true),
            Err(e) if is_not_found(&e) => Ok(false),
            Err(e) => Err(Error::engine(format!("inspecting image {image}"), e)),
        }
    }

    /// The engine's id of a local image (`sha256:...`), `None` when absent.
    pub(crate) async fn image_id(&self, image: &str) -> Result<Option<String>> {
        match self.docker.inspect_image(image).await {
            Ok(inspect) => Ok(inspect.id),
            Err(e) if is_not_found(&e) => Ok(None),
            Err(e) => Err(Error::engine(format!("inspecting image {image}"), e)),
        }
    }

    /// Pulls an image, reporting summed layer progress as it goes.
    pub(crate) async fn pull(
        &self,
        image: &str,
        mut progress: impl FnMut(PullProgress),
    ) -> Result<()> {
        let (name, tag) = split_image(image);
        let options = CreateImageOptionsBuilder::default()
            .from_image(name)
            .tag(tag)
            .build();
        let mut stream = self.docker.create_image(Some(options), None, None);
        let mut layers: HashMap<String, Layer> = HashMap::new();
        while let Some(item) = stream.next().await {
            let info = item.map_err(|e| Error::Pull {
                image: image.into(),
                message: engine_message(&e),
            })?;
            if let Some(err) = info.error_detail.and_then(|d| d.message) {
                return Err(Error::Pull {
                    image: image.into(),
                    message: err,
                });
            }
            if let (Some(id), Some(detail)) = (info.id, info.progress_detail) {
                let layer = layers.entry(id).or_default();
                if let Some(total) = detail.total.filter(|t| *t > 0) {
                    layer.total = total as u64;
                }
                if let Some(current) = detail.current {
                    layer.current = current as u64;
                }
                let status = info.status.as_deref().unwrap_or_default();
                // Not "Already exists": this layer is fetched (or, on
                // Podman, perhaps found present: it says the same).
                layer.fetched |= ["Pulling fs layer", "Downloading", "Download complete"]
                    .iter()
                    .any(|s| status.starts_with(s));
                if status.starts_with("Download complete") {
                    layer.current = layer.total;
                }
                progress(
                    layers
                        .values()
                        .fold(PullProgress::default(), |acc, l| PullProgress {
                            current: acc.current + l.current.min(l.total),
                            total: acc.total + l.total,
                            sizeless: acc.sizeless + usize::from(l.fetched && l.total == 0),
                        }),
                );
            }
        }
        Ok(())
    }
}

/// One layer of a pull, as the engine reported it so far.
#[derive(Default)]
struct Layer {
    current: u64,
    total: u64,
    fetched: bool,
}

/// Splits `registry:5000/name:tag` into the repository and what the
/// Engine API's create-image takes as `tag`: the tag (default `latest`,
/// as the docker CLI has it), or for `name@sha256:...` the digest. The
/// API takes a digest there too, and an empty `tag` would pull every tag
/// of the repository. A tag beside a digest is dropped, as the docker CLI
/// drops it: the digest alone names the image.
pub(super) fn split_image(image: &str) -> (&str, &str) {
    let (name, digest) = match image.split_once('@') {
        Some((name, digest)) => (name, Some(digest)),
        None => (image, None),
    };
    let slash = name.rfind('/').map_or(0, |i| i + 1);
    let (repository, tag) = match name[slash..].rfind(':') {
        Some(i) => (&name[..slash + i], &name[slash + i + 1..]),
        None => (name, "latest"),
    };
    (repository, digest.unwrap_or(tag))
}

#[cfg(test)]
mod tests {
    use super::split_image;

    #[test]
    fn splits_image_references() {
        assert_eq!(split_image("redis:7.4-alpine"), ("redis", "7.4-alpine"));
        assert_eq!(
            split_image("127.0.0.1:5000/redis:7.4"),
            ("127.0.0.1:5000/redis", "7.4")
        );
        assert_eq!(
            split_image("127.0.0.1:5000/redis"),
            ("127.0.0.1:5000/redis", "latest")
        );
        assert_eq!(
            split_image("127.0.0.1:5000/quay.io/minio/minio:RELEASE.2025-09-07T16-13-09Z"),
            (
                "127.0.0.1:5000/quay.io/minio/minio",
                "RELEASE.2025-09-07T16-13-09Z"
            )
        );
    }

    /// A digest goes to the Engine API's `tag` (empty there would pull
    /// every tag of the repository), a tag beside it is dropped as the
    /// docker CLI does: the digest alone names the image.
    #[test]
    fn splits_digest_references_into_the_digest() {
        let digest = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
        assert_eq!(split_image(&format!("redis@{digest}")), ("redis", digest));
        assert_eq!(
            split_image(&format!("127.0.0.1:5000/library/redis:7.4@{digest}")),
            ("127.0.0.1:5000/library/redis", digest)
        );
        assert_eq!(
            split_image(&format!("127.0.0.1:5000/redis@{digest}")),
            ("127.0.0.1:5000/redis", digest)
        );
    }
}
