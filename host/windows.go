package host

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"

	"github.com/libvet/libvet/pe"
)

// DLLPath finds Windows DLLs in directories outside an artifact, the way
// delvewheel's --add-path does: the directories are searched in order,
// names compare without regard to case (as on Windows), and a DLL for
// another machine is passed over, as the Windows loader does. Parsed
// DLLs are cached, so a DLL is read once however many binaries need it.
//
// It is not the Windows loader's whole search (no system directories, no
// PATH): libvet answers for system DLLs from its embedded lists, and uses
// a DLLPath only to follow the DLLs a wheel would have to vendor.
type DLLPath struct {
	dirs []string

	mu      sync.Mutex
	listing map[string]map[string][]string // dir -> lower-cased name -> file names
	parsed  *fileCache[pe.File]            // by path
}

// DLL is a DLL found in a [DLLPath] directory.
type DLL struct {
	// Path is the file's path, as the directory was given joined with
	// the file's name as spelt on disk.
	Path string
	// Step names the search step that found it ("--add-path DIR").
	Step string
	// File is the parsed image.
	File *pe.File
}

// NewDLLPath returns a search of dirs, in order.
func NewDLLPath(dirs []string) *DLLPath {
	return &DLLPath{dirs: dirs, listing: map[string]map[string][]string{}, parsed: newFileCache(pe.Open)}
}

// FindDLL returns the first DLL called name (in any case) whose machine
// is machine (a pe.File Machine value), or nil.
func (d *DLLPath) FindDLL(name string, machine uint16) *DLL {
	if strings.ContainsAny(name, `/\`) {
		return nil // imports name a file, never a path
	}
	for _, dir := range d.dirs {
		for _, file := range d.names(dir)[strings.ToLower(name)] {
			p := filepath.Join(dir, file)
			if f := d.parse(p); f != nil && f.Machine == machine {
				return &DLL{Path: p, Step: "--add-path " + dir, File: f}
			}
		}
	}
	return nil
}

// names lists dir once: lower-cased name -> the names on disk, sorted
// (a case-sensitive file system can hold several spellings).
func (d *DLLPath) names(dir string) map[string][]string {
	d.mu.Lock()
	defer d.mu.Unlock()
	if m, ok := d.listing[dir]; ok {
		return m
	}
	m := map[string][]string{}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		k := strings.ToLower(e.Name())
		m[k] = append(m[k], e.Name())
	}
	for _, v := range m {
		sort.Strings(v)
	}
	d.listing[dir] = m
	return m
}

func (d *DLLPath) parse(p string) *pe.File { return d.parsed.get(p) }
