//! The sent forms as the panel lists them: [`SubmissionsList`] renders them on the server, in the
//! page and in `submit_form`'s answer, which the `Forms` island swaps in (as the notes do).

/// The DOM names (a class, an attribute) the list carries and the `Forms` island finds it by.
pub mod dom {
    /// The class of the element that holds the list, which the island fills with a fresh one.
    pub const LIST: &str = "submissions__items";
    /// A delivery still under way carries this attribute: while one does, the island asks for
    /// the list again now and then, so the agent sees it arrive.
    pub const UNDER_WAY: &str = "data-delivery-under-way";
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use belco::forms::{Answer, CHECKBOX_NO as NO, CHECKBOX_YES as YES, Field, FieldKind, FormSet};
    use belco::locale::datetime_attr;
    use belco::store::{Delivery, DeliveryState, FailedAttempt, Submission};
    use leptos::either::Either;
    use leptos::prelude::*;

    use crate::i18n::{L10n, Words};

    /// A stored form submission as the panel lists it; times already written for people.
    #[derive(Clone, Debug, PartialEq)]
    pub struct SubmissionView {
        pub id: String,
        pub form_title: String,
        pub author: String,
        pub sent: String,
        pub sent_iso: String,
        pub answers: Vec<Answer>,
        /// Where its webhook delivery stands, when its form has one.
        pub delivery: Option<DeliveryView>,
    }

    /// A webhook delivery as the agent reads it: delivered, on its way (with the next attempt's
    /// time after a failure, and what the receiver said), or given up (and why).
    #[derive(Clone, Debug, PartialEq)]
    pub struct DeliveryView {
        /// `sending`, `retrying`, `delivered` or `failed`: the badge's modifier class.
        pub state: &'static str,
        pub text: String,
        /// The next attempt, for `<time>`: (ISO 8601, for people).
        pub next: Option<(String, String)>,
    }

    impl DeliveryView {
        fn under_way(&self) -> bool {
            matches!(self.state, "sending" | "retrying")
        }
    }

    impl DeliveryView {
        /// `why` a failed attempt failed is the receiver's or the network's, as recorded (not
        /// translated); the rest is in the agent's language, the next attempt in the shop's zone.
        pub fn new(delivery: Delivery, l10n: &L10n) -> Self {
            let words = l10n.words();
            let why = delivery
                .last_error
                .as_deref()
                .map(|recorded| (words.attempt_failed)(&FailedAttempt::read(recorded)))
                .unwrap_or_default();
            let (state, text, next) = match delivery.state {
                DeliveryState::Delivered => ("delivered", words.delivered.to_owned(), None),
                DeliveryState::Failed => {
                    ("failed", (words.not_delivered)(u32::try_from(delivery.attempts).unwrap_or(u32::MAX), &why), None)
                }
                DeliveryState::Pending if delivery.attempts == 0 => ("sending", words.sending.to_owned(), None),
                DeliveryState::Pending => (
                    "retrying",
                    (words.retrying)(&why),
                    Some((datetime_attr(delivery.next_attempt_at), l10n.time(delivery.next_attempt_at))),
                ),
            };
            Self { state, text, next }
        }
    }

    impl SubmissionView {
        /// `forms`: the shop's forms, in which a stored answer is looked up to be shown in the
        /// agent's language: a select's option by its stored value, a checkbox's `Yes` or `No`.
        /// An answer whose form or field has gone since is shown as stored.
        pub fn new(submission: Submission, l10n: &L10n, forms: &FormSet) -> Self {
            let form = forms.get(&submission.form_id);
            let answers = submission
                .answers
                .into_iter()
                .map(|answer| match form.and_then(|form| form.field(&answer.name)) {
                    Some(field) => Answer { value: shown_value(field, answer.value, l10n), ..answer },
                    None => answer,
                })
                .collect();
            Self {
                sent: l10n.time(submission.created_at),
                sent_iso: datetime_attr(submission.created_at),
                id: submission.id,
                form_title: submission.form_title,
                author: submission.author,
                answers,
                delivery: submission.delivery.map(|delivery| DeliveryView::new(delivery, l10n)),
            }
        }
    }

