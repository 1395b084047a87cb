//! The real `belco-panel` binary run as a command (as a server: `server_process`), and what such
//! runs need.

use std::path::Path;
use std::process::Command;

/// `belco-panel` run to its end in `dir`, with only `vars` (and PATH) in its environment, and a
/// SQLite file `cli.db` in `dir` as its `DATABASE_URL`.
pub fn belco_panel(dir: impl AsRef<Path>, args: &[&str], vars: &[(&str, &str)]) -> std::process::Output {
    let dir = dir.as_ref();
    let mut command = Command::new(env!("CARGO_BIN_EXE_belco-panel"));
    command.args(args).current_dir(dir).env_clear().env("PATH", std::env::var("PATH").unwrap_or_default());
    command.env("DATABASE_URL", format!("sqlite://{}", dir.join("cli.db").display()));
    for (name, value) in vars {
        command.env(name, value);
    }
    command.output().expect("run belco-panel")
}

/// A free port on 127.0.0.1 (bound, then released for the child to take).
pub fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").expect("bind").local_addr().expect("addr").port()
}

/// The tools' Python (scripts/setup installs its packages; `BELCO_PYTHON` names it).
pub fn python() -> String {
    std::env::var("BELCO_PYTHON").unwrap_or_else(|_| "python3".into())
}

pub async fn get_status(url: &str) -> u16 {
    reqwest::get(url).await.expect("request").status().as_u16()
}
