//! File names: what the browser sends is a hint from a stranger. It is cleaned once, on upload,
//! into the name shown and downloaded under; and written into `Content-Disposition` in both
//! of RFC 6266's forms. Names never reach storage keys or paths.

use unicode_normalization::UnicodeNormalization;

/// The longest name kept, in characters (the table checks it too).
pub const MAX_NAME_CHARS: usize = 200;
const FALLBACK_NAME: &str = "unnamed";

/// The name to show and download a file under: the last segment of what the browser sent
/// (some send a whole path, `C:\fakepath\x.png` or `../x`), in NFC, without control
/// characters (newlines included) or the invisible ones that reorder text (`\u{202E}` makes
/// `exe.png` read `gnp.exe`), trimmed, at most [`MAX_NAME_CHARS`] characters (cut between
/// characters, never inside one), and `unnamed` when nothing is left.
pub fn display_name(sent: &str) -> String {
    let last_segment = sent.rsplit(['/', '\\']).next().unwrap_or_default();
    let cleaned: String = last_segment
        .nfc()
        .filter(|&c| !c.is_control() && !is_invisible_formatting(c))
        .collect();
    let trimmed = cleaned.trim();
    if trimmed.chars().all(|c| c == '.') {
        return FALLBACK_NAME.to_owned();
    }
    let cut: String = trimmed.chars().take(MAX_NAME_CHARS).collect();
    cut.trim_end().to_owned()
}

/// Bidirectional marks, embeddings, overrides and isolates, and the byte-order mark.
fn is_invisible_formatting(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{FEFF}')
}

/// The name a multipart part was sent with, before cleaning: its `filename`, with the escapes
/// of HTML's form encoding undone (browsers send `"` as `%22`, line breaks as `%0A` and `%0D`),
/// or else its RFC 5987 `filename*=UTF-8''…`, which some HTTP clients send alone.
/// `content_disposition` is the part's header, for the latter.
pub fn sent_name(filename: Option<&str>, content_disposition: Option<&str>) -> Option<String> {
    if let Some(name) = filename {
        return Some(
            name.replace("%22", "\"")
                .replace("%0A", "\n")
                .replace("%0D", "\r"),
        );
    }
    let (_, encoded) = content_disposition?.split_once("filename*=")?;
    let encoded = encoded.split(';').next()?.trim();
    let (charset, rest) = encoded.split_once('\'')?;
    let (_language, value) = rest.split_once('\'')?;
    charset
        .eq_ignore_ascii_case("utf-8")
        .then(|| String::from_utf8_lossy(&percent_decode(value)).into_owned())
}

fn percent_decode(value: &str) -> Vec<u8> {
    let bytes = value.as_bytes();
    let mut decoded = Vec::with_capacity(bytes.len());
    let mut at = 0;
    while at < bytes.len() {
        let escaped = bytes
            .get(at + 1..at + 3)
            .and_then(|hex| std::str::from_utf8(hex).ok())
            .and_then(|hex| u8::from_str_radix(hex, 16).ok());
        match (bytes[at], escaped) {
            (b'%', Some(byte)) => {
                decoded.push(byte);
                at += 3;
            }
            (byte, _) => {
                decoded.push(byte);
                at += 1;
            }
        }
    }
    decoded
}

/// Whether the browser shows the file or saves it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Disposition {
    Inline,
    Attachment,
}

