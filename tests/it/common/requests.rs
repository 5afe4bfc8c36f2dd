//! Requests as the app's pages send them, built in one place so that every test speaks to
//! the app as the browser does: a form (urlencoded as serde does it, same-origin), the same
//! form sent by htmx (optionally aimed at a target), and the on-blur check of one field.
//!
//! ```text
//! client.post("/contacts", &[("first_name", "Ada")]).await;
//! client.htmx(Method::PUT, &path, Some(&format!("contact-{id}")), &form).await;
//! client.blur("/contacts/validate", "new-contact", "email", &form).await;
//! app.request(on_blur("/auth/validate", "register-email", "email", &form)).await;
//! ```

use axum::{
    body::Body,
    http::{Method, Request, request::Builder},
};

use super::{TestClient, TestResponse};

/// `fields` as a form body, encoded as a browser does.
pub fn encode(fields: &[(&str, &str)]) -> String {
    serde_urlencoded::to_string(fields).unwrap()
}

/// A request carrying a form, as one of the app's own pages sends it.
pub fn form(method: Method, path: &str) -> Builder {
    Request::builder()
        .method(method)
        .uri(path)
        .header("content-type", "application/x-www-form-urlencoded")
        .header("sec-fetch-site", "same-origin")
        .header("origin", "http://localhost:3000")
}

/// A form POST as a page without script sends it.
pub fn post(path: &str, fields: &[(&str, &str)]) -> Request<Body> {
    form(Method::POST, path)
        .body(Body::from(encode(fields)))
        .unwrap()
}

/// A request as htmx sends it: `target` is the id of the element it swaps, if it names one.
pub fn htmx(
    method: Method,
    path: &str,
    target: Option<&str>,
    fields: &[(&str, &str)],
) -> Request<Body> {
    let mut request = form(method, path).header("hx-request", "true");
    if let Some(target) = target {
        request = request.header("hx-target", target);
    }
    request.body(Body::from(encode(fields))).unwrap()
}

/// The on-blur check of one field as htmx sends it: the whole form, the id of the input
/// that lost focus (`HX-Trigger`) and its name (`HX-Trigger-Name`).
pub fn on_blur(path: &str, input_id: &str, name: &str, fields: &[(&str, &str)]) -> Request<Body> {
    form(Method::POST, path)
        .header("hx-request", "true")
        .header("hx-trigger", input_id)
        .header("hx-trigger-name", name)
        .body(Body::from(encode(fields)))
        .unwrap()
}

impl TestClient<'_> {
    /// A form POST as a page of the app sends it.
    pub async fn post(&mut self, path: &str, fields: &[(&str, &str)]) -> TestResponse {
        self.send(post(path, fields)).await
    }

    /// A GET as htmx sends it (not aimed at a target).
    pub async fn get_htmx(&mut self, path: &str) -> TestResponse {
        self.send(htmx(Method::GET, path, None, &[])).await
    }

    /// A request as htmx sends it; see [`htmx`].
    pub async fn htmx(
        &mut self,
        method: Method,
        path: &str,
        target: Option<&str>,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.send(htmx(method, path, target, fields)).await
    }

    /// The on-blur check of field `name` in the form whose id is `form` (its input's id is
    /// `{form}-{name}`).
    pub async fn blur(
        &mut self,
        path: &str,
        form: &str,
        name: &str,
        fields: &[(&str, &str)],
    ) -> TestResponse {
        self.send(on_blur(path, &format!("{form}-{name}"), name, fields))
            .await
    }
}
