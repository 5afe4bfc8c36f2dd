//! What every page shares: the pages and error pages, the signed-in request path, live
//! reload in development, and the palette's contrast.

mod contrast;
mod live_reload;
mod pages;
mod signed_in;
