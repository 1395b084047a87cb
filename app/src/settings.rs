//! What the panel needs from the server's configuration (the `app` crate cannot name the server's
//! `Config`). The server builds it once and provides it in the Leptos context as
//! `Arc<PanelSettings>`, where the frame page and the server functions find it.

use std::sync::Arc;
use std::time::Duration;

use belco::capability::Signer;
use belco::forms::FormSet;
use belco::locale::Zone;
use belco::phone::Region;
use belco::store::{Store, StoreError};

use crate::components::form_card::FormCards;
use crate::i18n::{L10n, Locales};
use crate::recent::Recent;

/// How many notes and sent forms a panel lists, newest first.
pub const NOTES_LIMIT: i64 = 100;
pub const SUBMISSIONS_LIMIT: i64 = 50;

#[derive(Clone, Debug)]
pub struct PanelSettings {
    /// `BELCO_ORIGIN`: the origin that frames the page and receives its messages.
    pub belco_origin: String,
    pub phone_region: Region,
    /// How many orders the panel lists, newest first.
    pub orders_limit: i64,
    /// Signs the capabilities the islands send back; `None`: notes and forms are off.
    pub signer: Option<Arc<Signer>>,
    /// The shop's forms (possibly none), and their cards as HTML in each language.
    pub forms: Arc<FormSet>,
    pub form_cards: FormCards,
    /// The company panel's "Orders stored".
    pub stored_orders: StoredOrders,
    /// The languages the panel speaks, and `BELCO_LANGUAGE`'s as the default.
    pub locales: Locales,
    /// `BELCO_TIMEZONE`: every time the panel shows is in this zone.
    pub zone: Zone,
}

impl PanelSettings {
    pub fn new(
        belco_origin: String,
        phone_region: Region,
        orders_limit: i64,
        signer: Option<Arc<Signer>>,
        forms: Arc<FormSet>,
        locales: Locales,
        zone: Zone,
    ) -> Self {
        let form_cards = FormCards::render(&forms, &locales);
        Self {
            belco_origin,
            phone_region,
            orders_limit,
            signer,
            forms,
            form_cards,
            stored_orders: StoredOrders::default(),
            locales,
            zone,
        }
    }

    /// The language of `code` (the default if the panel does not speak it) in the shop's zone.
    pub fn l10n(&self, code: &str) -> L10n {
        L10n::new(self.locales.get_or_default(code), self.zone.clone())
    }
}

/// How many orders are stored, as the company panel shows it: counted at most once per
/// [`StoredOrders::MAX_AGE`], not on every load. A count reads every row (or a whole index) of the
/// orders table, which grows with the shop, while the panel is opened again and again; a figure a
/// minute old says the same to an agent.
#[derive(Clone, Debug)]
pub struct StoredOrders(Arc<Recent<i64>>);

impl StoredOrders {
    pub const MAX_AGE: Duration = Duration::from_secs(60);

    pub async fn count(&self, store: &Store) -> Result<i64, StoreError> {
        self.0.get(store.count_orders()).await
    }
}

impl Default for StoredOrders {
    fn default() -> Self {
        Self(Arc::new(Recent::new(Self::MAX_AGE)))
    }
}