    /// A stored value as the agent reads it in their language.
    fn shown_value(field: &Field, value: String, l10n: &L10n) -> String {
        let words = l10n.words();
        match field.kind {
            FieldKind::Select => match field.options.iter().find(|option| option.value() == value) {
                Some(option) => option.get(l10n.code()).to_owned(),
                None => value,
            },
            // Stored plain (`1234.5`), read the language's way (`1.234,5`).
            FieldKind::Number => l10n.locale.language.decimal(&value),
            FieldKind::Checkbox if value == YES => words.yes.to_owned(),
            FieldKind::Checkbox if value == NO => words.no.to_owned(),
            _ => value,
        }
    }

    /// The list (or "Nothing sent yet."), newest first as given; each submission closed, with
    /// its answers inside.
    #[component]
    pub fn SubmissionsList(submissions: Vec<SubmissionView>, words: &'static Words) -> impl IntoView {
        if submissions.is_empty() {
            return Either::Left(view! { <p class="submissions__empty">{words.nothing_sent}</p> });
        }
        let items =
            submissions.into_iter().map(|submission| view! { <SubmissionItem submission/> }).collect::<Vec<_>>();
        Either::Right(view! { <ul class="submissions__list">{items}</ul> })
    }

    #[component]
    fn SubmissionItem(submission: SubmissionView) -> impl IntoView {
        let SubmissionView { form_title, author, sent, sent_iso, answers, delivery, .. } = submission;
        let delivery = delivery.map(|delivery| view! { <DeliveryBadge delivery/> });
        let answers = answers
            .into_iter()
            .map(|answer| {
                let value = if answer.value.is_empty() { "—".to_owned() } else { answer.value };
                view! {
                    <div class="facts__item">
                        <dt>{answer.label}</dt>
                        <dd class="submission__value">{value}</dd>
                    </div>
                }
            })
            .collect::<Vec<_>>();
        view! {
            <li class="submission">
                <details>
                    <summary class="submission__summary">
                        <span class="submission__title">{form_title}</span>
                        <span class="submission__meta">{format!("{author} · ")}<time datetime=sent_iso>{sent}</time></span>
                        {delivery}
                    </summary>
                    <dl class="facts submission__answers">{answers}</dl>
                </details>
            </li>
        }
    }

