//! `belco-panel import FILE`: streams a Belco-shaped orders file into storage.
//!
//! The file is read incrementally (one order in memory at a time, batches on their way to the
//! database), so memory stays flat however large it is. Everything lands in one transaction: a
//! bad record stops the import, names its index and id, and nothing of that run is stored. An
//! order older than the stored version of it, or than its deletion, is skipped and counted
//! (see [`crate::store::WriteCounts`]).

use std::fmt;
use std::fs::File;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::value::RawValue;
use tokio::sync::mpsc;

use crate::contract::OrderIn;
use crate::phone::{Region, customer_key};
use crate::store::{Store, StoreError, StoredOrder, WriteCounts};

const BATCH: usize = 1000;

/// Live counters an importer's caller can draw a progress bar from.
#[derive(Debug, Default)]
pub struct Progress {
    pub bytes_read: AtomicU64,
    pub orders_read: AtomicU64,
}

#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error("cannot read {path}: {source}")]
    Open { path: PathBuf, source: std::io::Error },
    #[error("{0}")]
    Json(String),
    #[error("orders[{index}] (id {id}): {reason}")]
    Order { index: u64, id: String, reason: String },
    #[error("the file holds no \"orders\" array: expected {{\"orders\": [ … ]}}")]
    NoOrders,
    #[error(transparent)]
    Store(#[from] StoreError),
    /// The import was committed (every order is stored) and a step after it failed.
    #[error("all {} orders were stored, but the step after the commit failed: {source}", .counts.upserted)]
    AfterCommit { counts: WriteCounts, source: StoreError },
}

impl ImportError {
    /// False only for [`ImportError::AfterCommit`]: every other error means nothing was stored.
    pub fn nothing_stored(&self) -> bool {
        !matches!(self, ImportError::AfterCommit { .. })
    }
}

/// Imports `path` into `store`; returns how many orders were written and how many skipped as
/// stale.
pub async fn import_file(
    store: &Store,
    path: &Path,
    region: Region,
    progress: Arc<Progress>,
) -> Result<WriteCounts, ImportError> {
    let file = File::open(path).map_err(|source| ImportError::Open { path: path.to_owned(), source })?;
    let (tx, rx) = mpsc::channel(4);
    let parser = tokio::task::spawn_blocking(move || {
        let reader = Counting { inner: BufReader::with_capacity(1 << 16, file), progress: progress.clone() };
        let mut sink = Sink { tx, region, batch: Vec::with_capacity(BATCH), index: 0, failed: None, progress };
        let mut json = serde_json::Deserializer::from_reader(reader);
        let parsed = de::Deserializer::deserialize_any(&mut json, FileVisitor { sink: &mut sink })
            .and_then(|found| json.end().map(|()| found));
        let failure = match (sink.failed.take(), parsed) {
            (Some(e), _) => Some(e),
            (None, Err(e)) => Some(ImportError::Json(describe_json_error(&e, sink.index))),
            (None, Ok(false)) => Some(ImportError::NoOrders),
            (None, Ok(true)) => None,
        };
        match failure {
            Some(e) => {
                let _ = sink.tx.blocking_send(Err(e));
            }
            None => sink.flush(),
        }
    });
    let written = store.upsert_stream(rx).await;
    // The parser ends once its channel is closed or drained; a panic there is a bug worth seeing.
    if let Err(e) = parser.await {
        std::panic::resume_unwind(e.into_panic());
    }
    let counts = written??;
    // Committed: from here on an error must not read as if nothing was stored.
    store.checkpoint().await.map_err(|source| ImportError::AfterCommit { counts, source })?;
    Ok(counts)
}

fn describe_json_error(e: &serde_json::Error, index: u64) -> String {
    let place = format!("line {} column {}", e.line(), e.column());
    if index > 0 || e.classify() == serde_json::error::Category::Eof {
        format!("the file is not valid JSON near orders[{index}] ({place}): {e}")
    } else {
        format!("the file is not valid JSON ({place}): {e}")
    }
}

struct Counting<R> {
    inner: R,
    progress: Arc<Progress>,
}

impl<R: Read> Read for Counting<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        self.progress.bytes_read.fetch_add(n as u64, Ordering::Relaxed);
        Ok(n)
    }
}

/// Where parsed orders go: validated, keyed, batched and sent to the writer.
struct Sink {
    tx: mpsc::Sender<Result<Vec<StoredOrder>, ImportError>>,
    region: Region,
    batch: Vec<StoredOrder>,
    index: u64,
    failed: Option<ImportError>,
    progress: Arc<Progress>,
}

impl Sink {
    /// Takes one raw order; false means stop (a bad record, or the writer has gone).
    fn take(&mut self, raw: &RawValue) -> bool {
        let index = self.index;
        self.index += 1;
        match prepare(raw, index, self.region) {
            Ok(order) => self.batch.push(order),
            Err(e) => {
                self.failed = Some(e);
                return false;
            }
        }
        self.progress.orders_read.fetch_add(1, Ordering::Relaxed);
        if self.batch.len() >= BATCH {
            let full = std::mem::replace(&mut self.batch, Vec::with_capacity(BATCH));
            return self.tx.blocking_send(Ok(full)).is_ok();
        }
        true
    }

    fn flush(&mut self) {
        if !self.batch.is_empty() {
            let _ = self.tx.blocking_send(Ok(std::mem::take(&mut self.batch)));
        }
    }
}

/// Reads, validates and keys one order given as raw JSON (the import file's and the push API's
/// common path). The error names the record's index and id.
pub fn prepare(raw: &RawValue, index: u64, region: Region) -> Result<StoredOrder, ImportError> {
    let order = serde_json::from_str::<OrderIn>(raw.get())
        .map_err(|e| e.to_string())
        .and_then(|o| o.validate().map_err(|e| e.to_string()))
        .map_err(|reason| ImportError::Order { index, id: id_of(raw), reason })?;
    let key = customer_key(&order.email, &order.phone_number, region);
    Ok(StoredOrder::new(order, key))
}

/// The record's `id` for an error message, as best it can be read.
fn id_of(raw: &RawValue) -> String {
    #[derive(serde::Deserialize)]
    struct Id {
        id: serde_json::Value,
    }
    match serde_json::from_str::<Id>(raw.get()) {
        Ok(Id { id: serde_json::Value::String(s) }) => format!("{s:?}"),
        Ok(Id { id }) if !id.is_null() => id.to_string(),
        _ => "missing".into(),
    }
}

/// The top level: `{"orders": [...], ...}` (other keys ignored) or a bare `[...]`.
/// Yields whether an orders array was found.
struct FileVisitor<'s> {
    sink: &'s mut Sink,
}

impl<'de> Visitor<'de> for FileVisitor<'_> {
    type Value = bool;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an object with an \"orders\" array")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<bool, A::Error> {
        let mut found = false;
        while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
            if key == "orders" && !found {
                map.next_value_seed(OrdersSeed { sink: &mut *self.sink })?;
                found = true;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(found)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<bool, A::Error> {
        OrdersSeed { sink: self.sink }.visit_seq(seq).map(|()| true)
    }
}

struct OrdersSeed<'s> {
    sink: &'s mut Sink,
}

impl<'de> DeserializeSeed<'de> for OrdersSeed<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for OrdersSeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of orders")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        while let Some(raw) = seq.next_element::<Box<RawValue>>()? {
            if !self.sink.take(&raw) {
                return Err(de::Error::custom("import stopped"));
            }
        }
        Ok(())
    }
}
