//! The GDPR commands: `customer export` (everything held about one customer), `customer erase`
//! (all of it, in one transaction, leaving only a keyed-hashed record of the erasure) and
//! `access` (who looked the customer up, from the access log). Customers are found by their
//! normalized key, and their records by the pseudonyms `belco::pseudonym` makes of it.

use crate::calls::printable;
use belco::capability::Signer;
use belco::pseudonym::Pseudonyms;
use belco::secret::Secret;
use belco::secret::generate_token;
use std::sync::Arc;
use std::time::Duration;

use belco::store::Store;

use super::{CliResult, connect};
use crate::config::Config;

/// The customer `who` names: an email address (it has an `@`) or else a phone number, normalized
/// as the panel normalizes Belco's.
fn customer_named(config: &Config, who: &str) -> Result<belco::identity::CustomerKey, String> {
    let (email, phone) = if who.contains('@') { (who, "") } else { ("", who) };
    let key = belco::phone::customer_key(email, phone, config.phone_region);
    if key.is_empty() {
        return Err(format!("{who:?} is not an email address or a phone number belco-panel can read"));
    }
    Ok(key)
}

/// `belco-panel customer export EMAIL|PHONE`: the JSON document, on standard output.
pub(crate) async fn export_customer(config: &Config, who: &str) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let export = async {
        let pseudonyms = pseudonyms_of(config, &store).await?;
        Ok::<_, Box<dyn std::error::Error>>(store.export_customer(&key, &pseudonyms.of(&key)).await?)
    }
    .await;
    store.close().await;
    let export = export?;
    println!("{}", serde_json::to_string_pretty(&export)?);
    eprintln!(
        "Exported {} orders, {} notes, {} form submissions, {} webhook deliveries and {} access records.",
        export.orders.len(),
        export.notes.len(),
        export.form_submissions.len(),
        export.deliveries.len(),
        export.access_log.len()
    );
    Ok(())
}

/// The key the access log and the erasure records are keyed with: `BELCO_PSEUDONYM_KEY` (with
/// the configured signing keys, for records from before it), or the demo's, when it made one.
async fn pseudonyms_of(config: &Config, store: &Store) -> Result<Arc<Pseudonyms>, Box<dyn std::error::Error>> {
    if let Some(pseudonyms) = &config.pseudonyms {
        if config.signer.is_none() {
            eprintln!(
                "warning: BELCO_SIGNING_KEY is not set here: access records from before BELCO_PSEUDONYM_KEY (keyed \
                 with the signing key) are not found. Run this with the server's settings."
            );
        }
        return Ok(pseudonyms.clone());
    }
    if store.setting("demo.pseudonym_key").await?.is_some() {
        return demo_pseudonyms(config, store).await;
    }
    Err("BELCO_PSEUDONYM_KEY is not set: the access log and the erasure records are keyed-hashed with it, so it \
         must be the server's"
        .into())
}

/// The demo's pseudonym key, made once and kept with its other made-up secrets in its database
/// (demo data only: a real shop's key is never stored there, or a dump could test every email
/// against the hashes), with the demo's signing key for records from before it.
pub(crate) async fn demo_pseudonyms(
    config: &Config,
    store: &Store,
) -> Result<Arc<Pseudonyms>, Box<dyn std::error::Error>> {
    let key = store.setting_or_insert("demo.pseudonym_key", &generate_token()).await?;
    let earlier = match (&config.signer, store.setting("demo.signing_key").await?) {
        (Some(signer), _) => Some(signer.clone()),
        (None, Some(key)) => Some(Arc::new(Signer::new(&Secret::new(key), config.capability_lifetime)?)),
        (None, None) => None,
    };
    Ok(Arc::new(Pseudonyms::new(&Secret::new(key), earlier)?))
}

/// `belco-panel access EMAIL|PHONE`: the access log's records of one customer, newest first.
pub(crate) async fn access(config: &Config, who: &str) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let records = async {
        let pseudonyms = pseudonyms_of(config, &store).await?;
        Ok::<_, Box<dyn std::error::Error>>(store.accesses(&pseudonyms.of(&key), 1000).await?)
    }
    .await;
    store.close().await;
    let records = records?;
    print!("{}", access_table(&records, config.access_retention));
    Ok(())
}

/// The records as `belco-panel access` prints them; their texts came with requests, so they are
/// made printable.
fn access_table(records: &[belco::store::AccessRecord], retention: Duration) -> String {
    let mut out = format!(
        "{:<24} {:<10} {:>6} {:<39} {:>6}  {}\n",
        "time (UTC)", "route", "status", "client", "orders", "outcome"
    );
    for r in records {
        out.push_str(&format!(
            "{:<24} {:<10} {:>6} {:<39} {:>6}  {}\n",
            belco::time::format_instant(r.at),
            printable(&r.route),
            r.status,
            printable(&r.client),
            r.orders.map_or("-".into(), |n| n.to_string()),
            printable(&r.outcome)
        ));
    }
    if records.is_empty() {
        out.push_str(&format!(
            "(nobody looked this customer up in the last {} days, or the access log is off)\n",
            retention.as_secs() / 86_400
        ));
    }
    out
}

