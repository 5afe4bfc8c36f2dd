//! The files under `assets/`: embedded in release builds, read from disk in debug builds (so
//! an edit shows on reload). Served by `assets`, and read by the CSS pipeline (`css`).

use rust_embed::RustEmbed;

#[derive(RustEmbed)]
#[folder = "assets/"]
pub struct StaticFiles;

impl StaticFiles {
    pub fn text(path: &str) -> Option<String> {
        let file = Self::get(path)?;
        String::from_utf8(file.data.into_owned()).ok()
    }
}
