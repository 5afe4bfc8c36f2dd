//! Mounting typed routes, and the record of every route mounted. Modules mount their
//! handlers with `typed_get`, `typed_post`, ... from this [`RouterExt`] (not axum-extra's,
//! which it wraps): the path comes from the handler's first argument, as there, and each
//! route is also written down, so that tests iterate the routes the app really has
//! ([`mounted`]) rather than a search of the source: every state-changing route refuses a
//! cross-site request, every route with an id answers another user's with a 404.

use std::{collections::BTreeSet, sync::Mutex};

use axum::{Router, handler::Handler, http::Method};
use axum_extra::routing::{SecondElementIs, TypedPath};

/// Every `(method, path template)` mounted by this process so far.
static MOUNTED: Mutex<BTreeSet<(&'static str, &'static str)>> = Mutex::new(BTreeSet::new());

fn record(method: &Method, path: &'static str) {
    if let Ok(mut mounted) = MOUNTED.lock() {
        mounted.insert((method_name(method), path));
    }
}

fn method_name(method: &Method) -> &'static str {
    match *method {
        Method::GET => "GET",
        Method::POST => "POST",
        Method::PUT => "PUT",
        Method::PATCH => "PATCH",
        Method::DELETE => "DELETE",
        _ => "OTHER",
    }
}

/// The routes mounted so far, `(method, path template)`, sorted: after `app::routes()`, all
/// of the app's.
pub fn mounted() -> Vec<(&'static str, &'static str)> {
    MOUNTED
        .lock()
        .map(|mounted| mounted.iter().copied().collect())
        .unwrap_or_default()
}

/// Typed routes that are written down as they are mounted.
pub trait RouterExt<S>: Sized {
    fn typed_get<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath;

    fn typed_post<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath;

    fn typed_put<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath;

    fn typed_patch<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath;

    fn typed_delete<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath;
}

impl<S> RouterExt<S> for Router<S>
where
    S: Clone + Send + Sync + 'static,
{
    fn typed_get<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath,
    {
        record(&Method::GET, P::PATH);
        axum_extra::routing::RouterExt::typed_get(self, handler)
    }

    fn typed_post<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath,
    {
        record(&Method::POST, P::PATH);
        axum_extra::routing::RouterExt::typed_post(self, handler)
    }

    fn typed_put<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath,
    {
        record(&Method::PUT, P::PATH);
        axum_extra::routing::RouterExt::typed_put(self, handler)
    }

    fn typed_patch<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath,
    {
        record(&Method::PATCH, P::PATH);
        axum_extra::routing::RouterExt::typed_patch(self, handler)
    }

    fn typed_delete<H, T, P>(self, handler: H) -> Self
    where
        H: Handler<T, S>,
        T: SecondElementIs<P> + 'static,
        P: TypedPath,
    {
        record(&Method::DELETE, P::PATH);
        axum_extra::routing::RouterExt::typed_delete(self, handler)
    }
}
