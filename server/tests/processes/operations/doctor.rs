//! `belco-panel doctor` against the real server: a good deployment passes; a wrong token, a proxy
//! that strips the frame's headers, a push secret on one side only, a database it cannot write to,
//! no server at all, and a proxy that is not trusted are each named with their fix.

use std::time::Duration;

use tokio::io::AsyncWriteExt;

use crate::common::cli::*;
use crate::common::server_process::ServerProcess;
use crate::common::tcp::*;
use crate::common::*;

/// `belco-panel doctor` against a good deployment: every check passes, the URLs to paste are
/// printed. Then against broken ones, each failure named with its fix and exit status 1: a
/// token the server does not hold, a proxy that strips the frame's headers, a push secret set
/// on one side only, a database the service cannot write to (a read-only PostgreSQL role), and
/// no server at all.
#[tokio::test(flavor = "multi_thread")]
async fn the_doctor_passes_a_good_deployment_and_names_what_is_wrong_with_a_broken_one() {
    let dir = tempfile::tempdir().expect("dir");
    let url = format!("sqlite://{}", dir.path().join("cli.db").display());
    let server = ServerProcess::start(&url, &[]).await;
    let settings = [("BELCO_TOKENS", TOKEN), ("BELCO_PUSH_SECRET", PUSH_SECRET)];
    let doctor = |base: &str, vars: &[(&str, &str)]| {
        let mut vars = vars.to_vec();
        vars.push(("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY));
        let out = belco_panel(&dir, &["doctor", base], &vars);
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let base = server.url("");
    let (ok, said, _) = doctor(&base, &[settings[0], settings[1], ("DATABASE_URL", &url)]);
    assert!(ok, "{said}");
    for check in [
        "reachable",
        "ready",
        "token accepted",
        "wrong token refused",
        "orders shape",
        "frame headers",
        "push API",
        "database",
        "pseudonym key",
    ] {
        assert!(said.lines().any(|l| l.starts_with(&format!("  PASS  {check} "))), "{check}: {said}");
    }
    assert!(said.contains("  SKIP  https ") && said.contains("0 failed"), "{said}");
    assert!(said.contains(&format!("Custom frame:  {base}/frame?token={TOKEN}")), "{said}");
    assert!(said.contains("migrated (6 of 6) and writable (SQLite)"), "{said}");
    assert!(said.contains("  SKIP  form webhooks        no form of the forms file names a webhook"), "{said}");

    let failed = |said: &str, check: &str| said.lines().any(|l| l.starts_with(&format!("  FAIL  {check} ")));
    let (ok, said, stderr) = doctor(&base, &[("BELCO_TOKENS", "someone-elses-token-0123"), settings[1]]);
    assert!(!ok && stderr.contains("of the doctor's checks failed"), "{stderr}");
    assert!(
        failed(&said, "token accepted") && said.contains("fix: give the server and this shell the same BELCO_TOKENS"),
        "{said}"
    );
    assert!(said.contains("  SKIP  orders shape"), "{said}");

    let (ok, said, _) = doctor(&base, &[settings[0]]);
    assert!(!ok && failed(&said, "push API") && said.contains("BELCO_PUSH_SECRET is not set here"), "{said}");

    let proxy = stripping_proxy(&base).await;
    let (ok, said, _) = doctor(&format!("http://{proxy}"), &settings);
    assert!(!ok && failed(&said, "frame headers"), "{said}");
    assert!(
        said.contains("Content-Security-Policy with frame-ancestors") && said.contains("Referrer-Policy"),
        "{said}"
    );
    assert!(said.lines().any(|l| l.starts_with("  PASS  token accepted")), "only the headers are wrong: {said}");

    let nobody = format!("http://127.0.0.1:{}", free_port());
    let (ok, said, _) = doctor(&nobody, &settings);
    assert!(!ok && failed(&said, "reachable") && said.contains("fix: start it"), "{said}");

    // A database the service can read but not write: a read-only PostgreSQL role.
    let pg_dir = tempfile::tempdir().expect("dir");
    let pg_url = fresh_database(Backend::Postgres, &pg_dir).await;
    let pg_server = ServerProcess::start(&pg_url, &[]).await;
    let read_only = read_only_role(&pg_url).await;
    let (ok, said, _) = doctor(&pg_server.url(""), &[settings[0], settings[1], ("DATABASE_URL", &read_only)]);
    assert!(!ok && failed(&said, "database"), "{said}");
    assert!(said.contains("cannot write to it") && said.contains("permission denied"), "{said}");
    assert!(said.contains("fix: give the database user INSERT, UPDATE and DELETE"), "{said}");
    let (ok, said, _) = doctor(&pg_server.url(""), &[settings[0], settings[1], ("DATABASE_URL", &pg_url)]);
    assert!(ok && said.contains("migrated (6 of 6) and writable (PostgreSQL)"), "{said}");
    drop_role(&pg_url, &read_only).await;
}

/// Roles outlive databases: the read-only one goes when its test is done.
async fn drop_role(admin_url: &str, role_url: &str) {
    let parsed = url::Url::parse(role_url).expect("url");
    let (role, database) = (parsed.username(), parsed.path().trim_start_matches('/'));
    let admin = sqlx::PgPool::connect(admin_url).await.expect("connect");
    for statement in [
        format!("REVOKE SELECT ON ALL TABLES IN SCHEMA public FROM {role}"),
        format!("REVOKE USAGE ON SCHEMA public FROM {role}"),
        format!("REVOKE CONNECT ON DATABASE {database} FROM {role}"),
        format!("DROP ROLE {role}"),
    ] {
        sqlx::query(&statement).execute(&admin).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    admin.close().await;
}

/// A reverse proxy that passes requests to `upstream` but drops the frame's security headers,
/// as a misconfigured nginx (`proxy_hide_header`) would.
async fn stripping_proxy(upstream: &str) -> std::net::SocketAddr {
    use axum::body::Body;
    use axum::extract::Request;
    use axum::response::Response;
    let upstream = upstream.to_owned();
    let client = reqwest::Client::new();
    let forward = move |request: Request| {
        let (client, upstream) = (client.clone(), upstream.clone());
        async move {
            let target = format!("{upstream}{}", request.uri().path_and_query().map_or("/", |p| p.as_str()));
            let method = request.method().clone();
            let body = axum::body::to_bytes(request.into_body(), 1 << 20).await.unwrap_or_default();
            let answer = client.request(method, target).body(body).send().await.expect("upstream");
            let mut response = Response::builder().status(answer.status());
            for (name, value) in answer.headers() {
                // The two it strips, and the framing of the upstream's body (it is re-sent whole).
                let dropped = ["content-security-policy", "referrer-policy", "content-length", "transfer-encoding"];
                if !dropped.contains(&name.as_str()) {
                    response = response.header(name, value);
                }
            }
            response.body(Body::from(answer.bytes().await.unwrap_or_default())).expect("response")
        }
    };
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    tokio::spawn(async move { axum::serve(listener, axum::Router::new().fallback(forward)).await });
    addr
}

/// A login to the database behind `url` that may read every table and write none.
async fn read_only_role(url: &str) -> String {
    let mut parsed = url::Url::parse(url).expect("url");
    let database = parsed.path().trim_start_matches('/').to_owned();
    let role = format!("ro_{database}");
    let admin = sqlx::PgPool::connect(url).await.expect("connect");
    for statement in [
        format!("DROP ROLE IF EXISTS {role}"),
        format!("CREATE ROLE {role} LOGIN PASSWORD 'read-only'"),
        format!("GRANT CONNECT ON DATABASE {database} TO {role}"),
        format!("GRANT USAGE ON SCHEMA public TO {role}"),
        format!("GRANT SELECT ON ALL TABLES IN SCHEMA public TO {role}"),
    ] {
        sqlx::query(&statement).execute(&admin).await.unwrap_or_else(|e| panic!("{statement}: {e}"));
    }
    admin.close().await;
    parsed.set_username(&role).expect("user");
    parsed.set_password(Some("read-only")).expect("password");
    parsed.to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_doctor_names_a_proxy_that_is_not_trusted() {
    let app = TestApp::new(Backend::Sqlite).await;
    let addr = serve_with_limits(&app).await;
    let listing = format!("/api/inspector/calls?token={TOKEN}");
    let doctor = || {
        let out = std::process::Command::new(env!("CARGO_BIN_EXE_belco-panel"))
            .args(["doctor", &format!("http://{addr}")])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BELCO_TOKENS", TOKEN)
            .env("BELCO_PUSH_SECRET", PUSH_SECRET)
            .current_dir(app.dir.path())
            .output()
            .expect("doctor");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let (_, text, _) = get_from("127.0.0.1", addr, &listing).await;
    assert!(text.ends_with(r#""untrusted_proxy":null}"#) || text.contains(r#""untrusted_proxy":null"#), "{text}");
    let said = doctor();
    assert!(
        said.contains("  PASS  trusted proxy        no request came through a proxy that is not trusted"),
        "{said}"
    );

    // A proxy in front that is not in BELCO_TRUSTED_PROXIES: 127.0.0.5 forwards two clients.
    for client in ["203.0.113.7", "203.0.113.8"] {
        let mut stream = connect_from("127.0.0.5", addr).await;
        let request =
            format!("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let _ = answer(&mut stream, Duration::from_secs(5)).await;
        let mut stream = connect_from("127.0.0.5", addr).await;
        let request =
            format!("GET /frame HTTP/1.1\r\nHost: x\r\nX-Forwarded-For: {client}\r\nConnection: close\r\n\r\n");
        stream.write_all(request.as_bytes()).await.expect("write");
        let _ = answer(&mut stream, Duration::from_secs(5)).await;
    }
    let (status, text, _) = get_from("127.0.0.1", addr, &listing).await;
    assert_eq!(status, 200, "{text}");
    assert!(text.contains(r#""untrusted_proxy":{"peer":"127.0.0.5","requests":2}"#), "{text}");
    let said = doctor();
    assert!(
        said.contains("  FAIL  trusted proxy        2 requests came from 127.0.0.5 with X-Forwarded-For"),
        "{said}"
    );
    assert!(
        said.contains("fix: if 127.0.0.5 is your own reverse proxy, set BELCO_TRUSTED_PROXIES=127.0.0.5"),
        "{said}"
    );
}
