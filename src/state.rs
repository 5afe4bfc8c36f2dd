//! The state every handler can reach, shared: cloning it (axum does, for every request) is
//! one reference count, whatever it holds.
//!
//! Parts take only the piece they need through axum's `FromRef` (`State<PgPool>`,
//! `State<Arc<Stylesheet>>`, ...), so this file depends on them and none of them on it.

use std::{ops::Deref, sync::Arc};

use axum::extract::FromRef;
use sqlx::PgPool;
use tokio_util::sync::CancellationToken;

use crate::{
    auth::{UserCache, breached::BreachCheck},
    backends::{
        cache::Cache, http::HttpClient, invalidation::Invalidations, mail::MailTransport,
        pubsub::PubSub, rate_limit::RateLimiter, row_changes::RowChanges, sessions,
        storage::Storage, valkey::Valkey,
    },
    config::Config,
    email::Mailer,
    live::{self, Live},
    monitoring::instances::ThisInstance,
    web::{css::Stylesheet, layout::PageFrame, page_cache::PageCache},
};

/// The app's state: its [`Services`], shared. Axum clones the state for every request a
/// handler answers and every layer that takes it; held by value, the caches, channels and
/// strings inside cost a few dozen contended reference counts and allocations per request
/// (measured: a fifth of the anonymous home page's CPU time).
#[derive(Clone)]
pub struct AppState(Arc<Services>);

impl Deref for AppState {
    type Target = Services;

    fn deref(&self) -> &Services {
        &self.0
    }
}

/// Declares [`Services`] and lets a handler extract any of its fields alone
/// (`State<PgPool>`), as `#[derive(FromRef)]` would on a state held by value.
macro_rules! services {
    ($($(#[$doc:meta])* pub $field:ident: $type:ty,)*) => {
        /// What the app is made of: the pool, the configuration, the caches and clients.
        pub struct Services {
            $($(#[$doc])* pub $field: $type,)*
        }

        $(impl FromRef<AppState> for $type {
            fn from_ref(state: &AppState) -> Self {
                state.0.$field.clone()
            }
        })*
    };
}

services! {
    pub db: PgPool,
    pub config: Arc<Config>,
    /// The stylesheet and the header's links, for every page.
    pub frame: PageFrame,
    pub mailer: Mailer,
    /// Email's delivery job sends through it; `/health/ready` checks it.
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
    /// Events for the signed-in users' open pages.
    pub live: Live,
    /// Values worth keeping for a while: Valkey or this process.
    pub cache: Cache,
    /// List pages as last rendered, until PostgreSQL says their rows changed.
    pub pages: PageCache,
    /// The Valkey connection, if `VALKEY_URL` is set: the dashboard shows whether it answers.
    pub valkey: Option<Valkey>,
    /// This instance, as the fleet's heartbeats and the operations dashboard know it.
    pub instance: ThisInstance,
}

impl AppState {
    /// Builds the state around an open pool. Fails when the CSS does not compile or the mail
    /// transport, file storage or Valkey connection cannot be set up. Starts the tasks that
    /// keep this instance in step with the others (they end on `shutdown`).
    pub fn new(config: Config, db: PgPool) -> anyhow::Result<Self> {
        // Before anything records (the Valkey connection sets its gauge).
        crate::monitoring::recorder();
        let mail_transport = Arc::new(MailTransport::from_config(config.email.smtp.as_ref())?);
        let cache_ttl = config.sessions.cache_ttl;
        let http = HttpClient::new(&config.http_client)?;
        let live_reload = !config.app_env.is_production();
        let shutdown = CancellationToken::new();
        let (pubsub, rate_limiter, cache, valkey) = shared_state(&config)?;
        let session_changes = Invalidations::start("sessions", pubsub.clone(), shutdown.clone());
        let user_changes = Invalidations::start("users", pubsub.clone(), shutdown.clone());
        Ok(Self(Arc::new(Services {
            breach_check: BreachCheck::new(
                http.clone(),
                config.breached_passwords.clone(),
                cache.clone(),
            ),
            storage: Arc::new(Storage::from_config(&config.storage)?),
            http,
            mailer: Mailer::new(&config),
            mail_transport,
            rate_limiter: Arc::new(rate_limiter),
            sessions: sessions::Sessions::new(db.clone(), cache_ttl, session_changes),
            users: UserCache::new(db.clone(), cache_ttl, user_changes),
            live: Live::new(pubsub),
            cache,
            pages: PageCache::new(RowChanges::start(&db, shutdown.clone())),
            valkey,
            instance: ThisInstance::new(),
            db,
            config: Arc::new(config),
            frame: PageFrame::new(
                Arc::new(Stylesheet::build()?),
                crate::SITE_LINKS,
                live_reload,
                live::around_signed_in_page,
            ),
            shutdown,
        })))
    }
}

/// What instances share through Valkey when `VALKEY_URL` is set, or keep in this process.
fn shared_state(config: &Config) -> anyhow::Result<(PubSub, RateLimiter, Cache, Option<Valkey>)> {
    use secrecy::ExposeSecret;
    match &config.valkey_url {
        Some(url) => {
            let valkey = Valkey::new(url.expose_secret())?;
            tracing::info!(
                service = "valkey",
                backend = "valkey",
                "pub/sub, rate limits and cache: Valkey (shared by every instance)"
            );
            Ok((
                PubSub::through(valkey.clone()),
                RateLimiter::shared(valkey.clone(), &config.secret_key)?,
                Cache::shared(valkey.clone()),
                Some(valkey),
            ))
        }
        None => {
            tracing::info!(
                service = "valkey",
                backend = "in-process",
                "pub/sub, rate limits and cache: in this process (no VALKEY_URL), right for a \
                 single instance only"
            );
            Ok((
                PubSub::in_process(),
                RateLimiter::in_process(&config.secret_key)?,
                Cache::in_process(),
                None,
            ))
        }
    }
}

/// The stylesheet alone, for the static files.
impl FromRef<AppState> for Arc<Stylesheet> {
    fn from_ref(state: &AppState) -> Self {
        state.frame.stylesheet().clone()
    }
}
