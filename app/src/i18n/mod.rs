//! The panel's words, one file per language (`nl.rs`, `en.rs`), and how a page or a server
//! function finds the ones to use ([`Locales`], [`L10n`]).
//!
//! A language is a [`Locale`]: its code and conventions (how it writes dates, amounts and
//! numbers: `belco::locale::Language`), its name for the switch, and every string the agent sees
//! ([`Words`]). Adding one (French, say) is a file of strings, `fr.rs` written after `en.rs`, plus
//! its line in [`LOCALES`]; the compiler refuses a file that misses a string. The tests load a
//! third locale of their own (`test_locale.rs`) to hold that promise.
//!
//! Server-only: the server chooses the language and renders every word while rendering; an
//! island gets the few words it writes itself as props, so no language's strings are in the wasm.

mod en;
mod nl;
#[cfg(test)]
mod test_locale;

use belco::forms::Problem;
use belco::locale::{Language, Zone, format_date, format_money, format_time};
use belco::money::Currency;
use belco::notes::WritingError;
use belco::store::FailedAttempt;

/// Every language the panel speaks, the default first (`BELCO_LANGUAGE` picks another).
pub static LOCALES: [&Locale; 2] = [&nl::LOCALE, &en::LOCALE];

/// The codes of the built-in languages (`nl`, `en`): the keys the forms file's texts may have.
pub fn codes() -> Vec<&'static str> {
    LOCALES.iter().map(|locale| locale.code()).collect()
}

/// One language of the panel.
#[derive(Debug)]
pub struct Locale {
    /// The code (`nl`) and how the language writes dates, amounts and numbers.
    pub language: Language,
    /// The language's name in itself, as the switch shows it (`Nederlands`).
    pub name: &'static str,
    pub words: Words,
}

impl Locale {
    pub fn code(&self) -> &'static str {
        self.language.code
    }
}

/// The languages a panel can be shown in and the one it falls back to.
#[derive(Clone, Debug)]
pub struct Locales {
    all: Vec<&'static Locale>,
    /// Their codes, in the same order.
    codes: Vec<&'static str>,
    default: &'static Locale,
}

impl Locales {
    /// `all` (in the order the switch shows them), and `default`, which must be one of them.
    pub fn new(all: Vec<&'static Locale>, default: &'static Locale) -> Self {
        let codes = all.iter().map(|locale| locale.code()).collect();
        Self { all, codes, default }
    }

    /// The built-in languages ([`LOCALES`]), with `default`.
    pub fn built_in(default: &'static Locale) -> Self {
        Self::new(LOCALES.to_vec(), default)
    }

    /// A built-in language by its code, exactly (`nl`, `en`).
    pub fn built_in_code(code: &str) -> Option<&'static Locale> {
        LOCALES.iter().copied().find(|locale| locale.code() == code)
    }

    pub fn all(&self) -> &[&'static Locale] {
        &self.all
    }

    /// The locale of `code` exactly, if the panel speaks it.
    pub fn get(&self, code: &str) -> Option<&'static Locale> {
        self.all.iter().copied().find(|locale| locale.code() == code)
    }

    /// The locale of `code`, or the default when it names none the panel speaks.
    pub fn get_or_default(&self, code: &str) -> &'static Locale {
        self.get(code).unwrap_or(self.default)
    }

    /// The frame's language, first that applies: `lang` (the frame URL's one value of `lang=`,
    /// which the agent's remembered choice puts there; a language tag, so `NL` and `nl-BE` are
    /// Dutch too), then the browser's `Accept-Language`, then the default (`BELCO_LANGUAGE`).
    pub fn choose(&self, lang: Option<&str>, accept_language: Option<&str>) -> &'static Locale {
        lang.and_then(|tag| belco::locale::code_of_tag(tag.trim(), &self.codes))
            .or_else(|| accept_language.and_then(|header| belco::locale::pick_accept_language(header, &self.codes)))
            .map_or(self.default, |index| self.all[index])
    }
}

impl Locales {
    /// The frame's language for a request: its query's `lang=` (read as Belco's parameters are,
    /// tolerant of where it stands: a repeated different value, a value not UTF-8 or a query
    /// too long to read name none, and the next rule decides), then `Accept-Language`, then the
    /// default. Read before the token is checked, so a refused link is in the agent's language
    /// too; `lang` names no customer.
    pub fn for_request(&self, raw_query: Option<&str>, accept_language: Option<&str>) -> &'static Locale {
        let query = belco::query::BelcoQuery::new(raw_query).ok();
        let lang = query.and_then(|query| query.text("lang").ok().flatten());
        self.choose(lang.as_deref(), accept_language)
    }
}

/// What a page or a server function renders with: the agent's language and the shop's zone.
#[derive(Clone, Debug)]
pub struct L10n {
    pub locale: &'static Locale,
    pub zone: Zone,
}

