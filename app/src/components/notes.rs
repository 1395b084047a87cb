//! A customer's notes as the panel lists them: [`NotesList`] renders them on the server, in the
//! page and in the answers of the notes server functions, which the `Notes` island swaps in.
//!
//! Each note carries its own hidden edit form and delete confirmation; the island only shows and
//! hides them and sends what they hold. What it looks for in this markup is named in [`dom`],
//! here and nowhere else.

/// The DOM names (attributes, their values, classes) the `Notes` island finds its way by in the
/// list [`NotesList`] renders.
pub mod dom {
    /// The attribute that holds a note's id, on its `<li>` and on its edit form.
    pub const NOTE_ID: &str = "data-note";

    /// A button's `data-action`: what a click on it does.
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Action {
        Edit,
        Cancel,
        Delete,
        Keep,
        ConfirmDelete,
    }

    impl Action {
        pub const ATTRIBUTE: &str = "data-action";
        const ALL: [Action; 5] = [Self::Edit, Self::Cancel, Self::Delete, Self::Keep, Self::ConfirmDelete];

        pub const fn name(self) -> &'static str {
            match self {
                Self::Edit => "edit",
                Self::Cancel => "cancel",
                Self::Delete => "delete",
                Self::Keep => "keep",
                Self::ConfirmDelete => "confirm-delete",
            }
        }

        pub fn parse(name: &str) -> Option<Self> {
            Self::ALL.into_iter().find(|action| action.name() == name)
        }
    }

    /// A part of a note, marked by a class (the note, its text, its edit form) or a `data-role`
    /// (its two rows of buttons).
    #[derive(Clone, Copy, Debug, PartialEq, Eq)]
    pub enum Part {
        /// The whole note (its `<li>`).
        Note,
        /// The text as shown.
        Body,
        /// The hidden edit form.
        EditForm,
        /// The Edit and Delete buttons.
        Actions,
        /// The hidden {words.delete_question} question.
        Confirm,
    }

    impl Part {
        /// The class or `data-role` value.
        pub const fn name(self) -> &'static str {
            match self {
                Self::Note => "note",
                Self::Body => "note__body",
                Self::EditForm => "note__edit",
                Self::Actions => "actions",
                Self::Confirm => "confirm",
            }
        }

        /// The CSS selector of this part.
        pub fn selector(self) -> String {
            match self {
                Self::Note | Self::Body | Self::EditForm => format!(".{}", self.name()),
                Self::Actions | Self::Confirm => format!("[data-role={}]", self.name()),
            }
        }
    }
}

#[cfg(feature = "ssr")]
pub use ssr::*;

#[cfg(feature = "ssr")]
mod ssr {
    use belco::locale::datetime_attr;
    use belco::notes::MAX_NOTE_CHARS;
    use belco::store::Note;
    use leptos::either::Either;
    use leptos::prelude::*;

    use super::dom::{Action, Part};
    use crate::i18n::{L10n, Words};

    /// A note as the panel shows it; times already written for people.
    #[derive(Clone, Debug, PartialEq, Eq)]
    pub struct NoteView {
        pub id: String,
        pub author: String,
        pub body: String,
        /// `7 dec. 2026, 14:05`, in the shop's zone and the agent's language.
        pub written: String,
        /// RFC 3339 in UTC, for `<time datetime>`.
        pub written_iso: String,
        /// Set when the text was changed after it was written: (for people, RFC 3339 in UTC).
        pub edited: Option<(String, String)>,
    }

    impl NoteView {
        pub fn new(note: Note, l10n: &L10n) -> Self {
            Self {
                written: l10n.time(note.created_at),
                written_iso: datetime_attr(note.created_at),
                edited: (note.updated_at != note.created_at)
                    .then(|| (l10n.time(note.updated_at), datetime_attr(note.updated_at))),
                id: note.id,
                author: note.author,
                body: note.body,
            }
        }
    }

