//! The `belco-panel` commands: the arguments ([`parse`], [`USAGE`]), and one module per family,
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

pub const USAGE: &str = "\
belco-panel: your shop's customer data inside Belco

usage: belco-panel [COMMAND]

commands:
  serve         serve the Custom Frame and Custom Orders endpoints (the default);
                needs BELCO_TOKENS and BELCO_SIGNING_KEY
  demo          like serve, on demo data: creates a token, a signing key, a push secret and demo
                orders if there are none, prints the URLs to paste into Belco and the preview's
  import FILE   load orders from a JSON file in Belco's shape ({\"orders\":[…]}, each with
                email and/or phoneNumber); re-running it is harmless, a bad record stores nothing
  backup FILE   copy the SQLite database to FILE (a new file) while it serves: orders, notes,
                form submissions; PostgreSQL is backed up with pg_dump (README, \"Backups\")
  doctor [URL]  the URLs to paste into Belco, and checks a running deployment (default: this
                machine's): reachable, https, token, headers, orders shape, push API, database;
                one line per check, a fix for each failure, exit 1 if any fails
  customer export EMAIL|PHONE
                everything held about one customer (orders, notes, form submissions) as one
                JSON document, on standard output
  customer erase EMAIL|PHONE [--yes]
                deletes all of it in one transaction, after a confirmation (or --yes), and
                keeps only a keyed-hashed record of the erasure
  deliveries [--failed]
                the forms' webhook deliveries, newest first (or the failed ones): state,
                attempts, the receiver's last answer, the next attempt
  deliveries retry ID|--failed
                starts a failed delivery (or all of them) over, with a full set of attempts;
                a running belco-panel sends it within a second
  access EMAIL|PHONE
                who looked up this customer and when (the access log: route, client address,
                orders found, outcome), newest first
  calls [URL]   Belco's last calls to a running belco-panel (default: http://LEPTOS_SITE_ADDR) and
                why each failed; asks with the first token of BELCO_TOKENS
  token         print a new random token for BELCO_TOKENS (or a key for BELCO_SIGNING_KEY)
  secret        print a new push secret for BELCO_PUSH_SECRET
  help          show this

Configuration comes from the environment and a .env file; see README.md.";

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
    EraseCustomer { who: String, confirmed: bool },
    Deliveries { failed_only: bool },
    RetryDeliveries(belco::store::RetryWhich),
    Token,
    Secret,
    Help,
}
pub fn parse(args: &[String]) -> Result<Command, String> {
    match args {
        [] => Ok(Command::Serve),
        [cmd] if cmd == "serve" => Ok(Command::Serve),
        [cmd] if cmd == "demo" => Ok(Command::Demo),
        [cmd, file] if cmd == "import" => Ok(Command::Import(PathBuf::from(file))),
        [cmd] if cmd == "import" => Err("import needs a FILE: belco-panel import orders.json".into()),
        [cmd, file] if cmd == "backup" => Ok(Command::Backup(PathBuf::from(file))),
        [cmd] if cmd == "backup" => {
            Err("backup needs a FILE to write: belco-panel backup belco-panel-backup.db".into())
        }
        [cmd] if cmd == "doctor" => Ok(Command::Doctor(None)),
        [cmd, base] if cmd == "doctor" => Ok(Command::Doctor(Some(base.clone()))),
        [cmd] if cmd == "calls" => Ok(Command::Calls(None)),
        [cmd, base] if cmd == "calls" => Ok(Command::Calls(Some(base.clone()))),
        [cmd, who] if cmd == "access" => Ok(Command::Access(who.clone())),
        [cmd] if cmd == "deliveries" => Ok(Command::Deliveries { failed_only: false }),
        [cmd, flag] if cmd == "deliveries" && flag == "--failed" => Ok(Command::Deliveries { failed_only: true }),
        [cmd, retry, flag] if cmd == "deliveries" && retry == "retry" && flag == "--failed" => {
            Ok(Command::RetryDeliveries(belco::store::RetryWhich::AllFailed))
        }
        [cmd, retry, id] if cmd == "deliveries" && retry == "retry" && !id.starts_with('-') => {
            Ok(Command::RetryDeliveries(belco::store::RetryWhich::One(id.clone())))
        }
        [cmd, ..] if cmd == "deliveries" => Err("usage: belco-panel deliveries [--failed], or belco-panel deliveries \
                                                  retry ID|--failed"
            .into()),
        [cmd] if cmd == "access" => {
            Err("access needs an email address or phone number: belco-panel access jan@example.nl".into())
        }
        [cmd, what, who] if cmd == "customer" && what == "export" => Ok(Command::ExportCustomer(who.clone())),
        [cmd, what, who] if cmd == "customer" && what == "erase" => {
            Ok(Command::EraseCustomer { who: who.clone(), confirmed: false })
        }
        [cmd, what, who, yes] if cmd == "customer" && what == "erase" && yes == "--yes" => {
            Ok(Command::EraseCustomer { who: who.clone(), confirmed: true })
        }
        [cmd, ..] if cmd == "customer" => Err("customer needs export or erase and an email address or phone \
                                                number: belco-panel customer export jan@example.nl"
            .into()),
        [cmd] if cmd == "token" => Ok(Command::Token),
        [cmd] if cmd == "secret" => Ok(Command::Secret),
        [cmd] if matches!(cmd.as_str(), "help" | "-h" | "--help") => Ok(Command::Help),
        _ => Err(format!("unknown command: {}", args.join(" "))),
    }
}

pub type CliResult = Result<(), Box<dyn std::error::Error>>;

pub async fn run(command: Command, config: Config, leptos_options: LeptosOptions) -> CliResult {
    match command {
        Command::Help => println!("{USAGE}"),
        Command::Token => println!("{}", generate_token()),
        Command::Secret => println!("{}", generate_secret()),
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

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn parses_subcommands() {
        assert_eq!(parse(&args(&[])), Ok(Command::Serve));
        assert_eq!(parse(&args(&["demo"])), Ok(Command::Demo));
        assert_eq!(parse(&args(&["import", "x.json"])), Ok(Command::Import("x.json".into())));
        assert!(parse(&args(&["import"])).unwrap_err().contains("needs a FILE"));
        assert_eq!(parse(&args(&["backup", "copy.db"])), Ok(Command::Backup("copy.db".into())));
        assert!(parse(&args(&["backup"])).unwrap_err().contains("needs a FILE"));
        assert_eq!(parse(&args(&["calls"])), Ok(Command::Calls(None)));
        assert_eq!(parse(&args(&["calls", "https://x.example"])), Ok(Command::Calls(Some("https://x.example".into()))));
        assert!(parse(&args(&["serve", "extra"])).is_err());
        assert_eq!(parse(&args(&["customer", "export", "a@b.nl"])), Ok(Command::ExportCustomer("a@b.nl".into())));
        assert_eq!(
            parse(&args(&["customer", "erase", "+31612345678"])),
            Ok(Command::EraseCustomer { who: "+31612345678".into(), confirmed: false })
        );
        assert_eq!(
            parse(&args(&["customer", "erase", "a@b.nl", "--yes"])),
            Ok(Command::EraseCustomer { who: "a@b.nl".into(), confirmed: true })
        );
        assert!(parse(&args(&["customer", "erase"])).unwrap_err().contains("export or erase"));
        assert_eq!(parse(&args(&["deliveries"])), Ok(Command::Deliveries { failed_only: false }));
        assert_eq!(parse(&args(&["deliveries", "--failed"])), Ok(Command::Deliveries { failed_only: true }));
        assert_eq!(
            parse(&args(&["deliveries", "retry", "--failed"])),
            Ok(Command::RetryDeliveries(belco::store::RetryWhich::AllFailed))
        );
        assert_eq!(
            parse(&args(&["deliveries", "retry", "msg_1"])),
            Ok(Command::RetryDeliveries(belco::store::RetryWhich::One("msg_1".into())))
        );
        assert!(parse(&args(&["deliveries", "retry"])).unwrap_err().contains("usage"));
        assert!(parse(&args(&["deliveries", "retry", "--all"])).unwrap_err().contains("usage"));
    }
}
