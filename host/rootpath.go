package host

import (
	"path"
	"strings"
)

// maxRootLinks bounds the symbolic links followed for one path, as
// Linux's 40.
const maxRootLinks = 40

// followLinks resolves the symbolic links of p, a path inside a root,
// without leaving the root, as if it were chrooted: an absolute link
// target is taken relative to the root and ".." stops at it. read reports
// for a path inside the root the link's target when it is a link, and
// whether it exists. It returns the resolved absolute path, and false
// when a component does not exist or the links loop (more than
// maxRootLinks).
func followLinks(p string, read func(p string) (target string, isLink, exists bool)) (string, bool) {
	rest := strings.Split(strings.TrimPrefix(path.Clean("/"+p), "/"), "/")
	cur, links := "/", 0
	for len(rest) > 0 {
		c := rest[0]
		rest = rest[1:]
		switch c {
		case "", ".":
			continue
		case "..":
			cur = path.Dir(cur)
			continue
		}
		next := path.Join(cur, c)
		t, isLink, exists := read(next)
		switch {
		case !exists:
			return "", false
		case !isLink:
			cur = next
			continue
		}
		if links++; links > maxRootLinks {
			return "", false
		}
		if path.IsAbs(t) {
			cur = "/"
		}
		rest = append(strings.Split(t, "/"), rest...)
	}
	return cur, true
}
