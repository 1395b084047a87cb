//! The log, which `main` sets up before anything else: its format (`BELCO_LOG_FORMAT`), its
//! filter (`RUST_LOG`, else [`DEFAULT_LOG_FILTER`]) and whether it is coloured (only at a
//! terminal, and not under `NO_COLOR`).

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

use super::{ConfigError, bad};

/// The log's filter when `RUST_LOG` is unset or is not a filter.
pub const DEFAULT_LOG_FILTER: &str = "info,sqlx=warn";

/// How the log is written (`BELCO_LOG_FORMAT`): lines for people (the default), or one JSON
/// object per line for a log collector.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LogFormat {
    Text,
    Json,
}

impl LogFormat {
    /// Read before the rest of the configuration, since the log starts first. Empty is unset.
    pub fn from_env_value(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(bad("BELCO_LOG_FORMAT", format!("{other:?} is neither text nor json"))),
        }
    }
}

/// What `main` sets the log up with.
#[derive(Debug)]
pub struct Logging {
    pub format: LogFormat,
    /// `RUST_LOG`, or [`DEFAULT_LOG_FILTER`] when it is unset or not a filter.
    pub filter: EnvFilter,
    /// Colour codes only for a person at a terminal: a file, a pipe or journald keeps plain
    /// text (and `NO_COLOR`, the common convention, turns them off there too).
    pub ansi: bool,
}

impl Logging {
    /// Read from the process's environment (after `.env`), before the rest of the configuration:
    /// the log starts first. Only a bad `BELCO_LOG_FORMAT` is an error.
    pub fn from_process_env() -> Result<Self, ConfigError> {
        let format = LogFormat::from_env_value(std::env::var("BELCO_LOG_FORMAT").ok().as_deref())?;
        let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| DEFAULT_LOG_FILTER.into());
        let ansi = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
        Ok(Self { format, filter, ansi })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_log_format_is_text_unless_json() {
        for text in [None, Some(""), Some("  "), Some("text"), Some("TEXT")] {
            assert_eq!(LogFormat::from_env_value(text).unwrap(), LogFormat::Text, "{text:?}");
        }
        assert_eq!(LogFormat::from_env_value(Some(" Json ")).unwrap(), LogFormat::Json);
        let error = LogFormat::from_env_value(Some("yaml")).unwrap_err();
        assert_eq!(error.to_string(), "BELCO_LOG_FORMAT: \"yaml\" is neither text nor json");
    }
}
