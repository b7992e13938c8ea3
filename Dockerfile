# Build: docker build -t huunghi .   Run: see docker-compose.yml
FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /huunghi .

FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /huunghi /huunghi
# tzdata for BOT_TIMEZONE comes from Go's embedded copy (time/tzdata is imported by main).
EXPOSE 8080
USER nonroot
ENTRYPOINT ["/huunghi", "serve"]
