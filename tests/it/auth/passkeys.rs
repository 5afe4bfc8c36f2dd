//! Passkeys end to end through the HTTP handlers, with a software authenticator written
//! here (ES256, attestation "none", CTAP2 canonical CBOR): registering one on the account's
//! passkeys page, signing in with it (no address typed), and the refusals: another site's
//! origin, a replayed answer, a counter going backwards, a removed passkey, someone else's.

use crate::common;

use axum::http::StatusCode;
use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD as B64};
use common::{TestApp, TestClient, accounts::redirects_to_login, select};
use p256::ecdsa::{Signature, SigningKey, signature::Signer};
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use uuid::Uuid;

/// The test configuration's `APP_BASE_URL` origin and host.
const ORIGIN: &str = "http://localhost:3000";
const RP_ID: &str = "localhost";

/// A platform authenticator with one discoverable credential (made by `create`).
struct Authenticator {
    key: SigningKey,
    credential_id: Vec<u8>,
    user_handle: Vec<u8>,
    sign_count: u32,
}

impl Authenticator {
    fn new() -> Self {
        let seed = Sha256::digest(Uuid::new_v4().as_bytes());
        Self {
            key: SigningKey::from_slice(&seed).unwrap(),
            credential_id: Uuid::new_v4().as_bytes().repeat(2),
            user_handle: Vec::new(),
            sign_count: 0,
        }
    }

    /// `navigator.credentials.create()` then the page script's JSON, signed for `origin`.
    fn create(&mut self, options: &Value, origin: &str) -> String {
        assert_eq!(options["rp"]["id"], RP_ID);
        self.user_handle = B64.decode(options["user"]["id"].as_str().unwrap()).unwrap();
        let client_data = client_data("webauthn.create", options, origin);
        self.sign_count += 1;
        let point = self.key.verifying_key().to_encoded_point(false);
        let mut cose = vec![0xa5, 0x01, 0x02, 0x03, 0x26, 0x20, 0x01, 0x21];
        cose.extend(cbor_bytes(point.x().unwrap()));
        cose.push(0x22);
        cose.extend(cbor_bytes(point.y().unwrap()));
        // User present, user verified, attested credential data.
        let mut auth_data = self.auth_data_head(0x45);
        auth_data.extend([0; 16]); // AAGUID: none.
        auth_data.extend(
            u16::try_from(self.credential_id.len())
                .unwrap()
                .to_be_bytes(),
        );
        auth_data.extend(&self.credential_id);
        auth_data.extend(cose);
        let mut attestation = vec![0xa3];
        attestation.extend(cbor_text("fmt"));
        attestation.extend(cbor_text("none"));
        attestation.extend(cbor_text("attStmt"));
        attestation.push(0xa0);
        attestation.extend(cbor_text("authData"));
        attestation.extend(cbor_bytes(&auth_data));
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "attestationObject": B64.encode(attestation),
                "transports": ["internal"],
            },
        })
        .to_string()
    }

    /// `navigator.credentials.get()` with no credentials named (a discoverable sign-in).
    fn get(&mut self, options: &Value, origin: &str) -> String {
        assert_eq!(options["allowCredentials"], json!([]));
        assert_eq!(options["rpId"], RP_ID);
        let client_data = client_data("webauthn.get", options, origin);
        self.sign_count += 1;
        self.assertion(&client_data)
    }

    fn assertion(&self, client_data: &[u8]) -> String {
        // User present, user verified.
        let auth_data = self.auth_data_head(0x05);
        let mut signed = auth_data.clone();
        signed.extend(Sha256::digest(client_data));
        let signature: Signature = self.key.sign(&signed);
        json!({
            "id": B64.encode(&self.credential_id),
            "rawId": B64.encode(&self.credential_id),
            "type": "public-key",
            "authenticatorAttachment": "platform",
            "clientExtensionResults": {},
            "response": {
                "clientDataJSON": B64.encode(client_data),
                "authenticatorData": B64.encode(auth_data),
                "signature": B64.encode(der(&signature)),
                "userHandle": B64.encode(&self.user_handle),
            },
        })
        .to_string()
    }

    fn auth_data_head(&self, flags: u8) -> Vec<u8> {
        let mut data = Sha256::digest(RP_ID.as_bytes()).to_vec();
        data.push(flags);
        data.extend(self.sign_count.to_be_bytes());
        data
    }
}

