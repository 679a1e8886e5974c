//! The signals that end a command: SIGINT (Ctrl-C), SIGTERM (what CI
//! runners, `docker stop` and process managers send on a timeout or a
//! cancelled job) and SIGHUP (a closed terminal). All three end a command
//! the same way: at once, with everything made so far labelled, and exit
//! 128 plus the signal's number, as a shell reports a signalled process.
use tokio::signal::unix::{SignalKind, signal};

/// One of the signals devsvc stops on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Stop {
    Interrupt,
    Terminate,
    HangUp,
}

impl Stop {
    /// The signal's number (2, 15, 1).
    pub(crate) fn number(self) -> i32 {
        match self {
            Stop::Interrupt => 2,
            Stop::Terminate => 15,
            Stop::HangUp => 1,
        }
    }

    pub(crate) fn name(self) -> &'static str {
        match self {
            Stop::Interrupt => "SIGINT",
            Stop::Terminate => "SIGTERM",
            Stop::HangUp => "SIGHUP",
        }
    }

    /// Sends this signal to the process `pid` (a child devsvc runs).
    pub(crate) fn send_to(self, pid: u32) {
        let signal = match self {
            Stop::Interrupt => nix::sys::signal::Signal::SIGINT,
            Stop::Terminate => nix::sys::signal::Signal::SIGTERM,
            Stop::HangUp => nix::sys::signal::Signal::SIGHUP,
        };
        if let Ok(pid) = i32::try_from(pid) {
            let _ = nix::sys::signal::kill(nix::unistd::Pid::from_raw(pid), signal);
        }
    }
}

/// Listens for the three signals from now on (a signal that arrives
/// before `next` is awaited is not lost).
pub(crate) struct Stops {
    streams: Option<[(Stop, tokio::signal::unix::Signal); 3]>,
}

impl Stops {
    pub(crate) fn new() -> Stops {
        let listen = |kind: SignalKind| signal(kind).ok();
        let streams = match (
            listen(SignalKind::interrupt()),
            listen(SignalKind::terminate()),
            listen(SignalKind::hangup()),
        ) {
            (Some(i), Some(t), Some(h)) => Some([
                (Stop::Interrupt, i),
                (Stop::Terminate, t),
                (Stop::HangUp, h),
            ]),
            // No signal handling at all is better than a partial one.
            _ => None,
        };
        Stops { streams }
    }

    /// The next of the three signals to arrive.
    pub(crate) async fn next(&mut self) -> Stop {
        let Some([(a, sa), (b, sb), (c, sc)]) = &mut self.streams else {
            return std::future::pending().await;
        };
        tokio::select! {
            _ = sa.recv() => *a,
            _ = sb.recv() => *b,
            _ = sc.recv() => *c,
        }
    }
}
