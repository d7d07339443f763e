# Multi-stage build of sitrep: a Rust builder, then a small Debian runtime with the binary and its
# data installed where it looks for them (/usr/local/share/sitrep). Build: docker build -t sitrep .
# Run:   docker run -p 8080:8080 -v sitrep-db:/var/lib/sitrep -e SITREP_TOKEN=... sitrep
FROM rust:1.90-bookworm AS build
WORKDIR /src
COPY Cargo.toml Cargo.lock ./
COPY src ./src
COPY benches ./benches
COPY data ./data
COPY static ./static
RUN cargo build --release --locked --bin sitrep \
    && strip target/release/sitrep

FROM debian:bookworm-slim
RUN useradd --system --home-dir /var/lib/sitrep --create-home --shell /usr/sbin/nologin sitrep
COPY --from=build /src/target/release/sitrep /usr/local/bin/sitrep
COPY --from=build /src/data /usr/local/share/sitrep/data
COPY --from=build /src/static /usr/local/share/sitrep/static
USER sitrep
WORKDIR /var/lib/sitrep
VOLUME ["/var/lib/sitrep"]
ENV SITREP_DB=/var/lib/sitrep/sitrep.db \
    SITREP_ADDR=0.0.0.0:8080 \
    SITREP_LOG=info \
    SITREP_LOG_FORMAT=json
EXPOSE 8080
ENTRYPOINT ["/usr/local/bin/sitrep"]
CMD ["serve"]
