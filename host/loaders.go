package host

import (
	"debug/elf"
	"maps"
	"slices"
	"sync"
)

// Loaders is the ELF library search of a root for binaries of either C
// library: glibc's ([NewLinux]) and, for a [Search] with Musl set, musl's
// for the needing binary's machine ([NewMusl]), made on first use. It is
// safe for concurrent use.
type Loaders struct {
	opts  Options
	glibc *Linux

	mu   sync.Mutex
	musl map[elf.Machine]*Linux
}

// NewLoaders prepares the searches of the root opts.Root.
func NewLoaders(opts Options) *Loaders {
	return &Loaders{opts: opts, glibc: NewLinux(opts), musl: map[elf.Machine]*Linux{}}
}

// Find looks soname up as the needing binary's C library's loader would.
func (l *Loaders) Find(soname string, s Search) *Library {
	if !s.Musl {
		return l.glibc.Find(soname, s)
	}
	l.mu.Lock()
	m := l.musl[s.Machine]
	if m == nil {
		m = NewMusl(l.opts, s.Machine)
		l.musl[s.Machine] = m
	}
	l.mu.Unlock()
	return m.Find(soname, s)
}

// Problems returns what could not be read of the root's loader
// configuration (a corrupt ld.so.cache, an unreadable musl path file).
func (l *Loaders) Problems() []error {
	out := l.glibc.Problems()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, k := range slices.Sorted(maps.Keys(l.musl)) {
		out = append(out, l.musl[k].Problems()...)
	}
	return out
}
