//! Live reload, in development only: the browser reloads itself when the server comes back
//! after a rebuild (`cargo watch -x run`, or `bacon run`; see the README).
//!
//! Every page loads `assets/live-reload.js`, which listens for this process's boot id: a
//! signed-in page on the `/live` stream it holds anyway (its greeting carries the boot id as
//! its event id, see `live`), any other page on [`PATH`], a stream that starts with the boot
//! id and then stays open. One stream per tab, because over HTTP/1.1 a browser opens only six
//! connections to a server and each open stream holds one. When the server stops, the
//! browser reconnects by itself; the first id it hears from the new process differs, and the
//! script reloads the page. Same-origin script and stream, so the CSP stays strict. In
//! production the path is a 404, `/live` carries no boot id and pages do not load the script.

use std::{convert::Infallible, sync::Arc, sync::LazyLock, time::Duration};

use axum::{
    Router,
    extract::{FromRef, State},
    response::sse::{Event, KeepAlive, Sse},
    routing::get,
};
use futures_util::{Stream, StreamExt, stream};
use tokio_util::sync::CancellationToken;

use crate::{config::Config, error::AppError};

pub const PATH: &str = "/dev/reload";
/// The script pages load to follow it (under `assets/`), served in development only.
pub const SCRIPT: &str = "live-reload.js";

/// Different for every start of the process.
static BOOT_ID: LazyLock<String> = LazyLock::new(|| uuid::Uuid::new_v4().to_string());

/// This process's boot id, for the other stream that carries it (`live`).
pub fn boot_id() -> &'static str {
    BOOT_ID.as_str()
}

/// How soon the browser tries again once the server is gone.
const RECONNECT_AFTER: Duration = Duration::from_millis(300);

pub fn routes<S>() -> Router<S>
where
    Arc<Config>: FromRef<S>,
    CancellationToken: FromRef<S>,
    S: Clone + Send + Sync + 'static,
{
    Router::new().route(PATH, get(boot_stream))
}

/// The boot id, then nothing but keep-alives until the server shuts down (the stream ends
/// then, so it never holds up a graceful shutdown).
async fn boot_stream(
    State(config): State<Arc<Config>>,
    State(shutdown): State<CancellationToken>,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, AppError> {
    if config.app_env.is_production() {
        return Err(AppError::NotFound);
    }
    let boot = Event::default()
        .event("boot")
        .data(BOOT_ID.as_str())
        .retry(RECONNECT_AFTER);
    let events = stream::once(async move { Ok(boot) })
        .chain(stream::pending())
        .take_until(shutdown.cancelled_owned());
    Ok(Sse::new(events).keep_alive(KeepAlive::default()))
}
