//! What the islands call on the server, all under the URL prefix `/fn`. Each function returns its own error type, so that what
//! reaches the browser is chosen here and never an internal error's text.

mod storage;

pub use storage::{CheckStorage, StorageCheckError, StoragePing, check_storage};
