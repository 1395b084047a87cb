//! The interactive parts of the pages: the only components compiled into the wasm bundle's
//! exports. Keep them few and small; everything else is server HTML.

mod author;
mod forms;
mod notes;
mod preview;
mod storage_check;

// Only the server's frame page names these; the browser reaches islands through their exports.
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub use forms::{Forms, FormsWords};
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub use notes::{Notes, NotesWords};
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub use preview::{Preview, dom as preview_dom};
pub use storage_check::StorageCheck;

/// The elements under `root` that match `selector`.
fn all(root: &web_sys::Element, selector: &str) -> Vec<web_sys::Element> {
    use leptos::wasm_bindgen::JsCast;
    let Ok(list) = root.query_selector_all(selector) else { return Vec::new() };
    (0..list.length()).filter_map(|i| list.item(i)?.dyn_into::<web_sys::Element>().ok()).collect()
}

/// Writes `text` into the first element under `root` matching `selector`.
fn show(root: &web_sys::Element, selector: &str, text: &str) {
    if let Ok(Some(element)) = root.query_selector(selector) {
        element.set_text_content(Some(text));
    }
}
