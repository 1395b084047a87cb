//! usage: ceiling-html PORT BODY_FILE [SITE_ROOT]
//!
//! shared/bench/ceiling with two changes for bench/frame: BODY_FILE goes out as
//! `text/html; charset=utf-8` on every path, and, when SITE_ROOT is given, every file under it is
//! read into memory at start-up and served at its path (`/pkg/belco-panel.css`, …) with a content
//! type from its extension and `Cache-Control: max-age=3600` (belco-panel's files are cached
//! too, heuristically, from their Last-Modified), so that a browser's repeat visits fetch only the
//! page. No token check, no database, no per-request work beyond the lookup.
use std::collections::HashMap;
use std::path::Path;

use axum::{extract::Request, http::header, routing::get, Router};

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "css" => "text/css",
        "js" => "text/javascript",
        "wasm" => "application/wasm",
        "svg" => "image/svg+xml",
        "html" => "text/html; charset=utf-8",
        "json" => "application/json",
        "png" => "image/png",
        _ => "application/octet-stream",
    }
}

fn load(root: &Path, dir: &Path, files: &mut HashMap<String, (&'static str, &'static [u8])>) {
    for entry in std::fs::read_dir(dir).expect("readable SITE_ROOT") {
        let path = entry.expect("readable SITE_ROOT entry").path();
        if path.is_dir() {
            load(root, &path, files);
        } else {
            let url = format!("/{}", path.strip_prefix(root).unwrap().to_string_lossy());
            let bytes: &'static [u8] = std::fs::read(&path).expect("readable site file").leak();
            files.insert(url, (content_type(&path), bytes));
        }
    }
}

#[tokio::main]
async fn main() {
    let mut args = std::env::args().skip(1);
    let port: u16 = args.next().expect("PORT").parse().expect("PORT is a number");
    let body: &'static [u8] = std::fs::read(args.next().expect("BODY_FILE")).expect("readable BODY_FILE").leak();
    let mut files = HashMap::new();
    if let Some(root) = args.next() {
        load(Path::new(&root), Path::new(&root), &mut files);
    }
    let files: &'static HashMap<String, (&'static str, &'static [u8])> = Box::leak(Box::new(files));
    let app = Router::new().fallback(get(move |request: Request| async move {
        match files.get(request.uri().path()) {
            Some((ctype, bytes)) => ([(header::CONTENT_TYPE, *ctype), (header::CACHE_CONTROL, "max-age=3600")], *bytes),
            None => ([(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")], body),
        }
    }));
    let listener = tokio::net::TcpListener::bind(("127.0.0.1", port)).await.expect("bind");
    axum::serve(listener, app).await.expect("serve");
}
