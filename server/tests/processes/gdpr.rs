//! The GDPR's commands, run for real: `belco-panel access` lists who looked a customer up (from the
//! real server's records, with the client's address); `belco-panel customer export|erase` exports,
//! asks for confirmation and erases; an erasure rewrites a database older than secure_delete once,
//! and fails with what to do while another connection keeps the write-ahead log.

use std::io::Write;
use std::process::{Command, Stdio};

use crate::common::gdpr::*;
use crate::common::server_process::ServerProcess;
use crate::common::*;

/// The real server: the client's address, the queue written out on a graceful stop, and the
/// command that lists one customer's records.
#[tokio::test(flavor = "multi_thread")]
async fn belco_panel_access_lists_who_looked_a_customer_up() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("access.db").display());
    let mut server = ServerProcess::start(&url, &[]).await;
    let client = reqwest::Client::new();
    for path in
        [format!("/frame?token={TOKEN}&email={JOHN}"), format!("/api/v1.0/orders?token={TOKEN}&phoneNumber=0612345678")]
    {
        assert_eq!(client.get(server.url(&path)).send().await.expect("call").status(), 200);
    }
    assert!(server.terminate().success(), "{}", server.log());

    let run = |who: &str| {
        std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
            .args(["access", who])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("DATABASE_URL", &url)
            .env("BELCO_SIGNING_KEY", SIGNING_KEY)
            .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
            .output()
            .expect("run belco-panel access")
    };
    let out = run("JOHN@example.com");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let table = String::from_utf8_lossy(&out.stdout);
    let lines: Vec<&str> = table.lines().collect();
    assert_eq!(lines.len(), 2, "{table}");
    assert!(
        lines[1].contains("frame")
            && lines[1].contains("127.0.0.1")
            && lines[1].contains("no orders for this customer"),
        "{table}"
    );
    let out = run("+31 6 12345678");
    let table = String::from_utf8_lossy(&out.stdout);
    assert!(table.contains("orders_api") && !table.contains("frame "), "{table}");
    let out = run("nobody@example.com");
    assert!(String::from_utf8_lossy(&out.stdout).contains("nobody looked this customer up"));
    // The database holds the lookups, not who they were of.
    let db = std::fs::read(dir.path().join("access.db")).expect("db");
    assert!(!String::from_utf8_lossy(&db).contains(JOHN));
    assert!(!String::from_utf8_lossy(&db).contains(PSEUDONYM_KEY), "the key is never stored with the hashes");
    // Without the key, the records cannot be found, and the command says which variable it needs.
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(["access", JOHN])
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", &url)
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .output()
        .expect("run belco-panel access");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("BELCO_PSEUDONYM_KEY is not set"));
}

fn belco_panel(dir: &tempfile::TempDir, args: &[&str], stdin: &str) -> std::process::Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_belco-panel"))
        .args(args)
        .current_dir(dir.path())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .env("DATABASE_URL", format!("sqlite://{}", dir.path().join("cli.db").display()))
        .env("BELCO_SIGNING_KEY", SIGNING_KEY)
        .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run belco-panel");
    child.stdin.take().expect("stdin").write_all(stdin.as_bytes()).expect("write stdin");
    child.wait_with_output().expect("output")
}

#[test]
fn the_customer_commands_export_confirm_and_erase() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(
        &orders,
        file(&[order("c1", JOHN, JOHN_PHONE, "2024-01-01"), order("c2", "ann@example.com", "", "2024-01-02")]),
    )
    .expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));

    let out = belco_panel(&dir, &["customer", "export", "John@Example.com"], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let export: serde_json::Value = serde_json::from_slice(&out.stdout).expect("one JSON document on stdout");
    assert_eq!(export["orders"][0]["id"], "c1");
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("Exported 1 orders"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = belco_panel(&dir, &["customer", "export", "not an identifier"], "");
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("is not an email address or a phone number"));

    // Not confirmed: nothing goes.
    for answer in ["", "no\n", "yes\n"] {
        let out = belco_panel(&dir, &["customer", "erase", JOHN_PHONE], answer);
        assert!(!out.status.success(), "{answer:?}");
        let said = String::from_utf8_lossy(&out.stderr);
        assert!(said.contains("This deletes 1 orders, 0 notes") && said.contains("nothing was erased"), "{said}");
    }
    let out = belco_panel(&dir, &["customer", "export", JOHN], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"c1\""), "still there");

    let out = belco_panel(&dir, &["customer", "erase", "06 12345678"], "erase\n");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Erased 1 orders, 0 notes, 0 form submissions"));
    let out = belco_panel(&dir, &["customer", "erase", JOHN, "--yes"], "");
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("Nothing is held about"),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let out = belco_panel(&dir, &["customer", "export", "ann@example.com"], "");
    assert!(String::from_utf8_lossy(&out.stdout).contains("\"c2\""), "Ann keeps hers");

    // The database files keep no trace of John's order: its bytes were zeroed, not just unlinked.
    for file in ["cli.db", "cli.db-wal"] {
        let bytes = std::fs::read(dir.path().join(file)).unwrap_or_default();
        let text = String::from_utf8_lossy(&bytes);
        assert!(!text.contains(JOHN) && !text.contains("shop.example/o/c1"), "{file} still holds John's order");
    }
    assert!(
        String::from_utf8_lossy(&std::fs::read(dir.path().join("cli.db")).expect("db")).contains("shop.example/o/c2")
    );
}

