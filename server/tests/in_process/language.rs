//! The panel in the agent's language and the shop's clock: which language a frame load gets
//! (`lang=`, `Accept-Language`, `BELCO_LANGUAGE`), the same for a refused link and for the page
//! of plain words a cap answers with, the server functions answering in their caller's language
//! (validation included, numbers typed the language's way), a webhook body that says the
//! language, and times in `BELCO_TIMEZONE`.

use axum::body::Body;
use axum::http::{Request, StatusCode, header};
use serde_json::json;

use crate::common::server_fns::*;
use crate::common::*;

/// The frame for `query` (the token added) with an `Accept-Language` header, if any.
async fn frame_with(app: &TestApp, query: &str, accept_language: Option<&str>) -> (StatusCode, String) {
    let mut request = Request::get(format!("/frame?token={TOKEN}&{query}"));
    if let Some(value) = accept_language {
        request = request.header(header::ACCEPT_LANGUAGE, value);
    }
    let (status, _, body) = app.send(request.body(Body::empty()).expect("request")).await;
    (status, String::from_utf8(body.to_vec()).expect("utf-8"))
}

fn html_lang(html: &str) -> &str {
    let start = html.find("<html lang=\"").map(|at| at + 12).unwrap_or_else(|| panic!("no <html lang> in {html}"));
    &html[start..start + html[start..].find('"').expect("the attribute ends")]
}

#[tokio::test]
async fn the_frames_language_is_lang_then_accept_language_then_belco_language() {
    let app = TestApp::new(Backend::Sqlite).await;
    let company = "email=&phoneNumber=";
    let cases: [(&str, Option<&str>, &str, &str); 13] = [
        // Nothing asks: BELCO_LANGUAGE, Dutch by default.
        ("", None, "nl", "Bedrijf"),
        ("&lang=en", None, "en", "Company"),
        // lang= beats the browser, wherever it stands in the query.
        ("&lang=en", Some("nl-NL,nl;q=0.9"), "en", "Company"),
        ("&lang=nl", Some("en-US,en;q=0.9"), "nl", "Bedrijf"),
        // A language tag, whatever its case and region.
        ("&lang=NL", Some("en"), "nl", "Bedrijf"),
        ("&lang=nl-BE", Some("en"), "nl", "Bedrijf"),
        ("&lang=en_GB", None, "en", "Company"),
        // The browser's language, with its weights and regions.
        ("", Some("en-GB,en;q=0.9,nl;q=0.8"), "en", "Company"),
        ("", Some("fr-BE,fr;q=0.9,nl;q=0.8,en;q=0.7"), "nl", "Bedrijf"),
        ("", Some("de-DE"), "nl", "Bedrijf"),
        // A repeated different lang=, or one the panel does not speak, falls to the next rule.
        ("&lang=nl&lang=en", Some("en"), "en", "Company"),
        ("&lang=fr", Some("en"), "en", "Company"),
        ("&lang=en&lang=en", Some("nl"), "en", "Company"),
    ];
    for (extra, accept, lang, heading) in cases {
        let (status, html) = frame_with(&app, &format!("{company}{extra}"), accept).await;
        assert_eq!(status, StatusCode::OK, "{extra} {accept:?}: {html}");
        assert_eq!(html_lang(&html), lang, "{extra} {accept:?}");
        assert!(html.contains(&format!("<h1>{heading}</h1>")), "{extra} {accept:?}: {html}");
    }
    // lang= before the token reads the same.
    let (_, _, html) = app.get(&format!("/frame?lang=en&token={TOKEN}&email=&phoneNumber=")).await;
    assert_eq!(html_lang(std::str::from_utf8(&html).unwrap()), "en");

    let english = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_LANGUAGE".into(), "en".into());
    })
    .await;
    let (_, html) = frame_with(&english, company, None).await;
    assert_eq!(html_lang(&html), "en", "BELCO_LANGUAGE=en is the default then");
    let (_, html) = frame_with(&english, company, Some("nl-BE")).await;
    assert_eq!(html_lang(&html), "nl");
}

