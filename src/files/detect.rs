//! What a file is, judged from its first bytes: magic numbers (the `infer` crate), then our own
//! checks for SVG and plain text, which have none. Never the name (`invoice.png` may be a
//! program) and never the type the browser sends (it guesses from the name).
//!
//! The detected type decides everything that follows: whether the upload is accepted (the
//! allowed list in the configuration), whether a thumbnail is made, and how the file is served.

use image::ImageFormat;

/// How many leading bytes detection looks at.
pub const SNIFF_LEN: usize = 8 * 1024;

pub const PLAIN_TEXT: &str = "text/plain";
pub const SVG: &str = "image/svg+xml";
/// Bytes nothing recognises.
pub const UNKNOWN: &str = "application/octet-stream";

/// The content type of a file that starts with `head` (its first [`SNIFF_LEN`] bytes, or all
/// of it when shorter).
pub fn content_type(head: &[u8]) -> &'static str {
    match infer::get(head).map(|kind| kind.mime_type()) {
        Some("text/xml") if is_svg(head) => SVG,
        Some(detected) => detected,
        None if is_svg(head) => SVG,
        None if is_text(head) => PLAIN_TEXT,
        None => UNKNOWN,
    }
}

/// How a browser may be shown a file of this type.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Viewing {
    /// Shown as an image or as text, in a sandbox where nothing can run.
    Sandboxed,
    /// Shown by the browser's PDF viewer, which a sandbox would block.
    Pdf,
    /// Only ever downloaded: HTML, SVG and every other type that could run script, or that
    /// the browser would have to guess about.
    DownloadOnly,
}

/// What the app knows about each type it can do more with than store.
struct Known {
    content_type: &'static str,
    /// A few capitals standing for the type where there is no thumbnail.
    badge: &'static str,
    label: &'static str,
    viewing: Viewing,
    thumbnail: Option<ImageFormat>,
}

const KNOWN: &[Known] = &[
    Known {
        content_type: "image/jpeg",
        badge: "JPG",
        label: "JPEG image",
        viewing: Viewing::Sandboxed,
        thumbnail: Some(ImageFormat::Jpeg),
    },
    Known {
        content_type: "image/png",
        badge: "PNG",
        label: "PNG image",
        viewing: Viewing::Sandboxed,
        thumbnail: Some(ImageFormat::Png),
    },
    Known {
        content_type: "image/gif",
        badge: "GIF",
        label: "GIF image",
        viewing: Viewing::Sandboxed,
        thumbnail: Some(ImageFormat::Gif),
    },
    Known {
        content_type: "image/webp",
        badge: "WEBP",
        label: "WebP image",
        viewing: Viewing::Sandboxed,
        thumbnail: Some(ImageFormat::WebP),
    },
    Known {
        content_type: "application/pdf",
        badge: "PDF",
        label: "PDF document",
        viewing: Viewing::Pdf,
        thumbnail: None,
    },
    Known {
        content_type: PLAIN_TEXT,
        badge: "TXT",
        label: "Text",
        viewing: Viewing::Sandboxed,
        thumbnail: None,
    },
    Known {
        content_type: SVG,
        badge: "SVG",
        label: "SVG image",
        viewing: Viewing::DownloadOnly,
        thumbnail: None,
    },
    Known {
        content_type: "text/html",
        badge: "HTML",
        label: "HTML page",
        viewing: Viewing::DownloadOnly,
        thumbnail: None,
    },
];

fn known(content_type: &str) -> Option<&'static Known> {
    KNOWN
        .iter()
        .find(|known| known.content_type == content_type)
}

/// A short description for people ("PNG image"); the type itself for the others.
pub fn label(content_type: &str) -> &str {
    known(content_type).map_or(content_type, |known| known.label)
}

/// A few capitals for the type ("PDF"), `FILE` for the types the app knows nothing of.
pub fn badge(content_type: &str) -> &'static str {
    known(content_type).map_or("FILE", |known| known.badge)
}

pub fn viewing(content_type: &str) -> Viewing {
    known(content_type).map_or(Viewing::DownloadOnly, |known| known.viewing)
}

/// The image format to decode for a thumbnail, for the types that get one.
pub fn thumbnail_format(content_type: &str) -> Option<ImageFormat> {
    known(content_type).and_then(|known| known.thumbnail)
}

/// The `Content-Type` to serve a stored file with. Text was detected as UTF-8, and says so,
/// so that no browser guesses another encoding.
pub fn served_content_type(content_type: &str) -> String {
    if content_type == PLAIN_TEXT {
        format!("{PLAIN_TEXT}; charset=utf-8")
    } else {
        content_type.to_owned()
    }
}

