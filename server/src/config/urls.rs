//! Where things are: the server's public base URL (`BELCO_PUBLIC_URL`), Belco's origin
//! (`BELCO_ORIGIN`, the one site that may frame the panel), and [`base_url`], the address a
//! command or the preview asks this server at.

use super::{ConfigError, bad};

pub const DEFAULT_BELCO_ORIGIN: &str = "https://app.belco.io";

/// `BELCO_PUBLIC_URL`: the https base Belco reaches, without a trailing slash.
pub(super) fn public_url(get: &impl Fn(&str) -> Option<String>) -> Result<Option<String>, ConfigError> {
    get("BELCO_PUBLIC_URL").map(|raw| parse_base_url(&raw)).transpose()
}

/// `BELCO_ORIGIN`: Belco's origin, `https://app.belco.io` unless set.
pub(super) fn belco_origin(get: &impl Fn(&str) -> Option<String>) -> Result<String, ConfigError> {
    match get("BELCO_ORIGIN") {
        None => Ok(DEFAULT_BELCO_ORIGIN.to_owned()),
        Some(raw) => parse_origin(&raw),
    }
}

fn parse_base_url(raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| bad("BELCO_PUBLIC_URL", format!("{raw:?} is not a URL: {e}")))?;
    if !matches!(url.scheme(), "https" | "http") || url.host_str().is_none() {
        return Err(bad("BELCO_PUBLIC_URL", "must be an https:// URL, e.g. https://shop.example/belco"));
    }
    if url.query().is_some() || url.fragment().is_some() || !url.username().is_empty() || url.password().is_some() {
        return Err(bad("BELCO_PUBLIC_URL", "must be a base URL without query, fragment or credentials"));
    }
    Ok(url.as_str().trim_end_matches('/').to_owned())
}

fn parse_origin(raw: &str) -> Result<String, ConfigError> {
    let url = url::Url::parse(raw).map_err(|e| bad("BELCO_ORIGIN", format!("{raw:?} is not an origin: {e}")))?;
    let origin = url.origin();
    if !origin.is_tuple() || url.path() != "/" || url.query().is_some() {
        return Err(bad("BELCO_ORIGIN", format!("{raw:?} must be a bare origin such as https://app.belco.io")));
    }
    Ok(origin.ascii_serialization())
}

/// The server to ask: `base` as given, or this machine's (`LEPTOS_SITE_ADDR`; one listening on
/// every interface, 0.0.0.0, is asked on the loopback). Shared by the doctor, `belco-panel calls` and the preview.
pub fn base_url(site_addr: std::net::SocketAddr, base: Option<&str>) -> String {
    let site_addr = match site_addr.ip() {
        ip if ip.is_unspecified() && ip.is_ipv4() => std::net::SocketAddr::from(([127, 0, 0, 1], site_addr.port())),
        ip if ip.is_unspecified() => std::net::SocketAddr::from((std::net::Ipv6Addr::LOCALHOST, site_addr.port())),
        _ => site_addr,
    };
    base.map_or_else(|| format!("http://{site_addr}"), |b| b.trim().trim_end_matches('/').to_owned())
}
