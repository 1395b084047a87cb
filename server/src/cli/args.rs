//! The command line, declared with clap: the usage, each command's `--help` (from the doc
//! comments below), usage errors and the shell completion scripts all come from these types.
//!
//! Every command line belco-panel accepted before still means the same (no command is `serve`),
//! and one it refused says what it always said (`error: import needs a FILE: …`, `error: unknown
//! command: …`; scripts and the tests depend on them), then clap's usage line; it exits with 2.
//! Help (`help`, `--help`, `-h`, also after a command) goes to standard output and exits with 0.
//! As with any clap program, an argument that starts with `-` is read as an option: `--` before
//! it makes it a value (`belco-panel import -- -orders.json`).

use std::ffi::OsString;
use std::path::PathBuf;

use clap::error::{ContextKind, ContextValue, ErrorKind};
use clap::{CommandFactory, Parser, Subcommand};
use clap_complete::Shell;

use super::Command;

/// belco-panel: your shop's customer data inside Belco
#[derive(Debug, Parser)]
#[command(
    name = "belco-panel",
    version,
    max_term_width = 100,
    after_help = "Without a command, belco-panel serves.\n\
                  Configuration comes from the environment and a .env file; see docs/configuration.md."
)]
pub struct Args {
    #[command(subcommand)]
    command: Option<Sub>,
}

