//! The real `belco-panel serve` as a child process on a free port of 127.0.0.1, with its log
//! captured, and the calls a test makes to it: what only shows with a real process (a kill -9, a
//! restart, two instances on one database, the log a whole run writes).

use std::io::Read;
use std::net::SocketAddr;
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

use super::{FORMS_FILE, PSEUDONYM_KEY, PUSH_SECRET, SIGNING_KEY, TOKEN};

/// A running `belco-panel serve`; killed when dropped.
pub struct ServerProcess {
    child: Child,
    pub addr: SocketAddr,
    log: Arc<Mutex<Vec<u8>>>,
}

impl ServerProcess {
    /// Starts the binary on `database_url` with the test secrets (and `extra` variables), and
    /// waits until it answers `/health`.
    pub async fn start(database_url: &str, extra: &[(&str, &str)]) -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port").local_addr().expect("addr").port();
        let addr: SocketAddr = ([127, 0, 0, 1], port).into();
        let mut command = Command::new(env!("CARGO_BIN_EXE_belco-panel"));
        command
            .arg("serve")
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", database_url)
            .env("BELCO_TOKENS", TOKEN)
            .env("BELCO_SIGNING_KEY", SIGNING_KEY)
            .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
            .env("BELCO_PUSH_SECRET", PUSH_SECRET)
            .env("BELCO_FORMS", FORMS_FILE)
            // As in production (a debug build turns the preview on by default).
            .env("BELCO_PREVIEW", "off")
            .env("LEPTOS_SITE_ADDR", addr.to_string())
            // Everything the server logs, successes included: the log is checked for secrets.
            .env("RUST_LOG", "debug")
            .current_dir(std::env::temp_dir())
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for (name, value) in extra {
            command.env(name, value);
        }
        let mut child = command.spawn().expect("start belco-panel");
        let log = Arc::new(Mutex::new(Vec::new()));
        for mut stream in [
            Box::new(child.stdout.take().expect("stdout")) as Box<dyn Read + Send>,
            Box::new(child.stderr.take().expect("stderr")),
        ] {
            let log = log.clone();
            std::thread::spawn(move || {
                let mut chunk = [0u8; 8192];
                while let Ok(n @ 1..) = stream.read(&mut chunk) {
                    log.lock().expect("log").extend_from_slice(&chunk[..n]);
                }
            });
        }
        let mut server = Self { child, addr, log };
        server.wait_until_ready().await;
        server
    }

    async fn wait_until_ready(&mut self) {
        let started = Instant::now();
        let client = reqwest::Client::new();
        while started.elapsed() < Duration::from_secs(60) {
            if let Ok(Some(status)) = self.child.try_wait() {
                panic!("belco-panel exited with {status} before it served:\n{}", self.log());
            }
            if client.get(self.url("/health")).send().await.is_ok_and(|r| r.status().is_success()) {
                return;
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        panic!("belco-panel did not answer /health within 60 s:\n{}", self.log());
    }

    pub fn url(&self, path_and_query: &str) -> String {
        format!("http://{}{path_and_query}", self.addr)
    }

    /// `kill -9`: no graceful stop, whatever is in flight.
    pub fn kill(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }

    /// SIGTERM, as a service manager stops it; waits for the exit and returns its status.
    pub fn terminate(&mut self) -> std::process::ExitStatus {
        let pid = self.child.id().to_string();
        let sent = Command::new("kill").args(["-TERM", &pid]).status().expect("run kill");
        assert!(sent.success(), "kill -TERM {pid}");
        self.child.wait().expect("wait for belco-panel")
    }

    /// What the process wrote to stdout and stderr so far.
    pub fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().expect("log")).into_owned()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Fails if `log` holds any of the test's secrets, or any of `personal` (emails, phone numbers).
pub fn assert_no_secrets(log: &str, personal: &[&str]) {
    let push_key = PUSH_SECRET.trim_start_matches("whsec_");
    for secret in [TOKEN, SIGNING_KEY, PSEUDONYM_KEY, PUSH_SECRET, push_key].iter().chain(personal) {
        assert!(!log.contains(secret), "the log holds {secret:?}:\n{log}");
    }
}

/// The capability a rendered frame carries for its islands.
pub fn capability_in(html: &str) -> String {
    let start = html.find("v1.").unwrap_or_else(|| panic!("no capability in {html}"));
    html[start..].chars().take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')).collect()
}

/// A note's arguments for `/fn/notes/add`.
pub fn note_args(capability: &str, body: &str) -> Value {
    json!({"capability": capability, "author": "Load", "body": body})
}

/// A valid callback request (a form of the shipped `forms.toml`) whose topic is `topic`.
pub fn callback_args(capability: &str, topic: &str) -> Value {
    json!({
        "capability": capability, "form_id": "callback-request", "author": "Load",
        "values": [["phone", "+31 6 1234 5678"], ["preferred_time", "Any time"], ["topic", topic], ["consent", "on"]],
    })
}
