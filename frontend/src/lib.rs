//! The browser entry point. Only the islands (`#[island]` components in `app`) hydrate; the rest
//! of each page stays the server's HTML, which is what keeps the bundle small.

// Nothing below names an item of `app`, and a dependency that is never named is not linked: the
// islands' `#[wasm_bindgen]` hydrate functions (which the hydration script looks up by name in
// this module's exports) would silently be missing from the bundle.
use app as _;

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    leptos::mount::hydrate_islands();
}
