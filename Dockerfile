# A small, non-root production image. Dependencies are compiled in their own layer (cargo-chef),
# so changing application code rebuilds only the application. {% if false %}
#   docker build -t starter .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e APP_BASE_URL=... -e SECRET_KEY=... \
#     -e SMTP_HOST=... starter
# {% else %}
#   docker build -t {{project-name}} .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e APP_BASE_URL=... -e SECRET_KEY=... \
#     -e SMTP_HOST=... {{project-name}}
# {% endif %}
# Inside the image the binary is /usr/local/bin/app, whatever the package is called.
#
# Base images are pinned by exact tag: the Rust release Cargo.toml's rust-version names, and a
# dated Debian snapshot, so that a rebuild of the same commit gets the same compiler and the
# same system libraries (bump them on purpose, together with rust-version). Every build is
# --locked: the dependencies are those of Cargo.lock, or the build fails.

FROM rust:1.92.0-bookworm AS chef
RUN cargo install cargo-chef --version 0.1.73 --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
# Without the default features: the development tools (generators, seeds, benchmark) stay out.
RUN cargo chef cook --release --locked --no-default-features --recipe-path recipe.json
COPY . .
# Queries are checked against .sqlx/ (SQLX_OFFLINE is set in .cargo/config.toml). The binary
# is named after the package; it is installed as `app`.
RUN cargo install --path . --locked --no-default-features --root /out && mv /out/bin/* /out/bin/app

# The signing key of the PostgreSQL project's apt repository (PGDG), taken from Debian's own
# postgresql-common package, so that the runtime stage trusts it through Debian's signatures
# without carrying postgresql-common itself.
FROM debian:bookworm-20260824-slim AS pgdg-key
RUN apt-get update \
    && apt-get install -y --no-install-recommends postgresql-common \
    && cp /usr/share/postgresql-common/pgdg/apt.postgresql.org.gpg /pgdg.gpg

FROM debian:bookworm-20260824-slim AS runtime
# `app db backup` and `app db restore` run pg_dump and pg_restore, which must be at least the
# server's major version: PostgreSQL 18, as in compose.yaml and compose.prod.yaml. Debian
# bookworm ships 15, so the client comes from PGDG. Change both together.
ARG POSTGRES_MAJOR=18
COPY --from=pgdg-key /pgdg.gpg /usr/share/keyrings/pgdg.gpg
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && echo "deb [signed-by=/usr/share/keyrings/pgdg.gpg] https://apt.postgresql.org/pub/repos/apt bookworm-pgdg main" \
        > /etc/apt/sources.list.d/pgdg.list \
    && apt-get update \
    && apt-get install -y --no-install-recommends "postgresql-client-${POSTGRES_MAJOR}" \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --home-dir /var/lib/app --create-home app
COPY --from=builder /out/bin/app /usr/local/bin/app
USER app
# Relative paths in the configuration (UPLOADS_DIR, BACKUP_DIR: `.data/...`) land here, in a
# folder the app may write; mount a volume on it when they are used.
WORKDIR /var/lib/app
ENV APP_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["app", "healthcheck"]
ENTRYPOINT ["app"]
CMD ["serve"]
