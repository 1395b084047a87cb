//! A third language that only the tests load: French, the likely next one for Belgian shops.
//! It holds the promise that adding a language is this file plus its line in `LOCALES`: the
//! tests below build a panel that speaks it, with no other change to the code.

use belco::forms::Problem;
use belco::locale::{Language, MoneyStyle};
use belco::notes::{MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, WritingError};

use super::{Locale, Words};

pub static LOCALE: Locale = Locale {
    language: Language {
        code: "fr",
        months: ["janv.", "févr.", "mars", "avr.", "mai", "juin", "juil.", "août", "sept.", "oct.", "nov.", "déc."],
        group: '\u{202f}',
        point: ',',
        money: MoneyStyle::AmountSpaceSymbol,
    },
    name: "Français",
    words: Words {
        unauthorized_title: "Accès refusé",
        unauthorized_text: "Ce lien n'a pas de jeton valide. Vérifiez l'URL du Custom Frame dans les réglages de Belco.",
        ambiguous_title: "Plus d'un client",
        ambiguous_text: "Ce lien désigne plus d'un client : rien n'est affiché.",
        unreadable_title: "Lien illisible",
        unreadable_text: "L'adresse e-mail ou le numéro de téléphone de ce lien n'est pas du texte.",
        storage_down: "Le panneau n'atteint pas son stockage. Réessayez dans un instant.",
        busy: "Le panneau est occupé. Rechargez-le dans un instant.",
        language: "Langue",
        company: "Entreprise",
        company_note: "Belco n'a envoyé ni adresse e-mail ni numéro de téléphone : voici la vue de toute la boutique.",
        orders_stored: "Commandes enregistrées",
        email: "E-mail",
        phone: "Téléphone",
        customer_since: "Client depuis",
        order_count: "Commandes",
        total_spent: "Total dépensé",
        orders: "Commandes",
        no_orders: "Pas encore de commandes",
        newest_of: |shown, total| format!("Les {shown} plus récentes de {total} commandes."),
        products: "Produits",
        products_unreadable: "Les produits de cette commande sont illisibles.",
        open_in_shop: "Ouvrir dans la boutique",
        needs_identifier: "Les notes et formulaires demandent une adresse e-mail ou un numéro lisible.",
        interactive_off: "Notes et formulaires désactivés : ce serveur n'a pas de BELCO_SIGNING_KEY.",
        notes: "Notes",
        your_name: "Votre nom",
        new_note: "Nouvelle note",
        add_note: "Ajouter la note",
        note_added: "Note ajoutée.",
        note_saved: "Note enregistrée.",
        note_deleted: "Note supprimée.",
        no_notes: "Pas encore de notes.",
        edit_note: "Modifier la note",
        save: "Enregistrer",
        cancel: "Annuler",
        edited: "modifiée le",
        edit: "Modifier",
        delete: "Supprimer",
        delete_question: "Supprimer cette note ?",
        yes_delete: "Oui, supprimer",
        keep: "Garder",
        forms: "Formulaires",
        sent_forms: "Formulaires envoyés",
        recent_submissions: "Envois récents",
        no_forms: "Pas encore de formulaires.",
        optional: " (facultatif)",
        choose: "Choisir…",
        send: "Envoyer",
        sent: |title| format!("Envoyé : {title}."),
        check_fields: "Vérifiez les champs signalés ci-dessous.",
        yes: "Oui",
        no: "Non",
        nothing_sent: "Rien d'envoyé pour l'instant.",
        delivered: "Livré à la boutique",
        sending: "Envoi à la boutique…",
        // French counts 0 and 1 as singular.
        not_delivered: |attempts, why| {
            let attempts =
                if attempts <= 1 { format!("{attempts} tentative") } else { format!("{attempts} tentatives") };
            format!("Non livré après {attempts} : {why}.")
        },
        retrying: |why| format!("Pas encore livré ({why}) ; prochaine tentative "),
        attempt_failed: |failed| match failed.status_code() {
            Some(code) => format!("le destinataire a répondu {code}"),
            None => failed.to_string(),
        },
        expired: "Ce panneau est ouvert depuis trop longtemps. Rechargez-le pour continuer.",
        refused: "Ce panneau n'a pas le droit de faire cela. Rechargez-le et réessayez.",
        note_gone: "Cette note n'existe plus : la liste montre les notes actuelles.",
        call_failed: "Le serveur est injoignable. Vérifiez la connexion et réessayez.",
        writing: |error| match error {
            WritingError::NoAuthor => "Indiquez votre nom.".to_owned(),
            WritingError::AuthorUnfit => format!("Votre nom : une ligne de {MAX_AUTHOR_CHARS} caractères au plus."),
            WritingError::EmptyNote => "Écrivez d'abord la note.".to_owned(),
            WritingError::NoteTooLong => format!("Une note a moins de {MAX_NOTE_CHARS} caractères."),
            WritingError::ControlCharacters => "Retirez les caractères de contrôle invisibles.".to_owned(),
        },
        problem: |problem, language| match problem {
            Problem::Required => "Remplissez ce champ.".to_owned(),
            Problem::ChooseOption => "Choisissez une des options.".to_owned(),
            Problem::TooLong { limit } => format!("{limit} caractères au plus."),
            Problem::OneLine => "Une seule ligne, sans caractères spéciaux.".to_owned(),
            Problem::ControlCharacters => "Retirez les caractères de contrôle invisibles.".to_owned(),
            Problem::NotANumber => "Saisissez un nombre, comme 12 ou 3,5.".to_owned(),
            Problem::OtherPoint => "Utilisez une virgule pour les décimales, comme 3,5.".to_owned(),
            Problem::TooManyDigits { limit } => format!("{limit} chiffres au plus."),
            Problem::OutOfRange { min, max } => format!(
                "Saisissez un nombre entre {} et {}.",
                min.as_deref().map_or("…".to_owned(), |n| language.decimal(n)),
                max.as_deref().map_or("…".to_owned(), |n| language.decimal(n))
            ),
            Problem::EmailTooLong { limit } => format!("Une adresse e-mail a {limit} caractères au plus."),
            Problem::NotAnEmail => "Saisissez une adresse e-mail comme nom@exemple.fr.".to_owned(),
            Problem::DateShape => "Saisissez une date au format AAAA-MM-JJ.".to_owned(),
            Problem::NoSuchDate => "Cette date n'existe pas.".to_owned(),
            Problem::TickOrLeave => "Cochez la case ou laissez-la vide.".to_owned(),
            Problem::TickRequired => "Cochez cette case pour continuer.".to_owned(),
            Problem::UnknownField { name } => format!("Ce formulaire n'a pas de champ « {name} ». Rechargez-le."),
        },
    },
};

