//! The rules for what an agent writes in the panel: a note's text, its id, and the author's name
//! that signs notes and form submissions. Free of any framework, so the browser's forms use the
//! same limits (`maxlength`) that the server enforces.

/// The longest note, in characters.
pub const MAX_NOTE_CHARS: usize = 5000;
/// The longest author name, in characters.
pub const MAX_AUTHOR_CHARS: usize = 80;

/// The name of a form's "Your name" input, and the field a submission's error about it names:
/// not a valid form field name, so it cannot clash with one.
pub const AUTHOR_FIELD: &str = "-author";

/// Why a note or an author's name was refused, in words for the agent.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum WritingError {
    #[error("Enter your name, so colleagues know who wrote this.")]
    NoAuthor,
    #[error("Enter your name as one line of at most {MAX_AUTHOR_CHARS} characters.")]
    AuthorUnfit,
    #[error("Write the note first.")]
    EmptyNote,
    #[error("Keep a note under {MAX_NOTE_CHARS} characters.")]
    NoteTooLong,
    #[error("Remove the invisible control characters from this note.")]
    ControlCharacters,
}

/// The author's name as it is stored: trimmed, one line, at most [`MAX_AUTHOR_CHARS`].
pub fn author(raw: &str) -> Result<String, WritingError> {
    let author = raw.trim();
    if author.is_empty() {
        return Err(WritingError::NoAuthor);
    }
    if author.chars().count() > MAX_AUTHOR_CHARS || author.chars().any(char::is_control) {
        return Err(WritingError::AuthorUnfit);
    }
    Ok(author.to_owned())
}

/// A note's text, every line break made `\n`. Line breaks and tabs are kept (a textarea holds
/// both); any other control character is refused, on every database alike: PostgreSQL cannot
/// store a NUL in text, and the rest show as nothing or garbage.
pub fn note_body(raw: &str) -> Result<String, WritingError> {
    let body = raw.replace("\r\n", "\n").replace('\r', "\n");
    if body.trim().is_empty() {
        return Err(WritingError::EmptyNote);
    }
    if body.chars().count() > MAX_NOTE_CHARS {
        return Err(WritingError::NoteTooLong);
    }
    if body.chars().any(|c| c.is_control() && c != '\n' && c != '\t') {
        return Err(WritingError::ControlCharacters);
    }
    Ok(body.trim_end().to_owned())
}

/// Whether `id` is shaped as the server makes note ids (unpadded base64url). Anything else names
/// no note, and is not sent to the database (where a NUL in it would fail on PostgreSQL only).
pub fn is_note_id(id: &str) -> bool {
    !id.is_empty() && id.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_author_is_one_trimmed_line() {
        assert_eq!(author("  Sam "), Ok("Sam".to_owned()));
        assert_eq!(author(" \t"), Err(WritingError::NoAuthor));
        assert_eq!(author("Sam\nKim"), Err(WritingError::AuthorUnfit));
        assert_eq!(author(&"a".repeat(MAX_AUTHOR_CHARS + 1)), Err(WritingError::AuthorUnfit));
        assert_eq!(author(&"ë".repeat(MAX_AUTHOR_CHARS)).map(|a| a.chars().count()), Ok(MAX_AUTHOR_CHARS));
    }

    #[test]
    fn a_note_keeps_its_lines_and_tabs_but_no_other_control_character() {
        assert_eq!(note_body("a\r\n\tb\rc  \n"), Ok("a\n\tb\nc".to_owned()));
        assert_eq!(note_body(" \n "), Err(WritingError::EmptyNote));
        assert_eq!(note_body("a\u{0}b"), Err(WritingError::ControlCharacters));
        assert_eq!(note_body(&"x".repeat(MAX_NOTE_CHARS + 1)), Err(WritingError::NoteTooLong));
    }

    #[test]
    fn only_ids_shaped_as_the_server_makes_them_name_a_note() {
        assert!(is_note_id("aB3-_x"));
        assert!(!is_note_id("") && !is_note_id("a b") && !is_note_id("a\u{0}") && !is_note_id("é"));
    }
}
