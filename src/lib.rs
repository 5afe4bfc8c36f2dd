//! A starter for hypermedia-driven web applications.
//!
//! The whole request path starts here: [`routes`] lists every feature module's routes (one
//! line each) and [`with_middleware`] wraps them in the layers every request passes through,
//! outermost first. `cli::serve` serves [`app`]; the integration tests drive the same function.

pub mod auth;
pub mod backends;
pub mod backup;
pub mod cli;
pub mod config;
pub mod contacts;
pub mod dashboard;
pub mod dev;
pub mod email;
pub mod error;
pub mod files;
pub mod health;
pub mod home;
pub mod jobs;
pub mod live;
pub mod monitoring;
pub mod search;
pub mod server;
pub mod state;
pub mod telemetry;
pub mod web;

use axum::{Router, extract::DefaultBodyLimit, http::StatusCode};
use axum_extra::routing::TypedPath;
use tower::ServiceBuilder;
use tower_http::{
    CompressionLevel,
    catch_panic::CatchPanicLayer,
    compression::{
        CompressionLayer, Predicate,
        predicate::{NotForContentType, SizeAbove},
    },
    limit::RequestBodyLimitLayer,
    request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer},
    timeout::TimeoutLayer,
};
use tower_sessions::{Expiry, SessionManagerLayer, cookie::SameSite};

pub use crate::state::AppState;
use crate::{
    error::AppError,
    web::{error_pages::render_error_pages, site_header::SiteLinks},
};

/// The application's name as people read it, from the package's: `acme-crm` is "Acme Crm".
/// The site header, page titles and the sender of email show it.
pub static APP_NAME: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    env!("CARGO_PKG_NAME")
        .split(['-', '_'])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map_or_else(String::new, |first| {
                first.to_uppercase().chain(chars).collect::<String>()
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
});

/// The application: every route inside the full middleware stack.
pub fn app(state: AppState) -> Router {
    with_middleware(routes(), state)
}

/// The links of the site header, from the modules' paths: one navigation line per module.
pub const SITE_LINKS: SiteLinks = SiteLinks {
    home: home::paths::HomePath::PATH,
    nav: &[(home::paths::HomePath::PATH, "Home")],
    member_nav: &[
        (contacts::paths::INDEX, "Contacts"),
        (files::paths::ListPath::PATH, "Files"),
    ],
    search: search::paths::SearchPath::PATH,
    admin_nav: &[
        (auth::paths::ADMIN_USERS, "Users"),
        (dashboard::paths::DashboardPath::PATH, "Dashboard"),
    ],
    account: auth::paths::ACCOUNT,
    log_in: auth::paths::LOGIN,
    sign_up: auth::paths::REGISTER,
    log_out: auth::paths::LOGOUT,
    resend_confirmation: auth::paths::CONFIRM_RESEND,
};

/// Every page and form of the application, one line per module.
pub fn routes() -> Router<AppState> {
    Router::new()
        .merge(home::routes())
        .merge(auth::routes())
        .merge(contacts::routes())
        .merge(search::routes())
        .merge(email::routes())
        .merge(files::routes())
        .merge(dashboard::routes())
        .merge(live::routes::<auth::AuthUser>())
        .merge(web::theme::routes())
        .fallback(|| async { AppError::NotFound })
}

/// Routes that need no session: health probes, static files and development's live reload
/// never touch the session store or load a user, so they stay fast and work while the
/// database is down.
fn sessionless_routes() -> Router<AppState> {
    Router::new()
        .merge(health::routes())
        .merge(web::assets::routes())
        .merge(web::live_reload::routes())
}

/// The layers every request passes through, outermost first:
///
/// client address source → request id → trace → metrics → security headers → compression →
/// error pages → panic catcher → timeout → body limit → [session scope → session →
/// cross-site request check → current user (also noted for error pages)] →
/// router
///
/// The bracketed layers wrap `routes` only, not the sessionless routes. Being outside
/// everything that can fail, the security headers and error pages apply to every error,
/// rejection, timeout and panic.
pub fn with_middleware(routes: Router<AppState>, state: AppState) -> Router {
    let config = &state.config;
    let production = config.app_env.is_production();
    // `__Host-` makes browsers refuse the cookie unless it is Secure, for this host only,
    // on path `/`: a sibling subdomain cannot plant or overwrite it.
    let cookie_name = if config.sessions.secure_cookies {
        "__Host-session"
    } else {
        "session"
    };
    let sessions = SessionManagerLayer::new(state.sessions.clone())
        .with_name(cookie_name)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_secure(config.sessions.secure_cookies)
        // A cookie that ends with the browser unless the user asked to be remembered (the
        // current-user middleware sets that longer expiry whenever the session is saved).
        .with_expiry(Expiry::OnSessionEnd);

    let per_user = ServiceBuilder::new()
        .layer(axum::middleware::from_fn(backends::sessions::session_scope))
        .layer(sessions)
        .layer(web::csrf::layer(web::csrf::origin_of(&config.base_url)))
        .layer(axum::middleware::from_fn_with_state(
            state.users.clone(),
            auth::session::load_current_user,
        ));

    let every_request = ServiceBuilder::new()
        // Where `web::client_ip::ClientIp` reads the client's address (`CLIENT_IP_SOURCE`).
        .layer(config.http.client_ip_source.clone().into_extension())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(telemetry::trace_layer())
        // Inside the router's layers, so it sees the matched route's template; outside the
        // rest, so its duration and status are what the client got (error pages included).
        .layer(monitoring::http::RecordRequestsLayer::new(
            state.instance.errors.clone(),
        ))
        .layer(axum::middleware::from_fn_with_state(
            production,
            web::security_headers::set_security_headers,
        ))
        // Brotli's default quality (11) is for files compressed once; per response it costs
        // milliseconds of CPU. Quality 4 (gzip level 4) is the usual choice for dynamic
        // content: nearly the same size, a small fraction of the time.
        .layer(
            CompressionLayer::new()
                .quality(CompressionLevel::Precise(4))
                .compress_when(
                    SizeAbove::new(860)
                        .and(NotForContentType::IMAGES)
                        .and(NotForContentType::SSE),
                ),
        )
        .layer(axum::middleware::from_fn_with_state(
            state.frame.clone(),
            render_error_pages,
        ))
        // A panicking handler becomes a 500 (rendered by the layer above), not a reset
        // connection.
        .layer(CatchPanicLayer::new())
        .layer(TimeoutLayer::with_status_code(
            StatusCode::SERVICE_UNAVAILABLE,
            config.http.request_timeout,
        ))
        .layer(DefaultBodyLimit::max(config.http.body_limit_bytes));

    // A declared Content-Length over the limit is a 413 before any of the body is read (not a
    // connection held until the timeout). A route with a limit of its own adds this layer
    // with its limit too, as the on-blur checks do.
    let body_limit = RequestBodyLimitLayer::new(config.http.body_limit_bytes);
    routes
        .layer(body_limit)
        // Routes that take larger bodies set their own limit, merged after the default one
        // so that it does not cap them too.
        .merge(files::upload_routes(&config.uploads))
        .layer(per_user)
        .merge(sessionless_routes())
        .layer(every_request)
        .with_state(state)
}
