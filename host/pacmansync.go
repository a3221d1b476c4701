package host

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"path"
	"slices"
	"strings"

	"github.com/libvet/libvet/artifact"
)

// Where pacman keeps its databases, relative to the root, unless
// etc/pacman.conf sets another DBPath; the sync databases are in its
// sync directory: <repo>.db and, after pacman -Fy, <repo>.files
// (alpm-repo-db(5)).
const (
	pacmanDBPath = "var/lib/pacman"
	pacmanConf   = "etc/pacman.conf"
	// maxPacmanConf bounds pacman.conf: real ones are a few KiB.
	maxPacmanConf = 1 << 20
)

// Bounds on a sync database. The largest real ones, Arch Linux's
// extra.files, are tens of MiB compressed, hundreds expanded, and hold
// tens of thousands of members; these leave ample room while bounding
// what a hostile file can cost. A member is bounded by maxPacmanDesc or
// maxPacmanFiles, as in the local database.
const (
	maxPacmanSyncFile    = 1 << 30 // compressed
	maxPacmanSyncTotal   = 4 << 30 // expanded
	maxPacmanSyncMembers = 1 << 18 // desc and files members
)

// pacmanSyncTar is how a sync database is read: one tar, compressed
// with whatever repo-add was told (gzip, zstd, xz, bzip2) or not.
var pacmanSyncTar = cachedIndexTar{
	maxFile:   maxPacmanSyncFile,
	maxMember: maxPacmanFiles,
	lim:       artifact.Limits{MaxTotalSize: maxPacmanSyncTotal, MaxMembers: maxPacmanSyncMembers},
}

// pacmanLibDirs are the directories whose files the loader finds
// without help, relative to the root, and the word size that a library
// there is for (0: the directory does not say). Arch Linux ships 64-bit
// libraries in usr/lib and 32-bit ones (the lib32-* packages of
// multilib) in usr/lib32; the others are links or unused there, and
// listed for the derivatives.
var pacmanLibDirs = []struct {
	dir  string
	bits int
}{
	{"usr/lib", 0}, {"usr/lib32", 32}, {"usr/lib64", 64},
	{"lib", 0}, {"lib32", 32}, {"lib64", 64},
}

// ReadPacmanSync reads the sync databases that pacman keeps in the
// root: <repo>.db, which pacman -Sy downloads, and <repo>.files, which
// pacman -Fy does, in var/lib/pacman/sync or the sync directory of the
// DBPath that etc/pacman.conf sets.
//
// It returns the shared libraries that the databases' packages provide,
// those whose soname want keeps (all of them when want is nil), sorted
// by soname, bits, name, version, arch and repository. A package
// provides a library that its %PROVIDES% names ("lib:libz.so.1"; or
// "libz.so=1-64", which gives the word size, Bits) and, in a .files
// database, one it ships a file of in a library directory, the file
// being named like a shared library ("libz.so.1", "libz.so"): usr/lib
// and lib (Bits 0: they do not say, unless %PROVIDES% names the
// library with a word size), usr/lib32 and lib32 (Bits 32), usr/lib64
// and lib64 (Bits 64). Repo is the database's name ("core"). files are
// the databases read, relative to the root, sorted, and problems,
// sorted, the errors of those that could not be read (corrupt,
// truncated, too large, a malformed desc), one a file, naming it: such
// a file contributes no provisions. A root that keeps no sync database
// has neither files nor problems.
//
// Limitations: a library in a subdirectory of usr/lib that
// etc/ld.so.conf.d adds is not found, nor one whose package ships it
// under a name that is not its soname. A file named like a shared
// library counts whatever its soname, so a versioned file
// ("libz.so.1.3.1") and a development link ("libz.so") are provided
// too. Of pacman.conf only DBPath is read: RootDir and Include are
// not. The signatures (<repo>.db.sig) are not verified. The separate
// depends file of sync databases older than pacman 4.2 is not read.
func ReadPacmanSync(root fs.FS, want func(soname string) bool) (provs []Provision, files []string, problems []error) {
	dbpath, err := pacmanConfDBPath(root)
	if err != nil {
		problems = append(problems, err)
	}
	dir := resolveIn(root, path.Join(dbpath, "sync"))
	entries, err := readCacheDir(root, dir)
	if err != nil {
		return nil, nil, append(problems, err)
	}
	for _, e := range entries {
		name := e.Name()
		repo, ok := strings.CutSuffix(name, ".db")
		if !ok {
			repo, ok = strings.CutSuffix(name, ".files")
		}
		if !ok || repo == "" || e.IsDir() {
			continue
		}
		file := path.Join(dir, name)
		files = append(files, file)
		p, err := readPacmanSync(root, file, repo, want)
		if err != nil {
			problems = append(problems, err)
			continue
		}
		provs = append(provs, p...)
	}
	slices.Sort(files)
	return sortProvisions(provs), files, sortProblems(problems)
}

// pacmanConfDBPath returns the DBPath that etc/pacman.conf sets in its
// [options] section (the last one, as for pacman), relative to the
// root, or pacmanDBPath. An unreadable pacman.conf is an error, and
// pacmanDBPath is returned with it.
func pacmanConfDBPath(root fs.FS) (string, error) {
	data, err := readFileLimit(root, pacmanConf, maxPacmanConf)
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			err = nil
		}
		return pacmanDBPath, err
	}
	dbpath, section := pacmanDBPath, ""
	for line := range strings.SplitSeq(string(data), "\n") {
		line, _, _ = strings.Cut(line, "#")
		line = strings.TrimSpace(line)
		if strings.HasPrefix(line, "[") && strings.HasSuffix(line, "]") {
			section = line[1 : len(line)-1]
			continue
		}
		key, val, ok := strings.Cut(line, "=")
		if ok && section == "options" && strings.TrimSpace(key) == "DBPath" {
			if v := apkKey(strings.TrimSpace(val)); v != "" {
				dbpath = v
			}
		}
	}
	return dbpath, nil
}

