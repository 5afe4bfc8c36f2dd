//! The scripts and the stylesheet, compressed once at the strongest settings and kept in
//! memory: each is the same bytes for every visitor, so the second or so of CPU that
//! brotli's best quality costs per megabyte is spent once per file, not per response (the
//! compression layer, which works per response, settles for a quick quality). `assets` serves them with
//! `Content-Encoding`; the compression layer leaves a response that has one alone.

use std::{
    collections::HashMap,
    io::Write,
    sync::{Arc, LazyLock, PoisonError, RwLock},
};

use axum::{
    body::Bytes,
    http::{HeaderMap, header},
};

/// An encoding a copy is kept in, in the order they are preferred: brotli is smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Encoding {
    Brotli,
    Gzip,
}

impl Encoding {
    /// Its `Content-Encoding` token.
    pub fn token(self) -> &'static str {
        match self {
            Self::Brotli => "br",
            Self::Gzip => "gzip",
        }
    }
}

/// The compressed copies of one file.
#[derive(Debug)]
pub struct Compressed {
    brotli: Bytes,
    gzip: Bytes,
}

impl Compressed {
    fn of(body: &[u8]) -> std::io::Result<Self> {
        // Quality 11, a 4 MiB window: brotli's best, as for files compressed at build time.
        let mut brotli = Vec::new();
        brotli::BrotliCompress(
            &mut &body[..],
            &mut brotli,
            &brotli::enc::BrotliEncoderParams {
                quality: 11,
                lgwin: 22,
                ..Default::default()
            },
        )?;
        let mut gzip = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        gzip.write_all(body)?;
        Ok(Self {
            brotli: brotli.into(),
            gzip: gzip.finish()?.into(),
        })
    }

    /// The copy in `encoding` (shared, not copied).
    pub fn bytes(&self, encoding: Encoding) -> Bytes {
        match encoding {
            Encoding::Brotli => self.brotli.clone(),
            Encoding::Gzip => self.gzip.clone(),
        }
    }
}

/// Whether a file of this type is worth compressing: text, not images already compressed.
pub fn compressible(mime: &str) -> bool {
    mime.starts_with("text/") || mime == "application/javascript" || mime == "image/svg+xml"
}

/// The encoding of ours the request accepts, brotli first; none when it accepts neither
/// (`q=0` refuses one, `*` stands for any not named).
pub fn accepted(headers: &HeaderMap) -> Option<Encoding> {
    let mut brotli = None;
    let mut gzip = None;
    let mut any = None;
    let offers = headers
        .get_all(header::ACCEPT_ENCODING)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','));
    for offer in offers {
        let mut parts = offer.split(';');
        let token = parts.next().unwrap_or_default().trim().to_ascii_lowercase();
        let q = parts
            .filter_map(|parameter| parameter.trim().strip_prefix("q="))
            .find_map(|q| q.trim().parse::<f32>().ok())
            .unwrap_or(1.0);
        match token.as_str() {
            "br" => brotli = Some(q > 0.0),
            "gzip" | "x-gzip" => gzip = Some(q > 0.0),
            "*" => any = Some(q > 0.0),
            _ => {}
        }
    }
    let wants = |named: Option<bool>| named.or(any).unwrap_or(false);
    if wants(brotli) {
        Some(Encoding::Brotli)
    } else if wants(gzip) {
        Some(Encoding::Gzip)
    } else {
        None
    }
}

/// The compressed copies of `body`, the content of hash `key`: made on the first request
/// for it (off the async threads), then kept. Keyed by content, an edited file in
/// development gets copies of its own. `None` if compressing failed (it cannot, in memory):
/// the file is then served as it is.
pub async fn copies(key: &str, body: &[u8]) -> Option<Arc<Compressed>> {
    static KEPT: LazyLock<RwLock<HashMap<String, Arc<Compressed>>>> =
        LazyLock::new(RwLock::default);
    if let Some(kept) = KEPT.read().unwrap_or_else(PoisonError::into_inner).get(key) {
        return Some(Arc::clone(kept));
    }
    let body = body.to_vec();
    let compressed = tokio::task::spawn_blocking(move || Compressed::of(&body))
        .await
        .ok()?
        .inspect_err(|error| tracing::error!(%error, "compressing an asset failed"))
        .ok()?;
    let compressed = Arc::new(compressed);
    KEPT.write()
        .unwrap_or_else(PoisonError::into_inner)
        .insert(key.to_owned(), Arc::clone(&compressed));
    Some(compressed)
}

#[cfg(test)]
mod tests {
    use std::io::Read;

    use axum::http::HeaderValue;

    use super::*;

    fn accepting(value: &str) -> Option<Encoding> {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_str(value).unwrap(),
        );
        accepted(&headers)
    }

    #[test]
    fn brotli_is_preferred_and_a_refusal_is_honoured() {
        assert_eq!(accepting("gzip, deflate, br, zstd"), Some(Encoding::Brotli));
        assert_eq!(accepting("gzip"), Some(Encoding::Gzip));
        assert_eq!(accepting("br;q=0, gzip;q=0.5"), Some(Encoding::Gzip));
        assert_eq!(accepting("BR"), Some(Encoding::Brotli));
        assert_eq!(accepting("*"), Some(Encoding::Brotli));
        assert_eq!(accepting("*;q=0, gzip"), Some(Encoding::Gzip));
        assert_eq!(accepting("identity"), None);
        assert_eq!(accepting("gzip;q=0"), None);
        assert_eq!(accepted(&HeaderMap::new()), None);
    }

    #[test]
    fn both_copies_decode_to_the_file() {
        let body = "body { color: red; }\n".repeat(200);
        let compressed = Compressed::of(body.as_bytes()).unwrap();
        let mut from_brotli = Vec::new();
        brotli::BrotliDecompress(
            &mut &compressed.bytes(Encoding::Brotli)[..],
            &mut from_brotli,
        )
        .unwrap();
        assert_eq!(from_brotli, body.as_bytes());
        let mut from_gzip = String::new();
        flate2::read::GzDecoder::new(&compressed.bytes(Encoding::Gzip)[..])
            .read_to_string(&mut from_gzip)
            .unwrap();
        assert_eq!(from_gzip, body);
        assert!(compressed.bytes(Encoding::Brotli).len() < body.len() / 10);
    }
}
