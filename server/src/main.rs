//! `belco-panel`: run `belco-panel --help`; the commands are declared in `cli/args.rs`.

use std::process::ExitCode;

use mimalloc::MiMalloc;
use server::cli;
use server::config::{self, Config, LogFormat, Logging};

#[global_allocator]
static ALLOCATOR: MiMalloc = MiMalloc;

fn main() -> ExitCode {
    // Before any thread exists: a plain `cargo build` does not bake in the name cargo-leptos
    // gives the site's files, and Leptos reads it from here.
    if let Some(name) = config::leptos_output_name_to_set() {
        // SAFETY: single-threaded at this point; nothing else reads the environment concurrently.
        unsafe { std::env::set_var("LEPTOS_OUTPUT_NAME", name) };
    }
    match dotenvy::dotenv() {
        Ok(_) => {}
        Err(e) if e.not_found() => {}
        Err(e) => {
            eprintln!("error: .env: {e}");
            return ExitCode::FAILURE;
        }
    }
    let logging = match Logging::from_process_env() {
        Ok(logging) => logging,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::FAILURE;
        }
    };
    let log =
        tracing_subscriber::fmt().with_env_filter(logging.filter).with_writer(std::io::stderr).with_ansi(logging.ansi);
    match logging.format {
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
    if let Some(done) = cli::run_without_configuration(&command) {
        return match done {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("error: {e}");
                ExitCode::FAILURE
            }
        };
    }
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
