//! What is switched on, and how: the preview (`BELCO_PREVIEW`), the access log and how long it
//! keeps a record (`BELCO_ACCESS_LOG`, `BELCO_ACCESS_RETENTION`), `/metrics` on an address of
//! its own (`BELCO_METRICS_ADDR`); and [`Config`]'s answers to "is it on?".

use std::time::Duration;

use belco::secret::TokenSet;

use super::units::parse_days;
use super::{Config, ConfigError, bad};

/// How long the access log keeps a record.
pub const DEFAULT_ACCESS_RETENTION: Duration = Duration::from_secs(90 * 24 * 3600);

/// `BELCO_METRICS_ADDR`: `/metrics` on an address of its own.
pub(super) fn metrics_addr(get: &impl Fn(&str) -> Option<String>) -> Result<Option<std::net::SocketAddr>, ConfigError> {
    get("BELCO_METRICS_ADDR")
        .map(|raw| {
            raw.parse::<std::net::SocketAddr>().map_err(|_| {
                bad("BELCO_METRICS_ADDR", format!("{raw:?} is not an address with a port, such as 127.0.0.1:9464"))
            })
        })
        .transpose()
}

/// `BELCO_PREVIEW` (`on`/`off`), `None` when unset: see [`Config::preview_on`].
pub(super) fn preview(get: &impl Fn(&str) -> Option<String>) -> Result<Option<bool>, ConfigError> {
    get("BELCO_PREVIEW")
        .map(|raw| match raw.to_ascii_lowercase().as_str() {
            "on" | "true" | "1" | "yes" => Ok(true),
            "off" | "false" | "0" | "no" => Ok(false),
            _ => Err(bad("BELCO_PREVIEW", format!("{raw:?} is neither on nor off"))),
        })
        .transpose()
}

/// `BELCO_ACCESS_LOG`: on unless `off`.
pub(super) fn access_log(get: &impl Fn(&str) -> Option<String>) -> Result<bool, ConfigError> {
    match get("BELCO_ACCESS_LOG").map(|raw| raw.to_ascii_lowercase()).as_deref() {
        None | Some("on" | "true" | "1" | "yes") => Ok(true),
        Some("off" | "false" | "0" | "no") => Ok(false),
        Some(other) => Err(bad("BELCO_ACCESS_LOG", format!("{other:?} is neither on nor off"))),
    }
}

/// `BELCO_ACCESS_RETENTION`: how long an access record is kept, in days.
pub(super) fn access_retention(get: &impl Fn(&str) -> Option<String>) -> Result<Duration, ConfigError> {
    Ok(match get("BELCO_ACCESS_RETENTION") {
        None => DEFAULT_ACCESS_RETENTION,
        Some(raw) => parse_days(&raw).ok_or_else(|| {
            bad("BELCO_ACCESS_RETENTION", format!("{raw:?} is not a number of days from 1 to 3650, such as 90d"))
        })?,
    })
}

impl Config {
    /// Whether `/metrics` is served (with a token on the main address, or on an address of its
    /// own): off, nothing is recorded.
    pub fn metrics_on(&self) -> bool {
        self.metrics_token.is_some() || self.metrics_addr.is_some()
    }

    /// Whether `/preview` is served: as `BELCO_PREVIEW` says, else in a development (debug)
    /// build and not in a release build; `belco-panel demo` turns it on unless it is `off`.
    /// Never without its own token (`BELCO_PREVIEW_TOKEN`).
    pub fn preview_on(&self) -> bool {
        self.preview.unwrap_or(cfg!(debug_assertions)) && self.preview_token.is_some()
    }

    /// The preview's token, while the preview is on.
    pub fn preview_tokens(&self) -> Option<&TokenSet> {
        self.preview_token.as_ref().filter(|_| self.preview_on())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::from_pairs as config;

    #[test]
    fn the_access_log_is_on_and_kept_90_days_unless_told() {
        let c = config(&[]).unwrap();
        assert!(c.access_log);
        assert_eq!(c.access_retention, Duration::from_secs(90 * 86_400));
        let c = config(&[("BELCO_ACCESS_LOG", "off"), ("BELCO_ACCESS_RETENTION", "30d")]).unwrap();
        assert!(!c.access_log);
        assert_eq!(c.access_retention, Duration::from_secs(30 * 86_400));
        assert_eq!(
            config(&[("BELCO_ACCESS_RETENTION", "7")]).unwrap().access_retention,
            Duration::from_secs(7 * 86_400)
        );
        for bad in ["0d", "3651", "2w", "-1"] {
            assert_eq!(config(&[("BELCO_ACCESS_RETENTION", bad)]).unwrap_err().var, "BELCO_ACCESS_RETENTION", "{bad}");
        }
        assert_eq!(config(&[("BELCO_ACCESS_LOG", "sometimes")]).unwrap_err().var, "BELCO_ACCESS_LOG");
    }

    #[test]
    fn the_preview_is_on_only_where_it_is_asked_for() {
        const PREVIEW: (&str, &str) = ("BELCO_PREVIEW_TOKEN", "preview-token-cccccccccccc");
        assert_eq!(config(&[PREVIEW]).unwrap().preview_on(), cfg!(debug_assertions), "a release build: off");
        for on in ["on", "ON", "true", "1"] {
            assert!(config(&[("BELCO_PREVIEW", on), PREVIEW]).unwrap().preview_on(), "{on}");
        }
        for off in ["off", "false", "0"] {
            assert!(!config(&[("BELCO_PREVIEW", off), PREVIEW]).unwrap().preview_on(), "{off}");
        }
        let error = config(&[("BELCO_PREVIEW", "maybe")]).unwrap_err();
        assert_eq!(error.var, "BELCO_PREVIEW");
        assert!(error.problem.contains("maybe"), "{error}");
        // Never without a token of its own (`serve` refuses to start so; `demo` makes one).
        let tokenless = config(&[("BELCO_PREVIEW", "on")]).unwrap();
        assert!(!tokenless.preview_on() && tokenless.preview_tokens().is_none());
    }
}
