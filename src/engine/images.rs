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
        let mut layers: HashMap<String, PullProgress> = HashMap::new();
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
                if info
                    .status
                    .as_deref()
                    .is_some_and(|s| s.starts_with("Download complete"))
                {
                    layer.current = layer.total;
                }
                progress(
                    layers
                        .values()
                        .fold(PullProgress::default(), |acc, l| PullProgress {
                            current: acc.current + l.current.min(l.total),
                            total: acc.total + l.total,
                        }),
                );
            }
        }
        Ok(())
    }
}

/// Splits `registry:5000/name:tag` into name and tag (default `latest`).
pub(super) fn split_image(image: &str) -> (&str, &str) {
    if let Some((name, _digest)) = image.split_once('@') {
        return (name, "");
    }
    let slash = image.rfind('/').map_or(0, |i| i + 1);
    match image[slash..].rfind(':') {
        Some(i) => (&image[..slash + i], &image[slash + i + 1..]),
        None => (image, "latest"),
    }
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
}
