//! Pages rendered from one owner's rows, kept until those rows change.
//!
//! A list page costs a query and the rendering of its rows; seen again with nothing changed
//! it is the same markup. A handler asks [`PageCache::get_or_render`] for a view of an
//! owner's rows of a table (`"contacts"`, the first page): it gets the markup kept from last
//! time, or renders it and it is kept, for a minute at most. The view must depend on nothing
//! but the owner's rows (and the time, to the minute): not a query string (search results
//! and later pages are rendered every time), not a flash message (those belong to the
//! layout, which is rendered around it each time).
//!
//! What was kept is dropped when PostgreSQL says the owner's rows changed
//! (`backends::row_changes`: triggers on the table, heard by every instance), and at once by
//! [`PageCache::forget`] on the instance that made the change, so that the redirect after a
//! form shows it. While changes cannot be heard (at start, or while the listening
//! connection is down) nothing is kept. A table joins by carrying the triggers, as contacts
//! does and `generate resource` writes.

use std::{
    sync::{
        Arc,
        atomic::{AtomicU64, Ordering},
    },
    time::Duration,
};

use maud::{Markup, PreEscaped};
use uuid::Uuid;

use crate::backends::row_changes::{self, RowChange, RowChanges};

/// The most markup kept at once, in bytes; the least recently used goes first. At about
/// 25 KB a page, the first pages of some 650 active users.
const MAX_BYTES: u64 = 16 * 1024 * 1024;

/// How long a view is kept at most, changed or not: a view may say how long ago something
/// happened ("3 minutes ago"), which must not stay said for long. Rendering a view once a
/// minute per active user costs nothing worth counting.
const MAX_AGE: Duration = Duration::from_secs(60);

/// The views kept of one owner's rows, by table and name. Replaced whole when one is added
/// (an owner has a few), so that readers never lock.
type Views = Arc<[View]>;

#[derive(Clone)]
struct View {
    table: &'static str,
    name: &'static str,
    html: Arc<str>,
}

/// Cheap to clone (the pages that use it take one per request): everything inside is shared.
#[derive(Clone)]
pub struct PageCache(Arc<Kept>);

struct Kept {
    /// By owner: a change to any of an owner's tables drops all of the owner's views, which
    /// costs little (they change rarely) and keeps the notification's table name unparsed.
    views: moka::sync::Cache<Uuid, Views>,
    /// Moves on every change heard or made: markup rendered from rows read before a change
    /// committed must not be kept after the change dropped what was kept.
    generation: Arc<AtomicU64>,
    changes: RowChanges,
}

impl std::fmt::Debug for PageCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PageCache")
            .field("entries", &self.0.views.entry_count())
            .finish_non_exhaustive()
    }
}

impl PageCache {
    /// A cache kept in step with `changes` for as long as they are heard.
    pub fn new(changes: RowChanges) -> Self {
        let cache = Kept {
            views: moka::sync::Cache::builder()
                .max_capacity(MAX_BYTES)
                .time_to_live(MAX_AGE)
                .weigher(|_, views: &Views| {
                    let bytes: usize = views.iter().map(|view| view.html.len()).sum();
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .build(),
            generation: Arc::new(AtomicU64::new(0)),
            changes,
        };
        let mut watcher = cache.changes.watch();
        let (views, generation) = (cache.views.clone(), cache.generation.clone());
        tokio::spawn(async move {
            while let Some(change) = row_changes::next(&mut watcher).await {
                generation.fetch_add(1, Ordering::AcqRel);
                match change {
                    RowChange::Owner { owner, .. } => views.invalidate(&owner),
                    RowChange::Table(_) | RowChange::All => views.invalidate_all(),
                }
            }
        });
        Self(Arc::new(cache))
    }

    /// The view `view` of `owner`'s rows of `table`: kept from an earlier request, or
    /// rendered by `render` (and kept, unless the rows changed meanwhile).
    pub async fn get_or_render<E, F>(
        &self,
        table: &'static str,
        owner: Uuid,
        view: &'static str,
        render: impl FnOnce() -> F,
    ) -> Result<Markup, E>
    where
        F: Future<Output = Result<Markup, E>>,
    {
        if !self.0.changes.is_listening() {
            return render().await;
        }
        let kept = self.0.views.get(&owner);
        let found = kept.as_ref().and_then(|views| {
            views
                .iter()
                .find(|kept| kept.table == table && kept.name == view)
        });
        crate::monitoring::cache_lookup("pages", found.is_some());
        if let Some(found) = found {
            // Markup maud escaped when it was rendered: kept as it came out, never built here.
            return Ok(PreEscaped(found.html.to_string()));
        }
        let generation = self.0.generation.load(Ordering::Acquire);
        let markup = render().await?;
        let rendered = View {
            table,
            name: view,
            html: markup.0.as_str().into(),
        };
        let views: Views = kept
            .iter()
            .flat_map(|views| views.iter().map(View::clone))
            .chain([rendered])
            .collect();
        self.0.views.insert(owner, views);
        // A change heard while the rows were read in flight: they may predate it.
        if self.0.generation.load(Ordering::Acquire) != generation || !self.0.changes.is_listening()
        {
            self.0.views.invalidate(&owner);
        }
        Ok(markup)
    }

    /// Whether pages are kept now: only while changes to their rows are heard.
    pub fn is_listening(&self) -> bool {
        self.0.changes.is_listening()
    }

    /// Drops what was kept of `owner`'s rows on this instance at once; call it after
    /// committing a change to them (the others hear of it from PostgreSQL).
    pub fn forget(&self, owner: Uuid) {
        self.0.generation.fetch_add(1, Ordering::AcqRel);
        self.0.views.invalidate(&owner);
    }
}
