//! The database section: the PostgreSQL server and the pool (`backends::database`).

use std::time::Duration;

use secrecy::SecretString;

use super::{ConfigError, env::Env};

#[derive(Debug, Clone)]
pub struct DatabaseConfig {
    /// `None` in development means: start the embedded PostgreSQL cluster under `.data/`.
    pub url: Option<SecretString>,
    pub max_connections: u32,
    pub min_connections: u32,
    pub acquire_timeout: Duration,
    /// `SLOW_QUERY_MS`: statements that take at least this long are slow queries: logged at
    /// `warn`, counted and listed on the operations dashboard with their route
    /// (`monitoring::slow_queries`).
    pub slow_query: Duration,
}

impl DatabaseConfig {
    pub(super) fn read(env: &Env<'_>, production: bool) -> Result<Self, ConfigError> {
        let database_url = env.get("DATABASE_URL");
        if database_url.is_none() && production {
            return Err(env.missing("DATABASE_URL", "required in production"));
        }
        if let Some(url) = &database_url
            && !(url.starts_with("postgres://") || url.starts_with("postgresql://"))
        {
            return Err(ConfigError {
                variable: "DATABASE_URL",
                problem: "expected a postgres:// URL".into(),
            });
        }
        let database = Self {
            url: database_url.map(SecretString::from),
            max_connections: env.parse_or("DATABASE_MAX_CONNECTIONS", "a whole number", 10)?,
            min_connections: env.parse_or("DATABASE_MIN_CONNECTIONS", "a whole number", 0)?,
            acquire_timeout: env.seconds_or("DATABASE_ACQUIRE_TIMEOUT_SECS", 3)?,
            slow_query: Duration::from_millis(env.parse_or(
                "SLOW_QUERY_MS",
                "a whole number of milliseconds",
                100,
            )?),
        };
        // The email and jobs workers keep one connection each for LISTEN, a running export
        // one for its snapshot; requests and the jobs' progress need at least one more.
        if database.max_connections < 4 || database.min_connections > database.max_connections {
            return Err(ConfigError {
                variable: "DATABASE_MAX_CONNECTIONS",
                problem: "expected at least 4 and at least DATABASE_MIN_CONNECTIONS".into(),
            });
        }
        Ok(database)
    }
}
