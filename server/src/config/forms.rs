//! The forms file (`BELCO_FORMS`, else `forms.toml` when there is one) and what its webhooks
//! need: [`Webhooks`], the secret each form names (read from the variable of that name) and how
//! deliveries are attempted (`BELCO_WEBHOOK_ATTEMPTS`, `BELCO_WEBHOOK_RETRY`,
//! `BELCO_WEBHOOK_TIMEOUT`).

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use belco::deliveries::{Schedule, WebhookSigner};
use belco::forms::FormSet;
use belco::secret::Secret;

use super::units::{duration, whole};
use super::{ConfigError, bad};

/// Read from the working directory when `BELCO_FORMS` is unset (and skipped if absent).
pub const DEFAULT_FORMS_PATH: &str = "forms.toml";

/// How long one webhook attempt may take unless `BELCO_WEBHOOK_TIMEOUT` says otherwise.
pub const DEFAULT_WEBHOOK_TIMEOUT: Duration = Duration::from_secs(10);

/// `BELCO_FORMS`: the forms file that was read, if any, and its forms.
pub(super) fn forms(get: &impl Fn(&str) -> Option<String>) -> Result<(Option<PathBuf>, FormSet), ConfigError> {
    Ok(match get("BELCO_FORMS") {
        Some(path) => {
            let path = PathBuf::from(path);
            let forms = FormSet::load(&path, &app::i18n::codes()).map_err(|e| bad("BELCO_FORMS", e.to_string()))?;
            (Some(path), forms)
        }
        // The default file is optional: without it the panels simply show no forms.
        None if Path::new(DEFAULT_FORMS_PATH).exists() => {
            let path = PathBuf::from(DEFAULT_FORMS_PATH);
            let forms = FormSet::load(&path, &app::i18n::codes()).map_err(|e| bad("BELCO_FORMS", e.to_string()))?;
            (Some(path), forms)
        }
        None => (None, FormSet::empty()),
    })
}

/// What the delivery task needs to send the forms' webhooks (`tasks::deliveries`).
#[derive(Clone, Debug)]
pub struct Webhooks {
    /// Each secret a form of the forms file names, read from the variable of that name, by name.
    pub signers: Arc<std::collections::HashMap<String, WebhookSigner>>,
    /// `BELCO_WEBHOOK_ATTEMPTS` and `BELCO_WEBHOOK_RETRY`: when failed deliveries are tried again.
    pub schedule: Schedule,
    /// `BELCO_WEBHOOK_TIMEOUT`: the longest one attempt may take, connecting included.
    pub timeout: Duration,
}

impl Webhooks {
    pub(super) fn from_lookup(get: &impl Fn(&str) -> Option<String>, forms: &FormSet) -> Result<Self, ConfigError> {
        let mut signers = std::collections::HashMap::new();
        for (form, target) in forms.webhooks() {
            if signers.contains_key(&target.secret) {
                continue;
            }
            let Some(secret) = get(&target.secret).filter(|value| !value.trim().is_empty()) else {
                return Err(bad(
                    "BELCO_FORMS",
                    format!(
                        "form {form:?} signs its webhook with the secret in {}, which is not set \
                         (make one with `belco-panel secret`)",
                        target.secret
                    ),
                ));
            };
            let signer = WebhookSigner::new(&Secret::new(secret)).map_err(|e| {
                bad("BELCO_FORMS", format!("{} (the webhook secret of form {form:?}) {e}", target.secret))
            })?;
            signers.insert(target.secret.clone(), signer);
        }
        let defaults = Schedule::default();
        let schedule = Schedule {
            attempts: whole(get, "BELCO_WEBHOOK_ATTEMPTS", defaults.attempts as usize, 100)? as u32,
            first_retry: duration(get, "BELCO_WEBHOOK_RETRY", defaults.first_retry)?,
            max_delay: defaults.max_delay,
        };
        let timeout = duration(get, "BELCO_WEBHOOK_TIMEOUT", DEFAULT_WEBHOOK_TIMEOUT)?;
        if timeout > Duration::from_secs(300) {
            return Err(bad("BELCO_WEBHOOK_TIMEOUT", "must be at most 5 minutes"));
        }
        Ok(Self { signers: Arc::new(signers), schedule, timeout })
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use crate::config::from_pairs as config;

    #[test]
    fn a_forms_webhook_needs_its_secret_set_and_well_formed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("forms.toml");
        std::fs::write(
            &path,
            "[[form]]\nid = \"r\"\ntitle = \"R\"\nscope = \"customer\"\n\
             webhook = { url = \"https://shop.example/h\", secret = \"HOOK_SECRET\" }\n\
             [[form.field]]\nname = \"x\"\nlabel = \"X\"\ntype = \"text\"\n",
        )
        .unwrap();
        let forms = path.to_str().unwrap();
        let error = config(&[("BELCO_FORMS", forms)]).expect_err("no secret").to_string();
        assert!(
            error.starts_with(
                "BELCO_FORMS: form \"r\" signs its webhook with the secret in HOOK_SECRET, which is not set"
            ),
            "{error}"
        );
        let error = config(&[("BELCO_FORMS", forms), ("HOOK_SECRET", "hunter2")]).expect_err("bad").to_string();
        assert!(error.contains("HOOK_SECRET (the webhook secret of form \"r\") must be \"whsec_\""), "{error}");
        assert!(!error.contains("hunter2"), "the secret is never repeated: {error}");
        let secret = belco::push::generate_secret();
        let c = config(&[("BELCO_FORMS", forms), ("HOOK_SECRET", &secret)]).unwrap();
        assert!(c.webhooks.signers.contains_key("HOOK_SECRET"));
        assert_eq!(c.webhooks.schedule, belco::deliveries::Schedule::default());
        assert_eq!(c.webhooks.timeout, Duration::from_secs(10));
        let c = config(&[
            ("BELCO_FORMS", forms),
            ("HOOK_SECRET", &secret),
            ("BELCO_WEBHOOK_ATTEMPTS", "3"),
            ("BELCO_WEBHOOK_RETRY", "1m"),
            ("BELCO_WEBHOOK_TIMEOUT", "5s"),
        ])
        .unwrap();
        assert_eq!((c.webhooks.schedule.attempts, c.webhooks.schedule.first_retry), (3, Duration::from_secs(60)));
        assert_eq!(c.webhooks.timeout, Duration::from_secs(5));
        for (var, value) in
            [("BELCO_WEBHOOK_ATTEMPTS", "0"), ("BELCO_WEBHOOK_TIMEOUT", "1h"), ("BELCO_WEBHOOK_RETRY", "soon")]
        {
            let error = config(&[(var, value)]).expect_err(var).to_string();
            assert!(error.starts_with(var), "{error}");
        }
    }
}
