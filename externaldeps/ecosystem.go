package externaldeps

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"slices"
	"strings"
)

// ErrNoEcosystem is wrapped by the errors of [DetectEcosystem] that find
// no ecosystem libvet has a mapping for.
var ErrNoEcosystem = errors.New("no ecosystem detected")

// maxOSRelease bounds the os-release file read from a root that may be
// hostile (a container image's). Real ones are under 1 KiB.
const maxOSRelease = 64 << 10

// osReleaseFiles are where os-release(5) says to look, in order, relative
// to the root.
var osReleaseFiles = []string{"etc/os-release", "usr/lib/os-release"}

// osReleaseFallbacks are libvet's choices for distributions that have no
// PEP 804 mapping of their own and do not name one in ID_LIKE: the
// ecosystem to use instead, and why (for the answer's how).
var osReleaseFallbacks = map[string]struct{ ecosystem, why string }{
	"debian": {"ubuntu", "no PEP 804 mapping is for Debian; Ubuntu's is the nearest, and most of its package names are Debian's too (not all: Debian 12 has libjpeg62-turbo, not libjpeg-turbo8)"},
	"nixos":  {"nix", "NixOS installs packages with Nix"},
}

// MappingFor returns the ecosystem whose PEP 804 mapping serves
// ecosystem: itself, or, for a distribution without a mapping of its own
// (debian, nixos), the one libvet uses instead (ubuntu, nix).
func MappingFor(ecosystem string) string {
	if f, ok := osReleaseFallbacks[ecosystem]; ok {
		return f.ecosystem
	}
	return ecosystem
}

// DetectEcosystem works out which PEP 804 ecosystem ([Ecosystems]) installs
// packages on the system whose root file system is root, and says how it
// found out. env reads that system's environment (os.Getenv for this
// process); either may be nil. The checks, in order:
//
//  1. CONDA_PREFIX is set (an activated conda environment): conda-forge.
//  2. root is a conda environment (it has conda-meta/history): conda-forge.
//  3. root has an os-release file (etc/os-release, else usr/lib/os-release):
//     its ID and VERSION_ID as "ID+VERSION_ID" (PEP 804's versioned
//     ecosystem names), then its ID, then each word of its ID_LIKE, the
//     first that names a mapping; then libvet's fallbacks for ID and
//     ID_LIKE: debian → ubuntu (Debian has no mapping of its own; most
//     package names are shared), nixos → nix. Fedora derivatives (RHEL,
//     CentOS, Rocky, Alma) name fedora in ID_LIKE, Ubuntu derivatives
//     ubuntu, Arch derivatives arch. A distribution without a mapping
//     (Alpine, openSUSE) is an error, unless HOMEBREW_PREFIX is set.
//  4. root is macOS (it has System/Library/CoreServices/SystemVersion.plist)
//     with Homebrew (opt/homebrew/bin/brew, usr/local/bin/brew, or
//     HOMEBREW_PREFIX set): homebrew.
//  5. HOMEBREW_PREFIX is set (Homebrew on Linux, or macOS with no root
//     given): homebrew.
//
// What is detected is the root's system, not the one libvet runs on: on
// macOS pass os.DirFS("/") for the SystemVersion.plist check to see
// macOS; from Linux, a mounted macOS volume is detected the same way. A
// Windows root (Windows/System32) is an error: vcpkg, winget, Chocolatey,
// Scoop and conda-forge all have mappings and none is the system's; the
// caller must choose. The error wraps [ErrNoEcosystem] and lists the
// ecosystems to choose from.
//
// The os-release file is read through root, at most 64 KiB; a larger one
// is an error.
func DetectEcosystem(root fs.FS, env func(string) string) (ecosystem, how string, err error) {
	getenv := func(k string) string {
		if env == nil {
			return ""
		}
		return env(k)
	}
	brew := getenv("HOMEBREW_PREFIX")
	choose := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s; name one of: %s", ErrNoEcosystem, fmt.Sprintf(format, args...), strings.Join(Ecosystems(), ", "))
	}
	if p := getenv("CONDA_PREFIX"); p != "" {
		return "conda-forge", fmt.Sprintf("CONDA_PREFIX is set (%s): an activated conda environment", p), nil
	}
	if root != nil {
		if exists(root, "conda-meta/history") {
			return "conda-forge", "the root is a conda environment (conda-meta/history)", nil
		}
		osr, file, err := readOSRelease(root)
		if err != nil {
			return "", "", err
		}
		if file != "" {
			if eco, how, ok := osr.ecosystem(file); ok {
				return eco, how, nil
			}
			if brew != "" {
				return "homebrew", fmt.Sprintf("HOMEBREW_PREFIX is set (%s), and %s (%s) names no ecosystem libvet has a mapping for", brew, file, osr), nil
			}
			return "", "", choose("%s (%s) names no ecosystem libvet has a PEP 804 mapping for", file, osr)
		}
		const macOS = "System/Library/CoreServices/SystemVersion.plist"
		if exists(root, macOS) {
			for _, b := range []string{"opt/homebrew/bin/brew", "usr/local/bin/brew"} {
				if exists(root, b) {
					return "homebrew", fmt.Sprintf("macOS (%s) with Homebrew (%s)", macOS, b), nil
				}
			}
			if brew != "" {
				return "homebrew", fmt.Sprintf("macOS (%s), HOMEBREW_PREFIX is set (%s)", macOS, brew), nil
			}
			return "", "", choose("macOS (%s) without Homebrew (no opt/homebrew/bin/brew or usr/local/bin/brew, HOMEBREW_PREFIX not set)", macOS)
		}
		if exists(root, "Windows/System32") {
			return "", "", choose("Windows (Windows/System32) has no default ecosystem")
		}
	}
	if brew != "" {
		return "homebrew", fmt.Sprintf("HOMEBREW_PREFIX is set (%s)", brew), nil
	}
	return "", "", choose("no CONDA_PREFIX, conda-meta/history, os-release file, macOS or HOMEBREW_PREFIX")
}

