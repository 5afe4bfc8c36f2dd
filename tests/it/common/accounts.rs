//! Account fixtures, so that a module's tests start from one line:
//!
//! ```text
//! let app = TestApp::new().await;
//! let mut ada = app.signed_in("ada@example.com").await;   // confirmed, logged in
//! let page = ada.get("/contacts").await;
//! ```

use std::sync::OnceLock;

use app::auth::{
    db::{self, Role},
    password,
};
use axum::http::StatusCode;
use sqlx::PgPool;

use super::{TestApp, TestClient, TestResponse};

/// The password of every fixture account.
pub const PASSWORD: &str = "correct horse battery";

/// The hash of [`PASSWORD`], computed once per test binary: Argon2 is slow on purpose.
async fn password_hash() -> String {
    static HASH: OnceLock<String> = OnceLock::new();
    if let Some(hash) = HASH.get() {
        return hash.clone();
    }
    let hash = password::hash(PASSWORD).await.unwrap();
    HASH.get_or_init(|| hash).clone()
}

/// A confirmed account with [`PASSWORD`] and `role`, written straight to the database (for
/// harnesses other than `TestApp`, such as the browser tests' served app).
pub async fn create_user(db: &PgPool, email: &str, role: Role) {
    let mut conn = db.acquire().await.unwrap();
    db::insert(&mut conn, email, &password_hash().await, role, true)
        .await
        .unwrap()
        .unwrap_or_else(|| panic!("{email} exists already"));
}

impl TestApp {
    /// A confirmed account with [`PASSWORD`], written straight to the database.
    pub async fn confirmed_user(&self, email: &str) {
        self.user_with_role(email, Role::User).await;
    }

    /// An account whose address is not confirmed yet, with [`PASSWORD`].
    pub async fn unconfirmed_user(&self, email: &str) {
        let mut conn = self.state.db.acquire().await.unwrap();
        db::insert(&mut conn, email, &password_hash().await, Role::User, false)
            .await
            .unwrap()
            .unwrap_or_else(|| panic!("{email} exists already"));
    }

    /// A confirmed account with the given role.
    pub async fn user_with_role(&self, email: &str, role: Role) {
        create_user(&self.state.db, email, role).await;
    }

    /// A browser-like client logged in as a new confirmed account.
    pub async fn signed_in(&self, email: &str) -> TestClient<'_> {
        self.confirmed_user(email).await;
        self.logged_in(email, false).await
    }

    /// A browser-like client logged in as an existing account with [`PASSWORD`].
    pub async fn logged_in(&self, email: &str, remember: bool) -> TestClient<'_> {
        let mut client = self.client();
        let mut form = vec![("email", email), ("password", PASSWORD)];
        if remember {
            form.push(("remember", "on"));
        }
        let response = client.post("/login", &form).await;
        assert_eq!(
            response.status,
            StatusCode::SEE_OTHER,
            "{}",
            response.text()
        );
        client
    }

    /// Registers through the sign-up form, confirms through the mailed link, and leaves the
    /// client logged out: the whole flow, for tests about it.
    pub async fn registered(&self, email: &str) {
        let mut client = self.client();
        let response = client.sign_up(email).await;
        assert_eq!(response.status, StatusCode::OK, "{}", response.text());
        let link = self.link_in_mail(email, "/confirm?token=").await;
        assert_eq!(client.get(&link).await.status, StatusCode::OK);
    }
}

impl TestClient<'_> {
    /// Submits the sign-up form as a user would, with [`PASSWORD`].
    pub async fn sign_up(&mut self, email: &str) -> TestResponse {
        self.post(
            "/register",
            &[
                ("email", email),
                ("password", PASSWORD),
                ("password_confirmation", PASSWORD),
            ],
        )
        .await
    }
}

impl TestClient<'_> {
    /// Changes the password from the account page, from [`PASSWORD`] to `new`.
    pub async fn change_password(&mut self, new: &str) -> TestResponse {
        self.post(
            "/account/password",
            &[
                ("current_password", PASSWORD),
                ("password", new),
                ("password_confirmation", new),
            ],
        )
        .await
    }
}

/// A redirect to the login page, as pages answer without a user.
pub fn redirects_to_login(response: &TestResponse) -> bool {
    response.status == StatusCode::SEE_OTHER
        && response
            .header("location")
            .is_some_and(|location| location.starts_with("/login?next="))
}