fn client_data(kind: &str, options: &Value, origin: &str) -> Vec<u8> {
    let challenge = options["challenge"].as_str().unwrap();
    format!(
        r#"{{"type":"{kind}","challenge":"{challenge}","origin":"{origin}","crossOrigin":false}}"#
    )
    .into_bytes()
}

fn cbor_text(text: &str) -> Vec<u8> {
    let mut out = vec![0x60 | u8::try_from(text.len()).unwrap()];
    out.extend(text.as_bytes());
    out
}

fn cbor_bytes(bytes: &[u8]) -> Vec<u8> {
    let mut out = match bytes.len() {
        len @ 0..24 => vec![0x40 | u8::try_from(len).unwrap()],
        len @ 24..256 => vec![0x58, u8::try_from(len).unwrap()],
        len => {
            let mut head = vec![0x59];
            head.extend(u16::try_from(len).unwrap().to_be_bytes());
            head
        }
    };
    out.extend(bytes);
    out
}

/// An ECDSA signature in ASN.1 DER, as WebAuthn carries it.
fn der(signature: &Signature) -> Vec<u8> {
    fn integer(bytes: &[u8]) -> Vec<u8> {
        let trimmed: Vec<u8> = bytes.iter().copied().skip_while(|b| *b == 0).collect();
        let mut value = if trimmed.first().is_some_and(|b| b & 0x80 != 0) {
            vec![0]
        } else {
            Vec::new()
        };
        value.extend(trimmed);
        let mut out = vec![0x02, u8::try_from(value.len()).unwrap()];
        out.extend(value);
        out
    }
    let (r, s) = signature.split_bytes();
    let mut body = integer(&r);
    body.extend(integer(&s));
    let mut out = vec![0x30, u8::try_from(body.len()).unwrap()];
    out.extend(body);
    out
}

async fn options(client: &mut TestClient<'_>, path: &str) -> Value {
    let response = client.post(path, &[]).await;
    assert_eq!(response.status, StatusCode::OK, "{}", response.text());
    assert_eq!(response.header("content-type"), Some("application/json"));
    assert_eq!(response.header("cache-control"), Some("no-store"));
    serde_json::from_str(&response.text()).unwrap()
}

/// Registers a passkey on `client`'s account through the page's two requests.
async fn add_passkey(
    client: &mut TestClient<'_>,
    authenticator: &mut Authenticator,
    name: &str,
) -> common::TestResponse {
    let options = options(client, "/account/passkeys/options").await;
    let credential = authenticator.create(&options, ORIGIN);
    client
        .post(
            "/account/passkeys",
            &[("name", name), ("credential", &credential)],
        )
        .await
}

/// The passkey sign-in's answer, from a client that is not signed in.
async fn sign_in(
    client: &mut TestClient<'_>,
    authenticator: &mut Authenticator,
) -> common::TestResponse {
    let options = options(client, "/login/passkey/options").await;
    let credential = authenticator.get(&options, ORIGIN);
    client
        .post(
            "/login/passkey",
            &[("credential", &credential), ("next", "/account")],
        )
        .await
}

