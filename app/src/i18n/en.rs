//! The panel in English.

use belco::forms::Problem;
use belco::locale::Language;
use belco::notes::{MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, WritingError};

use super::{Locale, Words};

pub static LOCALE: Locale = Locale {
    language: Language::EN,
    name: "English",
    words: Words {
        unauthorized_title: "Not authorized",
        unauthorized_text: "This link has no valid token. Check the Custom Frame URL in Belco's settings.",
        ambiguous_title: "More than one customer",
        ambiguous_text: "This link names more than one customer, so nothing is shown. Open the conversation again \
                         from Belco; if this keeps happening, check the contact's email address and phone number.",
        unreadable_title: "Unreadable link",
        unreadable_text: "The email address or phone number in this link is not text.",
        storage_down: "The panel cannot reach its storage. Try again in a moment.",
        busy: "The panel is busy right now. Reload in a moment.",

        language: "Language",

        company: "Company",
        company_note: "Belco sent no email address or phone number, so this is the shop-wide view.",
        orders_stored: "Orders stored",

        email: "Email",
        phone: "Phone",
        customer_since: "Customer since",
        order_count: "Orders",
        total_spent: "Total spent",
        orders: "Orders",
        no_orders: "No orders yet",
        newest_of: |shown, total| format!("The newest {shown} of {total} orders."),
        products: "Products",
        products_unreadable: "The products of this order could not be read.",
        open_in_shop: "Open in the shop",
        needs_identifier: "Notes and forms need an email address or phone number this panel can read.",
        interactive_off: "Notes and forms are off: this server has no BELCO_SIGNING_KEY.",

        notes: "Notes",
        your_name: "Your name",
        new_note: "New note",
        add_note: "Add note",
        note_added: "Note added.",
        note_saved: "Note saved.",
        note_deleted: "Note deleted.",
        no_notes: "No notes yet.",
        edit_note: "Edit note",
        save: "Save",
        cancel: "Cancel",
        edited: "edited",
        edit: "Edit",
        delete: "Delete",
        delete_question: "Delete this note?",
        yes_delete: "Yes, delete",
        keep: "Keep",

        forms: "Forms",
        sent_forms: "Sent forms",
        recent_submissions: "Recent submissions",
        no_forms: "No forms yet: the shop defines them in its forms file.",
        optional: " (optional)",
        choose: "Choose…",
        send: "Send",
        sent: |title| format!("Sent: {title}."),
        check_fields: "Check the fields marked below.",
        yes: "Yes",
        no: "No",
        nothing_sent: "Nothing sent yet.",
        delivered: "Delivered to the shop",
        sending: "Sending to the shop…",
        not_delivered: |attempts, why| {
            let attempts = if attempts == 1 { "1 attempt".to_owned() } else { format!("{attempts} attempts") };
            format!(
                "Not delivered after {attempts}: {why}. An administrator can retry it (belco-panel deliveries retry)."
            )
        },
        retrying: |why| format!("Not delivered yet ({why}); next attempt "),
        // As recorded, which is English already.
        attempt_failed: |failed| failed.to_string(),

        expired: "This panel has been open for too long. Reload the panel to continue.",
        refused: "This panel is not allowed to do that. Reload the panel and try again.",
        note_gone: "That note is gone: someone may have deleted it. The list now shows the current notes.",
        call_failed: "The server could not be reached. Check the connection and try again.",
        writing: |error| match error {
            WritingError::NoAuthor => "Enter your name, so colleagues know who wrote this.".to_owned(),
            WritingError::AuthorUnfit => {
                format!("Enter your name as one line of at most {MAX_AUTHOR_CHARS} characters.")
            }
            WritingError::EmptyNote => "Write the note first.".to_owned(),
            WritingError::NoteTooLong => {
                format!("Keep a note under {} characters.", Language::EN.decimal(&MAX_NOTE_CHARS.to_string()))
            }
            WritingError::ControlCharacters => "Remove the invisible control characters from this note.".to_owned(),
        },
        problem: |problem, language| match problem {
            Problem::Required => "Fill in this field.".to_owned(),
            Problem::ChooseOption => "Choose one of the options.".to_owned(),
            Problem::TooLong { limit } => format!("Keep this to {limit} characters or fewer."),
            Problem::OneLine => "Keep this on one line, without special characters.".to_owned(),
            Problem::ControlCharacters => "Remove the invisible control characters from this text.".to_owned(),
            Problem::NotANumber => "Enter a number, such as 12 or 3.5.".to_owned(),
            Problem::OtherPoint => "Use a point for decimals, such as 3.5.".to_owned(),
            Problem::TooManyDigits { limit } => format!("Enter a number of at most {limit} digits."),
            Problem::OutOfRange { min, max } => {
                let (min, max) =
                    (min.as_deref().map(|n| language.decimal(n)), max.as_deref().map(|n| language.decimal(n)));
                match (min, max) {
                    (Some(min), Some(max)) => format!("Enter a number from {min} to {max}."),
                    (Some(min), None) => format!("Enter a number of at least {min}."),
                    (None, Some(max)) => format!("Enter a number of at most {max}."),
                    (None, None) => "Enter a number within the field's limits.".to_owned(),
                }
            }
            Problem::EmailTooLong { limit } => format!("An email address has at most {limit} characters."),
            Problem::NotAnEmail => "Enter an email address such as name@example.com.".to_owned(),
            Problem::DateShape => "Enter a date as YYYY-MM-DD.".to_owned(),
            Problem::NoSuchDate => "There is no such date: check the day and the month.".to_owned(),
            Problem::TickOrLeave => "Tick the box or leave it empty.".to_owned(),
            Problem::TickRequired => "Tick this box to continue.".to_owned(),
            Problem::UnknownField { name } => format!(
                "This form has no field \"{name}\"; it may have changed since it was opened. Reload it and try again."
            ),
        },
    },
};
