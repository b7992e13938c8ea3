# Build: docker build -t huunghi .   Run: see docker-compose.yml and README "Deploying".
#
# Base images are pinned by digest, so a rebuild of an old commit gets the same bases, not whatever the tag
# points at that week. The digests are the multi-arch index digests of these tags as pinned, together, in
# public Dockerfiles kept fresh by Dependabot (found by searching public code; no registry was reachable
# from the machine this was written on). To refresh both, on a machine with Docker:
#   docker buildx imagetools inspect golang:1.26-bookworm                         (the "Digest:" line)
#   docker buildx imagetools inspect gcr.io/distroless/static-debian12:nonroot
# and paste the digests after the tags below; then build, and check the binary runs in the new base:
#   docker run --rm --entrypoint /huunghi huunghi check
FROM golang:1.26-bookworm@sha256:b305420a68d0f229d91eb3b3ed9e519fcf2cf5461da4bef997bf927e8c0bfd2b AS build
# The pinned image's Go may be older than the release go.mod's toolchain line asks for (security fixes of the
# standard library, see govulncheck in .ci/run): GOTOOLCHAIN=auto fetches that toolchain from the Go module
# proxy, checked against sum.golang.org, so the binary is built with it whatever the image's patch release.
ENV GOTOOLCHAIN=auto
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /huunghi .

FROM gcr.io/distroless/static-debian12:nonroot@sha256:d093aa3e30dbadd3efe1310db061a14da60299baff8450a17fe0ccc514a16639
COPY --from=build /huunghi /huunghi
# tzdata for BOT_TIMEZONE comes from Go's embedded copy (time/tzdata is imported by main).
EXPOSE 8080
USER nonroot
# distroless has no shell or curl: the binary probes itself (/healthz, then /readyz: Redis answers and
# intake runs) on HTTP_ADDR. In polling mode intake counts as running once the first long poll returns, up
# to 50 s after start when no update is waiting: hence the start period.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 CMD ["/huunghi", "health"]
ENTRYPOINT ["/huunghi", "serve"]
