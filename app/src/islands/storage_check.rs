//! The "Check storage" button on the landing page.

use leptos::prelude::*;

use crate::server_fns::{CheckStorage, StorageCheckError, StoragePing};

#[island]
pub fn StorageCheck() -> impl IntoView {
    let check = ServerAction::<CheckStorage>::new();
    // The server renders the button disabled; it enables once this island has hydrated, so a
    // click can never land before there is code to answer it. Effects run in the browser only.
    let hydrated = RwSignal::new(false);
    Effect::new(move |_| hydrated.set(true));

    view! {
        <section class="storage-check" aria-labelledby="storage-check-title">
            <h2 id="storage-check-title">"Storage"</h2>
            <button
                type="button"
                // Not disabled while a check runs: a disabled button drops keyboard focus.
                disabled=move || !hydrated.get()
                aria-busy=move || check.pending().get().to_string()
                on:click=move |_| {
                    if !check.pending().get_untracked() {
                        check.dispatch(CheckStorage {});
                    }
                }
            >
                "Check storage"
            </button>
            <p
                class="storage-check__result"
                class:storage-check__result--failed=move || {
                    matches!(check.value().get(), Some(Err(_)))
                }
                role="status"
            >
                {move || outcome_text(check.pending().get(), check.value().get())}
            </p>
        </section>
    }
}

fn outcome_text(pending: bool, outcome: Option<Result<StoragePing, StorageCheckError>>) -> String {
    match (pending, outcome) {
        (true, _) => "Checking…".to_owned(),
        (false, None) => String::new(),
        (false, Some(Ok(ping))) => format!("Storage answered in {} ms", ping.millis_text()),
        (false, Some(Err(error))) => format!("Storage check failed: {error}."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_sub_millisecond_answer_reads_as_a_fraction_of_a_millisecond() {
        let ping = StoragePing { round_trip_micros: 240 };
        assert_eq!(outcome_text(false, Some(Ok(ping))), "Storage answered in 0.2 ms");
        let ping = StoragePing { round_trip_micros: 12_960 };
        assert_eq!(outcome_text(false, Some(Ok(ping))), "Storage answered in 13.0 ms");
    }

    #[test]
    fn a_failure_says_what_failed_and_nothing_more() {
        let text = outcome_text(false, Some(Err(StorageCheckError::StorageUnavailable)));
        assert_eq!(text, "Storage check failed: storage did not answer.");
    }
}