    /// The delivery's state, beside the submission's title; one still under way tells the
    /// island to look again ([`super::dom::UNDER_WAY`]).
    #[component]
    fn DeliveryBadge(delivery: DeliveryView) -> impl IntoView {
        let under_way = delivery.under_way().then_some("");
        let next = delivery.next.map(|(iso, shown)| view! { <time datetime=iso>{shown}</time> });
        view! {
            <span
                class=format!("submission__delivery submission__delivery--{}", delivery.state)
                data-delivery-under-way=under_way
            >
                {delivery.text}
                {next}
            </span>
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use belco::forms::Answer;
    use leptos::prelude::*;

    use super::*;
    use crate::components::render_html;
    use crate::i18n::{L10n, Locales};

    fn in_language(code: &str, zone: &str) -> L10n {
        L10n::new(Locales::built_in_code(code).expect("a built-in language"), belco::locale::Zone::parse(zone).unwrap())
    }

    #[test]
    fn a_submission_lists_its_answers_escaped_and_an_empty_one_as_a_dash() {
        let answer = |label: &str, value: &str| Answer { name: "n".into(), label: label.into(), value: value.into() };
        let sent = SubmissionView {
            id: "s1".into(),
            form_title: "Return <request>".into(),
            author: "Sam & co".into(),
            sent: "3 Jan 2024, 14:05 UTC".into(),
            sent_iso: "2024-01-03T14:05:00Z".into(),
            answers: vec![answer("Why?", "Too <small>"), answer("Notes", "")],
            delivery: None,
        };
        let words = in_language("en", "UTC").words();
        let html = render_html(move || view! { <SubmissionsList submissions=vec![sent] words/> });
        assert!(html.starts_with("<ul class=\"submissions__list\"><li class=\"submission\">"), "{html}");
        assert!(html.contains(">Return &lt;request&gt;</span>"), "{html}");
        assert!(html.contains(">Sam &amp; co · <time datetime=\"2024-01-03T14:05:00Z\">3 Jan 2024, 14:05 UTC</time>"));
        assert!(html.contains("<dt>Why?</dt><dd class=\"submission__value\">Too &lt;small&gt;</dd>"), "{html}");
        assert!(html.contains("<dt>Notes</dt><dd class=\"submission__value\">—</dd>"), "{html}");
        let none = render_html(move || view! { <SubmissionsList submissions=vec![] words/> });
        assert_eq!(none, "<p class=\"submissions__empty\">Nothing sent yet.</p>");
        assert!(!html.contains("submission__delivery"), "no webhook, no badge: {html}");
    }

    #[test]
    fn a_delivery_reads_as_sending_retrying_delivered_or_failed() {
        use belco::store::{Delivery, DeliveryState};
        let delivery = |state, attempts, error: Option<&str>| Delivery {
            id: "msg_1".into(),
            submission_id: "s1".into(),
            form_id: "f".into(),
            url: "https://shop.example/h".into(),
            state,
            attempts,
            next_attempt_at: 1_704_290_700_000,
            last_status: error.map(|_| 500),
            last_error: error.map(str::to_owned),
            created_at: 0,
            finished_at: None,
            payload: "{}".into(),
        };
        let badge_in = |d: Delivery, l10n: L10n| {
            let sent = SubmissionView {
                id: "s1".into(),
                form_title: "Return".into(),
                author: "Sam".into(),
                sent: "now".into(),
                sent_iso: "now".into(),
                answers: vec![],
                delivery: Some(DeliveryView::new(d, &l10n)),
            };
            let words = l10n.words();
            let html = render_html(move || view! { <SubmissionsList submissions=vec![sent] words/> });
            let class = html.find("submission__delivery ").unwrap_or_else(|| panic!("a badge: {html}"));
            let start = html[..class].rfind("<span").expect("its element");
            html[start..html.find("</summary>").expect("in the summary")].replace("<!>", "")
        };
        let badge = |d: Delivery| badge_in(d, in_language("en", "UTC"));
        let sending = badge(delivery(DeliveryState::Pending, 0, None));
        assert!(sending.contains("data-delivery-under-way=\"\""), "{sending}");
        assert!(
            sending
                .contains("class=\"submission__delivery submission__delivery--sending\">Sending to the shop…</span>")
        );
        let retrying = badge(delivery(DeliveryState::Pending, 2, Some("the receiver answered 500 <Internal>")));
        assert!(retrying.contains("data-delivery-under-way") && retrying.contains("--retrying\">"), "{retrying}");
        assert!(
            retrying.contains(
                "Not delivered yet (the receiver answered 500 &lt;Internal&gt;); next attempt \
                 <time datetime=\"2024-01-03T14:05:00Z\">3 Jan 2024, 14:05</time>"
            ),
            "{retrying}"
        );
        let delivered = badge(delivery(DeliveryState::Delivered, 1, None));
        assert_eq!(
            delivered,
            "<span class=\"submission__delivery submission__delivery--delivered\">Delivered to the shop</span>",
            "no longer under way"
        );
        let failed = badge(delivery(DeliveryState::Failed, 15, Some("no answer within 10 s")));
        assert!(failed.contains("submission__delivery--failed\">") && !failed.contains("under-way"), "{failed}");
        assert!(
            failed.contains("Not delivered after 15 attempts: no answer within 10 s. An administrator"),
            "{failed}"
        );
        assert!(badge(delivery(DeliveryState::Failed, 1, Some("x"))).contains("after 1 attempt: x"), "one, not ones");
    }

    #[test]
    fn a_stored_choice_and_a_tick_read_in_the_agents_language() {
        let forms = belco::forms::FormSet::parse(
            "[[form]]\nid = \"r\"\ntitle = \"R\"\nscope = \"customer\"\n\
             [[form.field]]\nname = \"reason\"\nlabel = \"Reason\"\ntype = \"select\"\n\
             options = [{ nl = \"Te klein\", en = \"Too small\" }]\n\
             [[form.field]]\nname = \"swap\"\nlabel = \"Swap\"\ntype = \"checkbox\"\n",
            std::path::Path::new("forms.toml"),
            &["nl", "en"],
        )
        .expect("forms");
        let answer = |name: &str, value: &str| Answer { name: name.into(), label: name.into(), value: value.into() };
        let sent = |form_id: &str| belco::store::Submission {
            id: "s1".into(),
            form_id: form_id.into(),
            form_title: "R".into(),
            author: "Sam".into(),
            answers: vec![answer("reason", "Too small"), answer("swap", "Yes"), answer("gone", "Yes")],
            created_at: 0,
            delivery: None,
        };
        let values = |view: SubmissionView| view.answers.into_iter().map(|a| a.value).collect::<Vec<_>>();
        assert_eq!(
            values(SubmissionView::new(sent("r"), &in_language("nl", "UTC"), &forms)),
            ["Te klein", "Ja", "Yes"]
        );
        assert_eq!(
            values(SubmissionView::new(sent("r"), &in_language("en", "UTC"), &forms)),
            ["Too small", "Yes", "Yes"]
        );
        assert_eq!(
            values(SubmissionView::new(sent("deleted"), &in_language("nl", "UTC"), &forms)),
            ["Too small", "Yes", "Yes"],
            "a form no longer in the file: as stored"
        );
    }

    #[test]
    fn a_delivery_reads_in_dutch_with_its_next_attempt_in_the_shops_zone() {
        use belco::store::{Delivery, DeliveryState};
        let l10n = in_language("nl", "Europe/Amsterdam");
        let delivery = Delivery {
            id: "msg_1".into(),
            submission_id: "s1".into(),
            form_id: "f".into(),
            url: "https://shop.example/h".into(),
            state: DeliveryState::Pending,
            attempts: 2,
            // 3 Jan 2024, 14:05 UTC is 15:05 in Amsterdam (winter time, UTC+1).
            next_attempt_at: 1_704_290_700_000,
            last_status: Some(500),
            // As the delivery task records it (in English, for the CLI and the logs).
            last_error: Some("the receiver answered 500 Internal Server Error".into()),
            created_at: 0,
            finished_at: None,
            payload: "{}".into(),
        };
        let view = DeliveryView::new(delivery.clone(), &l10n);
        assert_eq!(view.text, "Nog niet afgeleverd (de ontvanger antwoordde 500); volgende poging ");
        assert_eq!(view.next, Some(("2024-01-03T14:05:00Z".to_owned(), "3 jan. 2024, 15:05".to_owned())));
        let failed = DeliveryView::new(Delivery { state: DeliveryState::Failed, ..delivery.clone() }, &l10n);
        assert!(
            failed.text.starts_with("Niet afgeleverd na 2 pogingen: de ontvanger antwoordde 500."),
            "{}",
            failed.text
        );
        // Every way an attempt fails reads in Dutch; what the HTTP library said otherwise stays its own.
        for (recorded, dutch) in [
            ("no answer within 10 s", "geen antwoord binnen 10 s"),
            ("no answer within 2.5 s", "geen antwoord binnen 2,5 s"),
            ("cannot connect: Connection refused (os error 111)", "geen verbinding met de ontvanger"),
            (
                "the receiver answered 301 Moved Permanently, a redirect, which is not followed: name the final URL in the forms file",
                "de ontvanger antwoordde 301, een doorverwijzing, die niet gevolgd wordt: geef het uiteindelijke adres op in het formulierenbestand",
            ),
            ("error sending request", "error sending request"),
        ] {
            let retrying = DeliveryView::new(Delivery { last_error: Some(recorded.into()), ..delivery.clone() }, &l10n);
            assert_eq!(retrying.text, format!("Nog niet afgeleverd ({dutch}); volgende poging "), "{recorded}");
        }
    }
}
