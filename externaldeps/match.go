package externaldeps

import "sync"

// Covers reports whether a declared external dependency covers a need
// for needed (both DepURLs in any spelling [ParseDepURL] accepts;
// versions and qualifiers are ignored): they are the same, or one
// provides the other by the registry (dep:generic/openblas provides
// dep:virtual/interface/blas, so a declared BLAS interface covers a
// linked OpenBLAS and a declared OpenBLAS covers a need for the BLAS
// interface), directly or through aliases.
func Covers(declared, needed string) bool {
	d, n := bareID(declared), bareID(needed)
	if d == "" || n == "" {
		return false
	}
	if d == n {
		return true
	}
	p := providesIndex()
	return p.reaches(n, d) || p.reaches(d, n)
}

// bareID is a DepURL's canonical form without version, qualifiers and
// subpath, "" when it does not parse.
func bareID(s string) string {
	u, err := ParseDepURL(s)
	if err != nil {
		return ""
	}
	u.Version, u.Qualifiers, u.Subpath = "", nil, ""
	return u.String()
}

// provides maps a DepURL to those it provides, by bare ID.
type provides map[string][]string

var providesIndex = sync.OnceValue(func() provides {
	p := provides{}
	for _, def := range Definitions() {
		from := bareID(def.DepURL)
		for _, to := range def.Provides {
			p[from] = append(p[from], bareID(to))
		}
	}
	return p
})

// reaches reports whether from provides to, following provides
// transitively.
func (p provides) reaches(from, to string) bool {
	seen := map[string]bool{from: true}
	queue := []string{from}
	for len(queue) > 0 {
		x := queue[0]
		queue = queue[1:]
		for _, y := range p[x] {
			if y == to {
				return true
			}
			if !seen[y] {
				seen[y] = true
				queue = append(queue, y)
			}
		}
	}
	return false
}
