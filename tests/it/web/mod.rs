//! What every page shares: the pages and error pages, the client's address behind a proxy,
//! the signed-in request path, live reload in development, the palette's contrast, the rule
//! for hidden characters in text, and ownership on every route with an id.

mod client_ip;
mod contrast;
mod hidden_characters;
mod live_reload;
mod ownership;
mod page_cache;
mod pages;
mod signed_in;
mod theme;