/// UTF-8 without control characters other than tab, line feed, form feed and carriage return.
/// The sample may end in the middle of a character.
fn is_text(head: &[u8]) -> bool {
    let text = match std::str::from_utf8(head) {
        Ok(text) => text,
        // Cut short inside a character (error_len is None): judge what came before.
        Err(error) if error.error_len().is_none() => {
            let (valid, _) = head.split_at(error.valid_up_to());
            std::str::from_utf8(valid).unwrap_or_default()
        }
        Err(_) => return false,
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\x0c' | '\r'))
}

/// An XML document whose root element is `<svg>`: after an optional byte-order mark, XML
/// declaration, comments, doctype and whitespace.
fn is_svg(head: &[u8]) -> bool {
    let mut rest = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    loop {
        rest = rest.trim_ascii_start();
        let skipped = if rest.starts_with(b"<?") {
            skip_past(rest, b"?>")
        } else if rest.starts_with(b"<!--") {
            skip_past(rest, b"-->")
        } else if rest.starts_with(b"<!") {
            skip_past(rest, b">")
        } else {
            break;
        };
        match skipped {
            Some(after) => rest = after,
            None => return false,
        }
    }
    rest.get(..4)
        .is_some_and(|tag| tag.eq_ignore_ascii_case(b"<svg"))
        && rest
            .get(4)
            .is_some_and(|&next| next.is_ascii_whitespace() || next == b'>' || next == b'/')
}

fn skip_past<'a>(bytes: &'a [u8], end: &[u8]) -> Option<&'a [u8]> {
    bytes
        .windows(end.len())
        .position(|window| window == end)
        .map(|at| &bytes[at + end.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR";

    #[test]
    fn magic_numbers_win_over_names_and_claims() {
        assert_eq!(content_type(PNG), "image/png");
        assert_eq!(content_type(b"\xFF\xD8\xFF\xE0\0\x10JFIF"), "image/jpeg");
        assert_eq!(content_type(b"%PDF-1.7\n"), "application/pdf");
        // A Windows program, whatever it is called.
        let mut exe = b"MZ\x90\0".to_vec();
        exe.resize(256, 0);
        assert_eq!(
            content_type(&exe),
            "application/vnd.microsoft.portable-executable"
        );
        let mut elf = b"\x7fELF\x02\x01\x01".to_vec();
        elf.resize(64, 0);
        assert_eq!(content_type(&elf), "application/x-executable");
        assert_eq!(content_type(b"<!DOCTYPE html>\n<p>hi"), "text/html");
        assert_eq!(content_type(b"\0\x01\x02garbage"), UNKNOWN);
    }

    #[test]
    fn text_is_utf8_without_control_characters() {
        assert_eq!(content_type(b"hello\r\n\tworld\n"), PLAIN_TEXT);
        assert_eq!(content_type("naïve café ✓".as_bytes()), PLAIN_TEXT);
        // Cut off in the middle of "é": still text.
        assert_eq!(content_type(&"café".as_bytes()[..4]), PLAIN_TEXT);
        assert_eq!(content_type(b"bell\x07"), UNKNOWN);
        assert_eq!(content_type(b"latin-1 caf\xe9 au lait"), UNKNOWN);
    }

    #[test]
    fn svg_is_found_behind_its_prolog() {
        for svg in [
            &b"<svg xmlns=\"http://www.w3.org/2000/svg\"><script>alert(1)</script></svg>"[..],
            b"<?xml version=\"1.0\"?>\n<!-- drawn by hand -->\n<!DOCTYPE svg>\n<SVG>",
            b"\xEF\xBB\xBF  <svg/>",
        ] {
            assert_eq!(content_type(svg), SVG, "{}", String::from_utf8_lossy(svg));
        }
        assert_eq!(content_type(b"<svgx>"), PLAIN_TEXT);
        assert_eq!(content_type(b"<?xml version=\"1.0\"?><feed/>"), "text/xml");
        // A comment first is how HTML is recognised too.
        assert_eq!(content_type(b"<!-- never closed <svg>"), "text/html");
    }

    #[test]
    fn only_safe_types_are_viewed_and_only_images_get_thumbnails() {
        assert_eq!(viewing("image/png"), Viewing::Sandboxed);
        assert_eq!(viewing("application/pdf"), Viewing::Pdf);
        for risky in [SVG, "text/html", "text/xml", UNKNOWN, "application/zip"] {
            assert_eq!(viewing(risky), Viewing::DownloadOnly, "{risky}");
        }
        assert_eq!(thumbnail_format("image/webp"), Some(ImageFormat::WebP));
        assert_eq!(thumbnail_format(SVG), None);
        assert_eq!(label("image/png"), "PNG image");
        assert_eq!(label("application/zip"), "application/zip");
        assert_eq!(badge(PLAIN_TEXT), "TXT");
        assert_eq!(badge("application/zip"), "FILE");
        assert_eq!(served_content_type(PLAIN_TEXT), "text/plain; charset=utf-8");
    }
}
