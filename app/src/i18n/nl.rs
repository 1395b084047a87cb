//! Het paneel in het Nederlands: the panel in Dutch, Belco's market and the default.

use belco::forms::Problem;
use belco::locale::Language;
use belco::notes::{MAX_AUTHOR_CHARS, MAX_NOTE_CHARS, WritingError};
use belco::store::FailedAttempt;

use super::{Locale, Words};

pub static LOCALE: Locale = Locale {
    language: Language::NL,
    name: "Nederlands",
    words: Words {
        unauthorized_title: "Geen toegang",
        unauthorized_text: "Deze link heeft geen geldig token. Controleer de Custom Frame-URL in de instellingen van Belco.",
        ambiguous_title: "Meer dan één klant",
        ambiguous_text: "Deze link noemt meer dan één klant, dus er wordt niets getoond. Open het gesprek opnieuw \
                         vanuit Belco; gebeurt dit vaker, controleer dan het e-mailadres en telefoonnummer van het contact.",
        unreadable_title: "Onleesbare link",
        unreadable_text: "Het e-mailadres of telefoonnummer in deze link is geen tekst.",
        storage_down: "Het paneel kan zijn opslag niet bereiken. Probeer het zo opnieuw.",
        busy: "Het paneel is nu even druk. Laad het over een moment opnieuw.",

        language: "Taal",

        company: "Bedrijf",
        company_note: "Belco stuurde geen e-mailadres of telefoonnummer, dus dit is het overzicht van de hele winkel.",
        orders_stored: "Opgeslagen bestellingen",

        email: "E-mail",
        phone: "Telefoon",
        customer_since: "Klant sinds",
        order_count: "Bestellingen",
        total_spent: "Totaal besteed",
        orders: "Bestellingen",
        no_orders: "Nog geen bestellingen",
        newest_of: |shown, total| format!("De nieuwste {shown} van {total} bestellingen."),
        products: "Producten",
        products_unreadable: "De producten van deze bestelling konden niet worden gelezen.",
        open_in_shop: "Openen in de winkel",
        needs_identifier: "Notities en formulieren hebben een e-mailadres of telefoonnummer nodig dat dit paneel kan lezen.",
        interactive_off: "Notities en formulieren staan uit: deze server heeft geen BELCO_SIGNING_KEY.",

        notes: "Notities",
        your_name: "Je naam",
        new_note: "Nieuwe notitie",
        add_note: "Notitie toevoegen",
        note_added: "Notitie toegevoegd.",
        note_saved: "Notitie opgeslagen.",
        note_deleted: "Notitie verwijderd.",
        no_notes: "Nog geen notities.",
        edit_note: "Notitie bewerken",
        save: "Opslaan",
        cancel: "Annuleren",
        edited: "bewerkt",
        edit: "Bewerken",
        delete: "Verwijderen",
        delete_question: "Deze notitie verwijderen?",
        yes_delete: "Ja, verwijderen",
        keep: "Behouden",

        forms: "Formulieren",
        sent_forms: "Verzonden formulieren",
        recent_submissions: "Recent verzonden",
        no_forms: "Nog geen formulieren: de winkel legt ze vast in zijn formulierenbestand.",
        optional: " (optioneel)",
        choose: "Kies…",
        send: "Versturen",
        sent: |title| format!("Verzonden: {title}."),
        check_fields: "Controleer de gemarkeerde velden hieronder.",
        yes: "Ja",
        no: "Nee",
        nothing_sent: "Nog niets verzonden.",
        delivered: "Afgeleverd bij de winkel",
        sending: "Wordt naar de winkel verstuurd…",
        not_delivered: |attempts, why| {
            let attempts = if attempts == 1 { "1 poging".to_owned() } else { format!("{attempts} pogingen") };
            format!(
                "Niet afgeleverd na {attempts}: {why}. Een beheerder kan het opnieuw proberen (belco-panel deliveries retry)."
            )
        },
        retrying: |why| format!("Nog niet afgeleverd ({why}); volgende poging "),
        attempt_failed: |failed| match failed {
            FailedAttempt::Answered(_) => format!("de ontvanger antwoordde {}", failed.status_code().unwrap_or("?")),
            FailedAttempt::Redirected(_) => format!(
                "de ontvanger antwoordde {}, een doorverwijzing, die niet gevolgd wordt: geef het uiteindelijke adres op in het formulierenbestand",
                failed.status_code().unwrap_or("?")
            ),
            FailedAttempt::NoAnswerWithin(seconds) => {
                format!("geen antwoord binnen {} s", Language::NL.decimal(seconds))
            }
            FailedAttempt::CannotConnect(_) => "geen verbinding met de ontvanger".to_owned(),
            FailedAttempt::Other(words) => words.clone(),
        },

        expired: "Dit paneel staat al te lang open. Laad het paneel opnieuw om verder te gaan.",
        refused: "Dit paneel mag dat niet doen. Laad het paneel opnieuw en probeer het nog eens.",
        note_gone: "Die notitie bestaat niet meer: iemand heeft haar misschien verwijderd. De lijst toont nu de huidige notities.",
        call_failed: "De server is niet bereikbaar. Controleer de verbinding en probeer het opnieuw.",
        writing: |error| match error {
            WritingError::NoAuthor => "Vul je naam in, zodat collega's weten wie dit schreef.".to_owned(),
            WritingError::AuthorUnfit => {
                format!("Vul je naam in als één regel van hoogstens {MAX_AUTHOR_CHARS} tekens.")
            }
            WritingError::EmptyNote => "Schrijf eerst de notitie.".to_owned(),
            WritingError::NoteTooLong => {
                format!("Houd een notitie onder de {} tekens.", Language::NL.decimal(&MAX_NOTE_CHARS.to_string()))
            }
            WritingError::ControlCharacters => "Verwijder de onzichtbare stuurtekens uit deze notitie.".to_owned(),
        },
        problem: |problem, language| match problem {
            Problem::Required => "Vul dit veld in.".to_owned(),
            Problem::ChooseOption => "Kies een van de opties.".to_owned(),
            Problem::TooLong { limit } => format!("Houd dit op hoogstens {limit} tekens."),
            Problem::OneLine => "Houd dit op één regel, zonder speciale tekens.".to_owned(),
            Problem::ControlCharacters => "Verwijder de onzichtbare stuurtekens uit deze tekst.".to_owned(),
            Problem::NotANumber => "Vul een getal in, zoals 12 of 3,5.".to_owned(),
            Problem::OtherPoint => "Gebruik een komma voor decimalen, zoals 3,5.".to_owned(),
            Problem::TooManyDigits { limit } => format!("Vul een getal in van hoogstens {limit} cijfers."),
            Problem::OutOfRange { min, max } => {
                let (min, max) =
                    (min.as_deref().map(|n| language.decimal(n)), max.as_deref().map(|n| language.decimal(n)));
                match (min, max) {
                    (Some(min), Some(max)) => format!("Vul een getal in van {min} tot en met {max}."),
                    (Some(min), None) => format!("Vul een getal in van minstens {min}."),
                    (None, Some(max)) => format!("Vul een getal in van hoogstens {max}."),
                    (None, None) => "Vul een getal in binnen de grenzen van dit veld.".to_owned(),
                }
            }
            Problem::EmailTooLong { limit } => format!("Een e-mailadres heeft hoogstens {limit} tekens."),
            Problem::NotAnEmail => "Vul een e-mailadres in, zoals naam@voorbeeld.nl.".to_owned(),
            Problem::DateShape => "Vul een datum in als JJJJ-MM-DD.".to_owned(),
            Problem::NoSuchDate => "Die datum bestaat niet: controleer de dag en de maand.".to_owned(),
            Problem::TickOrLeave => "Vink het vakje aan of laat het leeg.".to_owned(),
            Problem::TickRequired => "Vink dit vakje aan om verder te gaan.".to_owned(),
            Problem::UnknownField { name } => format!(
                "Dit formulier heeft geen veld \"{name}\"; het is misschien gewijzigd sinds het werd geopend. \
                 Laad het opnieuw en probeer het nog eens."
            ),
        },
    },
};
