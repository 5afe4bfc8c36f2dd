//! `starter bench search` (build with `--release`): how fast search is on a big address book,
//! against the budget in DESIGN.md (p95 under 15 ms per query), and against the naive way.
//!
//! It creates a scratch database on the configured PostgreSQL server (the embedded one when
//! `DATABASE_URL` is unset), migrates it, seeds 100,000 contacts for one user and 5,000 for
//! another (whose records must never show up), and serves the app on a free port of
//! 127.0.0.1. Then, for each kind of query a person types, it times many runs, one at a time:
//!
//! - the search function (`results::find`: ranked page, count, highlighting, corrections);
//! - the HTTP route as search-as-you-type calls it (`GET /search?q=` from htmx, signed in);
//! - a plain `ILIKE '%word%'` over the same fields, the way search is often first written.
//!
//! and prints p50/p95/p99 of each, plus the index the planner chose for the search's
//! statement. The scratch database is dropped at the end, also when a step fails.

mod report;

use std::{
    net::{Ipv4Addr, SocketAddr},
    time::{Duration, Instant},
};

use anyhow::{Context, bail};
use sqlx::{
    Connection, Executor, PgConnection, PgPool,
    postgres::{PgConnectOptions, PgPoolOptions},
};
use tokio_util::sync::CancellationToken;
use uuid::Uuid;

use self::report::{footer, header, time};
use crate::{
    AppState, app,
    auth::{self, create_admin::AdminCreated},
    backends::database::{Database, MIGRATOR},
    config::Config,
    dev::seed,
    search::{
        db::{self, CONTACTS_SQL, MAX_RANKED},
        paths::SearchPath,
        query::SearchQuery,
        results,
        views::targets,
    },
    server::serve,
};

/// The queries, one per kind, on the seeded data (`dev::seed`).
const QUERIES: &[(&str, &str)] = &[
    ("single word", "smith"),
    ("two words", "john smith"),
    ("typo", "jonh smtih"),
    ("prefix", "lovel"),
    ("quoted phrase", "\"ada lovelace\""),
    ("broad phrase", "\"acme corporation\""),
    ("exclusion", "smith -acme"),
    ("no match", "zyxwvut"),
];

/// The budget of DESIGN.md.
const TARGET_P95: Duration = Duration::from_millis(15);

const OWNER_EMAIL: &str = "bench-owner@example.com";
const OTHER_EMAIL: &str = "bench-other@example.com";

/// How big and how long.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Contacts of the user who searches.
    pub contacts: usize,
    /// Contacts of another user, to be kept out.
    pub others: usize,
    /// Timed runs per query and way (after a tenth as many untimed).
    pub runs: usize,
}

pub async fn run(config: Config, options: Options) -> anyhow::Result<()> {
    if options.runs == 0 {
        bail!("--runs must be at least 1");
    }
    let database = Database::open(&config.database, config.app_env).await?;
    let server = (*database.pool.connect_options()).clone();
    let name = format!("starter_bench_search_{}", Uuid::new_v4().simple());
    let mut admin = PgConnection::connect_with(&server)
        .await
        .context("connecting to PostgreSQL to create the scratch database")?;
    admin
        .execute(format!("CREATE DATABASE \"{name}\"").as_str())
        .await
        .context("creating the scratch database (the user needs CREATEDB)")?;
    eprintln!("bench: scratch database {name}");
    // Ctrl-C ends the run, and the scratch database is still dropped.
    let measured = tokio::select! {
        measured = measure(config, server.clone().database(&name), options) => measured,
        _ = tokio::signal::ctrl_c() => Err(anyhow::anyhow!("interrupted")),
    };
    let dropped = admin
        .execute(format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)").as_str())
        .await;
    measured?;
    dropped.with_context(|| format!("dropping the scratch database {name}; drop it by hand"))?;
    Ok(())
}

