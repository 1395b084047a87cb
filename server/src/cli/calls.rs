//! `belco-panel calls`: the inspector's lists of a running server, as a table.

use leptos::config::LeptosOptions;

use super::CliResult;
use crate::calls::inspector::Call;
use crate::calls::printable;

/// The calls as `belco-panel calls` prints them, newest first, and how many were refused before
/// their token was read. Every text is made [`printable`]: it came from a caller, or from a
/// server that may not be this version of belco-panel.
pub fn table(calls: &[Call], unchecked: u64) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>6} {:>9} {:<11} {:<30} {:>6}  {}\n",
        "time (UTC)", "route", "status", "ms", "token", "customer", "orders", "outcome"
    );
    for call in calls {
        out.push_str(&format!(
            "{:<24} {:<10} {:>6} {:>9.2} {:<11} {:<30} {:>6}  {}\n",
            printable(&call.at),
            printable(&call.route),
            call.status,
            call.latency_ms,
            printable(&call.token),
            printable(call.customer.as_deref().unwrap_or("-")),
            call.orders.map_or("-".into(), |n| n.to_string()),
            printable(&call.outcome)
        ));
    }
    if calls.is_empty() {
        out.push_str("(no calls yet: Belco calls the frame when an agent opens a conversation)\n");
    }
    if unchecked > 0 {
        out.push_str(&format!(
            "and {unchecked} calls refused before their token was read (429: too many failed tokens from one \
             address; 503: the server was busy), not listed\n"
        ));
    }
    out
}

/// `belco-panel calls [URL]`: the inspector's list, from the server at URL.
pub(crate) async fn calls(leptos_options: &LeptosOptions, base: Option<&str>) -> CliResult {
    let Some(token) = crate::config::first_token() else {
        return Err("BELCO_TOKENS is not set: `calls` asks the server with one of its tokens".into());
    };
    let local = base.is_none();
    let base = crate::config::base_url(leptos_options.site_addr, base);
    let url = url::Url::parse_with_params(&format!("{base}/api/inspector/calls"), [("token", token.as_str())])
        .map_err(|e| format!("{base} is not a URL: {e}"))?;
    // Only where the token does not cross a network in clear: the default (LEPTOS_SITE_ADDR) too,
    // which a .env copied from another machine may point elsewhere.
    crate::cli::doctor::token_may_go_to(&url).map_err(|why| {
        let hint =
            if local { "set LEPTOS_SITE_ADDR to this machine's server" } else { "run it on the server's machine" };
        format!("not asking {base}: {why}, or {hint}")
    })?;
    // Errors name the base, never the URL: it carries the token.
    let client = crate::cli::doctor::http_client()?;
    let response = client.get(url).send().await.map_err(|e| format!("cannot reach {base}: {}", e.without_url()))?;
    match response.status().as_u16() {
        200 => {}
        401 => return Err(format!("{base} refused the token: BELCO_TOKENS here holds none of the server's").into()),
        404 => return Err(format!("{base} has no inspector (an older belco-panel, or not belco-panel)").into()),
        status => return Err(format!("{base} answered {status}").into()),
    }
    let listing: crate::calls::inspector::CallsListing = response
        .json()
        .await
        .map_err(|e| format!("{base} answered something else than the calls: {}", e.without_url()))?;
    print!("{}", table(&listing.calls, listing.refused_before_the_token_check));
    if !listing.refused.is_empty() {
        println!(
            "\nRefused, the token missing or wrong: {} since the server started, the newest {}:",
            listing.refused_total,
            listing.refused.len()
        );
        print!("{}", table(&listing.refused, 0));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_table_prints_no_controls_from_a_call_or_a_server() {
        let hostile = "\u{1b}[2J\u{9b}\u{202E}\r\n\t\u{200B}";
        let call = Call {
            at: hostile.into(),
            request_id: hostile.into(),
            route: hostile.into(),
            status: 200,
            latency_ms: 1.0,
            token: hostile.into(),
            customer: Some(hostile.into()),
            orders: None,
            outcome: hostile.into(),
        };
        let out = table(&[call], 0);
        assert_eq!(out.lines().count(), 2, "{out:?}");
        assert!(out.chars().all(|c| c == '\n' || printable(&c.to_string()) == c.to_string()), "{out:?}");
    }
}
