//! The home page. Anonymous visitors see what this starter includes, with a link to each
//! part (here); someone signed in sees their own overview instead (`views`, from `db`).

mod db;
pub mod paths;
mod views;

use std::sync::{Arc, OnceLock};

use axum::{Router, extract::State};
use axum_extra::routing::TypedPath;

use crate::web::routes::RouterExt;
use maud::{Markup, PreEscaped, html};
use sqlx::PgPool;

use crate::{
    auth::{self, AuthUser},
    config::Config,
    contacts, email,
    error::AppError,
    files, health,
    home::paths::HomePath,
    state::AppState,
    web::{
        css::CssFragment,
        layout::{Page, PageLayout},
        page_cache::PageCache,
    },
};

pub fn routes() -> Router<AppState> {
    Router::new().typed_get(show)
}

/// Where a link leads, and its text.
type Link = (&'static str, &'static str);

/// One line per part of the starter, each with where to see it (the link's text says what
/// is there); each module adds its own as it lands.
const FEATURES: &[(&str, &str, Option<Link>)] = &[
    (
        "Server-rendered HTML",
        "Maud templates checked by the compiler, made interactive with htmx. Every URL is a \
         full page; htmx requests get just the fragment.",
        None,
    ),
    (
        "PostgreSQL",
        "SQLx with compile-time checked queries and embedded migrations. With no DATABASE_URL, \
         a private cluster starts under .data/.",
        Some((health::paths::ReadyPath::PATH, "Readiness check (JSON)")),
    ),
    (
        "Secure defaults",
        "A strict Content Security Policy and security headers on every response, HTML error \
         pages, request ids in every log line, graceful shutdown.",
        None,
    ),
    (
        "Accounts",
        "Sign-up with email confirmation, login with remember-me, password reset, email \
         change, session management and an admin list: Argon2id, hashed single-use tokens, \
         rate limits, lockout, and no account enumeration.",
        Some((auth::paths::REGISTER, "Create an account")),
    ),
    (
        "Contacts",
        "An address book per user, the pattern to copy for your own features: search as you \
         type, infinite scroll, inline editing, deleting in place and in bulk, and every page \
         working without JavaScript.",
        Some((contacts::paths::INDEX, "Open your contacts")),
    ),
    (
        "Email that is never lost",
        "Maud templates with HTML and text parts, queued in PostgreSQL with the change that \
         causes them and delivered over SMTP with retries. In development, read them in the \
         dev mailbox, with previews of every template.",
        Some((
            email::mailbox::paths::MailboxPath::PATH,
            "Open the dev mailbox",
        )),
    ),
    (
        "Files",
        "Uploads with a progress bar and drag and drop, streamed to S3 or a local folder, \
         types judged by their bytes, thumbnails of images, and downloads only their owner \
         can reach.",
        Some((files::paths::ListPath::PATH, "Your files")),
    ),
    (
        "CSS per component",
        "Each component registers its CSS beside its markup; it is compiled, minified and \
         served under a content hash at startup.",
        None,
    ),
];

async fn show(
    _: HomePath,
    State(config): State<Arc<Config>>,
    State(db): State<PgPool>,
    State(pages): State<PageCache>,
    user: Option<AuthUser>,
    layout: PageLayout,
) -> Result<Page, AppError> {
    if let Some(user) = user {
        return dashboard(&db, &pages, &user, layout).await;
    }
    let production = config.app_env.is_production();
    Ok(layout.render("Home", features(production)).await)
}

/// What a visitor sees: the same for every one, so rendered once (in production and in
/// development, which link the dev mailbox) rather than on every visit.
fn features(production: bool) -> Markup {
    static RENDERED: [OnceLock<String>; 2] = [OnceLock::new(), OnceLock::new()];
    let html = RENDERED[usize::from(production)].get_or_init(|| render_features(production).0);
    // Rendered by `render_features` from constants: nothing of a request is in it.
    PreEscaped(html.clone())
}

fn render_features(production: bool) -> Markup {
    let shown_link = |link: &Option<Link>| match *link {
        // Development tools such as the mailbox do not exist in production: no links to them.
        Some((href, _)) if production && href.starts_with(email::mailbox::paths::DEV_PREFIX) => {
            None
        }
        other => other,
    };
    html! {
        section.home-intro {
            h1 { "Your application starts here" }
            p {
                "A Rust starter for hypermedia-driven applications: Axum, Maud, htmx and "
                "PostgreSQL, with real services and embedded defaults so that "
                code { "cargo run" } " just works."
            }
        }
        ul.feature-list {
            @for (name, description, link) in FEATURES {
                li {
                    h2 { (name) }
                    p { (description) }
                    @if let Some((href, label)) = shown_link(link) {
                        // The readiness check is JSON, not a page to swap in: the browser
                        // opens it itself.
                        @let boost = (href == health::paths::ReadyPath::PATH).then_some("false");
                        p.more { a href=(href) data-hx-boost=[boost] { (label) } }
                    }
                }
            }
        }
    }
}

async fn dashboard(
    db: &PgPool,
    pages: &PageCache,
    user: &AuthUser,
    layout: PageLayout,
) -> Result<Page, AppError> {
    // Counting a large book reads its index: kept as rendered until the user's contacts or
    // files change (`web::page_cache`; both tables announce their changes).
    let content = pages
        .get_or_render("home", user.id, "dashboard", || async {
            let counts = db::counts(db, user.id).await?;
            let latest = match counts.contacts + counts.files {
                0 => db::Latest::default(),
                _ => db::latest(db, user.id, views::LATEST).await?,
            };
            Ok::<_, AppError>(views::dashboard(counts, &latest))
        })
        .await?;
    Ok(layout.render("Home", content).await)
}

inventory::submit! { CssFragment::new("home-intro", r#"
.home-intro {
    margin-bottom: var(--space-6);

    & h1 { font-size: var(--text-xl); margin-bottom: var(--space-2); }
    & p { color: var(--color-muted); max-width: 60ch; }
}
"#) }

inventory::submit! { CssFragment::new("feature-list", r#"
.feature-list {
    display: grid;
    grid-template-columns: repeat(auto-fill, minmax(min(16rem, 100%), 1fr));
    gap: var(--space-4);
    padding: 0;
    list-style: none;

    & li {
        padding: var(--space-4);
        border: 1px solid var(--color-border);
        border-radius: var(--radius);
        background: var(--color-surface);
    }
    & h2 { margin: 0 0 var(--space-2); font-size: var(--text-md); }
    & p { margin: 0; color: var(--color-muted); }
    & .more { margin-top: var(--space-2); }
}
"#) }
