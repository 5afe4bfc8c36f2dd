//! One rule for text, through every form and query parameter of the app: a NUL, an escape or
//! a character that reorders text (U+202E) is a 422 with the form (the field says why) or a
//! 400 page, never a 5xx, and nothing of it is stored.

use axum::http::StatusCode;

use crate::common::{TestApp, TestResponse};

const HOSTILE: [&str; 3] = ["a\0b", "invoice\u{202E}gnp.exe", "\u{1b}[31mred"];

/// Every form of the app and its fields, with values that would be accepted; each field in
/// turn gets a hostile value. `{contact}` is a contact of the signed-in user.
const FORMS: &[(&str, &[(&str, &str)])] = &[
    (
        "/register",
        &[
            ("email", "new@example.com"),
            ("password", "a long enough passphrase"),
            ("password_confirmation", "a long enough passphrase"),
        ],
    ),
    (
        "/login",
        &[
            ("email", "ada@example.com"),
            ("password", "wrong password"),
            ("next", "/contacts"),
        ],
    ),
    ("/password/forgot", &[("email", "ada@example.com")]),
    (
        "/account/password",
        &[
            ("current_password", "wrong password"),
            ("password", "another long passphrase"),
            ("password_confirmation", "another long passphrase"),
        ],
    ),
    (
        "/account/email",
        &[
            ("email", "ada.new@example.com"),
            ("current_password", "wrong password"),
        ],
    ),
    ("/auth/validate", &[("email", "x@example.com")]),
    (
        "/contacts",
        &[
            ("first_name", "Grace"),
            ("last_name", "Hopper"),
            ("email", "grace@example.com"),
            ("phone", "+1 555 0100"),
            ("company", "Navy"),
            ("notes", "COBOL"),
        ],
    ),
    (
        "/contacts/{contact}",
        &[
            ("first_name", "Grace"),
            ("last_name", "Hopper"),
            ("email", "grace@example.com"),
            ("phone", "+1 555 0100"),
            ("company", "Navy"),
            ("notes", "COBOL"),
        ],
    ),
    (
        "/contacts/validate",
        &[("first_name", "Grace"), ("email", "grace@example.com")],
    ),
    ("/contacts/delete", &[("selected", "{contact}")]),
];

/// Every page that reads a query parameter, and its parameters.
const QUERIES: &[(&str, &[&str])] = &[
    ("/contacts", &["q", "after"]),
    ("/contacts/count", &["q"]),
    ("/search", &["q", "page"]),
    ("/files", &["after"]),
    ("/login", &["next"]),
    ("/confirm", &["token"]),
    ("/password/reset", &["token"]),
];

/// Refused, or (for the bulk delete, whose values are ids) answered as ids that name nothing:
/// never a 5xx, never a success that changed something.
fn assert_refused(response: &TestResponse, what: &str) {
    assert!(
        response.status.is_client_error() || response.status == StatusCode::OK,
        "{what}: {} {}",
        response.status,
        response.text()
    );
}

#[tokio::test]
async fn every_form_field_refuses_hidden_characters_and_stores_nothing() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let created = ada.post("/contacts", &[("first_name", "Ada")]).await;
    assert_eq!(created.status, StatusCode::SEE_OTHER);
    let contact: uuid::Uuid = sqlx::query_scalar("SELECT id FROM contacts")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    let contact = contact.to_string();

    for (path, fields) in FORMS {
        let path = path.replace("{contact}", &contact);
        for (hostile_field, _) in *fields {
            for hostile in HOSTILE {
                let form: Vec<(&str, String)> = fields
                    .iter()
                    .map(|(name, value)| {
                        let value = if name == hostile_field {
                            hostile.to_owned()
                        } else {
                            value.replace("{contact}", &contact)
                        };
                        (*name, value)
                    })
                    .collect();
                let form: Vec<(&str, &str)> = form
                    .iter()
                    .map(|(name, value)| (*name, value.as_str()))
                    .collect();
                let what = format!("POST {path} with {hostile_field}={hostile:?}");
                // Anonymous forms are tried signed in too: they answer either way.
                let response = ada.post(&path, &form).await;
                assert_refused(&response, &what);
                if response.status == StatusCode::UNPROCESSABLE_ENTITY && path != "/login" {
                    assert!(
                        response.text().contains("invisible control characters"),
                        "{what}: {}",
                        response.text()
                    );
                }
            }
        }
    }

    let stored: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM contacts WHERE concat_ws(' ', first_name, last_name, email, \
         phone, company, notes) ~ '[\\u0001-\\u0008\\u000b\\u000c\\u000e-\\u001f\\u202a-\\u202e]'",
    )
    .fetch_one(&app.state.db)
    .await
    .unwrap();
    assert_eq!(stored, 0);
    assert_eq!(
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM contacts")
            .fetch_one(&app.state.db)
            .await
            .unwrap(),
        1,
        "a contact was deleted or created by a hostile form"
    );
}

#[tokio::test]
async fn every_query_parameter_refuses_hidden_characters_with_a_400_page() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    for (path, parameters) in QUERIES {
        for parameter in *parameters {
            for encoded in ["a%00b", "%E2%80%AEtxt", "%1B%5B31m"] {
                let url = format!("{path}?{parameter}={encoded}");
                let response = ada.get(&url).await;
                assert_eq!(response.status, StatusCode::BAD_REQUEST, "GET {url}");
                assert!(
                    response.text().contains("invisible control characters"),
                    "GET {url}: {}",
                    response.text()
                );
            }
        }
    }
    // A cursor that decodes to a NUL is no cursor.
    let forged = base64_url(&format!("{}\nada\0", uuid::Uuid::new_v4()));
    let response = ada.get(&format!("/contacts?after={forged}")).await;
    assert_eq!(response.status, StatusCode::BAD_REQUEST);
}

fn base64_url(text: &str) -> String {
    use base64::Engine;
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(text)
}