/// Seeds, serves, and prints the report a row at a time.
async fn measure(
    config: Config,
    scratch: PgConnectOptions,
    options: Options,
) -> anyhow::Result<()> {
    let pool = PgPoolOptions::new()
        .max_connections(config.database.max_connections)
        .connect_with(scratch)
        .await?;
    MIGRATOR.run(&pool).await?;
    let (owner, password) = seed(&pool, options).await?;

    let shutdown = CancellationToken::new();
    let listener = tokio::net::TcpListener::bind((Ipv4Addr::LOCALHOST, 0)).await?;
    let address = listener.local_addr()?;
    let origin = config.base_url.trim_end_matches('/').to_owned();
    let state = AppState::new(config, pool.clone())?;
    let server = tokio::spawn(serve(
        listener,
        app(state),
        shutdown.clone().cancelled_owned(),
        Duration::from_secs(5),
    ));
    let measured = async {
        let http = SignedIn::log_in(address, &origin, &password).await?;
        print!("{}", header(options));
        for (kind, text) in QUERIES {
            print!(
                "{}",
                measure_query(&pool, &http, owner, kind, text, options.runs).await?
            );
        }
        print!("{}", footer());
        Ok::<_, anyhow::Error>(())
    }
    .await;
    shutdown.cancel();
    server.await??;
    pool.close().await;
    measured
}

/// The two users and their contacts; the searching user's id and password.
async fn seed(pool: &PgPool, options: Options) -> anyhow::Result<(Uuid, String)> {
    let AdminCreated::New { password } =
        auth::create_admin::create_or_promote(pool, OWNER_EMAIL).await?
    else {
        bail!("{OWNER_EMAIL} existed already in a fresh database");
    };
    auth::create_admin::create_or_promote(pool, OTHER_EMAIL).await?;
    let mut ids = Vec::new();
    for email in [OWNER_EMAIL, OTHER_EMAIL] {
        let user = auth::db::find_by_email(pool, email)
            .await?
            .with_context(|| format!("{email} was not created"))?;
        ids.push(user.id);
    }
    let started = Instant::now();
    seed::add(pool, ids[0], options.contacts).await?;
    seed::add(pool, ids[1], options.others).await?;
    eprintln!(
        "bench: seeded {} + {} contacts in {:.1} s",
        options.contacts,
        options.others,
        started.elapsed().as_secs_f64()
    );
    Ok((ids[0], password))
}

/// An HTTP client signed in as the searching user.
struct SignedIn {
    client: reqwest::Client,
    base: String,
    cookie: String,
}

impl SignedIn {
    async fn log_in(address: SocketAddr, origin: &str, password: &str) -> anyhow::Result<Self> {
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()?;
        let base = format!("http://{address}");
        // What a browser sends with the login form, which the cross-site check wants.
        let response = client
            .post(format!("{base}{}", auth::paths::LOGIN))
            .header("sec-fetch-site", "same-origin")
            .header("origin", origin)
            .form(&[("email", OWNER_EMAIL), ("password", password)])
            .send()
            .await?;
        if response.status() != reqwest::StatusCode::SEE_OTHER {
            bail!("logging in answered {}, not 303", response.status());
        }
        let cookie = response
            .headers()
            .get_all(reqwest::header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok()?.split(';').next())
            .collect::<Vec<_>>()
            .join("; ");
        Ok(Self {
            client,
            base,
            cookie,
        })
    }

    /// The results fragment for `text`, as search-as-you-type asks for it.
    async fn search(&self, text: &str) -> anyhow::Result<()> {
        let response = self
            .client
            .get(format!("{}{SearchPath}", self.base))
            .query(&[("q", text)])
            .header("cookie", &self.cookie)
            .header("hx-request", "true")
            .header("hx-target", targets::RESULTS)
            .send()
            .await?;
        let status = response.status();
        let body = response.text().await?;
        if status != reqwest::StatusCode::OK || !body.contains("search-summary") {
            bail!("GET /search?q={text} answered {status}: {body:.200}");
        }
        Ok(())
    }
}

