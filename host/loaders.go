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
func (l *Loaders) Find(soname string, s Search) *Library { return l.search(s).Find(soname, s) }

// Describe says where the search for a binary described by s looks
// besides its own RPATH and RUNPATH (see [Linux.Describe]).
func (l *Loaders) Describe(s Search) string { return l.search(s).Describe() }

// search returns the search of the binary's C library: glibc's, or
// musl's for its machine.
func (l *Loaders) search(s Search) *Linux {
	if !s.Musl {
		return l.glibc
	}
	l.mu.Lock()
	defer l.mu.Unlock()
	m := l.musl[s.Machine]
	if m == nil {
		m = NewMusl(l.opts, s.Machine)
		l.musl[s.Machine] = m
	}
	return m
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
