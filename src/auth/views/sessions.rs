//! The sessions page: each signed-in session as a card (a list that reads as well on a phone
//! as on a desktop), the one making the request marked, every other with its own button to
//! end it; and "End all others".

use maud::{Markup, html};
use time::OffsetDateTime;
use uuid::Uuid;

use crate::{
    auth::{
        ops::sessions::{MAX_LISTED, when},
        paths::{self, EndSessionPath},
        sessions_db::SignedInSession,
    },
    web::{
        components::{ButtonStyle, action_button, moment, moment_at},
        css::CssFragment,
        humanize,
    },
};

/// `this`: the row of the session asking; `more`: whether some were left out.
pub fn sessions(sessions: &[SignedInSession], this: Option<Uuid>, more: bool) -> Markup {
    let now = OffsetDateTime::now_utc();
    html! {
        h1 { "Your sessions" }
        p.sessions-intro {
            "Where your account is signed in. Signing a session out here ends it at once on that device."
        }
        @if sessions.is_empty() {
            p { "No session is listed: this one started before the list was kept." }
        }
        ul.session-list {
            @for session in sessions {
                @let current = this == Some(session.id);
                li.session-card.__current[current] {
                    p.device {
                        strong { (session.device) }
                        @if current { " " span.badge { "This device" } }
                    }
                    dl.details {
                        dt { "Network" }
                        dd { (session.network.as_deref().unwrap_or("Unknown")) }
                        dt { "Signed in" }
                        dd { (moment(session.created_at)) }
                        dt { "Last used" }
                        dd {
                            @if current { "Now" } @else { (last_used(now, session.last_seen_at)) }
                        }
                    }
                    @if !current {
                        form method="post" action=(EndSessionPath { id: session.id.into() }) {
                            button type="submit" class="action-button __secondary"
                                aria-label={ "Sign out " (session.device) ", signed in " (when(session.created_at)) } {
                                "Sign out"
                            }
                        }
                    }
                }
            }
        }
        @if more {
            p.hint { "Only the " (MAX_LISTED) " most recently used sessions are listed." }
        }
        section.auth-panel {
            h2 { "End all others" }
            p { "Signed in somewhere you no longer use? Sign out every session but this one." }
            form method="post" action=(paths::ACCOUNT_END_OTHER_SESSIONS) {
                (action_button("End all others", ButtonStyle::Secondary))
            }
        }
        p { a href=(paths::ACCOUNT) { "Back to your account" } }
    }
}

/// "Within the last 5 minutes", then as every date reads ("2 hours ago", "7 Dec 2026"): the
/// last use is only written every few minutes, so nothing finer is claimed.
fn last_used(now: OffsetDateTime, at: OffsetDateTime) -> Markup {
    let elapsed = std::time::Duration::try_from(now - at).unwrap_or_default();
    let every = crate::auth::user_cache::LAST_SEEN_EVERY;
    if elapsed > every {
        return moment_at(now, at);
    }
    html! {
        time datetime=(humanize::machine(at)) title=(humanize::exact(at)) {
            "Within the last " (humanize::duration(every))
        }
    }
}

inventory::submit! { CssFragment::new("session-list", r#"
.session-list {
    list-style: none;
    padding: 0;
    margin: 0 0 var(--space-6);
    display: grid;
    gap: var(--space-3);
    max-width: 40rem;
}
"#) }

inventory::submit! { CssFragment::new("session-card", r#"
.session-card {
    border: 1px solid var(--color-border);
    border-radius: var(--radius);
    padding: var(--space-3) var(--space-4);

    &.__current { border-color: var(--color-accent); }
    & .device { margin: 0 0 var(--space-2); overflow-wrap: anywhere; }
    & .badge {
        font-size: var(--text-sm);
        color: var(--color-accent);
        white-space: nowrap;
    }
    & .details {
        display: grid;
        /* minmax(0, …): a long network wraps instead of widening the page. */
        grid-template-columns: max-content minmax(0, 1fr);
        gap: var(--space-1) var(--space-3);
        margin: 0 0 var(--space-3);
        font-size: var(--text-sm);

        & dt { color: var(--color-muted); }
        & dd { margin: 0; overflow-wrap: anywhere; }
    }
    & form { margin: 0; }
}
"#) }

inventory::submit! { CssFragment::new("sessions-intro", r#"
.sessions-intro { max-width: 40rem; }
"#) }
