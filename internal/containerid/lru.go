// SPDX-License-Identifier: Apache-2.0

package containerid // import "github.com/otelcol-node/otelcol-node/internal/containerid"

import (
	"container/list"
)

// lruCache is a size-bounded least-recently-used map. It is not goroutine-safe;
// its owner serialises access.
type lruCache[K comparable, V any] struct {
	capacity int
	order    *list.List // front = most recently used; elements hold *lruItem
	items    map[K]*list.Element
}

type lruItem[K comparable, V any] struct {
	key   K
	value V
}

func newLRUCache[K comparable, V any](capacity int) *lruCache[K, V] {
	return &lruCache[K, V]{
		capacity: max(capacity, 1),
		order:    list.New(),
		items:    make(map[K]*list.Element),
	}
}

func (c *lruCache[K, V]) get(key K) (V, bool) {
	el, ok := c.items[key]
	if !ok {
		var zero V
		return zero, false
	}
	c.order.MoveToFront(el)
	return el.Value.(*lruItem[K, V]).value, true
}

// put stores value under key and reports whether an older entry had to be
// evicted to make room.
func (c *lruCache[K, V]) put(key K, value V) (evicted bool) {
	if el, ok := c.items[key]; ok {
		el.Value.(*lruItem[K, V]).value = value
		c.order.MoveToFront(el)
		return false
	}
	if c.order.Len() >= c.capacity {
		oldest := c.order.Back()
		c.order.Remove(oldest)
		delete(c.items, oldest.Value.(*lruItem[K, V]).key)
		evicted = true
	}
	c.items[key] = c.order.PushFront(&lruItem[K, V]{key: key, value: value})
	return evicted
}

func (c *lruCache[K, V]) len() int { return c.order.Len() }
