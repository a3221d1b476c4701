package artifact

import (
	"fmt"
	"io/fs"
	"slices"
	"strings"
)

// maxHops is how many links Resolve follows for one path, as Linux's
// path walk does (ELOOP after 40).
const maxHops = 40

// Resolve returns the member that path p reaches once symbolic links and
// hard links are followed, in p itself and in its parent directories
// (a sysroot's "lib64/libfoo.so" when lib64 is a link to lib). p is a
// member path ("data.tar.xz!usr/lib/libfoo.so.1"); links are followed
// within p's container only, the way the kernel walks a path under
// chroot: an absolute target starts at the container's root ("/usr/lib/x"
// in a .deb's data tar is that tar's "usr/lib/x"), ".." stops at the
// root, and a hard link's target is a path from the root. Resolve sees
// the members of [Artifact.Members]: for a streamed artifact, call it
// after [Artifact.Walk].
//
// A path that names no member and follows no link is an [ErrNotFound]
// error; a link that leads to nothing, through a directory that does not
// exist, or on through more than 40 links (a loop) is [ErrDanglingLink].
// Errors are [*Error] values naming the artifact and p.
func (a *Artifact) Resolve(p string) (*Member, error) {
	ms := a.Members()
	prefix := a.container(p)
	var (
		cur   = prefix                                    // prefix and the directories resolved so far
		ends  []int                                       // len(cur) before each resolved directory, for ".."
		todo  = components(strings.TrimPrefix(p, prefix)) // what is left to resolve
		hops  int
		trail []string // the links followed, for messages
	)
	if len(todo) == 0 { // "" or a container's root
		return nil, a.fail(p, reasonf(ErrNotFound, "no such member (the path names no file)"))
	}
	for len(todo) > 0 {
		c := todo[0]
		todo = todo[1:]
		if c == ".." {
			if len(ends) > 0 {
				cur, ends = cur[:ends[len(ends)-1]], ends[:len(ends)-1]
			}
			continue
		}
		here := cur + c
		if len(ends) > 0 {
			here = cur + "/" + c
		}
		m := findMember(ms, here)
		if m != nil && m.Link != "" {
			if hops++; hops > maxHops {
				return nil, a.fail(p, reasonf(ErrDanglingLink, "more than %d links to follow (a loop?): %s", maxHops, strings.Join(trail[:4], ", ")+", …"))
			}
			trail = append(trail, m.Path+" -> "+m.Link)
			hard := m.Mode&fs.ModeSymlink == 0 // a path from the root, to a file
			if hard && len(todo) > 0 {
				return nil, a.fail(p, reasonf(ErrDanglingLink, "%s is a hard link, not a directory", m.Path))
			}
			if hard || strings.HasPrefix(m.Link, "/") {
				cur, ends = prefix, ends[:0]
			}
			todo = append(components(m.Link), todo...)
			continue
		}
		if len(todo) > 0 && (m != nil || !isDirIn(ms, here)) {
			return nil, a.missing(p, here, trail, "is not a directory")
		}
		ends = append(ends, len(cur))
		cur = here
	}
	if m := findMember(ms, cur); m != nil {
		return m, nil
	}
	if !isDirIn(ms, cur) {
		return nil, a.missing(p, cur, trail, "does not exist")
	}
	return nil, a.missing(p, cur, trail, "is not a file", ErrIsDir)
}

// components splits a slash-separated path, dropping empty and "."
// components.
func components(p string) []string {
	var cs []string
	for c := range strings.SplitSeq(p, "/") {
		if c != "" && c != "." {
			cs = append(cs, c)
		}
	}
	return cs
}

// missing returns the error for a path that reaches no member: it wraps
// ErrNotFound, or ErrDanglingLink when links were followed, and also.
func (a *Artifact) missing(p, at string, trail []string, what string, also ...error) error {
	sentinel, msg := ErrNotFound, fmt.Sprintf("no such member (%s %s)", at, what)
	if len(trail) > 0 {
		sentinel, msg = ErrDanglingLink, fmt.Sprintf("dangling link: %s; %s %s", strings.Join(trail, ", "), at, what)
	}
	return a.fail(p, &reason{msg: msg, errs: append([]error{sentinel}, also...)})
}

// container returns the prefix ("data.tar.xz!") of the nested container
// that p is in, or "".
func (a *Artifact) container(p string) string {
	for _, st := range a.streams {
		if st.name != "" && strings.HasPrefix(p, st.prefix()) {
			return st.prefix()
		}
	}
	return ""
}

// isDirIn reports whether some member of ms, sorted by Path, lies under
// the directory dir.
func isDirIn(ms []*Member, dir string) bool {
	if strings.HasSuffix(dir, "!") { // a container's root
		return true
	}
	if dir == "" {
		return len(ms) > 0
	}
	dir += "/"
	i, _ := slices.BinarySearchFunc(ms, dir, func(m *Member, d string) int { return strings.Compare(m.Path, d) })
	return i < len(ms) && strings.HasPrefix(ms[i].Path, dir)
}