/// A database written before secure_delete: rows rewritten and deleted while it was off, so
/// freed pages and the free space of pages in use hold their old bytes, and no mark in the
/// settings. `customer erase` on the real binary rewrites it once and says so; then no file
/// holds John's data, and the mark spares the next erasure the rewrite.
#[test]
fn an_erasure_on_a_database_older_than_secure_delete_rewrites_it_once() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(
        &orders,
        file(&[
            noted_order("n1", &long_note(), "2024-01-01T10:00:00Z"),
            order("a1", "ann@example.com", "", "2024-01-02"),
        ]),
    )
    .expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = dir.path().join("cli.db");
    {
        // What an older belco-panel did: the same writes with secure_delete off.
        let conn = rusqlite::Connection::open(&db).expect("open");
        conn.pragma_update_and_check(None, "secure_delete", "OFF", |row| row.get::<_, i64>(0)).expect("pragma");
        conn.execute("DELETE FROM settings WHERE key = ?1", [belco::store::SECURE_DELETE_SINCE]).expect("no mark");
        let json: String =
            conn.query_row("SELECT belco_json FROM orders WHERE id = 'n1'", [], |r| r.get(0)).expect("order");
        let shorter = json.replace(&long_note(), SHORT_NOTE);
        assert_ne!(json, shorter);
        conn.execute("UPDATE orders SET belco_json = ?1 WHERE id = 'n1'", [shorter]).expect("re-import");
        conn.execute(
            "INSERT INTO notes (id, email_norm, phone_norm, author, body, created_at, updated_at) \
             VALUES ('note1', ?1, NULL, 'Sam', ?2, 0, 0)",
            [JOHN, DRAFT_NOTE],
        )
        .expect("note");
        // Another note after it, so that the edited text is not written where the draft was.
        conn.execute(
            "INSERT INTO notes (id, email_norm, phone_norm, author, body, created_at, updated_at) \
             VALUES ('note2', 'ann@example.com', NULL, 'Sam', 'Ann''s note', 0, 0)",
            [],
        )
        .expect("Ann's note");
        conn.execute("UPDATE notes SET body = ?1 WHERE id = 'note1'", [EDITED_NOTE]).expect("edit");
        let _: (i64, i64, i64) = conn
            .query_row("PRAGMA wal_checkpoint(TRUNCATE)", [], |r| Ok((r.get(0)?, r.get(1)?, r.get(2)?)))
            .expect("checkpoint");
    }
    for freed in [long_note()[..60].to_owned(), DRAFT_NOTE.to_owned()] {
        let before = traces_in_files(&db, std::slice::from_ref(&freed));
        assert!(!before.is_empty(), "the older database holds the freed bytes of {freed:?}");
    }

    let out = belco_panel(&dir, &["customer", "erase", JOHN, "--yes"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success(), "{said}{}", String::from_utf8_lossy(&out.stderr));
    assert!(said.contains("Erased 1 orders, 1 notes"), "{said}");
    let found = traces_in_files(&db, &johns_traces());
    assert!(found.is_empty(), "the database files still hold: {found:?}");
    assert!(said.contains("The database file was rewritten once (VACUUM"), "{said}");
    assert!(!traces_in_files(&db, &["shop.example/o/a1".to_owned()]).is_empty(), "Ann's order is read there");
    let conn = rusqlite::Connection::open(&db).expect("open");
    let mark: Option<String> = conn
        .query_row("SELECT value FROM settings WHERE key = ?1", [belco::store::SECURE_DELETE_SINCE], |r| r.get(0))
        .ok();
    assert!(mark.is_some(), "the rewrite is remembered");
    drop(conn);

    let out = belco_panel(&dir, &["customer", "erase", "ann@example.com", "--yes"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("Erased 1 orders"), "{said}");
    assert!(!said.contains("rewritten"), "once only: {said}");
}

/// A connection reading the database during the erasure (a running server's, here a read
/// transaction held open) keeps the write-ahead log from being emptied: `customer erase` fails
/// and says what to do, and once nothing reads, running it again clears the rest.
#[test]
fn a_busy_checkpoint_fails_the_erasure_with_what_to_do() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[noted_order("n1", SHORT_NOTE, "2024-01-01T10:00:00Z")])).expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], "");
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let db = dir.path().join("cli.db");
    let reader = rusqlite::Connection::open(&db).expect("open");
    reader.execute_batch("BEGIN").expect("begin");
    let n: i64 = reader.query_row("SELECT COUNT(*) FROM orders", [], |r| r.get(0)).expect("read");
    assert_eq!(n, 1);

    let out = belco_panel(&dir, &["customer", "erase", JOHN, "--yes"], "");
    let said = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success(), "claimed success: {}", String::from_utf8_lossy(&out.stdout));
    assert!(!String::from_utf8_lossy(&out.stdout).contains("Erased"), "{}", String::from_utf8_lossy(&out.stdout));
    assert!(said.contains("write-ahead log") && said.contains("another connection"), "{said}");
    assert!(said.contains("Stop belco-panel") && said.contains("customer erase"), "{said}");

    reader.execute_batch("ROLLBACK").expect("rollback");
    drop(reader);
    let out = belco_panel(&dir, &["customer", "erase", JOHN, "--yes"], "");
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success() && said.contains("Nothing is held about"), "{said}");
    let found = traces_in_files(&db, &johns_traces());
    assert!(found.is_empty(), "the database files still hold: {found:?}");
}
