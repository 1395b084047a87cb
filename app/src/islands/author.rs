//! The agent's name, remembered in this browser (localStorage of the frame's origin), so notes
//! and forms are signed without typing it each time. Browser-only: call these from effects and
//! event handlers, never while rendering on the server.

const KEY: &str = "belco-panel.author";

fn storage() -> Option<web_sys::Storage> {
    // Storage can be blocked for third-party frames; then the name is simply not remembered.
    web_sys::window()?.local_storage().ok().flatten()
}

/// The name this browser last signed with, or "".
pub fn remembered() -> String {
    storage().and_then(|storage| storage.get_item(KEY).ok().flatten()).unwrap_or_default()
}

pub fn remember(name: &str) {
    if let Some(storage) = storage() {
        let _ = storage.set_item(KEY, name.trim());
    }
}
