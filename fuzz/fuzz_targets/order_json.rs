//! Any bytes as an order of the import file or a push: no panic, and what validates is written
//! as JSON that reads back as the same order.
#![no_main]

use belco::contract::OrderIn;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let Ok(order) = serde_json::from_slice::<OrderIn>(bytes) else { return };
    let Ok(order) = order.validate() else { return };
    let wire = order.to_belco_json();
    let again = serde_json::from_str::<OrderIn>(&wire).expect("Belco JSON is an order").validate();
    assert_eq!(again.as_ref().map(|o| (&o.id, o.total, o.date)), Ok((&order.id, order.total, order.date)), "{wire}");
});