async fn passkey_ids(app: &TestApp, email: &str) -> Vec<Uuid> {
    sqlx::query_scalar(
        "SELECT p.id FROM passkeys p JOIN users u ON u.id = p.user_id WHERE u.email = $1",
    )
    .bind(email)
    .fetch_all(&app.state.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn a_passkey_registered_on_the_account_signs_in_without_an_address() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let account = ada.get("/account").await;
    assert_eq!(
        select(&account.document(), "a[href='/account/passkeys']").len(),
        1
    );
    let page = ada.get("/account/passkeys").await;
    assert_eq!(page.status, StatusCode::OK);
    let doc = page.document();
    assert_eq!(
        select(
            &doc,
            "[data-passkey=register] form#passkey-register input[name=credential]"
        )
        .len(),
        1
    );
    assert!(page.text().contains("No passkeys yet"));

    let mut authenticator = Authenticator::new();
    let added = add_passkey(&mut ada, &mut authenticator, "Laptop <script>x</script>").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    assert_eq!(added.header("location"), Some("/account/passkeys"));

    let list = ada.get("/account/passkeys").await;
    let doc = list.document();
    let names = select(&doc, "form.passkey-rename input[name=name]");
    assert_eq!(names.len(), 1);
    assert_eq!(names[0].attr("value"), Some("Laptop <script>x</script>"));
    assert!(select(&doc, "main script").is_empty());
    assert!(list.text().contains("Never"));
    let mail = app.mail_to("ada@example.com").await;
    let (subject, text) = mail.last().unwrap();
    assert_eq!(subject, "A passkey was added to your account");
    assert!(text.contains("Laptop <script>x</script>"));
    assert!(text.contains("http://localhost:3000/account/passkeys"));

    // Another browser, nobody signed in: the passkey alone signs in, and lands on `next`.
    let mut browser = app.client();
    let login = browser.get("/login").await;
    assert_eq!(
        select(
            &login.document(),
            "[data-passkey=sign-in] form#passkey-sign-in"
        )
        .len(),
        1
    );
    let signed_in = sign_in(&mut browser, &mut authenticator).await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(signed_in.header("location"), Some("/account"));
    let account = browser.get("/account").await;
    assert_eq!(account.status, StatusCode::OK);
    assert!(account.text().contains("ada@example.com"));
    // Its use is on the list.
    let list = ada.get("/account/passkeys").await;
    assert!(!list.text().contains("Never"));
}

#[tokio::test]
async fn an_answer_signed_for_another_origin_is_refused() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut authenticator = Authenticator::new();
    let options = options(&mut ada, "/account/passkeys/options").await;
    let credential = authenticator.create(&options, "http://localhost.evil.example");
    let refused = ada
        .post(
            "/account/passkeys",
            &[("name", "Phone"), ("credential", &credential)],
        )
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.is_html());
    assert!(refused.text().contains("could not be verified"));
    assert!(passkey_ids(&app, "ada@example.com").await.is_empty());

    let added = add_passkey(&mut ada, &mut authenticator, "Phone").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER);
    let mut browser = app.client();
    let options = self::options(&mut browser, "/login/passkey/options").await;
    let credential = authenticator.get(&options, "https://evil.example");
    let refused = browser
        .post("/login/passkey", &[("credential", &credential)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(redirects_to_login(&browser.get("/account").await));
}

#[tokio::test]
async fn a_replayed_answer_or_a_counter_going_back_is_refused() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut authenticator = Authenticator::new();
    add_passkey(&mut ada, &mut authenticator, "Key").await;

    let mut first = app.client();
    let options = options(&mut first, "/login/passkey/options").await;
    let credential = authenticator.get(&options, ORIGIN);
    let ok = first
        .post("/login/passkey", &[("credential", &credential)])
        .await;
    assert_eq!(ok.status, StatusCode::SEE_OTHER);

    // The same answer again: its challenge was taken.
    let mut thief = app.client();
    let replayed = thief
        .post("/login/passkey", &[("credential", &credential)])
        .await;
    assert_eq!(replayed.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(replayed.text().contains("already used"));
    assert!(redirects_to_login(&thief.get("/account").await));

    // A fresh challenge signed with a counter below the last one seen: a cloned key.
    let options = self::options(&mut thief, "/login/passkey/options").await;
    authenticator.sign_count -= 1;
    let client_data = client_data("webauthn.get", &options, ORIGIN);
    let cloned = authenticator.assertion(&client_data);
    let refused = thief
        .post("/login/passkey", &[("credential", &cloned)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(redirects_to_login(&thief.get("/account").await));
}

#[tokio::test]
async fn a_removed_passkey_no_longer_signs_in() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut authenticator = Authenticator::new();
    add_passkey(&mut ada, &mut authenticator, "Old phone").await;
    let [id] = passkey_ids(&app, "ada@example.com").await[..] else {
        panic!("one passkey expected");
    };

    let renamed = ada
        .post(&format!("/account/passkeys/{id}/rename"), &[("name", "  ")])
        .await;
    assert_eq!(renamed.status, StatusCode::UNPROCESSABLE_ENTITY);
    let field = format!("#passkey-rename-{id}-name-error");
    assert_eq!(select(&renamed.document(), &field).len(), 1);
    let renamed = ada
        .post(
            &format!("/account/passkeys/{id}/rename"),
            &[("name", "Lost phone")],
        )
        .await;
    assert_eq!(renamed.status, StatusCode::SEE_OTHER);
    assert!(
        ada.get("/account/passkeys")
            .await
            .text()
            .contains("Lost phone")
    );

    let removed = ada
        .post(&format!("/account/passkeys/{id}/delete"), &[])
        .await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER);
    assert!(passkey_ids(&app, "ada@example.com").await.is_empty());

    let mut browser = app.client();
    let refused = sign_in(&mut browser, &mut authenticator).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(redirects_to_login(&browser.get("/account").await));
}

#[tokio::test]
async fn another_users_passkey_cannot_be_renamed_or_removed() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add_passkey(&mut ada, &mut Authenticator::new(), "Ada's key").await;
    let [id] = passkey_ids(&app, "ada@example.com").await[..] else {
        panic!("one passkey expected");
    };

    let mut bea = app.signed_in("bea@example.com").await;
    let rename = bea
        .post(
            &format!("/account/passkeys/{id}/rename"),
            &[("name", "Mine")],
        )
        .await;
    assert_eq!(rename.status, StatusCode::NOT_FOUND);
    let invalid = bea
        .post(&format!("/account/passkeys/{id}/rename"), &[("name", "")])
        .await;
    assert_eq!(invalid.status, StatusCode::NOT_FOUND);
    let delete = bea
        .post(&format!("/account/passkeys/{id}/delete"), &[])
        .await;
    assert_eq!(delete.status, StatusCode::NOT_FOUND);
    assert!(
        !bea.get("/account/passkeys")
            .await
            .text()
            .contains("Ada's key")
    );
    assert_eq!(passkey_ids(&app, "ada@example.com").await, vec![id]);
    assert!(
        ada.get("/account/passkeys")
            .await
            .text()
            .contains("Ada's key")
    );

    // A path that is not an id is a 404 too.
    let bad = bea.post("/account/passkeys/not-an-id/delete", &[]).await;
    assert_eq!(bad.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn without_javascript_the_forms_explain_and_nothing_happens() {
    let app = TestApp::new().await;
    let mut browser = app.client();
    let answer = browser
        .post(
            "/login/passkey",
            &[("credential", ""), ("next", "/account")],
        )
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().contains("need JavaScript"));
    assert!(redirects_to_login(&browser.get("/account").await));
    // Registering needs an account.
    assert!(redirects_to_login(
        &browser.post("/account/passkeys/options", &[]).await
    ));

    let mut ada = app.signed_in("ada@example.com").await;
    let answer = ada
        .post("/account/passkeys", &[("name", "Key"), ("credential", "")])
        .await;
    assert_eq!(answer.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(answer.text().contains("need JavaScript"));
    assert!(passkey_ids(&app, "ada@example.com").await.is_empty());
}

#[tokio::test]
async fn deleting_the_account_deletes_its_passkeys() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    add_passkey(&mut ada, &mut Authenticator::new(), "Key").await;
    assert_eq!(passkey_ids(&app, "ada@example.com").await.len(), 1);
    sqlx::query("DELETE FROM users WHERE email = 'ada@example.com'")
        .execute(&app.state.db)
        .await
        .unwrap();
    let left: i64 = sqlx::query_scalar("SELECT count(*) FROM passkeys")
        .fetch_one(&app.state.db)
        .await
        .unwrap();
    assert_eq!(left, 0);
}

#[tokio::test]
async fn past_the_sudo_window_managing_passkeys_asks_and_a_passkey_confirms() {
    let config = common::test_config(&[("SUDO_WINDOW_SECS", "2")]);
    let app = TestApp::with_config(config).await;
    app.confirmed_user("ada@example.com").await;
    let mut ada = app.logged_in("ada@example.com", false).await;
    let mut authenticator = Authenticator::new();
    let added = add_passkey(&mut ada, &mut authenticator, "Phone").await;
    assert_eq!(added.status, StatusCode::SEE_OTHER, "{}", added.text());
    let [id] = passkey_ids(&app, "ada@example.com").await[..] else {
        panic!("one passkey expected");
    };
    tokio::time::sleep(std::time::Duration::from_millis(2100)).await;

    // The script is sent to confirm before it may add another.
    let asked = ada.post("/account/passkeys/options", &[]).await;
    assert_eq!(asked.status, StatusCode::FORBIDDEN);
    let body: Value = serde_json::from_str(&asked.text()).unwrap();
    assert_eq!(body["confirm"], "/account/confirm?next=/account/passkeys");

    // Removing asks in place, with the passkey as a way to confirm.
    let delete = format!("/account/passkeys/{id}/delete");
    let asked = ada.post(&delete, &[]).await;
    assert_eq!(asked.status, StatusCode::OK);
    let doc = asked.document();
    assert_eq!(select(&doc, "form#sudo").len(), 1);
    let passkey_form = select(&doc, "[data-passkey=confirm] form#passkey-confirm");
    assert_eq!(passkey_form.len(), 1);
    assert_eq!(passkey_form[0].attr("action"), Some(delete.as_str()));
    assert_eq!(passkey_ids(&app, "ada@example.com").await, vec![id]);

    // Another account's passkey does not confirm it is Ada, and is not a wrong password.
    let mut bea = app.signed_in("bea@example.com").await;
    let mut beas = Authenticator::new();
    add_passkey(&mut bea, &mut beas, "Bea's").await;
    let options = self::options(&mut ada, "/account/confirm/passkey/options").await;
    let wrong = beas.get(&options, ORIGIN);
    let refused = ada.post(&delete, &[("sudo_passkey", &wrong)]).await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.text().contains("That passkey could not be used"));
    assert_eq!(passkey_ids(&app, "ada@example.com").await, vec![id]);

    let options = self::options(&mut ada, "/account/confirm/passkey/options").await;
    let proof = authenticator.get(&options, ORIGIN);
    let removed = ada.post(&delete, &[("sudo_passkey", &proof)]).await;
    assert_eq!(removed.status, StatusCode::SEE_OTHER, "{}", removed.text());
    assert!(passkey_ids(&app, "ada@example.com").await.is_empty());
    // Confirmed: the next change goes through without asking.
    let again = ada.post("/account/passkeys/options", &[]).await;
    assert_eq!(again.status, StatusCode::OK);
}