// A pacmanSyncPkg is what a sync database says of one package, as its
// members are read: the package (from desc; Name is "" until then) and
// the wanted shared libraries it provides.
type pacmanSyncPkg struct {
	pkg     Package
	sonames []pacmanSyncSoname
	files   bool // a files member was read
}

type pacmanSyncSoname struct {
	soname string
	bits   int
	file   bool // from the files list, not from %PROVIDES%
}

// readPacmanSync reads one sync database, of the repository repo.
func readPacmanSync(root fs.FS, file, repo string, want func(string) bool) ([]Provision, error) {
	// pkgs holds every package of the database, by directory, as the
	// libraries of its files member may come before its desc: some MiB
	// for the largest repositories, within budget.
	pkgs := map[string]*pacmanSyncPkg{}
	members := 0
	budget := keepBudget(maxIndexKeep)
	err := pacmanSyncTar.walk(root, file, func(name string, r io.Reader) error {
		dir, base, ok := strings.Cut(strings.TrimPrefix(name, "./"), "/")
		if !ok || base != "desc" && base != "files" {
			return nil // not a member pacman reads
		}
		if members++; members > maxPacmanSyncMembers {
			return quietf(artifact.ErrTooManyMembers, "more than %d desc and files members", maxPacmanSyncMembers)
		}
		limit := int64(maxPacmanDesc)
		if base == "files" {
			limit = maxPacmanFiles
		}
		data, err := io.ReadAll(io.LimitReader(r, limit+1))
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if int64(len(data)) > limit {
			return quietf(artifact.ErrTooLarge, "%s: more than %d MiB", name, limit>>20)
		}
		p := pkgs[dir]
		if p == nil {
			if err := budget.take(keepCost + len(dir)); err != nil {
				return err
			}
			p = &pacmanSyncPkg{}
			pkgs[dir] = p
		}
		keep := func(so string, bits int) error {
			if want != nil && !want(so) {
				return nil
			}
			if err := budget.take(keepCost + len(so)); err != nil {
				return err
			}
			// A copy: so is part of the member's whole text.
			p.sonames = append(p.sonames, pacmanSyncSoname{strings.Clone(so), bits, base == "files"})
			return nil
		}
		if base == "files" {
			if p.files {
				return quietf(artifact.ErrDuplicate, "%s: a second files member for one package", name)
			}
			p.files = true
			for line := range pacmanFilesSection(data) {
				if so, bits, ok := pacmanLibFile(line); ok {
					if err := keep(so, bits); err != nil {
						return err
					}
				}
			}
			return nil
		}
		if p.pkg.Name != "" {
			return quietf(artifact.ErrDuplicate, "%s: a second desc member for one package", name)
		}
		d, err := parsePacmanDesc(data, name)
		if err != nil {
			return quietWrap{err, artifact.ErrCorrupt}
		}
		if err := budget.take(len(d.name) + len(d.version) + len(d.arch)); err != nil {
			return err
		}
		p.pkg = Package{Manager: "pacman", Name: strings.Clone(d.name), Version: strings.Clone(d.version), Arch: strings.Clone(d.arch)}
		for _, pr := range d.provides {
			if so, bits, ok := pacmanSoname(pr); ok {
				if err := keep(so, bits); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	var provs []Provision
	var orphans []string
	for dir, p := range pkgs {
		if p.pkg.Name == "" {
			orphans = append(orphans, dir)
			continue
		}
		p.dropUnsized()
		for _, s := range p.sonames {
			provs = append(provs, Provision{Soname: s.soname, Bits: s.bits, Package: p.pkg, Repo: repo})
		}
	}
	if len(orphans) > 0 {
		return nil, quietf(artifact.ErrCorrupt, "%s: %s/files without a desc member: not a pacman sync database", file, slices.Min(orphans))
	}
	return provs, nil
}

// dropUnsized drops the libraries of the files list that do not say
// their word size (those in usr/lib) when %PROVIDES% names them with a
// word size that no file in a directory that says it (usr/lib32)
// accounts for: "libz.so=1-64" and usr/lib/libz.so.1 are one library,
// for 64-bit code.
func (p *pacmanSyncPkg) dropUnsized() {
	var provided, files map[string]int // soname → bits that it has, as a mask
	for _, s := range p.sonames {
		m := &provided
		if s.file {
			m = &files
		}
		if s.bits != 0 {
			if *m == nil {
				*m = map[string]int{}
			}
			(*m)[s.soname] |= s.bits
		}
	}
	if provided == nil {
		return
	}
	p.sonames = slices.DeleteFunc(p.sonames, func(s pacmanSyncSoname) bool {
		return s.file && s.bits == 0 && provided[s.soname]&^files[s.soname] != 0
	})
}

// pacmanLibFile returns the shared library that a %FILES% line
// provides: a file named like one ("libz.so.1", "libz.so") directly in
// a directory of pacmanLibDirs, and the word size that directory says.
func pacmanLibFile(line string) (soname string, bits int, ok bool) {
	if strings.HasSuffix(line, "/") {
		return "", 0, false // a directory
	}
	dir, base := path.Split(apkKey(line))
	if !sonameShaped(base) {
		return "", 0, false
	}
	for _, d := range pacmanLibDirs {
		if dir == d.dir+"/" {
			return base, d.bits, true
		}
	}
	return "", 0, false
}