#[derive(Debug, Subcommand)]
enum Sub {
    /// Serve the Custom Frame and Custom Orders endpoints (the default)
    ///
    /// Serves Belco's Custom Frame and Custom Orders endpoints, the preview, the push API and the
    /// forms' webhooks, until Ctrl-C or SIGTERM. It needs BELCO_TOKENS and BELCO_SIGNING_KEY, and
    /// BELCO_PSEUDONYM_KEY while the access log is on: `belco-panel token` makes each. belco-panel
    /// without a command does the same.
    Serve,
    /// Like serve, on demo data, with the URLs to paste into Belco
    ///
    /// Serves like `serve`, and first creates what is missing: a token, a signing key, a pseudonym
    /// key, a push secret, a preview token and demo orders (when the database has none); it keeps
    /// them in the database, so the URLs stay the same from run to run. Prints the URLs to paste
    /// into Belco and the preview's.
    Demo,
    /// Load orders from a JSON file in Belco's shape
    ///
    /// Loads orders from a JSON file in Belco's shape ({"orders":[…]}, each with email and/or
    /// phoneNumber), streamed, so memory stays flat. Re-running it is harmless: an order the
    /// database holds in a newer version is skipped. A bad record stores nothing.
    Import {
        /// The orders file, e.g. orders.json
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Copy the SQLite database to a new file while it serves
    ///
    /// Copies the SQLite database (orders, notes, form submissions) to FILE, a new file readable
    /// by its owner only, while belco-panel serves. PostgreSQL is backed up with pg_dump
    /// (docs/operating.md, "Backups").
    Backup {
        /// The copy to write; it must not exist yet
        #[arg(value_name = "FILE")]
        file: PathBuf,
    },
    /// Print the URLs to paste into Belco and check a running deployment
    ///
    /// Prints the URLs to paste into Belco, and checks a running deployment (by default this
    /// machine's, at LEPTOS_SITE_ADDR): reachable, https, token, headers, the orders' shape, the
    /// push API, the database. One line per check, a fix for each failure; exits with 1 if any
    /// check fails.
    Doctor {
        /// The deployment's public URL, e.g. https://panel.myshop.example
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// One customer's data: export it, or erase it (GDPR)
    ///
    /// Everything held about one customer (orders, notes, form submissions, webhook deliveries,
    /// the access log), found by email address or phone number.
    Customer {
        #[command(subcommand)]
        action: CustomerAction,
    },
    /// The forms' webhook deliveries, newest first, or start failed ones over
    ///
    /// Lists the forms' webhook deliveries, newest first (or only the failed ones): state,
    /// attempts, the receiver's last answer, the next attempt. `deliveries retry` starts failed
    /// ones over.
    #[command(args_conflicts_with_subcommands = true)]
    Deliveries {
        /// Only the deliveries whose every attempt failed
        #[arg(long)]
        failed: bool,
        #[command(subcommand)]
        retry: Option<DeliveriesAction>,
    },
    /// Who looked up a customer, and when (the access log)
    ///
    /// Lists who looked up this customer and when, newest first, from the access log: the route,
    /// the client's address, the orders found, the outcome.
    Access {
        /// The customer's email address or phone number
        #[arg(value_name = "EMAIL|PHONE")]
        who: String,
    },
    /// Belco's last calls to a running belco-panel, and why each failed
    ///
    /// Prints Belco's last calls to a running belco-panel and why each failed, then the calls
    /// refused for a missing or wrong token. It asks the server with the first token of
    /// BELCO_TOKENS, and sends it only over https or to this machine.
    Calls {
        /// The server to ask [default: http://LEPTOS_SITE_ADDR]
        #[arg(value_name = "URL")]
        url: Option<String>,
    },
    /// Print a new random token for BELCO_TOKENS (or a key)
    ///
    /// Prints a new random token: for BELCO_TOKENS, BELCO_PREVIEW_TOKEN or BELCO_METRICS_TOKEN,
    /// or as a key for BELCO_SIGNING_KEY or BELCO_PSEUDONYM_KEY.
    Token,
    /// Print a new push secret for BELCO_PUSH_SECRET
    ///
    /// Prints a new push secret (whsec_ followed by base64) for BELCO_PUSH_SECRET, or for a form
    /// webhook's secret.
    Secret,
    /// Print a shell completion script (bash, zsh, fish, …)
    ///
    /// Prints the completion script of belco-panel's commands and options for SHELL on standard
    /// output. Install it where your shell looks for one, e.g.:
    ///
    ///   bash: belco-panel completions bash > /etc/bash_completion.d/belco-panel
    ///   zsh:  belco-panel completions zsh > ~/.zfunc/_belco-panel  (with ~/.zfunc in fpath)
    ///   fish: belco-panel completions fish > ~/.config/fish/completions/belco-panel.fish
    #[command(verbatim_doc_comment)]
    Completions {
        /// The shell to complete in
        #[arg(value_name = "SHELL")]
        shell: Shell,
    },
}

#[derive(Debug, Subcommand)]
enum CustomerAction {
    /// Everything held about one customer as one JSON document, on standard output
    ///
    /// Writes everything held about one customer (orders, notes, form submissions, webhook
    /// deliveries, who looked them up) as one JSON document on standard output, e.g.
    /// `belco-panel customer export jan@example.nl > jan.json`.
    Export {
        /// The customer's email address or phone number
        #[arg(value_name = "EMAIL|PHONE")]
        who: String,
    },
    /// Delete everything held about one customer, after a confirmation
    ///
    /// Says what it will delete and deletes all of it in one transaction, after you type
    /// `erase` (or at once with --yes). It keeps only a record of the erasure, with the
    /// identifiers keyed-hashed. On SQLite the deleted bytes are zeroed too.
    Erase {
        /// The customer's email address or phone number
        #[arg(value_name = "EMAIL|PHONE")]
        who: String,
        /// Erase without asking
        #[arg(long)]
        yes: bool,
    },
}

#[derive(Debug, Subcommand)]
enum DeliveriesAction {
    /// Start a failed delivery (or all of them) over, with a full set of attempts
    ///
    /// Starts a failed delivery (or every failed one) over, with a full set of attempts; a
    /// running belco-panel sends it within a second.
    Retry(RetryArgs),
}

#[derive(Debug, clap::Args)]
#[group(required = true, multiple = false)]
struct RetryArgs {
    /// The delivery's id (msg_…), as `belco-panel deliveries` lists it
    #[arg(value_name = "ID")]
    id: Option<String>,
    /// Every failed delivery
    #[arg(long)]
    failed: bool,
}

impl From<Args> for Command {
    fn from(args: Args) -> Self {
        use belco::store::RetryWhich;
        match args.command {
            None | Some(Sub::Serve) => Command::Serve,
            Some(Sub::Demo) => Command::Demo,
            Some(Sub::Import { file }) => Command::Import(file),
            Some(Sub::Backup { file }) => Command::Backup(file),
            Some(Sub::Doctor { url }) => Command::Doctor(url),
            Some(Sub::Calls { url }) => Command::Calls(url),
            Some(Sub::Access { who }) => Command::Access(who),
            Some(Sub::Customer { action: CustomerAction::Export { who } }) => Command::ExportCustomer(who),
            Some(Sub::Customer { action: CustomerAction::Erase { who, yes } }) => {
                Command::EraseCustomer { who, confirmed: yes }
            }
            Some(Sub::Deliveries { failed, retry: None }) => Command::Deliveries { failed_only: failed },
            Some(Sub::Deliveries { retry: Some(DeliveriesAction::Retry(which)), .. }) => {
                Command::RetryDeliveries(match which.id {
                    Some(id) => RetryWhich::One(id),
                    None => RetryWhich::AllFailed,
                })
            }
            Some(Sub::Token) => Command::Token,
            Some(Sub::Secret) => Command::Secret,
            Some(Sub::Completions { shell }) => Command::Completions(shell),
        }
    }
}

/// The command that `args` (the arguments after the program's name) ask for. An `Err` is
/// printed as it is (`Error::print`) and exits with its `exit_code()`: help and `--version` on
/// standard output with 0, a usage error on standard error with 2.
pub fn parse<I, T>(args: I) -> Result<Command, clap::Error>
where
    I: IntoIterator<Item = T>,
    T: Into<OsString>,
{
    let args: Vec<OsString> =
        std::iter::once(OsString::from("belco-panel")).chain(args.into_iter().map(Into::into)).collect();
    match Args::try_parse_from(&args) {
        Ok(parsed) => Ok(parsed.into()),
        Err(e) => Err(in_our_words(e, &args[1..])),
    }
}

/// The sentences belco-panel's usage errors have always said, for the arguments that have
/// always been refused with them (clap's usage line follows); help, `--version`, and the
/// `completions` command, which is newer than them, keep clap's own.
fn in_our_words(error: clap::Error, args: &[OsString]) -> clap::Error {
    if !error.use_stderr() {
        return error;
    }
    let words: Vec<String> = args.iter().map(|arg| arg.to_string_lossy().into_owned()).collect();
    let missing = error.kind() == ErrorKind::MissingRequiredArgument;
    let sentence = match words.first().map(String::as_str) {
        Some("completions") => return error,
        Some("import") if missing => "import needs a FILE: belco-panel import orders.json".to_owned(),
        Some("backup") if missing => {
            "backup needs a FILE to write: belco-panel backup belco-panel-backup.db".to_owned()
        }
        Some("access") if missing => {
            "access needs an email address or phone number: belco-panel access jan@example.nl".to_owned()
        }
        Some("customer") => "customer needs export or erase and an email address or phone number: belco-panel \
                             customer export jan@example.nl"
            .to_owned(),
        Some("deliveries") => {
            "usage: belco-panel deliveries [--failed], or belco-panel deliveries retry ID|--failed".to_owned()
        }
        _ => {
            let mut sentence = format!("unknown command: {}", words.join(" "));
            if error.kind() == ErrorKind::InvalidSubcommand {
                let similar = match error.get(ContextKind::SuggestedSubcommand) {
                    Some(ContextValue::String(one)) => vec![one.clone()],
                    Some(ContextValue::Strings(some)) => some.clone(),
                    _ => Vec::new(),
                };
                let quoted: Vec<String> = similar.iter().map(|name| format!("'{name}'")).collect();
                match quoted.as_slice() {
                    [] => {}
                    [one] => sentence.push_str(&format!("\n\n  tip: a similar command exists: {one}")),
                    some => sentence.push_str(&format!("\n\n  tip: some similar commands exist: {}", some.join(", "))),
                }
            }
            sentence
        }
    };
    // The usage line of the deepest command the arguments name, as clap prints it.
    let mut command = Args::command();
    command.build();
    let mut target = &mut command;
    for word in &words {
        if target.find_subcommand(word).is_none() {
            break;
        }
        target = target.find_subcommand_mut(word).expect("found just above");
    }
    target.error(error.kind(), sentence)
}

/// Writes the completion script for `shell` of every command and option. (Made in memory first:
/// clap_complete panics on a write that fails, e.g. into a closed pipe.)
pub fn write_completions(shell: Shell, out: &mut dyn std::io::Write) -> std::io::Result<()> {
    let mut script = Vec::new();
    if shell == Shell::Bash {
        // clap_complete's bash script completes nothing after a command when the program's name
        // has a hyphen (clap-rs/clap#6421: two spellings of its states): made for belco_panel,
        // which it spells one way, and registered for belco-panel. Its states follow the words
        // typed after the program's name, whatever that is called.
        clap_complete::generate(shell, &mut Args::command(), "belco_panel", &mut script);
        let text = String::from_utf8_lossy(&script).replace(" belco_panel\n", " belco-panel\n");
        script = text.into_bytes();
    } else {
        clap_complete::generate(shell, &mut Args::command(), "belco-panel", &mut script);
    }
    out.write_all(&script)?;
    out.flush()
}

#[cfg(test)]
mod tests {
    use belco::store::RetryWhich;

    use super::*;

    /// What clap makes of `args` (after the program's name), as the command `run` gets.
    fn command(args: &[&str]) -> Command {
        let parsed = Args::try_parse_from(std::iter::once("belco-panel").chain(args.iter().copied()))
            .unwrap_or_else(|e| panic!("{args:?}: {e}"));
        Command::from(parsed)
    }

    /// The error `parse` answers `args` with, as `main` prints it (without colours).
    fn refused(args: &[&str]) -> (i32, String) {
        match parse(args.iter().copied()) {
            Ok(command) => panic!("{args:?} parsed as {command:?}"),
            Err(e) => (e.exit_code(), e.render().to_string()),
        }
    }

    /// Help as printed: clap wraps it to the terminal's width, so lines are joined here.
    fn help(args: &[&str]) -> String {
        let e = parse(args.iter().copied()).expect_err("help is an Err that prints it");
        assert_eq!((e.kind(), e.exit_code(), e.use_stderr()), (ErrorKind::DisplayHelp, 0, false), "{args:?}");
        e.render().to_string()
    }

    fn joined(text: &str) -> String {
        text.split_whitespace().collect::<Vec<_>>().join(" ")
    }

    #[test]
    fn the_declaration_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn no_command_means_serve() {
        assert_eq!(command(&[]), Command::Serve);
        assert_eq!(command(&["serve"]), Command::Serve);
        assert_eq!(parse(Vec::<OsString>::new()).expect("bare"), Command::Serve);
    }

    #[test]
    fn every_command_takes_its_arguments() {
        assert_eq!(command(&["demo"]), Command::Demo);
        assert_eq!(command(&["import", "x.json"]), Command::Import("x.json".into()));
        assert_eq!(command(&["backup", "copy.db"]), Command::Backup("copy.db".into()));
        assert_eq!(command(&["doctor"]), Command::Doctor(None));
        assert_eq!(
            command(&["doctor", "https://panel.shop.example"]),
            Command::Doctor(Some("https://panel.shop.example".into()))
        );
        assert_eq!(command(&["calls"]), Command::Calls(None));
        assert_eq!(command(&["calls", "https://x.example"]), Command::Calls(Some("https://x.example".into())));
        assert_eq!(command(&["access", "jan@example.nl"]), Command::Access("jan@example.nl".into()));
        assert_eq!(command(&["access", "+31612345678"]), Command::Access("+31612345678".into()));
        assert_eq!(command(&["customer", "export", "a@b.nl"]), Command::ExportCustomer("a@b.nl".into()));
        assert_eq!(
            command(&["customer", "erase", "06 12345678"]),
            Command::EraseCustomer { who: "06 12345678".into(), confirmed: false }
        );
        assert_eq!(
            command(&["customer", "erase", "a@b.nl", "--yes"]),
            Command::EraseCustomer { who: "a@b.nl".into(), confirmed: true }
        );
        assert_eq!(command(&["deliveries"]), Command::Deliveries { failed_only: false });
        assert_eq!(command(&["deliveries", "--failed"]), Command::Deliveries { failed_only: true });
        assert_eq!(command(&["deliveries", "retry", "--failed"]), Command::RetryDeliveries(RetryWhich::AllFailed));
        assert_eq!(
            command(&["deliveries", "retry", "msg_1"]),
            Command::RetryDeliveries(RetryWhich::One("msg_1".into()))
        );
        assert_eq!(command(&["token"]), Command::Token);
        assert_eq!(command(&["secret"]), Command::Secret);
        assert_eq!(command(&["completions", "bash"]), Command::Completions(Shell::Bash));
        assert_eq!(command(&["completions", "zsh"]), Command::Completions(Shell::Zsh));
        assert_eq!(command(&["completions", "fish"]), Command::Completions(Shell::Fish));
        // `parse`, which `main` calls, answers the same.
        assert_eq!(
            parse(["customer", "erase", "a@b.nl", "--yes"]).expect("parses"),
            command(&["customer", "erase", "a@b.nl", "--yes"])
        );
    }

    /// Every usage error that belco-panel has always refused says what it always said, then
    /// clap's usage line of the command; `main` exits with 2.
    #[test]
    fn usage_errors_keep_their_sentences_and_exit_with_2() {
        let import = "import needs a FILE: belco-panel import orders.json";
        let backup = "backup needs a FILE to write: belco-panel backup belco-panel-backup.db";
        let access = "access needs an email address or phone number: belco-panel access jan@example.nl";
        let customer = "customer needs export or erase and an email address or phone number: belco-panel customer \
                        export jan@example.nl";
        let deliveries = "usage: belco-panel deliveries [--failed], or belco-panel deliveries retry ID|--failed";
        let cases: &[(&[&str], &str, &str)] = &[
            (&["frobnicate"], "unknown command: frobnicate", "Usage: belco-panel [COMMAND]"),
            (&["--frobnicate"], "unknown command: --frobnicate", "Usage: belco-panel [COMMAND]"),
            (&["serve", "extra"], "unknown command: serve extra", "Usage: belco-panel serve"),
            (&["demo", "extra"], "unknown command: demo extra", "Usage: belco-panel demo"),
            (&["token", "x"], "unknown command: token x", "Usage: belco-panel token"),
            (&["secret", "x"], "unknown command: secret x", "Usage: belco-panel secret"),
            (&["doctor", "a", "b"], "unknown command: doctor a b", "Usage: belco-panel doctor [URL]"),
            (&["calls", "a", "b"], "unknown command: calls a b", "Usage: belco-panel calls [URL]"),
            (&["import"], import, "Usage: belco-panel import <FILE>"),
            (&["import", "a", "b"], "unknown command: import a b", "Usage: belco-panel import <FILE>"),
            (&["backup"], backup, "Usage: belco-panel backup <FILE>"),
            (&["access"], access, "Usage: belco-panel access <EMAIL|PHONE>"),
            (&["customer"], customer, "Usage: belco-panel customer <COMMAND>"),
            (&["customer", "erase"], customer, "Usage: belco-panel customer erase [OPTIONS] <EMAIL|PHONE>"),
            (&["customer", "export", "a@b.nl", "--yes"], customer, "Usage: belco-panel customer export"),
            (&["customer", "show", "a@b.nl"], customer, "Usage: belco-panel customer <COMMAND>"),
            (&["deliveries", "retry"], deliveries, "Usage: belco-panel deliveries retry <ID|--failed>"),
            (&["deliveries", "retry", "--all"], deliveries, "Usage: belco-panel deliveries retry"),
            (&["deliveries", "retry", "-x"], deliveries, "Usage: belco-panel deliveries retry"),
            (&["deliveries", "retry", "a", "b"], deliveries, "Usage: belco-panel deliveries retry"),
            (&["deliveries", "retry", "a", "--failed"], deliveries, "Usage: belco-panel deliveries retry"),
            (&["deliveries", "--failed", "retry", "--failed"], deliveries, "Usage: belco-panel deliveries"),
            (&["deliveries", "all"], deliveries, "Usage: belco-panel deliveries"),
        ];
        for (args, sentence, usage) in cases {
            let (code, said) = refused(args);
            assert_eq!(code, 2, "{args:?}: {said}");
            assert!(said.starts_with(&format!("error: {sentence}\n")), "{args:?}: {said}");
            assert!(said.contains(usage), "{args:?}: {said}");
        }
    }

    #[test]
    fn an_unknown_command_says_so_and_names_a_similar_one() {
        let (code, said) = refused(&["improt"]);
        assert_eq!(code, 2);
        assert!(said.starts_with("error: unknown command: improt\n"), "{said}");
        assert!(said.contains("tip: a similar command exists: 'import'"), "{said}");
        let (_, said) = refused(&["sevre"]);
        assert!(said.contains("tip: some similar commands exist: 'secret', 'serve'"), "{said}");
        assert!(said.contains("Usage: belco-panel [COMMAND]") && said.contains("try '--help'"), "{said}");
    }

    /// The newer `completions` keeps clap's own messages, which name the shells.
    #[test]
    fn completions_needs_a_shell_it_knows() {
        let (code, said) = refused(&["completions", "tcsh"]);
        assert_eq!(code, 2);
        assert!(said.starts_with("error: invalid value 'tcsh'") && said.contains("bash, elvish, fish"), "{said}");
        assert_eq!(refused(&["completions"]).0, 2);
    }

    #[test]
    fn help_lists_every_command_and_exits_with_0() {
        for args in [&["--help"][..], &["-h"], &["help"]] {
            let text = help(args);
            assert!(text.starts_with("belco-panel: your shop's customer data inside Belco\n"), "{text}");
            assert!(text.contains("Usage: belco-panel [COMMAND]"), "{text}");
            for name in [
                "serve",
                "demo",
                "import",
                "backup",
                "doctor",
                "customer",
                "deliveries",
                "access",
                "calls",
                "token",
                "secret",
                "completions",
                "help",
            ] {
                assert!(text.lines().any(|line| line.trim_start().starts_with(&format!("{name} "))), "{name}: {text}");
            }
            assert!(joined(&text).contains("Without a command, belco-panel serves."), "{text}");
        }
    }

    #[test]
    fn each_command_has_its_own_help() {
        let text = joined(&help(&["import", "--help"]));
        assert!(text.starts_with("Load orders from a JSON file in Belco's shape"), "{text}");
        assert!(
            text.contains("Re-running it is harmless") && text.contains("Usage: belco-panel import <FILE>"),
            "{text}"
        );
        assert_eq!(joined(&help(&["help", "import"])), text, "`help import` is `import --help`");
        let text = joined(&help(&["customer", "erase", "--help"]));
        assert!(text.contains("Usage: belco-panel customer erase [OPTIONS] <EMAIL|PHONE>"), "{text}");
        assert!(text.contains("--yes Erase without asking"), "{text}");
        let text = joined(&help(&["deliveries", "retry", "--help"]));
        assert!(text.contains("Usage: belco-panel deliveries retry <ID|--failed>"), "{text}");
        let text = joined(&help(&["completions", "--help"]));
        assert!(text.contains("belco-panel completions bash > /etc/bash_completion.d/belco-panel"), "{text}");
        assert!(text.contains("[possible values: bash, elvish, fish, powershell, zsh]"), "{text}");
        // `serve --help` helps now: it was an unknown command before clap.
        assert!(joined(&help(&["serve", "--help"])).contains("belco-panel without a command does the same"));
    }

    /// Every command, argument and option says what it is for: the help replaced a usage text
    /// that described each.
    #[test]
    fn every_command_and_argument_is_documented() {
        fn check(command: &clap::Command, path: &str) {
            for sub in command.get_subcommands().filter(|sub| sub.get_name() != "help") {
                let path = format!("{path} {}", sub.get_name());
                assert!(sub.get_about().is_some() && sub.get_long_about().is_some(), "{path}: no doc comment");
                for arg in sub.get_arguments().filter(|arg| !matches!(arg.get_id().as_str(), "help" | "version")) {
                    assert!(arg.get_help().is_some(), "{path} {}: no doc comment", arg.get_id());
                }
                check(sub, &path);
            }
        }
        let mut command = Args::command();
        command.build();
        check(&command, "belco-panel");
    }

    /// What bash offers at the end of `line` (`belco-panel …`), with the script loaded.
    fn bash_completes(line: &[&str]) -> Vec<String> {
        let mut script = Vec::new();
        write_completions(Shell::Bash, &mut script).expect("written");
        let dir = tempfile::tempdir().expect("dir");
        let path = dir.path().join("belco-panel.bash");
        std::fs::write(&path, script).expect("write");
        let words: Vec<String> = line.iter().map(|word| format!("'{word}'")).collect();
        let probe = format!(
            "source '{}'\nCOMP_WORDS=({})\nCOMP_CWORD={}\n\
             complete -p belco-panel >/dev/null || exit 3\n\
             _belco_panel belco-panel '{}' '{}'\nprintf '%s\\n' \"${{COMPREPLY[@]}}\"",
            path.display(),
            words.join(" "),
            line.len() - 1,
            line[line.len() - 1],
            line[line.len() - 2],
        );
        let out = std::process::Command::new("bash").arg("-c").arg(probe).output().expect("run bash");
        assert!(out.status.success(), "{out:?}");
        String::from_utf8_lossy(&out.stdout).lines().map(str::to_owned).collect()
    }

    /// Past a command too (clap_complete's own script for a hyphenated name stops there).
    #[test]
    fn bash_completes_commands_and_their_options() {
        assert_eq!(bash_completes(&["belco-panel", "de"]), ["demo", "deliveries"]);
        assert_eq!(bash_completes(&["belco-panel", "customer", "e"]), ["export", "erase"]);
        assert_eq!(bash_completes(&["belco-panel", "customer", "erase", "jan@example.nl", "--y"]), ["--yes"]);
        assert_eq!(bash_completes(&["belco-panel", "deliveries", "retry", "--f"]), ["--failed"]);
        assert!(bash_completes(&["belco-panel", "completions", ""]).contains(&"zsh".to_owned()));
    }

    #[test]
    fn the_bash_completion_knows_every_command() {
        let mut script = Vec::new();
        write_completions(Shell::Bash, &mut script).expect("written");
        let script = String::from_utf8(script).expect("UTF-8");
        assert!(
            script.contains("complete -F _belco_panel") && script.contains(" -o default belco-panel\n"),
            "{script}"
        );
        for word in [
            "serve",
            "demo",
            "import",
            "backup",
            "doctor",
            "customer",
            "export",
            "erase",
            "--yes",
            "deliveries",
            "retry",
            "--failed",
            "access",
            "calls",
            "token",
            "secret",
            "completions",
        ] {
            assert!(script.contains(word), "{word} is not completed");
        }
    }
}
