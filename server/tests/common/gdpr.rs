//! What an erasure must leave no trace of: John's phone number, and the notes his order and an
//! agent wrote about him; and the bytes of a SQLite database's files, searched for them.

use super::JOHN;

pub const JOHN_PHONE: &str = "+31612345678";

/// A 6,000-character note: it spills out of its row's page into overflow pages, which a
/// re-import with a shorter note frees.
pub fn long_note() -> String {
    "Old long note about the parcel. ".repeat(190)
}

pub const SHORT_NOTE: &str = "Newer short note: left at the neighbours";

pub const DRAFT_NOTE: &str = "Agent draft: calls about the blue scarf";

pub const EDITED_NOTE: &str = "Agent edit: wants a refund for the scarf";

/// Order `id` of John's (by email and phone) with Belco's `note`, as last updated at `updated`.
pub fn noted_order(id: &str, note: &str, updated: &str) -> String {
    serde_json::json!({
        "id": id, "number": format!("N{id}"), "date": "2024-01-01T10:00:00Z", "updatedAt": updated,
        "status": "completed", "currency": "EUR", "note": note,
        "products": [{"name": "Thing", "quantity": 1, "price": 5}], "total": 5,
        "url": format!("https://shop.example/o/{id}"), "email": JOHN, "phoneNumber": JOHN_PHONE,
    })
    .to_string()
}

/// What must not survive John's erasure anywhere.
pub fn johns_traces() -> Vec<String> {
    let long = long_note();
    vec![
        JOHN.into(),
        JOHN_PHONE.into(),
        long[..60].to_owned(),
        "parcel. Old long".into(),
        SHORT_NOTE.into(),
        DRAFT_NOTE.into(),
        EDITED_NOTE.into(),
    ]
}

/// Which of `traces` the database's files (the file, its `-wal` and `-shm`) hold, as bytes.
pub fn traces_in_files(db: &std::path::Path, traces: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for suffix in ["", "-wal", "-shm"] {
        let path = format!("{}{suffix}", db.display());
        let bytes = std::fs::read(&path).unwrap_or_default();
        for trace in traces {
            if bytes.windows(trace.len()).any(|w| w == trace.as_bytes()) {
                found.push(format!("{path}: {trace:?}"));
            }
        }
    }
    found
}
