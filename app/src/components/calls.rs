//! The integration inspector's calls, as a developer reads them: the wire type the server lists
//! (`GET /api/inspector/calls`, `belco-panel calls`) and the table the preview shows.

use leptos::either::Either;
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

/// One call Belco made, as the inspector lists it.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Call {
    /// RFC 3339, UTC.
    pub at: String,
    pub request_id: String,
    /// `orders_api` or `frame`.
    pub route: String,
    pub status: u16,
    pub latency_ms: f64,
    /// `accepted`, `missing`, `wrong` or `ambiguous`.
    pub token: String,
    /// The identifiers the call gave, masked.
    pub customer: Option<String>,
    pub orders: Option<usize>,
    /// What happened, in a sentence: what was found, or why the call was refused.
    pub outcome: String,
}

/// How many calls the preview shows of the inspector's list.
pub const SHOWN: usize = 50;

/// The newest calls (at most [`SHOWN`]) and how many were refused before their token was read.
#[component]
pub fn CallsTable(calls: Vec<Call>, unchecked: u64) -> impl IntoView {
    let kept = calls.len();
    let body = if calls.is_empty() {
        Either::Left(view! {
            <p class="calls__empty">"No calls yet: Belco calls the frame when an agent opens a conversation."</p>
        })
    } else {
        let rows = calls.into_iter().take(SHOWN).map(|call| view! { <CallRow call/> }).collect::<Vec<_>>();
        Either::Right(view! {
            <table class="calls__table">
                <thead>
                    <tr>
                        <th scope="col">"Time (UTC)"</th>
                        <th scope="col">"Route"</th>
                        <th scope="col">"Status"</th>
                        <th scope="col">"ms"</th>
                        <th scope="col">"Token"</th>
                        <th scope="col">"Customer"</th>
                        <th scope="col">"Orders"</th>
                        <th scope="col">"Outcome"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        })
    };
    let more = (kept > SHOWN)
        .then(|| view! { <p class="calls__note">{format!("The newest {SHOWN} of {kept} calls kept.")}</p> });
    let refused = (unchecked > 0).then(|| {
        view! {
            <p class="calls__note">
                {format!(
                    "And {unchecked} calls refused before their token was read (429: too many failed tokens from \
                     one address; 503: the server was busy), not listed."
                )}
            </p>
        }
    });
    view! { {body} {more} {refused} }
}

#[component]
fn CallRow(call: Call) -> impl IntoView {
    let Call { at, route, status, latency_ms, token, customer, orders, outcome, .. } = call;
    let failed = !(200..300).contains(&status) || token != "accepted";
    view! {
        <tr class:calls__row--failed=failed>
            <td><time datetime=at.clone()>{at.replace('T', " ").trim_end_matches('Z').to_owned()}</time></td>
            <td>{route}</td>
            <td>{status}</td>
            <td class="calls__number">{format!("{latency_ms:.1}")}</td>
            <td>{token}</td>
            <td>{customer.unwrap_or_else(|| "-".into())}</td>
            <td class="calls__number">{orders.map_or_else(|| "-".into(), |n| n.to_string())}</td>
            <td>{outcome}</td>
        </tr>
    }
}

/// The table alone, as `GET /preview/calls` answers it for the preview to swap in.
pub fn calls_html(calls: Vec<Call>, unchecked: u64) -> String {
    super::render_html(move || view! { <CallsTable calls unchecked/> })
}
