package condition

import (
	"container/list"
	"sync"
)

// Cache keeps compiled programs by a caller-chosen key (e.g. "wf@v3/step/branch-0") so
// each filter is compiled once per workflow version. It is safe for concurrent use and
// evicts the least recently used entry beyond its size. Failed compiles are not cached.
type Cache struct {
	mu    sync.Mutex
	max   int
	order *list.List // of *cacheEntry, most recently used first
	items map[string]*list.Element
}

type cacheEntry struct {
	key  string
	prog *Program
}

// NewCache returns a cache holding at most max programs (max < 1 means 1024).
func NewCache(max int) *Cache {
	if max < 1 {
		max = 1024
	}
	return &Cache{max: max, order: list.New(), items: map[string]*list.Element{}}
}

// Compile returns the program cached under key, compiling f with opts on a miss. The key
// must identify the filter: a different filter under a cached key gets the cached program.
func (c *Cache) Compile(key string, f Filter, opts Options) (*Program, error) {
	if p := c.Get(key); p != nil {
		return p, nil
	}
	p, err := Compile(f, opts)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok { // another goroutine won the race: share its program
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).prog, nil
	}
	c.items[key] = c.order.PushFront(&cacheEntry{key: key, prog: p})
	for c.order.Len() > c.max {
		last := c.order.Back()
		c.order.Remove(last)
		delete(c.items, last.Value.(*cacheEntry).key)
	}
	return p, nil
}

// Get returns the program cached under key, or nil.
func (c *Cache) Get(key string) *Program {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.MoveToFront(el)
		return el.Value.(*cacheEntry).prog
	}
	return nil
}

// Forget drops the program cached under key.
func (c *Cache) Forget(key string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if el, ok := c.items[key]; ok {
		c.order.Remove(el)
		delete(c.items, key)
	}
}

// Len returns the number of cached programs.
func (c *Cache) Len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.order.Len()
}
