//! The state every handler can reach. Cheap to clone: everything inside is shared.

use std::sync::Arc;

use sqlx::PgPool;

use crate::{config::Config, web::css::Stylesheet};

#[derive(Clone)]
pub struct AppState {
    pub db: PgPool,
    pub config: Arc<Config>,
    pub stylesheet: Arc<Stylesheet>,
}

impl AppState {
    /// Builds the state around an open pool. Fails when the CSS does not compile.
    pub fn new(config: Config, db: PgPool) -> anyhow::Result<Self> {
        Ok(Self {
            db,
            config: Arc::new(config),
            stylesheet: Arc::new(Stylesheet::build()?),
        })
    }
}
