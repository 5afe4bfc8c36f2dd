//! The state every handler can reach. Cheap to clone: everything inside is shared.
//!
//! Parts take only the piece they need through axum's `FromRef` (`State<PgPool>`,
//! `State<Arc<Stylesheet>>`, ...), so this file depends on them and none of them on it.

use std::sync::Arc;

use axum::extract::FromRef;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::{UserCache, breached::BreachCheck},
    backends::{
        http::HttpClient, mail::MailTransport, rate_limit::RateLimiter, sessions, storage::Storage,
    },
    config::Config,
    email::Mailer,
    web::{css::Stylesheet, layout::PageFrame},
};

#[derive(Clone, FromRef)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    /// The stylesheet and the header's links, for every page.
    pub frame: PageFrame,
    pub mailer: Mailer,
    /// The delivery worker sends through it; `/health/ready` checks it.
    pub mail_transport: Arc<MailTransport>,
    pub rate_limiter: Arc<RateLimiter>,
    /// The session layer's store: PostgreSQL with a short-lived in-process copy.
    pub sessions: sessions::Sessions,
    /// Signed-in users seen in the last few seconds.
    pub users: UserCache,
    /// The client for calls to other services.
    pub http: HttpClient,
    /// New passwords against known breaches.
    pub breach_check: BreachCheck,
    /// Cancelled when the server starts shutting down: background work and long-lived
    /// responses (event streams) end on it, so that they never hold up the shutdown.
    pub shutdown: CancellationToken,
    /// Uploaded files: S3 or the local folder. Call `prepare` on it once at startup.
    pub storage: Arc<Storage>,
}

impl AppState {
    /// Builds the state around an open pool. Fails when the CSS does not compile or the mail
    /// transport or file storage cannot be set up.
    pub fn new(config: Config, db: PgPool) -> anyhow::Result<Self> {
        let mail_transport = Arc::new(MailTransport::from_config(config.email.smtp.as_ref())?);
        let cache_ttl = config.sessions.cache_ttl;
        let http = HttpClient::new(&config.http_client)?;
        let live_reload = !config.app_env.is_production();
        Ok(Self {
            breach_check: BreachCheck::new(http.clone(), config.breached_passwords.clone()),
            storage: Arc::new(Storage::from_config(&config.storage)?),
            http,
            mailer: Mailer::new(&config),
            mail_transport,
            rate_limiter: Arc::new(RateLimiter::new()),
            sessions: sessions::Sessions::new(db.clone(), cache_ttl),
            users: UserCache::new(db.clone(), cache_ttl),
            db,
            config: Arc::new(config),
            frame: PageFrame {
                stylesheet: Arc::new(Stylesheet::build()?),
                links: crate::SITE_LINKS,
                live_reload,
            },
            shutdown: CancellationToken::new(),
        })
    }
}

/// The stylesheet alone, for the static files.
impl FromRef<AppState> for Arc<Stylesheet> {
    fn from_ref(state: &AppState) -> Self {
        state.frame.stylesheet.clone()
    }
}
