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
    /// `orders_api`, `frame` or `preview_orders`.
    pub route: String,
    pub status: u16,
    pub latency_ms: f64,
    /// `accepted` (a shop token), `preview` (the preview's), `missing`, `wrong`, `ambiguous` or
    /// `unread` (a query string too long to read).
    pub token: String,
    /// The identifiers the call gave, masked.
    pub customer: Option<String>,
    pub orders: Option<usize>,
    /// What happened, in a sentence: what was found, or why the call was refused.
    pub outcome: String,
}

/// What the inspector answers: Belco's calls whose token was accepted, and apart from them the
/// newest calls whose token was not, with the counts.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct CallsListing {
    /// How many accepted calls are kept at most.
    #[serde(default)]
    pub capacity: u32,
    /// Accepted calls, newest first.
    pub calls: Vec<Call>,
    /// Refused calls (a missing or wrong token), newest first; a short list of their own.
    #[serde(default)]
    pub refused: Vec<Call>,
    /// Calls whose token was not accepted, since the server started.
    #[serde(default)]
    pub refused_total: u64,
    /// Calls answered before their token was read (429, 503), since the server started.
    #[serde(default)]
    pub refused_before_the_token_check: u64,
}

/// How many calls the preview shows of each of the inspector's lists.
pub const SHOWN: usize = 50;

/// The newest accepted calls, then the refused ones, each at most [`SHOWN`].
#[component]
pub fn CallsTable(listing: CallsListing) -> impl IntoView {
    let CallsListing { calls, refused, refused_total, refused_before_the_token_check: unchecked, .. } = listing;
    let kept = calls.len();
    let body = if calls.is_empty() {
        Either::Left(view! {
            <p class="calls__empty">"No calls yet: Belco calls the frame when an agent opens a conversation."</p>
        })
    } else {
        Either::Right(view! { <CallRows calls/> })
    };
    let more = (kept > SHOWN)
        .then(|| view! { <p class="calls__note">{format!("The newest {SHOWN} of {kept} calls kept.")}</p> });
    let refusals = (!refused.is_empty()).then(|| {
        view! {
            <h3 class="calls__heading">"Refused: the token was missing or wrong"</h3>
            <p class="calls__note">
                {format!(
                    "{refused_total} refused since the server started; the newest {} below. A wrong token \
                     pasted into Belco's settings shows here.",
                    refused.len().min(SHOWN)
                )}
            </p>
            <CallRows calls=refused/>
        }
    });
    let unchecked = (unchecked > 0).then(|| {
        view! {
            <p class="calls__note">
                {format!(
                    "And {unchecked} calls refused before their token was read (429: too many failed tokens from \
                     one address; 503: the server was busy), not listed."
                )}
            </p>
        }
    });
    view! { {body} {more} {refusals} {unchecked} }
}

#[component]
fn CallRows(calls: Vec<Call>) -> impl IntoView {
    let rows = calls.into_iter().take(SHOWN).map(|call| view! { <CallRow call/> }).collect::<Vec<_>>();
    view! {
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
    }
}

#[component]
fn CallRow(call: Call) -> impl IntoView {
    let Call { at, route, status, latency_ms, token, customer, orders, outcome, .. } = call;
    let failed = !(200..300).contains(&status) || !matches!(token.as_str(), "accepted" | "preview");
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

/// The tables alone, as `GET /preview/calls` answers them for the preview to swap in.
pub fn calls_html(listing: CallsListing) -> String {
    super::render_html(move || view! { <CallsTable listing/> })
}
