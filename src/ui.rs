//! The one output channel: data on stdout, and progress bars and spinners on
//! a terminal, one plain line per event in CI and pipes (no escape codes, no
//! carriage returns), nothing but warnings and errors with `-q`, on stderr.
//! Only this module writes to either; it alone decides how, from the
//! settings.
use std::io::Write;
use std::time::Duration;

use crate::error::{Error, Result};
use crate::settings::{OutputMode, Settings};

use indicatif::{MultiProgress, ProgressBar, ProgressDrawTarget, ProgressStyle};

#[derive(Clone)]
pub(crate) struct Ui {
    mode: Mode,
    /// With `DEVSVC_TIMINGS` set, events carry the time since start, and
    /// internal phases are reported too (for finding where time goes).
    timings: Option<std::time::Instant>,
    color: bool,
}

#[derive(Clone)]
enum Mode {
    Terminal(MultiProgress),
    Plain,
    Quiet,
}

/// A progress display for one task: a bar or spinner on a terminal, start
/// and finish lines otherwise.
pub(crate) struct Task {
    bar: Option<ProgressBar>,
    ui: Ui,
    label: String,
    message: String,
}

/// The widest detail line shown under a task, in characters.
const DETAIL_WIDTH: usize = 100;

impl Ui {
    pub(crate) fn new(settings: &Settings) -> Ui {
        let mode = match settings.output {
            OutputMode::Quiet => Mode::Quiet,
            OutputMode::Plain => Mode::Plain,
            OutputMode::Terminal => {
                Mode::Terminal(MultiProgress::with_draw_target(ProgressDrawTarget::stderr()))
            }
        };
        let timings = settings.timings.then(std::time::Instant::now);
        Ui {
            mode,
            timings,
            color: settings.color,
        }
    }

    /// False with `-q`: tables and summaries that are not data are skipped.
    pub(crate) fn chatty(&self) -> bool {
        !matches!(self.mode, Mode::Quiet)
    }

    /// A phase boundary, shown only with `DEVSVC_TIMINGS`.
    pub(crate) fn phase(&self, name: &str) {
        if self.timings.is_some() {
            self.event("timing", name);
        }
    }

    /// One line about one thing that happened.
    pub(crate) fn event(&self, subject: &str, message: &str) {
        let line = match self.timings {
            Some(start) => format!(
                "[{:>7.3}s] {subject}: {message}",
                start.elapsed().as_secs_f64()
            ),
            None => format!("{subject}: {message}"),
        };
        match &self.mode {
            Mode::Terminal(multi) => {
                let _ = multi.println(line);
            }
            Mode::Plain => stderr_line(&line),
            Mode::Quiet => {}
        }
    }

    /// Data for stdout (tables, JSON, env files). A reader that went away
    /// (`devsvc status | head -1`) ends the output: `Error::OutputClosed`,
    /// which exits 0 quietly, as `cat` or ripgrep do.
    pub(crate) fn data(&self, text: &str) -> Result<()> {
        write_stdout(text.as_bytes())
    }

    /// An error that does not end the run by itself (one of several
    /// services that failed); shown even with `-q`.
    pub(crate) fn error(&self, message: &str) {
        self.line_always(&format!("error: {message}"));
    }

    /// Lines of a report (what `init --from-compose` did), as they are;
    /// not shown with `-q`.
    pub(crate) fn report(&self, text: &str) {
        if self.chatty() {
            for line in text.lines() {
                self.line_always(line);
            }
        }
    }

    /// Shown even with `-q`.
    pub(crate) fn warn(&self, message: &str) {
        let prefix = if self.color {
            "\x1b[33mwarning\x1b[0m"
        } else {
            "warning"
        };
        self.line_always(&format!("{prefix}: {message}"));
    }

    fn line_always(&self, line: &str) {
        match &self.mode {
            Mode::Terminal(multi) => {
                let _ = multi.println(line);
            }
            _ => stderr_line(line),
        }
    }

    /// A byte progress bar (image pulls).
    pub(crate) fn bytes_task(&self, label: &str, start_message: &str) -> Task {
        self.task(label, start_message, true)
    }

    /// A spinner (waiting for readiness).
    pub(crate) fn spinner_task(&self, label: &str, start_message: &str) -> Task {
        self.task(label, start_message, false)
    }