/// A `Content-Disposition` value naming `name` twice (RFC 6266): `filename*` with the exact
/// name in UTF-8, percent-encoded (RFC 8187), which browsers prefer; and `filename`, an ASCII
/// stand-in for older clients, where anything that could end or escape the quoted string, and
/// every non-ASCII character, is an underscore. The header can therefore never be split or
/// extended by a name.
pub fn content_disposition(disposition: Disposition, name: &str) -> String {
    let kind = match disposition {
        Disposition::Inline => "inline",
        Disposition::Attachment => "attachment",
    };
    let ascii: String = name
        .chars()
        .map(|c| match c {
            ' '..='~' if !matches!(c, '"' | '\\' | '%') => c,
            _ => '_',
        })
        .collect();
    let encoded: String =
        name.bytes()
            .map(|byte| match byte {
                b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' => char::from(byte).to_string(),
                b'!' | b'#' | b'$' | b'&' | b'+' | b'-' | b'.' | b'^' | b'_' | b'`' | b'|'
                | b'~' => char::from(byte).to_string(),
                _ => format!("%{byte:02X}"),
            })
            .collect();
    format!("{kind}; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_lose_paths_controls_and_reordering_characters() {
        let cases = [
            ("report.pdf", "report.pdf"),
            ("../../etc/passwd", "passwd"),
            ("C:\\fakepath\\photo.jpg", "photo.jpg"),
            ("line\nbreak\r\n.txt", "linebreak.txt"),
            ("tab\there.txt", "tabhere.txt"),
            ("invoice\u{202E}gnp.exe", "invoicegnp.exe"),
            ("  spaced out  ", "spaced out"),
            ("..", "unnamed"),
            ("dir/", "unnamed"),
            ("", "unnamed"),
            ("\u{0}\u{7}", "unnamed"),
            // Decomposed "é" is composed, so the same name is stored one way.
            ("cafe\u{301}.txt", "café.txt"),
            ("\"quoted\" 'name'.txt", "\"quoted\" 'name'.txt"),
        ];
        for (sent, shown) in cases {
            assert_eq!(display_name(sent), shown, "{sent:?}");
        }
    }

    #[test]
    fn sent_names_undo_the_form_encoding_or_read_the_extended_parameter() {
        assert_eq!(
            sent_name(Some("say %22hi%22%0A.txt"), None).as_deref(),
            Some("say \"hi\"\n.txt")
        );
        let header = "form-data; name=\"file\"; filename*=UTF-8''%E6%8A%A5%E5%91%8A%20%22x%22.pdf";
        assert_eq!(
            sent_name(None, Some(header)).as_deref(),
            Some("报告 \"x\".pdf")
        );
        assert_eq!(sent_name(None, Some("form-data; name=\"file\"")), None);
        assert_eq!(
            sent_name(None, Some("form-data; filename*=iso-8859-1''caf%E9")),
            None
        );
        // A stray percent sign is kept as it is.
        assert_eq!(
            sent_name(None, Some("form-data; filename*=utf-8''100%.txt")).as_deref(),
            Some("100%.txt")
        );
    }

    #[test]
    fn long_names_are_cut_between_characters() {
        let name = display_name(&"é".repeat(500));
        assert_eq!(name.chars().count(), MAX_NAME_CHARS);
        let name = display_name(&format!("{}👍🏽", "a".repeat(MAX_NAME_CHARS - 1)));
        assert_eq!(name, format!("{}👍", "a".repeat(MAX_NAME_CHARS - 1)));
    }

    #[test]
    fn content_disposition_carries_an_ascii_name_and_the_exact_one() {
        assert_eq!(
            content_disposition(Disposition::Attachment, "report.pdf"),
            "attachment; filename=\"report.pdf\"; filename*=UTF-8''report.pdf"
        );
        assert_eq!(
            content_disposition(Disposition::Inline, "Ünïcödé 报告.txt"),
            "inline; filename=\"_n_c_d_ __.txt\"; \
             filename*=UTF-8''%C3%9Cn%C3%AFc%C3%B6d%C3%A9%20%E6%8A%A5%E5%91%8A.txt"
        );
        let hostile = content_disposition(
            Disposition::Attachment,
            "a\"; filename=evil.html; x=\\\"%41.txt",
        );
        assert_eq!(
            hostile,
            "attachment; filename=\"a_; filename=evil.html; x=___41.txt\"; \
             filename*=UTF-8''a%22%3B%20filename%3Devil.html%3B%20x%3D%5C%22%2541.txt"
        );
        // Whatever the name, the value is a valid header.
        assert!(axum::http::HeaderValue::from_str(&hostile).is_ok());
    }
}
