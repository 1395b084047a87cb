//! `belco-panel`: run `belco-panel --help`; the commands are declared in `cli/args.rs`.

use std::io::IsTerminal;
use std::process::ExitCode;

use mimalloc::MiMalloc;
use server::cli;
use server::config::{Config, LogFormat};

#[global_allocator]
static ALLOCATOR: MiMalloc = MiMalloc;

fn main() -> ExitCode {
    // Before any thread exists: a plain `cargo build` does not bake in the name cargo-leptos
    // gives the site's files, and Leptos reads it from here.
    if std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() && option_env!("LEPTOS_OUTPUT_NAME").is_none() {
        // SAFETY: single-threaded at this point; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("LEPTOS_OUTPUT_NAME", "belco-panel") };
    }
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(e) if e.not_found() => {}
        Err(e) => {
            eprintln!("error: .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    let log_format = match LogFormat::from_env_value(std::env::var("BELCO_LOG_FORMAT").ok().as_deref()) {
        Ok(format) => format,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log = tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| "info,sqlx=warn".into()),
        )
        .with_writer(std::io::stderr)
        // Colour codes only for a person at a terminal: a file, a pipe or journald keeps plain
        // text (and `NO_COLOR`, the common convention, turns them off there too).
        .with_ansi(std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none());
    match log_format {
        LogFormat::Text => log.init(),
        // One object per line: the event's fields at the top level, and the request span's (its
        // `request_id`) under "span".
        LogFormat::Json => log.json().flatten_event(true).with_current_span(true).with_span_list(false).init(),
    }

    let command = match cli::parse(std::env::args_os().skip(1)) {
        Ok(command) => command,
        // Help on standard output (exit 0), or a usage error, `error: …` and the usage, on
        // standard error (exit 2).
        Err(e) => {
            let _ = e.print();
            return ExitCode::from(u8::try_from(e.exit_code()).unwrap_or(2));
        }
    };
    let config = match Config::from_process_env() {
        Ok(config) => config,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let leptos_options = match leptos::config::get_configuration(None) {
        Ok(conf) => conf.leptos_options,
        Err(e) => {
            eprintln!("error: Leptos configuration (LEPTOS_* variables): {e}");
            return ExitCode::FAILURE;
        }
    };
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: cannot start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(cli::run(command, config, leptos_options)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}