// exists reports whether name exists in root.
func exists(root fs.FS, name string) bool {
	_, err := fs.Stat(root, name)
	return err == nil
}

// osRelease is the part of an os-release file that detection uses.
type osRelease struct {
	id, versionID string
	idLike        []string
}

// String describes the fields for messages: ID=rocky VERSION_ID=9.3
// ID_LIKE="rhel centos fedora".
func (o osRelease) String() string {
	s := "ID=" + o.id
	if o.versionID != "" {
		s += " VERSION_ID=" + o.versionID
	}
	if len(o.idLike) > 0 {
		s += fmt.Sprintf(" ID_LIKE=%q", strings.Join(o.idLike, " "))
	}
	return s
}

// ecosystem implements step 3 of [DetectEcosystem]; file names the
// os-release file for how.
func (o osRelease) ecosystem(file string) (ecosystem, how string, ok bool) {
	names := Ecosystems()
	if o.versionID != "" && slices.Contains(names, o.id+"+"+o.versionID) {
		return o.id + "+" + o.versionID, fmt.Sprintf("%s: %s", file, o), true
	}
	if slices.Contains(names, o.id) {
		return o.id, fmt.Sprintf("%s: %s", file, o), true
	}
	for _, like := range o.idLike {
		if slices.Contains(names, like) {
			return like, fmt.Sprintf("%s: %s, like %s", file, o, like), true
		}
	}
	for _, id := range append([]string{o.id}, o.idLike...) {
		if f, ok := osReleaseFallbacks[id]; ok && slices.Contains(names, f.ecosystem) {
			return f.ecosystem, fmt.Sprintf("%s: %s; %s", file, o, f.why), true
		}
	}
	return "", "", false
}

// readOSRelease reads the first os-release file root has; file is "" when
// it has none.
func readOSRelease(root fs.FS) (o osRelease, file string, err error) {
	for _, name := range osReleaseFiles {
		f, err := root.Open(name)
		if err != nil {
			continue
		}
		data, err := io.ReadAll(io.LimitReader(f, maxOSRelease+1))
		f.Close()
		if err != nil {
			return osRelease{}, "", fmt.Errorf("read %s: %w", name, err)
		}
		if len(data) > maxOSRelease {
			return osRelease{}, "", fmt.Errorf("read %s: larger than %d KiB, not an os-release file", name, maxOSRelease>>10)
		}
		return parseOSRelease(data), name, nil
	}
	return osRelease{}, "", nil
}

// parseOSRelease reads ID, VERSION_ID and ID_LIKE from an os-release file
// (os-release(5): shell-style KEY=VALUE lines; values optionally in double
// quotes, with \" \\ \$ \` escapes, or single quotes; '#' comments). Lines
// that do not parse are skipped, as systemd does. A missing ID is "linux",
// the specification's default. IDs are lower-cased.
func parseOSRelease(data []byte) osRelease {
	var o osRelease
	for _, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSpace(line)
		if line == "" || line[0] == '#' {
			continue
		}
		key, raw, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		val, ok := unquoteOSRelease(raw)
		if !ok {
			continue
		}
		switch key {
		case "ID":
			o.id = strings.ToLower(val)
		case "VERSION_ID":
			o.versionID = val
		case "ID_LIKE":
			o.idLike = strings.Fields(strings.ToLower(val))
		}
	}
	if o.id == "" {
		o.id = "linux"
	}
	return o
}

// unquoteOSRelease returns an os-release value without its quotes, or
// false when the quoting is broken.
func unquoteOSRelease(s string) (string, bool) {
	if s == "" {
		return "", true
	}
	switch s[0] {
	case '\'':
		if len(s) < 2 || s[len(s)-1] != '\'' || strings.Contains(s[1:len(s)-1], "'") {
			return "", false
		}
		return s[1 : len(s)-1], true
	case '"':
		var b strings.Builder
		for i := 1; i < len(s); i++ {
			c := s[i]
			switch {
			case c == '\\' && i+1 < len(s) && strings.IndexByte("\"\\$`", s[i+1]) >= 0:
				i++
				b.WriteByte(s[i])
			case c == '"':
				return b.String(), i == len(s)-1
			default:
				b.WriteByte(c)
			}
		}
		return "", false
	}
	if strings.ContainsAny(s, "\"'\\ \t") {
		return "", false
	}
	return s, true
}
