//! `belco-panel import`, run for real: what it reports, and that a file with a bad record stores
//! nothing.

use crate::common::cli::*;
use crate::common::*;

#[test]
fn import_from_the_command_line_reports_what_it_did() {
    let dir = tempfile::tempdir().expect("dir");
    let good = dir.path().join("good.json");
    std::fs::write(
        &good,
        file(&[order("1", "a@example.com", "", "2024-01-01"), order("2", "a@example.com", "", "2024-01-02")]),
    )
    .expect("write");
    let out = belco_panel(&dir, &["import", good.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stdout).contains("Imported 2 orders"));

    let bad = dir.path().join("bad.json");
    std::fs::write(&bad, file(&[order("3", "a@example.com", "", "2024-01-01"), order("4", "", "", "2024-01-02")]))
        .expect("write");
    let out = belco_panel(&dir, &["import", bad.to_str().expect("path")], &[]);
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("nothing was stored") && stderr.contains("orders[1]") && stderr.contains("\"4\""),
        "{stderr}"
    );

    let out = belco_panel(&dir, &["import", "missing.json"], &[]);
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("missing.json"));
}
