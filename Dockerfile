# A small, non-root production image. Dependencies are compiled in their own layer (cargo-chef),
# so changing application code rebuilds only the application. {% if false %}
#   docker build -t starter .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e APP_BASE_URL=... starter
# {% else %}
#   docker build -t {{project-name}} .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e APP_BASE_URL=... {{project-name}}
# {% endif %}
# Inside the image the binary is /usr/local/bin/app, whatever the package is called.

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
# Queries are checked against .sqlx/ (SQLX_OFFLINE is set in .cargo/config.toml). The binary
# is named after the package; it is installed as `app`.
RUN cargo install --path . --locked --root /out && mv /out/bin/* /out/bin/app

FROM debian:bookworm-slim AS runtime
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --no-create-home app
COPY --from=builder /out/bin/app /usr/local/bin/app
USER app
ENV APP_ENV=production HOST=0.0.0.0 PORT=3000
EXPOSE 3000
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
    CMD ["app", "healthcheck"]
ENTRYPOINT ["app"]
CMD ["serve"]
