# syntax=docker/dockerfile:1
# Build a static binary, ship it alone on a minimal base as a non-root user.
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
ARG VERSION=dev
RUN CGO_ENABLED=0 go build -trimpath -ldflags "-s -w -X main.version=${VERSION}" -o /out/pypi-proxy ./cmd/pypi-proxy
RUN mkdir -p /out/cache

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/pypi-proxy /usr/local/bin/pypi-proxy
COPY --from=build --chown=65532:65532 /out/cache /var/cache/pypi-proxy
ENV PYPI_PROXY_LISTEN=0.0.0.0:3141 \
    PYPI_PROXY_CACHE_DIR=/var/cache/pypi-proxy
VOLUME ["/var/cache/pypi-proxy"]
EXPOSE 3141
HEALTHCHECK --interval=30s --timeout=5s --start-period=10s --retries=3 \
    CMD ["/usr/local/bin/pypi-proxy", "healthcheck", "--url", "http://127.0.0.1:3141/healthz"]
USER nonroot:nonroot
ENTRYPOINT ["/usr/local/bin/pypi-proxy"]
CMD ["serve"]