impl L10n {
    pub fn new(locale: &'static Locale, zone: Zone) -> Self {
        Self { locale, zone }
    }

    pub fn words(&self) -> &'static Words {
        &self.locale.words
    }

    pub fn code(&self) -> &'static str {
        self.locale.code()
    }

    /// A moment, in the zone: `7 dec. 2026, 14:05`.
    pub fn time(&self, millis_utc: i64) -> String {
        format_time(millis_utc, &self.zone, &self.locale.language)
    }

    /// A day, in the zone: `7 dec. 2026`.
    pub fn date(&self, millis_utc: i64) -> String {
        format_date(millis_utc, &self.zone, &self.locale.language)
    }

    /// An amount: `€ 1.234,50`.
    pub fn money(&self, minor: i64, currency: Currency) -> String {
        format_money(minor, currency, &self.locale.language)
    }

    /// Why a value of a form was refused, in words.
    pub fn problem(&self, problem: &Problem) -> String {
        (self.words().problem)(problem, &self.locale.language)
    }

    /// Why a note or an author's name was refused, in words.
    pub fn writing(&self, error: WritingError) -> String {
        (self.words().writing)(error)
    }
}

/// Every string of the panel in one language. A string that takes values is a function, so the
/// language decides word order and plural forms.
#[derive(Debug)]
pub struct Words {
    // The frame's refusals and failures.
    pub unauthorized_title: &'static str,
    pub unauthorized_text: &'static str,
    pub ambiguous_title: &'static str,
    pub ambiguous_text: &'static str,
    pub unreadable_title: &'static str,
    pub unreadable_text: &'static str,
    /// Storage did not answer (the frame, and any panel call).
    pub storage_down: &'static str,
    /// The frame refused before its handler ran: a cap met, the throttle, the deadline.
    pub busy: &'static str,

    // The switch.
    pub language: &'static str,

    // The company panel.
    pub company: &'static str,
    pub company_note: &'static str,
    pub orders_stored: &'static str,

    // A customer.
    pub email: &'static str,
    pub phone: &'static str,
    pub customer_since: &'static str,
    pub order_count: &'static str,
    pub total_spent: &'static str,
    pub orders: &'static str,
    pub no_orders: &'static str,
    /// `shown` of `total` orders are listed.
    pub newest_of: fn(shown: i64, total: i64) -> String,
    pub products: &'static str,
    pub products_unreadable: &'static str,
    pub open_in_shop: &'static str,
    /// Notes and forms need an identifier the panel can read.
    pub needs_identifier: &'static str,
    /// Notes and forms are off: no signing key.
    pub interactive_off: &'static str,

    // Notes.
    pub notes: &'static str,
    pub your_name: &'static str,
    pub new_note: &'static str,
    pub add_note: &'static str,
    pub note_added: &'static str,
    pub note_saved: &'static str,
    pub note_deleted: &'static str,
    pub no_notes: &'static str,
    pub edit_note: &'static str,
    pub save: &'static str,
    pub cancel: &'static str,
    /// After the author and time, before the time of the last change: ` · edited 7 dec. 2026, 14:05`.
    pub edited: &'static str,
    pub edit: &'static str,
    pub delete: &'static str,
    pub delete_question: &'static str,
    pub yes_delete: &'static str,
    pub keep: &'static str,

    // Forms.
    pub forms: &'static str,
    pub sent_forms: &'static str,
    pub recent_submissions: &'static str,
    pub no_forms: &'static str,
    pub optional: &'static str,
    pub choose: &'static str,
    pub send: &'static str,
    /// After a form was sent: `Sent: Return request.`
    pub sent: fn(title: &str) -> String,
    pub check_fields: &'static str,
    /// A ticked and an unticked checkbox, in a sent form.
    pub yes: &'static str,
    pub no: &'static str,
    pub nothing_sent: &'static str,
    pub delivered: &'static str,
    pub sending: &'static str,
    /// A delivery given up: `attempts` made, `why` the last one failed.
    pub not_delivered: fn(attempts: u32, why: &str) -> String,
    /// A delivery to be tried again; the time of the next attempt follows.
    pub retrying: fn(why: &str) -> String,
    /// Why an attempt failed, for `why` above: `the receiver answered 500 Internal Server Error`.
    pub attempt_failed: fn(&FailedAttempt) -> String,

    // What a panel call answers when it fails.
    pub expired: &'static str,
    pub refused: &'static str,
    pub note_gone: &'static str,
    pub call_failed: &'static str,
    pub writing: fn(WritingError) -> String,
    /// A form's value refused; `language` writes the numbers in it.
    pub problem: fn(&Problem, language: &Language) -> String,
}
