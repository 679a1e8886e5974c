//! `devsvc run [--up] [--down] -- CMD ARGS...`: run a command with the
//! services' variables over the process environment, and exit with its code.
//! `--down` tears down even when the command fails, volumes included: it is
//! meant for throwaway environments such as CI jobs.
use std::os::unix::process::ExitStatusExt;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::lifecycle::{down, up, variables};
use crate::ui::Ui;

pub(crate) async fn run(
    ctx: &Context,
    bring_up: bool,
    tear_down: bool,
    command: &[String],
) -> Result<u8> {
    let outcome = async {
        if bring_up {
            up::up(ctx, &[]).await?;
        }
        let (_, vars) = variables::collect(ctx).await?;
        spawn(&ctx.ui, command, &vars).await
    }
    .await;
    if tear_down {
        let downed = down::down(ctx, &[], true, false).await;
        if let (Ok(_), Err(e)) = (&outcome, downed) {
            return Err(e);
        }
    }
    outcome
}

async fn spawn(
    ui: &Ui,
    command: &[String],
    vars: &indexmap::IndexMap<String, String>,
) -> Result<u8> {
    let mut child = match tokio::process::Command::new(&command[0])
        .args(&command[1..])
        .envs(vars)
        .spawn()
    {
        Ok(child) => child,
        Err(e) => {
            ui.error(&format!("cannot run `{}`: {e}", command[0]));
            return Ok(if e.kind() == std::io::ErrorKind::NotFound {
                127
            } else {
                126
            });
        }
    };
    // Ctrl-C reaches the child through the terminal's process group; wait
    // for it to finish rather than leaving it behind.
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            _ = tokio::signal::ctrl_c() => continue,
        }
    };
    let status =
        status.map_err(|e| Error::Runtime(format!("waiting for `{}`: {e}", command[0])))?;
    // Exit codes are 0-255 on Unix; the low byte is what a shell sees.
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => (code & 0xff) as u8,
        (None, Some(signal)) => (128 + (signal & 0x7f)) as u8,
        (None, None) => 1,
    })
}
