//! Watching the engine itself while devsvc waits on it: the engine's event
//! stream stays open for as long as the engine runs, so its end says at
//! once that the engine stopped or is restarting (a restart also stops
//! every container), where a probe would only time out.
use std::future::Future;

use bollard::Docker;
use futures_util::StreamExt;

use super::Engine;
use crate::error::{Error, Result};

/// A second handle on the engine, for watching it while the first works.
pub(crate) struct Watch {
    docker: Docker,
    endpoint: String,
}

impl Engine {
    pub(crate) fn watch(&self) -> Watch {
        Watch {
            docker: self.docker.clone(),
            endpoint: crate::config::mask_url(&self.endpoint.url),
        }
    }
}

impl Watch {
    /// Runs `work` unless the engine goes away first: then at once with
    /// that error (exit 3), rather than after every probe has timed out.
    pub(crate) async fn guard<T>(
        &self,
        project: &str,
        work: impl Future<Output = Result<T>>,
    ) -> Result<T> {
        tokio::select! {
            done = work => done,
            reason = self.until_gone(project) => Err(Error::EngineGone {
                endpoint: self.endpoint.clone(),
                reason,
            }),
        }
    }

    /// Resolves, with the reason, once the engine has gone away: its event
    /// stream ended or failed and it no longer answers a ping. Never
    /// resolves while it runs (a stream that ends while the engine still
    /// answers is opened again).
    async fn until_gone(&self, project: &str) -> String {
        loop {
            // Only this project's events: the stream is for its end, not
            // for what it carries.
            let filters = super::label_filter(project);
            let options = bollard::query_parameters::EventsOptionsBuilder::default()
                .filters(&filters)
                .build();
            let mut events = self.docker.events(Some(options));
            let ended = loop {
                match events.next().await {
                    Some(Ok(_)) => continue,
                    Some(Err(e)) => break super::error_chain(&e),
                    None => break "its event stream ended".to_string(),
                }
            };
            if self.docker.ping().await.is_err() {
                return ended;
            }
            // Not a busy loop if an engine (or a proxy before it) keeps
            // ending streams early.
            tokio::time::sleep(std::time::Duration::from_secs(1)).await;
        }
    }
}
