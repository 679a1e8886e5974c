//! A container's folder copied out to a tar file and back in, through the
//! engine's archive endpoints: no bind mount of a host path the engine may
//! not see, so a remote engine works too.
use std::path::Path;

use bollard::query_parameters::{
    DownloadFromContainerOptionsBuilder, UploadToContainerOptionsBuilder,
};
use futures_util::StreamExt;
use sha2::{Digest, Sha256};
use tokio::io::{AsyncReadExt, AsyncWriteExt};

use super::tar_rebase;
use super::*;

/// Chunks read from a tar file while it is sent.
const CHUNK: usize = 1 << 20;

impl Engine {
    /// Writes the folder `path` of container `id` (running or stopped) as
    /// a tar file at `to`; its entries are named from the folder's own name
    /// (`data/...` for `/data`), renamed so when the engine named them
    /// from `/` (`tar_rebase`). Returns the bytes written and their
    /// SHA-256.
    pub(crate) async fn save_folder(
        &self,
        id: &str,
        path: &str,
        to: &Path,
        mut progress: impl FnMut(u64),
    ) -> Result<(u64, String)> {
        let options = DownloadFromContainerOptionsBuilder::default()
            .path(path)
            .build();
        let mut stream = self.docker.download_from_container(id, Some(options));
        // A saved folder is a whole database: the owner's alone (0600).
        let file = crate::private::create_file(to).map_err(|e| Error::io(to, e))?;
        let mut file = tokio::fs::File::from_std(file);
        let mut written = 0u64;
        let mut hash = Sha256::new();
        while let Some(chunk) = stream.next().await {
            let chunk =
                chunk.map_err(|e| Error::engine(format!("copying {path} out of {id}"), e))?;
            file.write_all(&chunk).await.map_err(|e| Error::io(to, e))?;
            hash.update(&chunk);
            written += chunk.len() as u64;
            progress(written);
        }
        file.sync_all().await.map_err(|e| Error::io(to, e))?;
        drop(file);
        let folder = Path::new(path)
            .file_name()
            .map(|name| name.to_string_lossy().into_owned())
            .unwrap_or_default();
        let file = to.to_path_buf();
        let rebased = tokio::task::spawn_blocking(move || tar_rebase::rebase_file(&file, &folder))
            .await
            .map_err(|e| Error::Runtime(format!("renaming the entries of {}: {e}", to.display())))?
            .map_err(|e| Error::io(to, e))?;
        Ok(rebased.unwrap_or((written, hex::encode(hash.finalize()))))
    }

    /// Unpacks the tar file `from` into container `id` (created, not yet
    /// started) under `into`, with the owners and modes it records, as
    /// `docker cp -a` does.
    pub(crate) async fn load_folder(
        &self,
        id: &str,
        into: &str,
        from: &Path,
        progress: impl FnMut(u64) + Send + 'static,
    ) -> Result<()> {
        let file = tokio::fs::File::open(from)
            .await
            .map_err(|e| Error::io(from, e))?;
        let chunks = futures_util::stream::unfold(
            (file, 0u64, progress),
            |(mut file, sent, mut progress)| async move {
                let mut buffer = vec![0u8; CHUNK];
                match file.read(&mut buffer).await {
                    Ok(0) => None,
                    // A failed read fails the upload, never a short archive.
                    Err(e) => Some((Err(e), (file, sent, progress))),
                    Ok(n) => {
                        buffer.truncate(n);
                        let sent = sent + n as u64;
                        progress(sent);
                        Some((Ok(bytes::Bytes::from(buffer)), (file, sent, progress)))
                    }
                }
            },
        );
        let options = UploadToContainerOptionsBuilder::default()
            .path(into)
            .copy_uidgid("1")
            .build();
        self.docker
            .upload_to_container(id, Some(options), bollard::body_try_stream(chunks))
            .await
            .map_err(|e| Error::engine(format!("copying {} into {id}", from.display()), e))
    }

    /// Saves what the volume `volume` holds at `path` (as the service's
    /// container sees it) to a tar file at `to`, through a container of
    /// `image` that is created with only that volume and never started;
    /// `None` when there is no such volume.
    pub(crate) async fn save_volume(
        &self,
        project: &str,
        image: &str,
        volume: &str,
        path: &str,
        to: &Path,
    ) -> Result<Option<(u64, String)>> {
        if self.labels_of("volume", volume).await?.is_none() {
            return Ok(None);
        }
        let mount = bollard::models::Mount {
            target: Some(path.to_string()),
            source: Some(volume.to_string()),
            typ: Some(bollard::models::MountType::VOLUME),
            ..Default::default()
        };
        let body = bollard::models::ContainerCreateBody {
            image: Some(image.to_string()),
            labels: Some(project_labels(project)),
            host_config: Some(bollard::models::HostConfig {
                mounts: Some(vec![mount]),
                ..Default::default()
            }),
            ..Default::default()
        };
        let name = format!("{volume}-saving");
        let options = bollard::query_parameters::CreateContainerOptionsBuilder::default()
            .name(&name)
            .build();
        let created = self
            .docker
            .create_container(Some(options), body)
            .await
            .map_err(|e| Error::engine(format!("creating container {name}"), e))?;
        let saved = self.save_folder(&created.id, path, to, |_| {}).await;
        self.remove_container(&created.id, Duration::ZERO).await?;
        saved.map(Some)
    }
}