#[cfg(test)]
mod tests {
    use belco::locale::Zone;
    use belco::money::Currency;
    use belco::store::CustomerSummary;
    use leptos::prelude::*;

    use super::LOCALE as FRENCH;
    use crate::components::customer::{CustomerHeader, OrderList};
    use crate::components::form_card::FormCards;
    use crate::components::render_html;
    use crate::i18n::{L10n, LOCALES, Locales};

    /// The built-in languages and the test's third, as a server that added its line would list them.
    fn three() -> Locales {
        let mut all = LOCALES.to_vec();
        all.push(&FRENCH);
        Locales::new(all, LOCALES[0])
    }

    #[test]
    fn a_third_language_is_chosen_like_the_others() {
        let locales = three();
        assert_eq!(locales.for_request(Some("token=t&lang=fr"), None).code(), "fr");
        assert_eq!(locales.for_request(Some("token=t"), Some("fr-BE,nl;q=0.8")).code(), "fr");
        assert_eq!(locales.for_request(Some("lang=fr&lang=en"), Some("en")).code(), "en", "ambiguous falls through");
        assert_eq!(Locales::built_in(LOCALES[0]).for_request(Some("lang=fr"), Some("fr-BE")).code(), "nl");
    }

    #[test]
    fn the_panel_speaks_a_third_language_with_its_own_dates_and_money() {
        let l10n = L10n::new(&FRENCH, Zone::parse("Europe/Brussels").unwrap());
        let summary = CustomerSummary {
            name: Some("Amélie".into()),
            orders: 3,
            // 1 July 2026, 22:30 UTC: 2 July in Brussels.
            first_order_at: Some(1_782_945_000_000),
            totals: vec![(Currency::parse("EUR").unwrap(), 123_450)],
        };
        let header = l10n.clone();
        let html = render_html(move || view! { <CustomerHeader email=None phone=None summary l10n=header/> });
        for expected in ["Client depuis", "2 juil. 2026", "Total dépensé", "1\u{202f}234,50\u{a0}€", "Commandes"] {
            assert!(html.contains(expected), "{expected:?} in {html}");
        }
        let html = render_html(move || view! { <OrderList orders=vec![] total=0 l10n/> });
        assert!(html.contains("Pas encore de commandes"), "{html}");
    }

    #[test]
    fn the_forms_are_rendered_in_every_language_listed() {
        let forms = belco::forms::FormSet::parse(
            "[[form]]\nid = \"r\"\ntitle = \"Retour\"\nscope = \"customer\"\n[[form.field]]\nname = \"n\"\nlabel = \"N\"\ntype = \"number\"\n",
            std::path::Path::new("forms.toml"),
            &["nl", "en", "fr"],
        )
        .unwrap();
        let cards = FormCards::render(&forms, &three());
        let french = cards.of(belco::forms::Scope::Customer, "fr");
        assert!(
            french.contains("Votre nom") && french.contains("Envoyer") && french.contains("(facultatif)"),
            "{french}"
        );
        assert!(french.contains("data-sent=\"Envoyé : Retour.\""), "{french}");
        assert!(cards.of(belco::forms::Scope::Customer, "nl").contains("Versturen"));
    }
}