#[tokio::test]
async fn with_two_factor_on_a_passkey_is_the_second_step_after_the_password() {
    let app = TestApp::new().await;
    let mut ada = app.signed_in("ada@example.com").await;
    let mut authenticator = Authenticator::new();
    add_passkey(&mut ada, &mut authenticator, "Key").await;
    super::two_factor::turn_on(&mut ada).await;

    // Without the password first, there is no second step to sign.
    let mut stranger = app.client();
    let refused = stranger
        .post("/login/two-factor/passkey/options", &[])
        .await;
    assert_eq!(refused.status, StatusCode::CONFLICT);

    let mut browser = super::two_factor::password_step(&app, "ada@example.com").await;
    let step = browser.get("/login/two-factor").await;
    let doc = step.document();
    assert_eq!(
        select(
            &doc,
            "[data-passkey=second-factor] form#passkey-second-factor"
        )
        .len(),
        1
    );
    let options = options(&mut browser, "/login/two-factor/passkey/options").await;
    let credential = authenticator.get(&options, ORIGIN);
    let signed_in = browser
        .post("/login/two-factor/passkey", &[("credential", &credential)])
        .await;
    assert_eq!(
        signed_in.status,
        StatusCode::SEE_OTHER,
        "{}",
        signed_in.text()
    );
    assert_eq!(signed_in.header("location"), Some("/contacts"));
    assert_eq!(browser.get("/account").await.status, StatusCode::OK);

    // Another account's passkey is no second step for Ada.
    let mut bea = app.signed_in("bea@example.com").await;
    let mut beas = Authenticator::new();
    add_passkey(&mut bea, &mut beas, "Bea's").await;
    let mut other = super::two_factor::password_step(&app, "ada@example.com").await;
    let options = self::options(&mut other, "/login/two-factor/passkey/options").await;
    let wrong = beas.get(&options, ORIGIN);
    let refused = other
        .post("/login/two-factor/passkey", &[("credential", &wrong)])
        .await;
    assert_eq!(refused.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(redirects_to_login(&other.get("/account").await));
}
