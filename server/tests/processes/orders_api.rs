//! The orders API's contract as a client reads it: `/api/openapi.json` is a valid OpenAPI document,
//! the real server's answer for a real customer validates against it, and schemathesis, calling the
//! server with what the document allows, finds every answer as documented.

use std::process::Command;

use crate::common::cli::*;
use crate::common::server_process::ServerProcess;
use crate::common::*;

/// `/api/openapi.json` is a valid OpenAPI document (openapi-spec-validator), the orders API's
/// answer for a real customer validates against the schema it gives (jsonschema), and
/// schemathesis, calling the running server with what the document allows, finds every answer
/// as documented: status, content type, headers, body schema, no 5xx.
#[tokio::test(flavor = "multi_thread")]
async fn the_openapi_document_is_valid_and_the_server_answers_as_it_says() {
    let dir = tempfile::tempdir().expect("dir");
    let orders = dir.path().join("orders.json");
    std::fs::write(&orders, file(&[SPEC_ORDER.to_owned(), order("o2", "john@example.com", "", "2024-01-01")]))
        .expect("write");
    let out = belco_panel(&dir, &["import", orders.to_str().expect("path")], &[]);
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    // schemathesis sends hundreds of wrong tokens and unsigned pushes.
    let server = ServerProcess::start(&url, &[("BELCO_TOKEN_FAILURES_PER_MINUTE", "10000")]).await;
    let document = reqwest::get(server.url("/api/openapi.json")).await.expect("get").text().await.expect("text");
    let path = dir.path().join("openapi.json");
    std::fs::write(&path, &document).expect("write");
    let run = |args: &[&str]| {
        let out = Command::new(python()).args(args).current_dir(dir.path()).output().expect("python");
        (
            out.status.success(),
            format!("{}{}", String::from_utf8_lossy(&out.stdout), String::from_utf8_lossy(&out.stderr)),
        )
    };
    let (valid, said) = run(&["-m", "openapi_spec_validator", path.to_str().expect("path")]);
    assert!(valid && said.contains("OK"), "openapi-spec-validator: {said}\n{document}");

    let answer = reqwest::get(server.url(&format!("/api/v1.0/orders?token={TOKEN}&email=john@example.com")))
        .await
        .expect("get")
        .text()
        .await
        .expect("text");
    let answer_path = dir.path().join("answer.json");
    std::fs::write(&answer_path, &answer).expect("write");
    const VALIDATE: &str = "import json, sys, jsonschema\n\
        doc = json.load(open(sys.argv[1])); answer = json.load(open(sys.argv[2]))\n\
        schema = {'$ref': '#/components/schemas/OrdersResponse', 'components': doc['components']}\n\
        jsonschema.Draft202012Validator(schema).validate(answer)\n\
        print(len(answer['orders']), 'orders valid')";
    let (ok, said) = run(&["-c", VALIDATE, path.to_str().expect("path"), answer_path.to_str().expect("path")]);
    assert!(ok && said.contains("2 orders valid"), "{said}\n{answer}");

    let (ok, said) = run(&[
        "-m",
        "schemathesis.cli",
        "run",
        &server.url("/api/openapi.json"),
        "--experimental=openapi-3.1",
        "--checks",
        "all",
        "--hypothesis-max-examples",
        "40",
        "--hypothesis-derandomize",
    ]);
    assert!(ok, "schemathesis found answers the document does not describe:\n{said}");
    for check in
        ["not_a_server_error", "status_code_conformance", "content_type_conformance", "response_schema_conformance"]
    {
        assert!(said.lines().any(|l| l.contains(check) && l.contains("PASSED")), "{check}: {said}");
    }
    assert!(said.contains("3 passed"), "the three operations were tested: {said}");
}
