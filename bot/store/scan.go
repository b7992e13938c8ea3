package store

import (
	"context"
	"sync"

	"github.com/redis/go-redis/v9"
)

// scanKeys calls fn with every key matching pattern, walking the keyspace with SCAN, count keys a step, so
// that Redis is never blocked for long. SCAN on a Redis Cluster client reaches one node, chosen at random,
// and lists only that node's keys: there it runs on every master, so nothing is missed whatever the slots
// (with the one hash tag of keys.go, the bot's keys are all on the master that owns the slot of "hn", but a
// walk that assumes it would silently miss keys the day it is not so; the migration, which looks for keys
// written before the tag, needs every node anyway). The masters are walked at the same time; fn is never
// called from two of them at once. A key may be given twice (SCAN's own guarantee), and keys created or
// renamed during the walk may be given or not: callers are idempotent. The first error stops the walk.
func (s *Store) scanKeys(ctx context.Context, pattern string, count int64, fn func(ctx context.Context, key string) error) error {
	walk := func(ctx context.Context, c redis.Cmdable, mu *sync.Mutex) error {
		iter := c.Scan(ctx, 0, pattern, count).Iterator()
		for iter.Next(ctx) {
			if mu != nil {
				mu.Lock()
			}
			err := fn(ctx, iter.Val())
			if mu != nil {
				mu.Unlock()
			}
			if err != nil {
				return err
			}
		}
		return iter.Err()
	}
	cluster, ok := s.rdb.(*redis.ClusterClient)
	if !ok {
		return walk(ctx, s.rdb, nil)
	}
	var mu sync.Mutex
	var first error // the error that stopped the walk, not the cancellations it caused on the other masters
	var once sync.Once
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	err := cluster.ForEachMaster(ctx, func(ctx context.Context, node *redis.Client) error {
		err := walk(ctx, node, &mu)
		if err != nil {
			once.Do(func() { first = err })
			cancel() // the other masters' walks stop too
		}
		return err
	})
	if first != nil {
		return first
	}
	return err
}