#[tokio::test]
async fn a_refused_link_is_in_the_agents_language_too() {
    let app = TestApp::new(Backend::Sqlite).await;
    for (query, accept, lang, title) in [
        ("token=wrong-token-0123456789&email=a@b.nl", None, "nl", "Geen toegang"),
        ("token=wrong-token-0123456789&email=a@b.nl&lang=en", None, "en", "Not authorized"),
        ("token=wrong-token-0123456789&email=a@b.nl", Some("en-US"), "en", "Not authorized"),
    ] {
        let mut request = Request::get(format!("/frame?{query}"));
        if let Some(value) = accept {
            request = request.header(header::ACCEPT_LANGUAGE, value);
        }
        let (status, _, body) = app.send(request.body(Body::empty()).unwrap()).await;
        let html = String::from_utf8(body.to_vec()).unwrap();
        assert_eq!(status, StatusCode::UNAUTHORIZED);
        assert_eq!(html_lang(&html), lang, "{query}");
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{query}: {html}");
        assert!(!html.contains("a@b.nl"), "a refused link names nobody");
    }
    let (status, html) = frame_with(&app, "email=a@b.nl&email=c@d.nl&lang=en", None).await;
    assert_eq!(status, StatusCode::OK);
    assert!(html.contains("<h1>More than one customer</h1>"), "{html}");
    let (_, html) = frame_with(&app, "email=a@b.nl&email=c@d.nl", None).await;
    assert!(html.contains("<h1>Meer dan één klant</h1>"), "{html}");
}

#[tokio::test]
async fn the_panel_shows_times_in_the_shops_zone_and_amounts_in_the_language() {
    let app = TestApp::new(Backend::Sqlite).await;
    // 1 July 2026, 21:30 UTC is 23:30 in Amsterdam (summer time): still 1 July there. 24 October
    // 22:30 UTC is 00:30 on the 25th (CEST, +2); 25 October 22:30 UTC is 23:30 on the 25th (CET).
    let orders = [
        order("z1", ALICE, "", "2026-07-01T21:30:00Z"),
        order("z2", ALICE, "", "2026-10-24T22:30:00Z"),
        order("z3", ALICE, "", "2026-10-25T22:30:00Z"),
    ];
    app.import(&file(&orders)).await.expect("import");
    let (_, html) = frame_with(&app, &format!("email={ALICE}&phoneNumber="), None).await;
    assert_eq!(html_lang(&html), "nl");
    for (iso, shown) in [
        ("2026-07-01T21:30:00Z", "1 jul. 2026"),
        ("2026-10-24T22:30:00Z", "25 okt. 2026"),
        ("2026-10-25T22:30:00Z", "25 okt. 2026"),
    ] {
        let time = format!("datetime=\"{iso}\" class=\"order__date\">{shown}</time>");
        assert!(html.contains(&time), "{iso} as {shown}: {html}");
    }
    assert!(html.contains("€\u{a0}30,00"), "the total spent, the Dutch way: {html}");
    assert!(html.contains("<dt>Klant sinds</dt>"), "{html}");

    let new_york = TestApp::with(Backend::Sqlite, |vars| {
        vars.insert("BELCO_TIMEZONE".into(), "America/New_York".into());
    })
    .await;
    new_york.import(&file(&orders)).await.expect("import");
    let html = frame(&new_york, &format!("email={ALICE}&phoneNumber=&lang=en")).await;
    assert!(html.contains("datetime=\"2026-10-24T22:30:00Z\" class=\"order__date\">24 Oct 2026</time>"), "{html}");
    assert!(html.contains("€30.00"), "{html}");
}