    /// The list, newest first as given, or "No notes yet.". `ready`: whether its buttons work
    /// already, i.e. whether the island has hydrated (a list a server function answers with) or
    /// not yet (the first page).
    #[component]
    pub fn NotesList(notes: Vec<NoteView>, ready: bool, words: &'static Words) -> impl IntoView {
        if notes.is_empty() {
            return Either::Left(view! { <p class="notes__empty">{words.no_notes}</p> });
        }
        let items = notes.into_iter().map(|note| view! { <NoteItem note ready words/> }).collect::<Vec<_>>();
        Either::Right(view! { <ul class="notes__list">{items}</ul> })
    }

    /// `text` as a `<textarea>`'s content. Leptos writes a textarea's children as they are (it does
    /// not escape them, as it does everywhere else), and a `</textarea>` in a note would end the
    /// element there: so they are escaped here. The browser reads the references back as text.
    fn textarea_text(text: &str) -> String {
        html_escape::encode_text(text).into_owned()
    }

    #[component]
    fn NoteItem(note: NoteView, ready: bool, words: &'static Words) -> impl IntoView {
        let NoteView { id, author, body, written, written_iso, edited } = note;
        let edited = edited.map(|(edited, edited_iso)| {
            view! { <span class="note__edited">" · "{words.edited}" "<time datetime=edited_iso>{edited}</time></span> }
        });
        let note_id = id.clone();
        let shown = body.clone();
        view! {
            <li class=Part::Note.name() data-note=note_id>
                <p class=Part::Body.name()>{shown}</p>
                <form class=Part::EditForm.name() data-note=id novalidate hidden>
                    <label class="field">
                        <span class="field__label">{words.edit_note}</span>
                        <textarea class="field__input" name="body" rows="3" maxlength=MAX_NOTE_CHARS>{textarea_text(&body)}</textarea>
                    </label>
                    <div class="note__actions">
                        <button class="button" type="submit">{words.save}</button>
                        <button class="button button--quiet" type="button" data-action=Action::Cancel.name()>{words.cancel}</button>
                    </div>
                </form>
                <p class="note__meta">{format!("{author} · ")}<time datetime=written_iso>{written}</time>{edited}</p>
                <div class="note__actions" data-role=Part::Actions.name()>
                    <button class="button button--quiet" type="button" data-action=Action::Edit.name() disabled=!ready>
                        {words.edit}
                    </button>
                    <button class="button button--quiet" type="button" data-action=Action::Delete.name() disabled=!ready>
                        {words.delete}
                    </button>
                </div>
                <div class="note__actions" data-role=Part::Confirm.name() hidden>
                    <span class="note__confirm">{words.delete_question}</span>
                    <button class="button button--danger" type="button" data-action=Action::ConfirmDelete.name()>
                        {words.yes_delete}
                    </button>
                    <button class="button button--quiet" type="button" data-action=Action::Keep.name()>{words.keep}</button>
                </div>
            </li>
        }
    }
}

#[cfg(test)]
mod tests {
    use super::dom::Action;

    #[cfg(feature = "ssr")]
    #[test]
    fn a_note_cannot_end_its_edit_box() {
        use leptos::prelude::*;

        use super::{NoteView, NotesList};
        let note = NoteView {
            id: "n1".into(),
            author: "Sam".into(),
            body: "</textarea><b>bold</b> & more".into(),
            written: "3 Jan 2024, 14:05 UTC".into(),
            written_iso: "2024-01-03T14:05:00Z".into(),
            edited: None,
        };
        let words = &crate::i18n::LOCALES[1].words;
        let html = crate::components::render_html(move || view! { <NotesList notes=vec![note] ready=true words/> });
        assert!(!html.contains("<b>"), "{html}");
        assert!(html.contains(">&lt;/textarea&gt;&lt;b&gt;bold&lt;/b&gt; &amp; more</textarea>"), "{html}");
        assert!(html.contains("<p class=\"note__body\">&lt;/textarea&gt;&lt;b&gt;bold"), "{html}");
    }

    #[test]
    fn every_action_reads_back_as_itself() {
        for action in [Action::Edit, Action::Cancel, Action::Delete, Action::Keep, Action::ConfirmDelete] {
            assert_eq!(Action::parse(action.name()), Some(action));
        }
        assert_eq!(Action::parse("explode"), None);
    }
}
