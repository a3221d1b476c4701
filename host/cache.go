package host

import (
	"os"
	"sync"
)

// fileCache parses each regular file once, by host path, however many
// binaries need it; a file that is not of the format is remembered as
// nil. It is safe for concurrent use.
type fileCache[T any] struct {
	open func(name string) (*T, error)

	mu     sync.Mutex
	parsed map[string]*T
}

func newFileCache[T any](open func(string) (*T, error)) *fileCache[T] {
	return &fileCache[T]{open: open, parsed: map[string]*T{}}
}

// get returns the parsed file at host path p, nil when it is not a
// regular file of the format.
func (c *fileCache[T]) get(p string) *T {
	c.mu.Lock()
	f, ok := c.parsed[p]
	c.mu.Unlock()
	if ok {
		return f
	}
	if st, err := os.Stat(p); err == nil && st.Mode().IsRegular() {
		f, _ = c.open(p)
	}
	c.mu.Lock()
	c.parsed[p] = f
	c.mu.Unlock()
	return f
}
