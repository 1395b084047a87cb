//! The interactive parts of the pages: the only components compiled into the wasm bundle's
//! exports. Keep them few and small; everything else is server HTML.

mod storage_check;

pub use storage_check::StorageCheck;
