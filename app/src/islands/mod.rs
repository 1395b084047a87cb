//! The interactive parts of the pages: the only components compiled into the wasm bundle's
//! exports. Keep them few and small; everything else is server HTML.

mod author;
mod forms;
mod notes;
mod storage_check;

// Only the server's frame page names these; the browser reaches islands through their exports.
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub use forms::Forms;
#[cfg_attr(not(feature = "ssr"), allow(unused_imports))]
pub use notes::Notes;
pub use storage_check::StorageCheck;
