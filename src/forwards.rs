//! With an engine over SSH, services publish on the remote host's
//! loopback only and are reached from here through one background
//! `ssh -N -L ...` per project, which `up` starts (or keeps) and `down`
//! ends. Nothing of theirs is open to the remote host's network (memcached
//! and the mail catchers have no login at all), and their traffic crosses
//! it inside SSH, as the Engine API's does.
use std::collections::HashSet;
use std::path::Path;
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::engine::SshSpec;
use crate::error::{Error, Result};
use crate::ports;
use crate::state::{Forwarder, State};

/// How long ssh may take to log in and open its listeners.
const START_LIMIT: Duration = Duration::from_secs(30);

/// The local port for a published port of the remote: the one used
/// before while it is free here (or ours already), else one derived from
/// `key` as devsvc's host ports are, so it stays the same between runs.
/// (Not the remote's number: both ends may be one machine.)
pub(crate) fn choose_local(
    key: &str,
    remembered: Option<u16>,
    ours: &HashSet<u16>,
    reserved: &HashSet<u16>,
) -> Option<u16> {
    ports::choose(&format!("forward/{key}"), remembered, ours, reserved, true)
}

/// The local ports the project's running forwarder holds.
pub(crate) fn held(state: &State) -> HashSet<u16> {
    match state.forwarder() {
        Some(f) if alive(f.pid) => f.pairs.iter().map(|(local, _)| *local).collect(),
        _ => HashSet::new(),
    }
}

/// Runs a forwarder for exactly `pairs` (local, remote): the one running
/// is kept when it forwards the same, else replaced. Returns once every
/// local port accepts connections; `true` when a new one was started.
pub(crate) fn ensure(
    ssh: &SshSpec,
    state: &mut State,
    log: &Path,
    pairs: &[(u16, u16)],
) -> Result<bool> {
    let mut pairs = pairs.to_vec();
    pairs.sort_unstable();
    pairs.dedup();
    if let Some(f) = state.forwarder() {
        if f.pairs == pairs && alive(f.pid) {
            return Ok(false);
        }
        end(f.pid);
    }
    state.set_forwarder(None);
    state.save()?;
    if pairs.is_empty() {
        return Ok(false);
    }
    let args = ssh.forward_args(&pairs);
    let shown = format!("{} {}", ssh.program, args.join(" "));
    let stderr = crate::private::create_file(log).map_err(|e| Error::io(log, e))?;
    // Its own process group: a Ctrl-C at the terminal ends devsvc, not the
    // forwards the services are reached through.
    let mut child = std::os::unix::process::CommandExt::process_group(
        std::process::Command::new(&ssh.program)
            .args(&args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr),
        0,
    )
    .spawn()
    .map_err(|e| Error::Runtime(format!("cannot run `{shown}`: {e}")))?;
    let started = Instant::now();
    loop {
        if let Ok(Some(status)) = child.try_wait() {
            let said = std::fs::read_to_string(log).unwrap_or_default();
            return Err(Error::Runtime(format!(
                "the SSH port forwards (`{shown}`) exited with {status}: {}",
                said.trim()
            )));
        }
        if pairs
            .iter()
            .all(|(local, _)| std::net::TcpStream::connect(("127.0.0.1", *local)).is_ok())
        {
            break;
        }
        if started.elapsed() > START_LIMIT {
            let _ = child.kill();
            return Err(Error::Runtime(format!(
                "the SSH port forwards (`{shown}`) did not open within {} s",
                START_LIMIT.as_secs()
            )));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    state.set_forwarder(Some(Forwarder {
        pid: child.id(),
        pairs,
    }));
    state.save()?;
    Ok(true)
}

/// Ends the project's forwarder, if one runs.
pub(crate) fn stop(state: &mut State) -> Result<()> {
    if let Some(f) = state.forwarder() {
        end(f.pid);
    }
    state.set_forwarder(None);
    state.save()
}

/// Whether `pid` is still our ssh (not a process that reused the number).
fn alive(pid: u32) -> bool {
    let cmdline = std::fs::read(format!("/proc/{pid}/cmdline")).unwrap_or_default();
    let words: Vec<&[u8]> = cmdline.split(|b| *b == 0).collect();
    words.iter().any(|w| w.ends_with(b"ssh")) && words.contains(&&b"-N"[..])
}

fn end(pid: u32) {
    if alive(pid) {
        crate::signals::Stop::Terminate.send_to(pid);
    }
}
