package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// healthTimeout bounds the whole probe. Docker's HEALTHCHECK kills a probe at its own --timeout (5 s in
// the Dockerfile); the probe gives up before that, so its one line saying why reaches `docker inspect`.
const healthTimeout = 3 * time.Second

// healthCmd probes the running bot for a container HEALTHCHECK: distroless has no curl, and the binary
// already in the image can ask. It asks /healthz (the process answers HTTP) and then /readyz (Redis
// answers and intake runs), and exits 0 only when both say yes; otherwise 1, with one line saying why. A
// bot that is up but cannot reach Redis takes no update, so it is reported unhealthy: that is what an
// operator looking at `docker ps` needs to see.
//
// The address is the one `serve` listens on, HTTP_ADDR (read the same way), on the loopback interface when
// it names no host; --url overrides it.
func healthCmd(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	base := fs.String("url", "", "the bot's HTTP base URL (default http://<HTTP_ADDR>, loopback when HTTP_ADDR has no host)")
	if err := parseFlags(fs, args, stderr); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		fmt.Fprintln(stderr, "usage: huunghi health [--url http://HOST:PORT]")
		return exitError(2)
	}
	if *base == "" {
		u, err := healthURL(getenv("HTTP_ADDR"))
		if err != nil {
			fmt.Fprintf(stderr, "unhealthy: %v\n", err)
			return exitError(1)
		}
		*base = u
	}
	*base = strings.TrimRight(*base, "/")
	ctx, cancel := context.WithTimeout(ctx, healthTimeout)
	defer cancel()
	client := &http.Client{
		// A redirect is not an answer of the bot's health endpoints.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	for _, path := range []string{"/healthz", "/readyz"} {
		if err := probe(ctx, client, *base+path); err != nil {
			fmt.Fprintf(stderr, "unhealthy: %v\n", err)
			return exitError(1)
		}
	}
	fmt.Fprintf(stdout, "healthy: %s ready\n", *base)
	return nil
}

// probe GETs url and returns nil on 200, or an error carrying the status and the first line of the body
// (the bot says why it is not ready: "redis unreachable", "intake not running").
func probe(ctx context.Context, client *http.Client, url string) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return fmt.Errorf("--url: %v", err)
	}
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 256))
	if resp.StatusCode != http.StatusOK {
		why, _, _ := strings.Cut(strings.TrimSpace(string(body)), "\n")
		return fmt.Errorf("GET %s: %s %s", url, resp.Status, why)
	}
	return nil
}

// healthURL turns a listen address as serve reads HTTP_ADDR (default ":8080") into the URL a probe on the
// same host reaches it at: no host, or a wildcard one, means the loopback interface.
func healthURL(httpAddr string) (string, error) {
	addr := strings.TrimSpace(httpAddr)
	if addr == "" {
		addr = ":8080"
	}
	host, port, err := net.SplitHostPort(addr)
	if err != nil {
		return "", fmt.Errorf("HTTP_ADDR: want host:port (\":8080\"), got %q", httpAddr)
	}
	if port == "0" {
		return "", fmt.Errorf("HTTP_ADDR %q picks a free port at start: give --url", httpAddr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return "http://" + net.JoinHostPort(host, port), nil
}
