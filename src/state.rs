//! The state every handler can reach. Cheap to clone: everything inside is shared.

use std::sync::Arc;

use sqlx::PgPool;

use crate::{
    backends::{mail::MailTransport, rate_limit::RateLimiter},
    config::Config,
    email::Mailer,
    web::css::Stylesheet,
};

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub stylesheet: Arc<Stylesheet>,
    pub mailer: Mailer,
    /// The delivery worker sends through it; `/health/ready` checks it.
    pub mail_transport: Arc<MailTransport>,
    pub rate_limiter: Arc<RateLimiter>,
}

impl AppState {
    /// Builds the state around an open pool. Fails when the CSS does not compile or the mail
    /// transport cannot be set up.
    pub fn new(config: Config, db: PgPool) -> anyhow::Result<Self> {
        let mail_transport = Arc::new(MailTransport::from_config(config.email.smtp.as_ref())?);
        Ok(Self {
            db,
            mailer: Mailer::new(&config),
            mail_transport,
            rate_limiter: Arc::new(RateLimiter::new()),
            config: Arc::new(config),
            stylesheet: Arc::new(Stylesheet::build()?),
        })
    }
}
