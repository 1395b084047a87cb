//! The sent forms as HTML, written on the server only: in the page, and again by `submit_form`,
//! which answers with this list so the `Forms` island can swap it in (as the notes do, see
//! `pages::notes_list`). The wasm carries no submission markup.

use super::html::Html;
use crate::server_fns::SubmissionView;

/// The list (or "Nothing sent yet."), newest first as given; each submission closed, with its
/// answers inside.
pub fn write_submissions(html: &mut Html, submissions: &[SubmissionView]) {
    if submissions.is_empty() {
        html.raw("<p class=\"submissions__empty\">Nothing sent yet.</p>");
        return;
    }
    html.raw("<ul class=\"submissions__list\">");
    for submission in submissions {
        html.raw(
            "<li class=\"submission\"><details><summary class=\"submission__summary\">\
             <span class=\"submission__title\">",
        )
        .text(&submission.form_title)
        .raw("</span><span class=\"submission__meta\">")
        .text(&submission.author)
        .raw(" · ")
        .time(None, &submission.sent_iso, &submission.sent)
        .raw("</span></summary><dl class=\"facts submission__answers\">");
        for answer in &submission.answers {
            let value = if answer.value.is_empty() { "—" } else { answer.value.as_str() };
            html.raw("<div class=\"facts__item\"><dt>")
                .text(&answer.label)
                .raw("</dt><dd class=\"submission__value\">")
                .text(value)
                .raw("</dd></div>");
        }
        html.raw("</dl></details></li>");
    }
    html.raw("</ul>");
}

/// [`write_submissions`] on its own, for `submit_form`'s answer.
pub fn submissions_html(submissions: &[SubmissionView]) -> String {
    let mut html = Html::with_capacity(512 + submissions.len() * 600);
    write_submissions(&mut html, submissions);
    html.finish()
}

#[cfg(test)]
mod tests {
    use belco::forms::Answer;

    use super::*;

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
        let html = submissions_html(&[sent]);
        assert!(html.starts_with("<ul class=\"submissions__list\"><li class=\"submission\">"), "{html}");
        assert!(html.contains(">Return &lt;request&gt;</span>"), "{html}");
        assert!(html.contains(">Sam &amp; co · <time datetime=\"2024-01-03T14:05:00Z\">3 Jan 2024, 14:05 UTC</time>"));
        assert!(html.contains("<dt>Why?</dt><dd class=\"submission__value\">Too &lt;small&gt;</dd>"), "{html}");
        assert!(html.contains("<dt>Notes</dt><dd class=\"submission__value\">—</dd>"), "{html}");
        assert_eq!(submissions_html(&[]), "<p class=\"submissions__empty\">Nothing sent yet.</p>");
    }
}