/// One row of the report: the three ways timed for one query, and the search's plan.
async fn measure_query(
    pool: &PgPool,
    http: &SignedIn,
    owner: Uuid,
    kind: &str,
    text: &str,
    runs: usize,
) -> anyhow::Result<String> {
    let query = SearchQuery::parse(text)
        .ok()
        .flatten()
        .with_context(|| format!("{text:?} is not a query to search for"))?;
    let outcome = results::find(pool, owner, &query, 1).await?;
    // The page counts up to MAX_RANKED; the report says how many match in all.
    let searched = match &outcome.correction {
        Some(results::Correction::ShowingInstead(corrected)) => {
            SearchQuery::parse(&format!("{corrected} ")).ok().flatten()
        }
        _ => None,
    };
    let found = matches(pool, owner, searched.as_ref().unwrap_or(&query)).await?;

    let function = time(runs, || async {
        results::find(pool, owner, &query, 1).await?;
        Ok(())
    })
    .await?;
    let route = time(runs, || http.search(text)).await?;
    let patterns: Vec<String> = text
        .split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| format!("%{word}%"))
        .collect();
    let ilike = time(runs, || async {
        ilike_page(pool, owner, &patterns).await?;
        Ok(())
    })
    .await?;
    let plan = indexes_used(pool, owner, &query).await?;
    let verdict = if function.p95 < TARGET_P95 && route.p95 < TARGET_P95 {
        "yes"
    } else {
        "NO"
    };
    Ok(format!(
        "| {kind:<13} | {text:<22} | {found:>7} | {function} | {route} | {ilike} | {verdict:<5} | {plan}\n",
    ))
}

/// The naive search: every word somewhere in the contact's text, case-insensitively; a page
/// in name order and the count. No index can serve `'%word%'` over this expression, so it
/// reads every row of the user's.
async fn ilike_page(pool: &PgPool, owner: Uuid, patterns: &[String]) -> Result<(), sqlx::Error> {
    sqlx::query!(
        r#"
        SELECT id, count(*) OVER () AS "total!"
        FROM contacts
        WHERE owner_id = $1
          AND (first_name || ' ' || coalesce(last_name, '') || ' ' || coalesce(email, '') || ' '
               || coalesce(company, '') || ' ' || coalesce(notes, '')) ILIKE ALL ($2)
        ORDER BY sort_name, id
        LIMIT $3
        "#,
        owner,
        patterns,
        i64::from(db::PAGE_SIZE),
    )
    .fetch_all(pool)
    .await?;
    Ok(())
}

/// How many of `owner`'s contacts match `query`, all of them.
async fn matches(pool: &PgPool, owner: Uuid, query: &SearchQuery) -> Result<i64, sqlx::Error> {
    sqlx::query_scalar!(
        r#"
        SELECT count(*) AS "count!" FROM contacts
        WHERE owner_id = $1 AND search_vector @@ CASE
            WHEN $3 = '' THEN websearch_to_tsquery('simple', $2)
            WHEN $2 = '' THEN to_tsquery('simple', $3)
            ELSE websearch_to_tsquery('simple', $2) && to_tsquery('simple', $3)
        END
        "#,
        owner,
        query.websearch(),
        query.prefix(),
    )
    .fetch_one(pool)
    .await
}

/// The indexes (or sequential scans) the search's statement read for `query`: those of its
/// plan that ran, so a tier left unread for want of need does not show.
async fn indexes_used(pool: &PgPool, owner: Uuid, query: &SearchQuery) -> anyhow::Result<String> {
    let explain = format!("EXPLAIN (ANALYZE, COSTS OFF, TIMING OFF) {CONTACTS_SQL}");
    let lines: Vec<String> = sqlx::query_scalar(&explain)
        .bind(owner)
        .bind(query.websearch())
        .bind(query.prefix())
        .bind(i64::from(MAX_RANKED) + 1)
        .bind(i64::from(db::PAGE_SIZE))
        .bind(0_i64)
        .fetch_all(pool)
        .await?;
    let mut scans: Vec<String> = lines
        .iter()
        .filter(|line| !line.contains("never executed"))
        .filter_map(|line| {
            let line = line.trim_start().trim_start_matches("->").trim();
            let scan = line.split(" (").next()?;
            scan.contains("Scan").then(|| scan.to_owned())
        })
        // A bitmap heap scan reads what the bitmap index scan under it found; the CTE and
        // subquery scans read the statement's own steps.
        .filter(|scan| {
            !["CTE Scan", "Subquery Scan", "Bitmap Heap Scan"]
                .iter()
                .any(|step| scan.starts_with(step))
        })
        .collect();
    scans.dedup();
    Ok(scans.join(", "))
}
