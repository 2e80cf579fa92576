# The registry's image: `mscreg` built from this checkout with the Swift runtime linked in
# (--static-swift-stdlib), on Debian bookworm-slim with libpq at run time.
# docker-compose.yml builds it; alone: docker build -t mscreg .
#
# Build stage: the Swift toolchain, libpq's headers and pkg-config (the CLibPQ module).
FROM swift:6.3-bookworm AS build
RUN apt-get update -q \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    libpq-dev pkg-config \
  && rm -rf /var/lib/apt/lists/*
WORKDIR /src
COPY Package.swift ./
COPY Sources Sources
COPY Tests Tests
RUN swift build -c release --product mscreg --static-swift-stdlib \
  && cp "$(swift build -c release --static-swift-stdlib --show-bin-path)/mscreg" \
    /usr/local/bin/mscreg

# Run stage: libpq5 (with time zones, and certificates for sslmode=verify-full), nothing else.
# The working folder holds sql/migrations (found by `mscreg db migrate`) and config/protocols
# (so that `protocol load config/protocols/sle-ucmsc.yaml` works as in the README).
FROM debian:bookworm-slim
RUN apt-get update -q \
  && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
    libpq5 ca-certificates tzdata curl \
  && rm -rf /var/lib/apt/lists/*
COPY --from=build /usr/local/bin/mscreg /usr/local/bin/mscreg
WORKDIR /opt/mscreg
COPY sql/migrations sql/migrations
COPY config/protocols config/protocols
COPY openapi.yaml openapi.yaml
ENTRYPOINT ["mscreg"]
CMD ["--help"]
