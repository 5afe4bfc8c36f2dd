//! What every page shares: the pages and error pages, the signed-in request path, live
//! reload in development, the palette's contrast, and the rule for hidden characters in text.

mod contrast;
mod hidden_characters;
mod live_reload;
mod pages;
mod signed_in;
