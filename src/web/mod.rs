//! Cross-cutting web parts that every feature module uses: the page layout and shared
//! components, forms (`ValidatedForm`), the query string (`Query`), flash messages, htmx
//! helpers (`Wants`, `redirect`), numbers as people read them (`humanize`), the CSS pipeline,
//! static assets, and the middleware that sets security headers and renders error pages.

pub mod assets;
pub mod client_ip;
pub mod components;
pub mod csrf;
pub mod css;
pub mod current_user;
pub mod error_pages;
pub mod flash;
pub mod form;
pub mod hidden_characters;
pub mod htmx;
pub mod humanize;
pub mod keyset;
pub mod layout;
pub mod linkify;
pub mod live_reload;
pub mod page_cache;
pub mod precompressed;
pub mod public_id;
pub mod query;
pub mod routes;
pub mod rules;
pub mod security_headers;
pub mod site_header;
pub mod static_files;
pub mod theme;