#[tokio::test]
async fn server_functions_answer_in_the_language_of_the_island_that_calls() {
    let app = TestApp::new(Backend::Sqlite).await;
    let (_, html) = frame_with(&app, &format!("email={ALICE}&phoneNumber={ALICE_PHONE}"), None).await;
    let capability = embedded_capability(&html);
    // The island carries the page's language, and its words, in its props.
    assert!(html.contains("&quot;language&quot;:&quot;nl&quot;"), "{html}");

    let no_author = |language: Option<&str>| {
        let mut args = json!({"capability": capability, "author": " ", "body": "Belt terug."});
        if let Some(language) = language {
            args["language"] = json!(language);
        }
        args
    };
    for (language, message) in [
        (Some("nl"), "Vul je naam in, zodat collega's weten wie dit schreef."),
        (Some("en"), "Enter your name, so colleagues know who wrote this."),
        // No language, or one the panel does not speak: BELCO_LANGUAGE's.
        (None, "Vul je naam in, zodat collega's weten wie dit schreef."),
        (Some("fr"), "Vul je naam in, zodat collega's weten wie dit schreef."),
    ] {
        // Sent as is (`call` would ask for English when no language is named).
        let request = Request::post("/fn/notes/add")
            .header("content-type", "application/json")
            .body(Body::from(no_author(language).to_string()))
            .unwrap();
        let (status, _, body) = app.send(request).await;
        let answer: serde_json::Value = serde_json::from_slice(&body).expect("JSON");
        assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{language:?}");
        assert_eq!(answer, json!({"Invalid": message}), "{language:?}");
    }

    let (status, list) =
        call(&app, "notes/add", json!({"capability": capability, "author": "Sam", "body": "Hallo", "language": "nl"}))
            .await;
    assert_eq!(status, StatusCode::OK);
    let list = list.as_str().expect("the list's HTML");
    assert!(list.contains("Bewerken") && list.contains("Verwijderen"), "{list}");
    let (_, list) = call(&app, "notes/list", json!({"capability": capability, "language": "en"})).await;
    assert!(list.as_str().unwrap().contains(">Edit<"), "{list}");

    let (status, gone) =
        call(&app, "notes/delete", json!({"capability": capability, "id": "nope", "language": "nl"})).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(
        gone,
        json!({"NoteGone": "Die notitie bestaat niet meer: iemand heeft haar misschien verwijderd. De lijst toont nu de huidige notities."})
    );
}

#[tokio::test]
async fn a_dutch_agent_types_numbers_with_a_comma_and_the_same_decimal_is_stored() {
    let app = TestApp::new(Backend::Sqlite).await;
    let (_, html) = frame_with(&app, &format!("email={ALICE}&phoneNumber={ALICE_PHONE}"), None).await;
    let capability = embedded_capability(&html);
    // The number field is a text box the server reads the language's way.
    assert!(html.contains("inputmode=\"decimal\""), "{html}");
    let mut values = valid_values(&app, "return-request");
    let mut submit = |count: &str, language: &str| {
        for (name, value) in values.iter_mut() {
            if name == "item_count" {
                *value = count.to_owned();
            }
        }
        json!({
            "capability": capability, "form_id": "return-request", "author": "Sam", "values": values.clone(),
            "language": language,
        })
    };
    let (_, refused) = call(&app, "forms/submit", submit("3.5", "nl")).await;
    assert_eq!(
        refused,
        json!({"Invalid": [{"field": "item_count", "message": "Gebruik een komma voor decimalen, zoals 3,5."}]})
    );
    let (_, refused) = call(&app, "forms/submit", submit("3,5", "en")).await;
    assert_eq!(
        refused,
        json!({"Invalid": [{"field": "item_count", "message": "Use a point for decimals, such as 3.5."}]})
    );
    let (_, refused) = call(&app, "forms/submit", submit("101", "nl")).await;
    assert_eq!(
        refused,
        json!({"Invalid": [{"field": "item_count", "message": "Vul een getal in van 1 tot en met 100."}]})
    );
    assert_eq!(app.row_counts().await.submissions, 0, "nothing stored");

    let (status, saved) = call(&app, "forms/submit", submit("3,5", "nl")).await;
    assert_eq!(status, StatusCode::OK, "{saved}");
    let list = saved["Saved"].as_str().unwrap_or_else(|| panic!("saved: {saved}"));
    assert!(list.contains("Retourverzoek"), "the title as the agent saw it: {list}");
    // Stored plain, read the reader's way: 3,5 in Dutch, 3.5 in English.
    assert!(list.contains("<dt>Aantal artikelen</dt><dd class=\"submission__value\">3,5</dd>"), "{list}");
    let (_, english) = call(&app, "forms/sent", json!({"capability": capability, "language": "en"})).await;
    let english = english.as_str().unwrap_or_else(|| panic!("the list: {english}"));
    assert!(english.contains("<dt>Aantal artikelen</dt><dd class=\"submission__value\">3.5</dd>"), "{english}");
    let stored = app.store.submissions(belco::store::RecordOwner::Customer(&alice()), 10).await.unwrap();
    let count = stored[0].answers.iter().find(|answer| answer.name == "item_count").unwrap();
    assert_eq!((count.label.as_str(), count.value.as_str()), ("Aantal artikelen", "3.5"));
}
