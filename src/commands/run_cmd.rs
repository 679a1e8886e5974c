//! `devsvc run [--up] [--down] -- CMD ARGS...`: run a command with the
//! services' variables over the process environment, and exit with its code.
//! `--down` tears down even when the command fails, volumes included: it is
//! meant for throwaway environments such as CI jobs.
use std::os::unix::process::ExitStatusExt;

use crate::context::Context;
use crate::error::{Error, Result};
use crate::lifecycle::{down, up, variables};
use crate::signals::{Stop, Stops};
use crate::ui::Ui;

/// A signal while the services come up ends that (and still tears down
/// with `--down`); once the command runs, it is handed to the command,
/// which devsvc waits for.
pub(crate) async fn run(
    ctx: &Context,
    bring_up: bool,
    tear_down: bool,
    command: &[String],
    stops: &mut Stops,
) -> Result<u8> {
    let outcome = async {
        if bring_up {
            tokio::select! {
                up = up::up(ctx, &[]) => { up?; }
                stop = stops.next() => return Err(Error::Interrupted(stop)),
            }
        }
        let (_, vars) = variables::collect(ctx).await?;
        spawn(&ctx.ui, command, &vars, stops).await
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
    stops: &mut Stops,
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
    // A signal sent to devsvc alone (`kill -TERM`, as CI runners and
    // process managers do) is handed to the child. Ctrl-C at a terminal
    // reaches the child by itself (the terminal signals the whole
    // foreground group), so SIGINT is handed on only without a terminal,
    // never twice. Either way devsvc waits for the child rather than leave
    // it behind.
    let on_terminal = std::io::IsTerminal::is_terminal(&std::io::stdin());
    let mut stopped = None;
    let status = loop {
        tokio::select! {
            status = child.wait() => break status,
            stop = stops.next() => {
                stopped = Some(stop);
                let reached_it = on_terminal && stop == Stop::Interrupt;
                if let (false, Some(pid)) = (reached_it, child.id()) {
                    stop.send_to(pid);
                }
            }
        }
    };
    let status =
        status.map_err(|e| Error::Runtime(format!("waiting for `{}`: {e}", command[0])))?;
    // Stopped by a signal: said as a shell says it, whatever the child
    // made of it.
    if let Some(stop) = stopped {
        return Ok((128 + stop.number()) as u8);
    }
    // Exit codes are 0-255 on Unix; the low byte is what a shell sees.
    Ok(match (status.code(), status.signal()) {
        (Some(code), _) => (code & 0xff) as u8,
        (None, Some(signal)) => (128 + (signal & 0x7f)) as u8,
        (None, None) => 1,
    })
}
