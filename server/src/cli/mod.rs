//! The `belco-panel` commands: the arguments (`args`, declared with clap: [`parse`]), and one
//! module per family,
//! each a function per command that reads the configuration and the store and prints for people:
//!
//! - `serve`: `serve` and `demo` (the checks, the URLs to paste into Belco; `crate::startup` serves);
//! - `doctor`: the checks of a running deployment; `demo`: the demo's data;
//! - `import`: `import` and `backup`;
//! - `gdpr`: `customer export`, `customer erase`, `access`;
//! - `deliveries`: the forms' webhook deliveries and their retry;
//! - `calls`: Belco's last calls to a running server.

use std::path::PathBuf;

use belco::push::generate_secret;
use belco::secret::generate_token;
use belco::store::Store;
use leptos::config::LeptosOptions;

use crate::config::Config;

pub mod calls;
pub mod deliveries;
pub mod demo;
pub mod doctor;
pub mod gdpr;
pub mod import;
pub mod serve;

mod args;

pub use args::{Args, parse, write_completions};

#[derive(Debug, PartialEq, Eq)]
pub enum Command {
    Serve,
    Demo,
    Import(PathBuf),
    Backup(PathBuf),
    Calls(Option<String>),
    Doctor(Option<String>),
    ExportCustomer(String),
    Access(String),
    EraseCustomer {
        who: String,
        confirmed: bool,
    },
    Deliveries {
        failed_only: bool,
    },
    RetryDeliveries(belco::store::RetryWhich),
    Token,
    Secret,
    /// A shell completion script, on standard output.
    Completions(clap_complete::Shell),
}
pub type CliResult = Result<(), Box<dyn std::error::Error>>;

/// The commands that need no configuration (a shell completion script, a new token or push
/// secret), run at once: `None` for any other, which [`run`] runs once the configuration is read.
/// So they work where `.env` or the forms file is still broken, as on a first install.
pub fn run_without_configuration(command: &Command) -> Option<CliResult> {
    let printed = match command {
        Command::Completions(shell) => {
            return Some(write_completions(*shell, &mut std::io::stdout()).map_err(Into::into));
        }
        Command::Token => generate_token(),
        Command::Secret => generate_secret(),
        _ => return None,
    };
    println!("{printed}");
    Some(Ok(()))
}

pub async fn run(command: Command, config: Config, leptos_options: LeptosOptions) -> CliResult {
    match command {
        Command::Completions(_) | Command::Token | Command::Secret => {
            return run_without_configuration(&command).unwrap_or(Ok(()));
        }
        Command::Import(path) => import::import(&config, &path).await?,
        Command::Backup(path) => import::backup(&config, &path).await?,
        Command::Calls(base) => calls::calls(&leptos_options, base.as_deref()).await?,
        Command::ExportCustomer(who) => gdpr::export_customer(&config, &who).await?,
        Command::Access(who) => gdpr::access(&config, &who).await?,
        Command::Deliveries { failed_only } => deliveries::deliveries(&config, failed_only).await?,
        Command::RetryDeliveries(which) => deliveries::retry_deliveries(&config, &which).await?,
        Command::EraseCustomer { who, confirmed } => gdpr::erase_customer(&config, &who, confirmed).await?,
        Command::Doctor(base) => {
            let report = crate::cli::doctor::examine(&config, leptos_options.site_addr, base.as_deref()).await;
            print!("{}", report.render());
            if report.failed() > 0 {
                return Err(format!("{} of the doctor's checks failed", report.failed()).into());
            }
        }
        Command::Serve => serve::serve(config, leptos_options).await?,
        Command::Demo => serve::demo(config, leptos_options).await?,
    }
    Ok(())
}

pub(crate) async fn connect(config: &Config) -> Result<Store, Box<dyn std::error::Error>> {
    let store = Store::connect_with(config.database_url.expose(), config.limits.store_options())
        .await
        .map_err(|e| format!("DATABASE_URL: cannot open the database: {e}"))?;
    tracing::info!(storage = store.backend(), "database ready");
    Ok(store)
}
