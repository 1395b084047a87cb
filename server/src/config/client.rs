//! What the commands that call a running server (`belco-panel doctor`, `belco-panel calls`)
//! read from the environment beside [`Config`](super::Config), as written, since they send it or
//! name it: the first shop token (`BELCO_TOKENS`; `Config` keeps only digests), the preview's
//! token (`BELCO_PREVIEW_TOKEN`), the doctor's extra CA (`BELCO_DOCTOR_CA`), and whether
//! `DATABASE_URL` is set here at all.

use std::path::PathBuf;

/// The token the CLI calls the server with: the first of `BELCO_TOKENS` (`TokenSet` keeps only
/// digests, so it is read from the environment).
pub fn first_token() -> Option<String> {
    let list = std::env::var("BELCO_TOKENS").ok()?;
    list.split(',').map(str::trim).find(|t| !t.is_empty()).map(str::to_owned)
}

/// The token the doctor opens the preview with: `BELCO_PREVIEW_TOKEN`, trimmed; `None` when it
/// is unset or blank.
pub fn preview_token_to_send() -> Option<String> {
    let token = std::env::var("BELCO_PREVIEW_TOKEN").ok()?;
    Some(token.trim().to_owned()).filter(|t| !t.is_empty())
}

/// `BELCO_DOCTOR_CA`: a PEM file whose CA the CLI's HTTP client trusts besides the public ones
/// (a private CA, or a test certificate). Set, even to nothing, it is read.
pub fn doctor_ca() -> Option<PathBuf> {
    std::env::var_os("BELCO_DOCTOR_CA").map(PathBuf::from)
}

/// Whether `DATABASE_URL` is set here (even to nothing): the doctor checks the database of
/// another machine's server only then.
pub fn database_url_is_set() -> bool {
    std::env::var_os("DATABASE_URL").is_some()
}
