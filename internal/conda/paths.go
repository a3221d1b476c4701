package conda

import (
	"fmt"
	"strings"

	"github.com/libvet/libvet/artifact"
	"github.com/libvet/libvet/internal/binio"
)

// PathType says how a path was or is to be written into an environment.
type PathType string

// The path types of CEP 34 (the first three) and CEP 32 (the others,
// which only conda-meta records use). Unknown types are kept as written.
const (
	Hardlink                      PathType = "hardlink"
	Softlink                      PathType = "softlink"
	Directory                     PathType = "directory"
	PycFile                       PathType = "pyc_file"
	UnixPythonEntryPoint          PathType = "unix_python_entry_point"
	WindowsPythonEntryPointScript PathType = "windows_python_entry_point_script"
	WindowsPythonEntryPointExe    PathType = "windows_python_entry_point_exe"
	LinkedPackageRecord           PathType = "linked_package_record"
)

const (
	defaultFileMode       = "text"
	supportedPathsVersion = 1
	infoFiles             = "info/files"
	infoPaths             = "info/paths.json"
	notRelative           = "is not a relative path inside the package"
)

// Paths is an info/paths.json file, or the paths_data of a conda-meta
// record.
type Paths struct {
	// Version is paths_version; 1 is the only version.
	Version int         `json:"paths_version"`
	Paths   []PathEntry `json:"paths"`
}

// A PathEntry describes one path of a package.
type PathEntry struct {
	// Path is relative to the package root (or the environment), with
	// '/' separators.
	Path string `json:"_path"`
	// Type is Hardlink when the file does not say.
	Type PathType `json:"path_type"`
	// FileMode is "text" or "binary": how the prefix placeholder is
	// replaced. It is "text" when the file does not say.
	FileMode          string `json:"file_mode"`
	PrefixPlaceholder string `json:"prefix_placeholder"`
	NoLink            bool   `json:"no_link"`
	// SHA256 and Size describe the file in the package (for a softlink,
	// its target).
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size_in_bytes"`
	// SHA256InPrefix is the hash of the installed file, which differs
	// from SHA256 after prefix replacement; conda-meta records only.
	SHA256InPrefix string `json:"sha256_in_prefix"`
}

// ParsePaths parses info/paths.json.
func ParsePaths(data []byte) (*Paths, error) {
	var p Paths
	if err := decode(infoPaths, data, &p); err != nil {
		return nil, err
	}
	if err := p.check(); err != nil {
		return nil, fmt.Errorf("%s: %w", infoPaths, err)
	}
	return &p, nil
}

// check validates p and fills in the defaults.
func (p *Paths) check() error {
	if p.Version != supportedPathsVersion {
		return fmt.Errorf("paths_version %d is not %d, the only version libvet knows", p.Version, supportedPathsVersion)
	}
	for i := range p.Paths {
		e := &p.Paths[i]
		if err := checkPath(e.Path); err != nil {
			return fmt.Errorf("paths[%d]: %w", i, err)
		}
		if e.Type == "" {
			e.Type = Hardlink
		}
		if e.FileMode == "" {
			e.FileMode = defaultFileMode
		}
		if e.Size < 0 {
			return fmt.Errorf("paths[%d] %q: negative size_in_bytes %d", i, e.Path, e.Size)
		}
	}
	return nil
}

// ParseFiles parses the legacy info/files list: one path per line.
// Blank lines are skipped.
func ParseFiles(data []byte) ([]string, error) {
	var files []string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			continue
		}
		if err := checkPath(line); err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", infoFiles, i+1, err)
		}
		files = append(files, line)
	}
	return files, nil
}

// checkPath rejects a path that is empty or that could escape the
// package ([artifact.UnsafeName]: absolute, a drive letter, a NUL byte or
// a ".." component, with slashes and backslashes both separators).
func checkPath(p string) error {
	if p == "" {
		return fmt.Errorf("empty path")
	}
	if artifact.UnsafeName(p) != "" {
		return fmt.Errorf("%q %s", clip(p), notRelative)
	}
	return nil
}

// clip shortens s for a message (binio.Clip).
func clip(s string) string { return binio.Clip(s, 80) }
