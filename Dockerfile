# A small, non-root production image. Dependencies are compiled in their own layer (cargo-chef),
# so changing application code rebuilds only the application.
#   docker build -t starter .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e APP_BASE_URL=... starter

FROM rust:1.91-bookworm AS chef
RUN cargo install cargo-chef --version 0.1.73 --locked
WORKDIR /app

FROM chef AS planner
COPY . .
RUN cargo chef prepare --recipe-path recipe.json

FROM chef AS builder
COPY --from=planner /app/recipe.json recipe.json
RUN cargo chef cook --release --recipe-path recipe.json
COPY . .
# Queries are checked against .sqlx/ (SQLX_OFFLINE is set in .cargo/config.toml).
RUN cargo build --release --bin starter

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home app
COPY --from=builder /app/target/release/starter /usr/local/bin/starter
USER app
ENV APP_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["starter", "healthcheck"]
ENTRYPOINT ["starter"]
CMD ["serve"]
