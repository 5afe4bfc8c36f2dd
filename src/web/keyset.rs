//! Keyset pagination: a page is "the next N after this row", found by a range scan of an index
//! on `(owner, key, id)`, so the 4,000th page costs what the first does (no `OFFSET`).
//!
//! [`Cursor`] is where a page starts: the sort key and id of the row before it. It travels in
//! the URL (`?after=`) as opaque URL-safe text; one that was not made by [`Cursor::encode`]
//! decodes to `None`, which [`Cursor::from_param`] answers with a 400.

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::error::AppError;

/// A sort key that can travel in a cursor.
pub trait CursorKey: Sized {
    fn to_text(&self) -> String;
    fn from_text(text: &str) -> Option<Self>;
}

/// A name, or any text the list is sorted by.
impl CursorKey for String {
    fn to_text(&self) -> String {
        self.clone()
    }

    /// Text no form could have saved (a NUL, which PostgreSQL refuses) makes no cursor.
    fn from_text(text: &str) -> Option<Self> {
        (!super::hidden_characters::contains_hidden(text)).then(|| text.to_owned())
    }
}

/// A moment, to the microsecond (PostgreSQL's precision), so the row it came from compares
/// equal to it.
impl CursorKey for OffsetDateTime {
    fn to_text(&self) -> String {
        (self.unix_timestamp_nanos() / 1_000).to_string()
    }

    fn from_text(text: &str) -> Option<Self> {
        let micros: i128 = text.parse().ok()?;
        OffsetDateTime::from_unix_timestamp_nanos(micros.checked_mul(1_000)?).ok()
    }
}

/// Where a page starts: after the row with this sort key and id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor<K> {
    pub key: K,
    pub id: Uuid,
}

impl<K: CursorKey> Cursor<K> {
    /// The cursor as it goes into a URL.
    pub fn encode(&self) -> String {
        URL_SAFE_NO_PAD.encode(format!("{}\n{}", self.id, self.key.to_text()))
    }

    /// The cursor of a list's `?after=` parameter: none without one, and a 400 for one that
    /// was not made by [`Cursor::encode`] (a link cut short or edited by hand).
    pub fn from_param(after: Option<&str>) -> Result<Option<Self>, AppError> {
        after
            .map(|text| {
                Self::decode(text).ok_or_else(|| {
                    AppError::BadRequest(
                        "That page link is broken. Start again from the list.".into(),
                    )
                })
            })
            .transpose()
    }

    /// A cursor from a URL; `None` if it was not made by [`Cursor::encode`].
    pub fn decode(text: &str) -> Option<Self> {
        let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let (id, key) = text.split_once('\n')?;
        Some(Self {
            id: id.parse().ok()?,
            key: K::from_text(key)?,
        })
    }
}

/// One page of rows, and where the next one starts if there is one.
#[derive(Debug)]
pub struct Page<T, K> {
    pub rows: Vec<T>,
    pub next: Option<Cursor<K>>,
}

impl<T, K> Page<T, K> {
    /// The page from `rows`, fetched with a limit of `size + 1`: the extra row, if it came,
    /// says another page follows, and is dropped. `cursor` gives a row's cursor.
    pub fn from_rows(mut rows: Vec<T>, size: usize, cursor: impl Fn(&T) -> Cursor<K>) -> Self {
        let more = rows.len() > size;
        rows.truncate(size);
        let next = if more { rows.last().map(cursor) } else { None };
        Self { rows, next }
    }
}

/// The `LIMIT` that fetches a page of `size` and tells whether more follow.
pub fn limit(size: usize) -> i64 {
    i64::try_from(size).map_or(i64::MAX, |size| size.saturating_add(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cursor_with_a_nul_in_its_key_is_no_cursor() {
        let forged = URL_SAFE_NO_PAD.encode(format!("{}\nada\0", Uuid::new_v4()));
        assert_eq!(Cursor::<String>::decode(&forged), None);
    }

    #[test]
    fn cursors_survive_their_url() {
        let by_name = Cursor {
            key: "zoë d'arc & <co>\nx".to_owned(),
            id: Uuid::new_v4(),
        };
        let encoded = by_name.encode();
        assert!(
            encoded
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || "-_".contains(c))
        );
        assert_eq!(Cursor::decode(&encoded), Some(by_name));

        let by_time = Cursor {
            key: OffsetDateTime::from_unix_timestamp_nanos(1_764_167_400_123_456_000).unwrap(),
            id: Uuid::new_v4(),
        };
        assert_eq!(Cursor::decode(&by_time.encode()), Some(by_time));
    }

    #[test]
    fn a_cursor_not_made_here_is_refused() {
        for text in [
            "",
            "!!!",
            "bm90IGEgY3Vyc29y",
            &URL_SAFE_NO_PAD.encode("nil\nname"),
        ] {
            assert_eq!(Cursor::<String>::decode(text), None, "{text}");
        }
        let bad_time = URL_SAFE_NO_PAD.encode(format!("{}\nsoon", Uuid::nil()));
        assert_eq!(Cursor::<OffsetDateTime>::decode(&bad_time), None);
        assert!(matches!(
            Cursor::<OffsetDateTime>::from_param(Some(&bad_time)),
            Err(AppError::BadRequest(_))
        ));
        assert!(matches!(Cursor::<String>::from_param(None), Ok(None)));
    }

    #[test]
    fn a_page_knows_whether_another_follows() {
        let cursor = |n: &u32| Cursor {
            key: n.to_string(),
            id: Uuid::nil(),
        };
        let full = Page::from_rows(vec![1, 2, 3], 2, cursor);
        assert_eq!(full.rows, [1, 2]);
        assert_eq!(full.next.map(|c| c.key), Some("2".to_owned()));
        let last = Page::from_rows(vec![1, 2], 2, cursor);
        assert!(last.next.is_none());
        assert_eq!(limit(25), 26);
    }
}
