//! The one positioned error type of configuration: what is wrong, a help
//! line, and where. Checks deep inside a service know the value they looked
//! at, if anything; `place` puts the mistake into the file, at that value or
//! else at the service's own key, as an `Error::Config` with line and column.
use serde_saphyr::Location;

use crate::error::Error;

#[derive(Debug)]
pub(super) struct Mistake {
    at: Option<Location>,
    message: String,
    help: Option<String>,
}

impl Mistake {
    pub(super) fn new(message: impl Into<String>) -> Mistake {
        Mistake {
            at: None,
            message: message.into(),
            help: None,
        }
    }

    /// At this value, unless a closer position is known already.
    pub(super) fn at(mut self, at: Location) -> Mistake {
        self.at.get_or_insert(at);
        self
    }

    /// At this value when there is one (say, the first entry of a list).
    pub(super) fn at_maybe(self, at: Option<Location>) -> Mistake {
        match at {
            Some(at) => self.at(at),
            None => self,
        }
    }

    pub(super) fn help(mut self, help: impl Into<String>) -> Mistake {
        self.help = Some(help.into());
        self
    }

    pub(super) fn maybe_help(mut self, help: Option<String>) -> Mistake {
        self.help = help;
        self
    }

    /// The mistake in `file`, at its own position or else at `fallback`.
    pub(super) fn place(self, file: &str, fallback: Location) -> Error {
        let at = self.at.unwrap_or(fallback);
        Error::Config {
            file: file.to_string(),
            line: at.line(),
            column: at.column(),
            message: self.message,
            suggestion: self.help,
        }
    }

    /// The mistake at a known line and column of `file`.
    pub(super) fn place_at(self, file: &str, line: u64, column: u64) -> Error {
        Error::Config {
            file: file.to_string(),
            line,
            column,
            message: self.message,
            suggestion: self.help,
        }
    }
}
