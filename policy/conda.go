package policy

import (
	_ "embed"
	"path"
	"sort"
	"strings"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/internal/datafile"
)

//go:embed data/conda.txt
var condaData []byte

const condaDataPath = "policy/data/conda.txt"

// condaSubdir is one conda subdir: the format its loader runs and the
// architecture of its binaries.
type condaSubdir struct {
	format audit.Format
	arch   string
}

// condaIndex is the parsed conda data.
type condaIndex struct {
	subdirs map[string]condaSubdir
	glibc   []string // names and globs
}

var condaIdx = mustData(parseCondaData(condaDataPath, condaData))

func parseCondaData(file string, data []byte) (*condaIndex, error) {
	recs, err := datafile.Lines(file, data, "libvet-conda-policy 1")
	if err != nil {
		return nil, err
	}
	idx := &condaIndex{subdirs: map[string]condaSubdir{}}
	for _, r := range recs {
		switch {
		case r.Fields[0] == "subdir" && len(r.Fields) == 4:
			f := audit.Format(r.Fields[2])
			if f != audit.FormatELF && f != audit.FormatMachO && f != audit.FormatPE {
				return nil, r.Errorf(file, "unknown format %q (want elf, macho or pe)", f)
			}
			if _, dup := idx.subdirs[r.Fields[1]]; dup {
				return nil, r.Errorf(file, "subdir %s listed twice", r.Fields[1])
			}
			idx.subdirs[r.Fields[1]] = condaSubdir{f, r.Fields[3]}
		case r.Fields[0] == "glibc" && len(r.Fields) == 2:
			if _, err := path.Match(r.Fields[1], ""); err != nil {
				return nil, r.Errorf(file, "bad glob %q: %v", r.Fields[1], err)
			}
			idx.glibc = append(idx.glibc, r.Fields[1])
		default:
			return nil, r.Errorf(file, "want \"subdir SUBDIR FORMAT ARCH\" or \"glibc NAME\", got %q", strings.Join(r.Fields, " "))
		}
	}
	return idx, nil
}

// CondaSubdirs returns the conda subdirs libvet knows, sorted.
func CondaSubdirs() []string {
	var out []string
	for s := range condaIdx.subdirs {
		out = append(out, s)
	}
	sort.Strings(out)
	return out
}

// CondaPlatform judges conda packages for the subdirs whose loader runs
// one binary format: a conda package's declared tag is its subdir
// ("linux-64"). The system provides only what conda-forge takes from it
// (see policy/data/conda.txt); which package provides every other library
// is the linkage audit's question, answered in package audit.
type CondaPlatform struct {
	// For is the binary format: ELF for linux-*, Mach-O for osx-*, PE for win-*.
	For audit.Format
}

// CondaPlatforms returns the conda platforms for the three formats.
func CondaPlatforms() []audit.Platform {
	return []audit.Platform{CondaPlatform{audit.FormatELF}, CondaPlatform{audit.FormatMachO}, CondaPlatform{audit.FormatPE}}
}

// Format implements [audit.Platform].
func (p CondaPlatform) Format() audit.Format { return p.For }

// Claims implements [audit.Platform]: a known subdir of p's format.
func (p CondaPlatform) Claims(tag string) bool {
	s, ok := condaIdx.subdirs[tag]
	return ok && s.format == p.For
}

// Target implements [audit.Platform]. It needs the subdir as the one
// declared tag.
func (p CondaPlatform) Target(in audit.Input) audit.Target {
	if len(in.Binaries) == 0 || len(in.Declared) != 1 || !p.Claims(in.Declared[0]) {
		return nil
	}
	return &condaTarget{subdir: in.Declared[0], info: condaIdx.subdirs[in.Declared[0]], bins: in.Binaries}
}

type condaTarget struct {
	subdir string
	info   condaSubdir
	bins   []*audit.Binary
}

// Promises implements [audit.Target]: glibc on Linux, /usr/lib and
// /System/Library on macOS, system DLLs and API sets on Windows.
func (t *condaTarget) Promises(from *audit.Binary, name string) (audit.Resolution, bool) {
	r := audit.Resolution{Need: name, By: audit.ByPolicy}
	switch t.info.format {
	case audit.FormatELF:
		for _, g := range condaIdx.glibc {
			if ok, _ := path.Match(g, name); ok {
				r.Detail = "glibc, which conda packages for " + t.subdir + " take from the system"
				return r, true
			}
		}
	case audit.FormatMachO:
		for _, p := range macSystemPrefixes {
			if strings.HasPrefix(name, p) {
				r.Detail = "a macOS system library (under " + strings.TrimSuffix(p, "/") + ")"
				return r, true
			}
		}
	case audit.FormatPE:
		lname := strings.ToLower(name)
		if class, ok := WindowsNeverBundled(lname); ok && class != "python" && class != "pypy" && class != "graalpy" {
			r.Detail = "a Windows system DLL (" + class + ")"
			if class == "api-set" {
				r.Detail = "an API set, mapped to a system DLL by Windows"
			}
			return r, true
		}
		if m := winMachine(t.info.arch); m != "" && WindowsSystemDLL(m, lname) {
			r.Detail = "a system DLL of every Windows release for " + m
			return r, true
		}
	}
	return audit.Resolution{}, false
}

// condaDLLDirs are the directories of a Windows conda environment on
// the PATH its activation sets, which conda-forge's Python (patched to
// restore the PATH search that Python 3.8 dropped) searches for the DLLs
// extension modules import.
var condaDLLDirs = []string{"Library/mingw-w64/bin", "Library/usr/bin", "Library/bin", "Scripts", "bin", "."}

// DLLDirs returns, for a win-* subdir, the environment's directories the
// DLL search includes; nil otherwise.
func (t *condaTarget) DLLDirs() []audit.DLLDir {
	if t.info.format != audit.FormatPE {
		return nil
	}
	var out []audit.DLLDir
	for _, d := range condaDLLDirs {
		out = append(out, audit.DLLDir{Dir: d, How: "conda's activated PATH (" + d + "), which conda-forge's Python searches"})
	}
	return out
}

// winMachine maps a PE Binary.Arch to the machine names of the Windows data.
func winMachine(arch string) string {
	switch arch {
	case "x86":
		return "I386"
	case "amd64":
		return "AMD64"
	case "arm64":
		return "ARM64"
	}
	return ""
}

// NotPromised implements [audit.Target].
func (t *condaTarget) NotPromised(string) string {
	switch t.info.format {
	case audit.FormatELF:
		return "conda packages for " + t.subdir + " take only glibc from the system"
	case audit.FormatMachO:
		return "macOS itself provides only libraries under /usr/lib and /System/Library"
	}
	return "not a DLL every Windows release ships; on conda-forge the VC++ runtime and the UCRT come from packages"
}

// Judge implements [audit.Target]: the subdir is the tag when every
// binary is of its architecture.
func (t *condaTarget) Judge(r *audit.Report) {
	judgeArch(r, t.subdir, t.info.arch, t.bins, "conda/wrong-arch")
}
