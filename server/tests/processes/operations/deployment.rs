//! The deployment recipe, run for real: `deploy/nginx-belco-panel.conf` in Debian's nginx, with TLS
//! from a local CA, in front of the real binary. The doctor passes through it (the certificate,
//! `frame-ancestors`, `no-referrer` and the rest survive the proxy), and the failed-token throttle
//! sees each client's own address, not the proxy's, however the client forges `X-Forwarded-For`.

use std::net::{IpAddr, Ipv4Addr};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::common::cli::free_port;
use crate::common::server_process::ServerProcess;
use crate::common::{PSEUDONYM_KEY, PUSH_SECRET, TOKEN};

/// nginx, stopped when dropped: SIGTERM, so that its master stops its workers too (a SIGKILL
/// would leave them serving, orphaned).
struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = Command::new("kill").args(["-TERM", &self.0.id().to_string()]).status();
        let stopping = Instant::now();
        while stopping.elapsed() < Duration::from_secs(5) {
            if let Ok(Some(_)) = self.0.try_wait() {
                return;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn run(dir: &Path, program: &str, args: &[&str]) {
    let out = Command::new(program).args(args).current_dir(dir).output().unwrap_or_else(|e| panic!("{program}: {e}"));
    assert!(out.status.success(), "{program} {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

/// A CA, and a certificate it signed for `localhost`: `ca.pem`, `leaf.pem`, `leaf.key`.
fn local_ca(dir: &Path) {
    let ec = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes"];
    let mut ca = vec!["req", "-x509"];
    ca.extend(ec);
    ca.extend(["-keyout", "ca.key", "-out", "ca.pem", "-days", "2", "-subj", "/CN=belco-panel test CA"]);
    run(dir, "openssl", &ca);
    let mut csr = vec!["req"];
    csr.extend(ec);
    csr.extend(["-keyout", "leaf.key", "-out", "leaf.csr", "-subj", "/CN=localhost"]);
    run(dir, "openssl", &csr);
    std::fs::write(
        dir.join("leaf.ext"),
        "subjectAltName=DNS:localhost\nbasicConstraints=CA:FALSE\nextendedKeyUsage=serverAuth\n",
    )
    .expect("write");
    run(
        dir,
        "openssl",
        &[
            "x509",
            "-req",
            "-in",
            "leaf.csr",
            "-CA",
            "ca.pem",
            "-CAkey",
            "ca.key",
            "-CAcreateserial",
            "-out",
            "leaf.pem",
            "-days",
            "2",
            "-extfile",
            "leaf.ext",
        ],
    );
}

/// The shipped site file, with this test's ports and certificate, inside a minimal nginx.conf.
fn start_nginx(dir: &Path, https_port: u16, upstream_port: u16) -> Nginx {
    let site = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx-belco-panel.conf"))
        .expect("deploy/nginx-belco-panel.conf");
    let http_port = free_port();
    let replaced = [
        ("    listen [::]:443 ssl http2;\n", String::new()),
        ("    listen [::]:80;\n", String::new()),
        ("listen 443 ssl http2;", format!("listen 127.0.0.1:{https_port} ssl http2;")),
        ("listen 80;", format!("listen 127.0.0.1:{http_port};")),
        ("server_name panel.myshop.example;", "server_name localhost;".to_owned()),
        ("/etc/letsencrypt/live/panel.myshop.example/fullchain.pem", dir.join("leaf.pem").display().to_string()),
        ("/etc/letsencrypt/live/panel.myshop.example/privkey.pem", dir.join("leaf.key").display().to_string()),
        ("proxy_pass http://127.0.0.1:3000;", format!("proxy_pass http://127.0.0.1:{upstream_port};")),
    ];
    let mut site = site;
    for (from, to) in &replaced {
        assert!(site.contains(from), "the recipe no longer has {from:?}");
        site = site.replace(from, to);
    }
    std::fs::write(dir.join("site.conf"), site).expect("write");
    let tmp = dir.join("tmp");
    std::fs::create_dir_all(&tmp).expect("tmp");
    let conf = format!(
        "user root;\nworker_processes 1;\npid {d}/nginx.pid;\nerror_log {d}/error.log;\nevents {{}}\n\
         http {{\n  access_log off;\n  client_body_temp_path {t};\n  proxy_temp_path {t};\n  fastcgi_temp_path {t};\n\
           uwsgi_temp_path {t};\n  scgi_temp_path {t};\n  include {d}/site.conf;\n}}\n",
        d = dir.display(),
        t = tmp.display()
    );
    std::fs::write(dir.join("nginx.conf"), conf).expect("write");
    let conf = dir.join("nginx.conf");
    let nginx = Command::new("nginx")
        .args(["-p", &dir.display().to_string(), "-c", &conf.display().to_string(), "-g", "daemon off;"])
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("nginx (scripts/setup installs nginx-light)");
    let nginx = Nginx(nginx);
    let started = Instant::now();
    while std::net::TcpStream::connect(("127.0.0.1", https_port)).is_err() {
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "nginx did not listen: {:?}",
            std::fs::read_to_string(dir.join("error.log"))
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    nginx
}

/// A client that trusts the test CA and connects from `from` (a loopback address of its own).
fn client(dir: &Path, from: [u8; 4]) -> reqwest::Client {
    let ca = reqwest::Certificate::from_pem(&std::fs::read(dir.join("ca.pem")).expect("ca")).expect("pem");
    reqwest::Client::builder()
        .add_root_certificate(ca)
        .local_address(IpAddr::V4(Ipv4Addr::from(from)))
        .build()
        .expect("client")
}

#[tokio::test(flavor = "multi_thread")]
async fn behind_the_nginx_recipe_the_doctor_passes_and_the_throttle_sees_each_client() {
    let dir = tempfile::tempdir().expect("dir");
    local_ca(dir.path());
    let url = format!("sqlite://{}", dir.path().join("belco.db").display());
    let https_port = free_port();
    let public = format!("https://localhost:{https_port}");
    let server = ServerProcess::start(
        &url,
        &[
            ("BELCO_TRUSTED_PROXIES", "127.0.0.1"),
            ("BELCO_PUBLIC_URL", &public),
            ("BELCO_TOKEN_FAILURES_PER_MINUTE", "5"),
        ],
    )
    .await;
    let _nginx = start_nginx(dir.path(), https_port, server.addr.port());

    // The doctor through the proxy, trusting the local CA: everything passes.
    let doctor = |extra: &[(&str, &str)]| {
        let mut command = Command::new(env!("CARGO_BIN_EXE_belco-panel"));
        command
            .args(["doctor", &public])
            .env_clear()
            .env("PATH", std::env::var("PATH").unwrap_or_default())
            .env("BELCO_TOKENS", TOKEN)
            .env("BELCO_PUSH_SECRET", PUSH_SECRET)
            .env("BELCO_PSEUDONYM_KEY", PSEUDONYM_KEY)
            .env("DATABASE_URL", &url)
            .current_dir(dir.path());
        for (k, v) in extra {
            command.env(k, v);
        }
        let out = command.output().expect("doctor");
        (out.status.success(), String::from_utf8_lossy(&out.stdout).into_owned())
    };
    let ca = dir.path().join("ca.pem");
    let (ok, said) = doctor(&[("BELCO_DOCTOR_CA", ca.to_str().expect("path"))]);
    assert!(ok, "{said}");
    let passed = |check: &str, what: &str| {
        said.lines().any(|l| l.starts_with(&format!("  PASS  {check} ")) && l.trim_end().ends_with(what))
    };
    assert!(passed("https", "the certificate is valid for localhost"), "{said}");
    assert!(passed("frame headers", "frame-ancestors https://app.belco.io, nosniff, no-referrer, no-store"), "{said}");
    assert!(said.contains(&format!("Custom frame:  {public}/frame?token={TOKEN}")), "{said}");
    // Without the CA the certificate is not trusted, and the doctor says so.
    let (ok, said) = doctor(&[]);
    assert!(!ok && said.contains("FAIL  https") && said.contains("certificate"), "{said}");

    // Headers as Belco's page gets them through the proxy, and nginx's request id kept.
    let frame = client(dir.path(), [127, 0, 0, 1])
        .get(format!("{public}/frame?token={TOKEN}&email=john@example.com"))
        .send()
        .await
        .expect("frame");
    assert_eq!(frame.status(), 200);
    let header = |name: &str| frame.headers().get(name).and_then(|v| v.to_str().ok()).unwrap_or_default().to_owned();
    assert!(header("content-security-policy").contains("frame-ancestors https://app.belco.io"));
    assert_eq!(header("referrer-policy"), "no-referrer");
    let id = header("x-request-id");
    assert!(id.len() == 32 && id.bytes().all(|b| b.is_ascii_hexdigit()), "nginx's $request_id: {id:?}");

    // The throttle counts per client, behind the proxy: 127.0.0.2 runs out of failed tokens (a
    // forged X-Forwarded-For does not help it), 127.0.0.3 is not affected.
    let guesser = client(dir.path(), [127, 0, 0, 2]);
    let guess = |forged: Option<&'static str>| {
        let mut request = guesser.get(format!("{public}/api/v1.0/orders?token=guessed-token-4711&email=a@b.nl"));
        if let Some(forged) = forged {
            request = request.header("x-forwarded-for", forged);
        }
        async move { request.send().await.expect("guess").status().as_u16() }
    };
    let mut statuses = Vec::new();
    for _ in 0..6 {
        statuses.push(guess(None).await);
    }
    assert_eq!(statuses, [401, 401, 401, 401, 401, 429], "five failures a minute, then 429");
    assert_eq!(guess(Some("127.0.0.9")).await, 429, "a forged X-Forwarded-For names another client in vain");
    let other = client(dir.path(), [127, 0, 0, 3]);
    let status = |url: String| {
        let request = other.get(url);
        async move { request.send().await.expect("request").status().as_u16() }
    };
    assert_eq!(status(format!("{public}/api/v1.0/orders?token=guessed-token-4711&email=a@b.nl")).await, 401);
    assert_eq!(status(format!("{public}/api/v1.0/orders?token={TOKEN}&email=a@b.nl")).await, 200);
}
