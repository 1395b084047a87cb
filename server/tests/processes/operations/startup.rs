//! `belco-panel serve` refuses to start on a missing or bad setting, naming the variable (and for a
//! broken forms file, the file, the line and the problem) and echoing no secret; and stops
//! gracefully on SIGTERM, leaving no write-ahead log behind.

use std::process::Command;

use crate::common::cli::*;
use crate::common::*;

#[test]
fn serve_refuses_to_start_without_tokens() {
    let dir = tempfile::tempdir().expect("dir");
    let out = belco_panel(&dir, &["serve"], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_TOKENS is not set"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_without_a_signing_key() {
    let dir = tempfile::tempdir().expect("dir");
    let out = belco_panel(&dir, &["serve"], &[("BELCO_TOKENS", TOKEN)]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_SIGNING_KEY is not set"), "{stderr}");
    let out = belco_panel(&dir, &["serve"], &[("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", "too-short")]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_SIGNING_KEY: a signing key must be at least 32"), "{stderr}");
    assert!(!stderr.contains("too-short"), "the key must not be echoed: {stderr}");
}

#[test]
fn a_broken_forms_file_is_a_startup_error_naming_file_line_and_problem() {
    let dir = tempfile::tempdir().expect("dir");
    let forms = dir.path().join("shop-forms.toml");
    std::fs::write(
        &forms,
        "[[form]]\nid = \"callback\"\ntitle = \"Callback\"\nscope = \"customer\"\n\n[[form.field]]\nname = \"when\"\n\
         label = \"When\"\ntype = \"select\"\n",
    )
    .expect("write");
    let path = forms.to_str().expect("path");
    let out = belco_panel(
        &dir,
        &["serve"],
        &[("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", SIGNING_KEY), ("BELCO_FORMS", path)],
    );
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains(&format!("error: BELCO_FORMS: {path}:9:")), "names the file and line: {stderr}");
    assert!(stderr.contains("options"), "says what is wrong: {stderr}");

    // A forms file named but missing is an error too (only the default file is optional).
    let missing = dir.path().join("nope.toml");
    let out = belco_panel(
        &dir,
        &["serve"],
        &[
            ("BELCO_TOKENS", TOKEN),
            ("BELCO_SIGNING_KEY", SIGNING_KEY),
            ("BELCO_FORMS", missing.to_str().expect("path")),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_FORMS:") && stderr.contains("nope.toml: cannot read"), "{stderr}");
}

#[test]
fn serve_refuses_to_start_without_a_pseudonym_key_while_the_access_log_is_on() {
    let dir = tempfile::tempdir().expect("dir");
    let keys = [("BELCO_TOKENS", TOKEN), ("BELCO_SIGNING_KEY", SIGNING_KEY)];
    let out = belco_panel(&dir, &["serve"], &keys);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("BELCO_PSEUDONYM_KEY is not set"), "{stderr}");
    let short = [keys[0], keys[1], ("BELCO_PSEUDONYM_KEY", "too-short")];
    let out = belco_panel(&dir, &["serve"], &short);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("error: BELCO_PSEUDONYM_KEY: a pseudonym key must be at least 32"), "{stderr}");
    assert!(!stderr.contains("too-short"), "{stderr}");
}

#[test]
fn a_bad_setting_is_a_startup_error_naming_the_variable() {
    let dir = tempfile::tempdir().expect("dir");
    for (var, value) in [
        ("BELCO_ORDERS_LIMIT", "many"),
        ("BELCO_TOKENS", "short"),
        ("BELCO_PHONE_REGION", "Mars"),
        ("BELCO_LANGUAGE", "fr"),
        ("BELCO_TIMEZONE", "Mars/Olympus"),
    ] {
        let out = belco_panel(
            &dir,
            &["serve"],
            &[(var, value), ("BELCO_TOKENS", if var == "BELCO_TOKENS" { value } else { TOKEN })],
        );
        assert!(!out.status.success(), "{var}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(&format!("error: {var}:")), "{var}: {stderr}");
    }
    let out = belco_panel(&dir, &["frobnicate"], &[]);
    assert_eq!(out.status.code(), Some(2));
}

/// What needs no configuration works without one: a first token, a push secret or a completion
/// script can be made while a setting is still wrong (the commands that do read it stop naming
/// the variable).
#[test]
fn tokens_secrets_and_completions_need_no_configuration() {
    let dir = tempfile::tempdir().expect("dir");
    let broken = [("BELCO_ORDERS_LIMIT", "many")];
    let token = belco_panel(&dir, &["token"], &broken);
    let printed = String::from_utf8_lossy(&token.stdout).trim().to_owned();
    assert!(token.status.success() && printed.len() >= 32, "{token:?}");
    let secret = belco_panel(&dir, &["secret"], &broken);
    assert!(secret.status.success() && String::from_utf8_lossy(&secret.stdout).starts_with("whsec_"), "{secret:?}");
    let completions = belco_panel(&dir, &["completions", "bash"], &broken);
    assert!(completions.status.success() && !completions.stdout.is_empty(), "{completions:?}");
    let import = belco_panel(&dir, &["import", "orders.json"], &broken);
    assert_eq!(import.status.code(), Some(1), "{import:?}");
    assert!(String::from_utf8_lossy(&import.stderr).contains("error: BELCO_ORDERS_LIMIT:"), "{import:?}");
}

/// The command line as scripts see it: a usage error exits with 2 and says `error: …` and the
/// usage on standard error; help exits with 0 on standard output; a completion script too.
#[test]
fn usage_errors_exit_with_2_and_help_with_0() {
    let dir = tempfile::tempdir().expect("dir");
    for (args, said) in [
        (&["frobnicate"][..], "error: unknown command: frobnicate\n"),
        (&["import"], "error: import needs a FILE: belco-panel import orders.json\n"),
        (&["deliveries", "retry"], "error: usage: belco-panel deliveries [--failed], or belco-panel deliveries retry"),
    ] {
        let out = belco_panel(&dir, args, &[]);
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.starts_with(said) && stderr.contains("Usage: belco-panel"), "{args:?}: {stderr}");
        assert!(out.stdout.is_empty() && !stderr.contains('\u{1b}'), "{args:?}: plain text on stderr only");
    }
    for args in [&["--help"][..], &["help"], &["customer", "erase", "--help"]] {
        let out = belco_panel(&dir, args, &[]);
        let stdout = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(0), "{args:?}: {out:?}");
        assert!(stdout.contains("Usage: belco-panel") && out.stderr.is_empty(), "{args:?}: {stdout}");
    }
    let out = belco_panel(&dir, &["completions", "bash"], &[]);
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(
        String::from_utf8_lossy(&out.stdout)
            .contains("complete -F _belco_panel -o nosort -o bashdefault -o default belco-panel"),
        "{out:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_stops_gracefully_and_leaves_no_wal_behind() {
    let dir = tempfile::tempdir().expect("dir");
    let db = dir.path().join("cli.db");
    let port = free_port();
    let mut child = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .arg("serve")
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", db.display()))
        .env("BELCO_TOKENS", TOKEN)
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
        .env("LEPTOS_SITE_ADDR", format!("127.0.0.1:{port}"))
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .expect("start belco-panel");

    let health = format!("http://127.0.0.1:{port}/health");
    let started = std::time::Instant::now();
    loop {
        if let Ok(answer) = reqwest::get(&health).await
            && answer.status() == 200
        {
            break;
        }
        assert!(started.elapsed() < std::time::Duration::from_secs(20), "belco-panel did not come up");
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let orders = format!("http://127.0.0.1:{port}/api/v1.0/orders?token={TOKEN}&email=a@example.com");
    assert_eq!(reqwest::get(&orders).await.expect("orders").status(), 200);
    let wal = dir.path().join("cli.db-wal");
    let shm = dir.path().join("cli.db-shm");
    assert!(wal.exists() && shm.exists(), "while serving, SQLite keeps its WAL");

    let killed = Command::new("kill").args(["-TERM", &child.id().to_string()]).status().expect("kill");
    assert!(killed.success());
    let stopping = std::time::Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status;
        }
        assert!(stopping.elapsed() < std::time::Duration::from_secs(15), "belco-panel did not stop on SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert!(status.success(), "a graceful stop exits 0: {status:?}");
    assert!(!wal.exists() && !shm.exists(), "closing the store checkpoints and removes the -wal and -shm files");
}