    fn task(&self, label: &str, start_message: &str, bytes: bool) -> Task {
        let bar = match &self.mode {
            Mode::Terminal(multi) => {
                let bar = if bytes {
                    ProgressBar::new(0).with_style(
                        ProgressStyle::with_template(
                            "{prefix:>12} {msg} [{bar:30}] {bytes}/{total_bytes} {bytes_per_sec}",
                        )
                        .expect("valid template")
                        .progress_chars("=> "),
                    )
                } else {
                    ProgressBar::new_spinner().with_style(
                        ProgressStyle::with_template("{prefix:>12} {spinner} {msg} {elapsed}")
                            .expect("valid template"),
                    )
                };
                let bar = multi.add(bar);
                bar.set_prefix(label.to_string());
                bar.set_message(start_message.to_string());
                bar.enable_steady_tick(Duration::from_millis(100));
                Some(bar)
            }
            Mode::Plain => {
                stderr_line(&format!("{label}: {start_message}"));
                None
            }
            Mode::Quiet => None,
        };
        Task {
            bar,
            ui: self.clone(),
            label: label.to_string(),
            message: start_message.to_string(),
        }
    }
}

impl Task {
    pub(crate) fn progress(&self, current: u64, total: u64) {
        if let Some(bar) = &self.bar {
            bar.set_length(total);
            bar.set_position(current);
        }
    }

    /// Replaces the task's message (a running count, say).
    pub(crate) fn status(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(text.to_string());
        }
    }

    /// Whether `detail` shows anything (a terminal), so callers can skip
    /// the work of finding one.
    pub(crate) fn shows_detail(&self) -> bool {
        self.bar.is_some()
    }

    /// A second line under the task (a slow service's latest log line).
    pub(crate) fn detail(&self, text: &str) {
        if let Some(bar) = &self.bar {
            bar.set_message(format!("{}\n{:>14} {}", self.message, "└", one_line(text)));
        }
    }

    pub(crate) fn finish(self, message: &str) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
        self.ui.event(&self.label, message);
    }

    pub(crate) fn abandon(self) {
        if let Some(bar) = self.bar {
            bar.finish_and_clear();
        }
    }
}

/// Writes bytes to stdout; a closed pipe becomes `Error::OutputClosed`.
pub(crate) fn write_stdout(bytes: &[u8]) -> Result<()> {
    let mut out = std::io::stdout().lock();
    match out.write_all(bytes).and_then(|()| out.flush()) {
        Ok(()) => Ok(()),
        Err(e) if e.kind() == std::io::ErrorKind::BrokenPipe => Err(Error::OutputClosed),
        Err(e) => Err(Error::Runtime(format!("cannot write to stdout: {e}"))),
    }
}

/// One line on stderr. When stderr itself is gone there is nobody left to
/// tell, so a failed write is ignored rather than a panic.
fn stderr_line(line: &str) {
    let _ = writeln!(std::io::stderr(), "{line}");
}

/// The last non-empty line of `text`, without control characters (colour
/// codes, carriage returns) and cut to `DETAIL_WIDTH` characters.
fn one_line(text: &str) -> String {
    let line = text
        .lines()
        .map(|l| strip_controls(l).trim().to_string())
        .rfind(|l| !l.is_empty())
        .unwrap_or_default();
    match line.char_indices().nth(DETAIL_WIDTH - 1) {
        Some((cut, _)) => format!("{}…", &line[..cut]),
        None => line,
    }
}

/// Drops ANSI escape sequences (`ESC [ ... letter`) and other control
/// characters.
fn strip_controls(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            if chars.next() == Some('[') {
                for c in chars.by_ref() {
                    if c.is_ascii_alphabetic() {
                        break;
                    }
                }
            }
        } else if !c.is_control() || c == '\t' {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::one_line;

    #[test]
    fn a_detail_is_the_last_line_without_colours_and_cut_short() {
        let logs = "first\n\x1b[32mINFO\x1b[0m server \x07started\r\n\n";
        assert_eq!(one_line(logs), "INFO server started");
        let long = "é".repeat(150);
        let cut = one_line(&long);
        assert_eq!(cut.chars().count(), 100);
        assert!(cut.ends_with("é…"));
        assert_eq!(one_line(""), "");
    }
}
