//! A moment as people read it, in the one markup every page uses for a date: "3 minutes ago"
//! or "7 Dec 2026" (see `humanize::ago`), with the exact moment in the title and the machine
//! value in `datetime`.

use maud::{Markup, html};
use time::OffsetDateTime;

use crate::web::humanize;

/// `at`, seen now: `<time datetime="2026-12-07T15:16:14Z" title="7 Dec 2026, 15:16:14 UTC">
/// 3 minutes ago</time>`.
pub fn moment(at: OffsetDateTime) -> Markup {
    moment_at(OffsetDateTime::now_utc(), at)
}

/// `at`, seen at `now`.
pub fn moment_at(now: OffsetDateTime, at: OffsetDateTime) -> Markup {
    html! {
        time datetime=(humanize::machine(at)) title=(humanize::exact(at)) { (humanize::ago(now, at)) }
    }
}

#[cfg(test)]
mod tests {
    use scraper::{Html, Selector};

    use super::*;

    #[test]
    fn says_the_exact_moment_in_its_attributes() {
        let at = OffsetDateTime::from_unix_timestamp(1_796_656_574).unwrap();
        let html =
            Html::parse_fragment(&moment_at(at + time::Duration::minutes(3), at).into_string());
        let time = html
            .select(&Selector::parse("time").unwrap())
            .next()
            .unwrap();
        assert_eq!(
            time.value().attr("datetime"),
            Some(humanize::machine(at).as_str())
        );
        assert_eq!(
            time.value().attr("title"),
            Some(humanize::exact(at).as_str())
        );
        assert_eq!(time.text().collect::<String>(), "3 minutes ago");
    }
}
