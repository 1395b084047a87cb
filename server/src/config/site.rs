//! The site's files as Leptos finds them: `LEPTOS_OUTPUT_NAME`, which every build of the server
//! bakes in (cargo-leptos, or `.cargo/config.toml` for a plain `cargo build`), and which `main`
//! sets (before any thread exists) for a build that did not.

/// The name the site's files have (`/pkg/belco-panel.js`, `.wasm`, `.css`): the `name` of
/// `[workspace.metadata.leptos]` in the workspace's `Cargo.toml`.
pub const SITE_OUTPUT_NAME: &str = "belco-panel";

/// The `LEPTOS_OUTPUT_NAME` that `main` must set before Leptos reads it: `None` when it is set
/// in the environment, or was baked in at build time.
pub fn leptos_output_name_to_set() -> Option<&'static str> {
    let unset = std::env::var_os("LEPTOS_OUTPUT_NAME").is_none() && option_env!("LEPTOS_OUTPUT_NAME").is_none();
    unset.then_some(SITE_OUTPUT_NAME)
}
