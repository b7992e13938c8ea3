package bot

import (
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Redis deployments REDIS_MODE selects. The URL is go-redis's own in each mode (redis.ParseURL,
// redis.ParseFailoverURL, redis.ParseClusterURL): they all use the redis:// and rediss:// schemes, and a
// Cluster URL cannot be told from a single server's, so the mode is said in a variable of its own rather
// than guessed from the URL (go-redis's UniversalClient guesses from the number of addresses, which would
// make a one-seed Cluster URL a single-server client that fails on the first MOVED).
const (
	// RedisSingle is one server: redis://[user:pass@]host:port/db (rediss:// for TLS).
	RedisSingle = "single"
	// RedisSentinel is a master watched by Sentinel: redis://[sentinel user:pass@]sentinel:26379/db
	// ?master_name=NAME[&addr=sentinel2:26379 ...][&password=MASTER PASSWORD].
	RedisSentinel = "sentinel"
	// RedisCluster is a Redis Cluster: redis://[user:pass@]node:port[?addr=node2:port ...], any reachable
	// nodes as seeds; database 0 only.
	RedisCluster = "cluster"
)

// RedisConfig is where the bot's Redis is, parsed from REDIS_MODE and REDIS_URL. One of Single, Failover
// and Cluster is set, by Mode.
type RedisConfig struct {
	Mode string
	// Addr is the addresses from the URL, comma-separated, for logs: never a password.
	Addr     string
	Single   *redis.Options
	Failover *redis.FailoverOptions
	Cluster  *redis.ClusterOptions
}

// ParseRedis reads REDIS_MODE and REDIS_URL. Options go-redis would accept but the bot cannot work with
// are refused here, at start, with the reason: reading from replicas (read_only, replica_only,
// route_by_latency, route_randomly) could miss what was just written — an update stored before it was
// confirmed to Telegram, a place just taken — and go-redis's failover client panics on the last two.
func ParseRedis(mode, rawURL string) (RedisConfig, error) {
	r, err := parseRedis(mode, rawURL)
	if err != nil {
		return r, redact(err, rawURL)
	}
	return r, nil
}

// redact takes the URL's passwords out of an error (url.Parse quotes the URL it could not parse), since
// configuration errors are printed at start.
func redact(err error, rawURL string) error {
	msg := err.Error()
	var secrets []string
	if u, perr := url.Parse(rawURL); perr == nil {
		if pw, ok := u.User.Password(); ok {
			secrets = append(secrets, pw)
		}
		secrets = append(secrets, u.Query()["password"]...)
	} else if at := strings.LastIndex(rawURL, "@"); at > 0 {
		// Unparsable: hide everything between the scheme and the host.
		secrets = append(secrets, strings.TrimPrefix(rawURL[:at], rawURL[:strings.Index(rawURL, ":")+1]))
	}
	for _, s := range secrets {
		if s != "" {
			msg = strings.ReplaceAll(msg, s, "xxxxx")
		}
	}
	if msg == err.Error() {
		return err
	}
	return errors.New(msg)
}

func parseRedis(mode, rawURL string) (RedisConfig, error) {
	r := RedisConfig{Mode: strings.ToLower(mode)}
	if r.Mode == "" {
		r.Mode = RedisSingle
	}
	replicaReads := func(q url.Values, names ...string) error {
		for _, n := range names {
			if q.Has(n) {
				return fmt.Errorf("%s is not supported: the bot must read what it has just written, from the master", n)
			}
		}
		return nil
	}
	switch r.Mode {
	case RedisSingle:
		o, err := redis.ParseURL(rawURL)
		if err != nil {
			if strings.Contains(rawURL, "master_name=") {
				return r, fmt.Errorf("%v (a Sentinel URL needs REDIS_MODE=sentinel)", err)
			}
			return r, err
		}
		r.Single, r.Addr = o, o.Addr
	case RedisSentinel:
		o, err := redis.ParseFailoverURL(rawURL)
		if err != nil {
			return r, err
		}
		if o.MasterName == "" {
			return r, errors.New("REDIS_MODE=sentinel needs ?master_name= (the name Sentinel knows the master by)")
		}
		if err := replicaReads(queryOf(rawURL), "replica_only", "route_by_latency", "route_randomly", "use_disconnected_replicas"); err != nil {
			return r, err
		}
		r.Failover, r.Addr = o, o.MasterName+"@"+strings.Join(o.SentinelAddrs, ",")
	case RedisCluster:
		u, err := url.Parse(rawURL)
		if err != nil {
			return r, err
		}
		// ParseClusterURL ignores the path: a database number would be silently dropped.
		if p := strings.Trim(u.Path, "/"); p != "" && p != "0" {
			return r, fmt.Errorf("database %q: Redis Cluster has database 0 only", p)
		}
		u.Path = ""
		o, err := redis.ParseClusterURL(u.String())
		if err != nil {
			return r, err
		}
		if err := replicaReads(u.Query(), "read_only", "route_by_latency", "route_randomly"); err != nil {
			return r, err
		}
		r.Cluster, r.Addr = o, strings.Join(o.Addrs, ",")
	default:
		return r, fmt.Errorf("want %s, %s or %s, got %q", RedisSingle, RedisSentinel, RedisCluster, mode)
	}
	return r, nil
}

func queryOf(rawURL string) url.Values {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	return u.Query()
}

// NewClient dials the Redis of the configuration: NewClient, NewFailoverClient (which asks Sentinel for
// the master and follows a failover) or NewClusterClient (which follows the slots).
func (r RedisConfig) NewClient() redis.UniversalClient {
	switch {
	case r.Failover != nil:
		return redis.NewFailoverClient(r.Failover)
	case r.Cluster != nil:
		return redis.NewClusterClient(r.Cluster)
	case r.Single != nil:
		return redis.NewClient(r.Single)
	}
	return redis.NewClient(&redis.Options{Addr: "127.0.0.1:6379"})
}