/// `belco-panel customer erase EMAIL|PHONE [--yes]`: what will go, a confirmation, then all of
/// it in one transaction.
pub(crate) async fn erase_customer(config: &Config, who: &str, confirmed: bool) -> CliResult {
    let key = customer_named(config, who)?;
    let store = connect(config).await?;
    let result = erase(config, &store, &key, who, confirmed).await;
    store.close().await;
    result
}

async fn erase(
    config: &Config,
    store: &Store,
    key: &belco::identity::CustomerKey,
    who: &str,
    confirmed: bool,
) -> CliResult {
    let pseudonyms = pseudonyms_of(config, store).await?;
    let hashed = pseudonyms.of(key);
    let held = store.export_customer(key, &hashed).await?;
    let (orders, notes, submissions) = (held.orders.len(), held.notes.len(), held.form_submissions.len());
    let (accesses, deliveries) = (held.access_log.len(), held.deliveries.len());
    if orders + notes + submissions + accesses == 0 {
        // An erasure whose clearing could not finish (a busy checkpoint) finishes here.
        let scrubbed = store.leave_no_trace().await.map_err(|e| unfinished(who, e))?;
        println!("Nothing is held about {who}: nothing to erase.");
        if let Some(took) = scrubbed.rewritten {
            println!("{}", rewritten(took));
        }
        return Ok(());
    }
    if !confirmed {
        eprint!(
            "This deletes {orders} orders, {notes} notes, {submissions} form submissions (and {deliveries} of their \
             webhook deliveries) and {accesses} access records of {who}, for good.\nType erase to go on: "
        );
        let mut answer = String::new();
        std::io::stdin().read_line(&mut answer)?;
        if answer.trim() != "erase" {
            return Err("not confirmed: nothing was erased".into());
        }
    }
    let erased = store.erase_customer(key, &hashed).await.map_err(|e| unfinished(who, e))?;
    println!(
        "Erased {} orders, {} notes, {} form submissions, {} webhook deliveries and {} access records of {who}. Kept: \
         a record of the erasure, with the identifiers keyed-hashed. Orders your shop pushes or imports for them later \
         are stored again.",
        erased.orders, erased.notes, erased.submissions, erased.deliveries, erased.accesses
    );
    if let Some(took) = erased.rewritten {
        println!("{}", rewritten(took));
    }
    match store.backend() {
        "SQLite" => println!(
            "Their bytes were zeroed and the write-ahead log emptied: no database file holds a trace of them (backups \
             taken before still do)."
        ),
        _ => println!(
            "PostgreSQL: no query finds them any more; their bytes stay in the table files until VACUUM reuses the \
             space, and in the WAL until its segments are recycled (docs/gdpr.md, \"Erasure\")."
        ),
    }
    Ok(())
}

/// What `customer erase` says when it rewrote a database older than secure deletion.
fn rewritten(took: Duration) -> String {
    format!(
        "The database file was rewritten once (VACUUM, {:.1} s) so that pages freed before this version of \
         belco-panel (which zeroes deleted data as it goes) hold nothing; later erasures need no rewrite.",
        took.as_secs_f64()
    )
}

/// An erasure whose rows are gone but whose bytes may remain, with what to do about it.
fn unfinished(who: &str, e: belco::store::StoreError) -> Box<dyn std::error::Error> {
    match e {
        belco::store::StoreError::Traces(why) => format!(
            "erasing {who}: {why}. Stop belco-panel (or retry when nothing is using the database) and run \
             `belco-panel customer erase {who}` again: it finds nothing left to delete and clears the rest"
        )
        .into(),
        e => e.into(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_access_table_prints_no_controls_from_a_request() {
        let hostile = "\u{1b}[2J\u{1b}]8;;http://evil\u{7}x\u{9b}\u{202E}\r\n\t";
        let record = belco::store::AccessRecord {
            at: 0,
            route: hostile.into(),
            email_hash: None,
            phone_hash: None,
            orders: None,
            client: hostile.into(),
            status: 400,
            outcome: hostile.into(),
        };
        let out = access_table(&[record], Duration::from_secs(86_400));
        assert_eq!(out.lines().count(), 2, "{out:?}");
        assert!(out.chars().all(|c| c == '\n' || (!c.is_control() && c != '\u{202E}')), "{out:?}");
    }
}
