//! The sent forms as the panel lists them: [`SubmissionsList`] renders them on the server, in the
//! page and in `submit_form`'s answer, which the `Forms` island swaps in (as the notes do).

/// The names the `Forms` island finds the list by.
pub mod hooks {
    /// The class of the element that holds the list, which the island fills with a fresh one.
    pub const LIST: &str = "submissions__items";
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use belco::forms::Answer;
    use belco::store::Submission;
    use belco::time::{format_instant, format_minute};
    use leptos::either::Either;
    use leptos::prelude::*;

    /// A stored form submission as the panel lists it; times already written for people.
    #[derive(Clone, Debug, PartialEq)]
    pub struct SubmissionView {
        pub id: String,
        pub form_title: String,
        pub author: String,
        pub sent: String,
        pub sent_iso: String,
        pub answers: Vec<Answer>,
    }

    impl From<Submission> for SubmissionView {
        fn from(submission: Submission) -> Self {
            Self {
                sent: format_minute(submission.created_at),
                sent_iso: format_instant(submission.created_at),
                id: submission.id,
                form_title: submission.form_title,
                author: submission.author,
                answers: submission.answers,
            }
        }
    }

    /// The list (or "Nothing sent yet."), newest first as given; each submission closed, with
    /// its answers inside.
    #[component]
    pub fn SubmissionsList(submissions: Vec<SubmissionView>) -> impl IntoView {
        if submissions.is_empty() {
            return Either::Left(view! { <p class="submissions__empty">"Nothing sent yet."</p> });
        }
        let items =
            submissions.into_iter().map(|submission| view! { <SubmissionItem submission/> }).collect::<Vec<_>>();
        Either::Right(view! { <ul class="submissions__list">{items}</ul> })
    }

    #[component]
    fn SubmissionItem(submission: SubmissionView) -> impl IntoView {
        let SubmissionView { form_title, author, sent, sent_iso, answers, .. } = submission;
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
                    </summary>
                    <dl class="facts submission__answers">{answers}</dl>
                </details>
            </li>
        }
    }
}

#[cfg(all(test, feature = "ssr"))]
mod tests {
    use belco::forms::Answer;
    use leptos::prelude::*;

    use super::*;
    use crate::components::render_html;

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
        };
        let html = render_html(move || view! { <SubmissionsList submissions=vec![sent]/> });
        assert!(html.starts_with("<ul class=\"submissions__list\"><li class=\"submission\">"), "{html}");
        assert!(html.contains(">Return &lt;request&gt;</span>"), "{html}");
        assert!(html.contains(">Sam &amp; co · <time datetime=\"2024-01-03T14:05:00Z\">3 Jan 2024, 14:05 UTC</time>"));
        assert!(html.contains("<dt>Why?</dt><dd class=\"submission__value\">Too &lt;small&gt;</dd>"), "{html}");
        assert!(html.contains("<dt>Notes</dt><dd class=\"submission__value\">—</dd>"), "{html}");
        let none = render_html(|| view! { <SubmissionsList submissions=vec![]/> });
        assert_eq!(none, "<p class=\"submissions__empty\">Nothing sent yet.</p>");
    }
}
