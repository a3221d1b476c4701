package host

import (
	"encoding/binary"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/libvet/libvet/internal/sqlite"
)

// The rpm databases of testdata/rpmdb (see its README.md): the same
// four packages, one of them gpg-pubkey, in both backends.
const rpmTestdata = "../testdata/rpmdb"

var rpmRoots = []struct{ name, db string }{
	{"sqlite", "var/lib/rpm/rpmdb.sqlite"},
	{"bdb", "var/lib/rpm/Packages"},
}

// expectedLines reads a tab-separated listing that make.sh wrote with
// rpm -qa --qf, dropping the gpg-pubkey pseudo-packages.
func expectedLines(t *testing.T, name string) [][]string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(rpmTestdata, name))
	if err != nil {
		t.Fatal(err)
	}
	var out [][]string
	for line := range strings.SplitSeq(strings.TrimSuffix(string(data), "\n"), "\n") {
		if f := strings.Split(line, "\t"); f[0] != "gpg-pubkey" {
			out = append(out, f)
		}
	}
	return out
}

func readTestRpm(t *testing.T, name string) *Rpm {
	t.Helper()
	r, err := ReadRpm(os.DirFS(filepath.Join(rpmTestdata, name)))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func names(pkgs []Package) []string {
	var out []string
	for _, p := range pkgs {
		out = append(out, p.Name)
	}
	return out
}

// TestRpmFixtures checks packages, owners and provides against what rpm
// itself printed when make.sh built the databases.
func TestRpmFixtures(t *testing.T) {
	for _, root := range rpmRoots {
		t.Run(root.name, func(t *testing.T) {
			r := readTestRpm(t, root.name)
			if r.Database() != root.db {
				t.Errorf("Database() = %q, want %q", r.Database(), root.db)
			}
			if p := r.Problems(); len(p) != 0 {
				t.Errorf("problems: %v", p)
			}
			var want []Package
			for _, f := range expectedLines(t, "expected-packages.txt") {
				want = append(want, Package{Manager: "rpm", Name: f[0], Version: f[1], Arch: f[2]})
			}
			if got := r.Packages(); !reflect.DeepEqual(got, want) {
				t.Errorf("Packages() = %v\nwant %v", got, want)
			}
			for _, f := range expectedLines(t, "expected-files.txt") {
				if got := names(r.Owners(f[1])); !slices.Contains(got, f[0]) {
					t.Errorf("Owners(%s) = %v, want %s among them", f[1], got, f[0])
				}
			}
			for _, f := range expectedLines(t, "expected-provides.txt") {
				if got := names(r.Provider(f[1])); !slices.Equal(got, []string{f[0]}) {
					t.Errorf("Provider(%s) = %v, want [%s]", f[1], got, f[0])
				}
			}
		})
	}
}

// TestRpmLookups covers merged-/usr aliasing, directories, file provides
// and misses.
func TestRpmLookups(t *testing.T) {
	r := readTestRpm(t, "sqlite")
	zlib := Package{Manager: "rpm", Name: "zlib", Version: "1:1.2.13-1.libvet", Arch: "x86_64"}
	owners := []struct {
		path string
		want []string
	}{
		{"/usr/lib64/libz.so.1", []string{"zlib"}},
		{"usr/lib64/libz.so.1.2.13", []string{"zlib"}},
		{"/lib64/libz.so.1", []string{"zlib"}},                 // recorded under /usr only
		{"/usr/lib64/libbz2.so.1.0.4", []string{"bzip2-libs"}}, // recorded under /lib64 only
		{"/lib64/../lib64/libbz2.so.1", []string{"bzip2-libs"}},
		{"/usr/lib64", []string{"libvet-layout"}}, // owns both spellings: listed once
		{"/etc/libvet.conf", []string{"libvet-layout"}},
		{"/etc/libvet.conf/", []string{"libvet-layout"}},
		{"/usr/lib64/libz.so", nil},
		{"/", nil},
		{"", nil},
	}
	for _, tt := range owners {
		if got := names(r.Owners(tt.path)); !slices.Equal(got, tt.want) {
			t.Errorf("Owners(%q) = %v, want %v", tt.path, got, tt.want)
		}
	}
	if got, ok := r.Owner("/lib64/libz.so.1"); !ok || got != zlib {
		t.Errorf("Owner(/lib64/libz.so.1) = %v, %v; want %v", got, ok, zlib)
	}
	if got, ok := r.Owner("/nonexistent"); ok {
		t.Errorf("Owner(/nonexistent) = %v", got)
	}
	provides := []struct {
		capability string
		want       []string
	}{
		{SonameCapability("libz.so.1", true, ""), []string{"zlib"}},
		{SonameCapability("libz.so.1", true, "ZLIB_1.2.9"), []string{"zlib"}},
		{SonameCapability("libbz2.so.1.0", true, ""), []string{"bzip2-libs"}},
		{"libz.so.1", nil}, // the 32-bit spelling
		{"zlib(x86-64)", []string{"zlib"}},
		{"libvet-dirs", []string{"libvet-layout"}},
		{"/etc/libvet.conf", []string{"libvet-layout"}}, // a file path, as rpm -q --whatprovides
		{"/lib64/libz.so.1", []string{"zlib"}},
		{"gpg-pubkey", nil},
		{"libc.so.6()(64bit)", nil}, // required, not provided
		{"", nil},
	}
	for _, tt := range provides {
		if got := names(r.Provider(tt.capability)); !slices.Equal(got, tt.want) {
			t.Errorf("Provider(%q) = %v, want %v", tt.capability, got, tt.want)
		}
	}
}

// TestRpmBinary compares with the rpm binary, when this machine has one,
// on a copy of the sqlite database (rpm writes lock and shm files next to
// the database it reads).
func TestRpmBinary(t *testing.T) {
	if _, err := exec.LookPath("rpm"); err != nil {
		t.Skip("no rpm binary on this machine")
	}
	dir := t.TempDir()
	data, err := os.ReadFile(filepath.Join(rpmTestdata, "sqlite", rpmRoots[0].db))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rpmdb.sqlite"), data, 0o644); err != nil {
		t.Fatal(err)
	}
	rpm := func(args ...string) []string {
		out, err := exec.Command("rpm", append([]string{"--dbpath", dir}, args...)...).Output()
		if err != nil {
			t.Fatalf("rpm %v: %v", args, err)
		}
		return strings.Fields(string(out))
	}
	r := readTestRpm(t, "sqlite")
	got := rpm("-qa", "--qf", "%{NAME}:%{EPOCH}:%{VERSION}-%{RELEASE}:%{ARCH}\n")
	var want []string
	for _, p := range r.Packages() {
		v := p.Version
		if !strings.Contains(v, ":") {
			v = "(none):" + v
		}
		want = append(want, p.Name+":"+v+":"+p.Arch)
	}
	got = slices.DeleteFunc(got, func(s string) bool { return strings.HasPrefix(s, "gpg-pubkey:") })
	slices.Sort(got)
	if !slices.Equal(got, want) {
		t.Errorf("rpm -qa: %v\nReadRpm: %v", got, want)
	}
	for _, f := range expectedLines(t, "expected-files.txt") {
		if got, want := rpm("-qf", "--qf", "%{NAME}\n", f[1]), names(r.Owners(f[1])); !slices.Equal(got, want) {
			t.Errorf("rpm -qf %s: %v, Owners: %v", f[1], got, want)
		}
	}
	for _, f := range expectedLines(t, "expected-provides.txt") {
		if got, want := rpm("-q", "--whatprovides", "--qf", "%{NAME}\n", f[1]), names(r.Provider(f[1])); !slices.Equal(got, want) {
			t.Errorf("rpm -q --whatprovides %s: %v, Provider: %v", f[1], got, want)
		}
	}
}

// TestRpmHeaderTags decodes the real headers of the sqlite fixture and
// compares their requires and provides with rpm's listings.
func TestRpmHeaderTags(t *testing.T) {
	got := map[string][]string{}
	for _, blob := range rpmFixtureBlobs(t) {
		info, err := decodeRPMHeader(blob)
		if err != nil {
			t.Fatal(err)
		}
		if info.name == "gpg-pubkey" {
			continue
		}
		if len(info.provideVersions) != len(info.provides) {
			t.Errorf("%s: %d provides, %d provide versions", info.name, len(info.provides), len(info.provideVersions))
		}
		for _, c := range info.requires {
			got["requires"] = append(got["requires"], info.name+"\t"+c)
		}
		for _, c := range info.provides {
			got["provides"] = append(got["provides"], info.name+"\t"+c)
		}
		for _, f := range info.files {
			got["files"] = append(got["files"], info.name+"\t"+f)
		}
	}
	for _, kind := range []string{"requires", "provides", "files"} {
		var want []string
		for _, f := range expectedLines(t, "expected-"+kind+".txt") {
			want = append(want, strings.Join(f, "\t"))
		}
		slices.Sort(got[kind])
		if !slices.Equal(got[kind], want) {
			t.Errorf("%s:\n%v\nwant\n%v", kind, got[kind], want)
		}
	}
}

// rpmFixtureBlobs returns the header blobs of the sqlite fixture.
func rpmFixtureBlobs(t testing.TB) [][]byte {
	t.Helper()
	f, err := os.Open(filepath.Join(rpmTestdata, "sqlite", rpmRoots[0].db))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		t.Fatal(err)
	}
	db, err := sqlite.Open(f, fi.Size())
	if err != nil {
		t.Fatal(err)
	}
	var out [][]byte
	err = db.Scan("Packages", func(_ int64, v []any) error {
		out = append(out, v[1].([]byte))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// noReaderAt hides the ReadAt method of the files of an fs.FS.
type noReaderAt struct{ fs.FS }

func (n noReaderAt) Open(name string) (fs.File, error) {
	f, err := n.FS.Open(name)
	return struct{ fs.File }{f}, err
}

func TestReadRpmLocations(t *testing.T) {
	sqliteDB, err := os.ReadFile(filepath.Join(rpmTestdata, "sqlite", rpmRoots[0].db))
	if err != nil {
		t.Fatal(err)
	}
	bdbDB, err := os.ReadFile(filepath.Join(rpmTestdata, "bdb", rpmRoots[1].db))
	if err != nil {
		t.Fatal(err)
	}
	file := func(b []byte) *fstest.MapFile { return &fstest.MapFile{Data: b} }
	tests := []struct {
		name     string
		root     fs.FS
		db       string // want Database()
		err      error  // want errors.Is
		problems []string
	}{
		{name: "sysimage", root: fstest.MapFS{"usr/lib/sysimage/rpm/rpmdb.sqlite": file(sqliteDB)}, db: "usr/lib/sysimage/rpm/rpmdb.sqlite"},
		{name: "sqlite before bdb", root: fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": file(sqliteDB), "var/lib/rpm/Packages": file(bdbDB)}, db: "var/lib/rpm/rpmdb.sqlite"},
		{name: "sysimage bdb", root: fstest.MapFS{"usr/lib/sysimage/rpm/Packages": file(bdbDB)}, db: "usr/lib/sysimage/rpm/Packages"},
		{name: "no ReaderAt", root: noReaderAt{fstest.MapFS{"var/lib/rpm/Packages": file(bdbDB)}}, db: "var/lib/rpm/Packages"},
		{name: "wal", root: fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": file(sqliteDB), "var/lib/rpm/rpmdb.sqlite-wal": file(make([]byte, 32))},
			db: "var/lib/rpm/rpmdb.sqlite", problems: []string{"var/lib/rpm/rpmdb.sqlite-wal: 32 bytes of changes not yet checkpointed"}},
		{name: "empty wal", root: fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": file(sqliteDB), "var/lib/rpm/rpmdb.sqlite-wal": file(nil)}, db: "var/lib/rpm/rpmdb.sqlite"},
		{name: "ndb", root: fstest.MapFS{"usr/lib/sysimage/rpm/Packages.db": file([]byte("RpmP"))}, err: ErrRpmNdb},
		{name: "none", root: fstest.MapFS{"var/lib/dpkg/status": file(nil)}, err: fs.ErrNotExist},
		{name: "directory", root: fstest.MapFS{"var/lib/rpm/rpmdb.sqlite/x": file(nil)}, err: fs.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := ReadRpm(tt.root)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if r.Database() != tt.db {
				t.Errorf("Database() = %q, want %q", r.Database(), tt.db)
			}
			if len(r.Packages()) != 3 {
				t.Errorf("%d packages, want 3", len(r.Packages()))
			}
			var got []string
			for _, p := range r.Problems() {
				got = append(got, p.Error())
			}
			if len(got) != len(tt.problems) {
				t.Fatalf("problems %q, want %q", got, tt.problems)
			}
			for i := range got {
				if !strings.HasPrefix(got[i], tt.problems[i]) {
					t.Errorf("problem %q, want %q…", got[i], tt.problems[i])
				}
			}
		})
	}
}

func TestReadRpmCorrupt(t *testing.T) {
	tests := []struct {
		name string
		data []byte
		want string
	}{
		{"sqlite garbage", []byte(strings.Repeat("x", 4096)), "var/lib/rpm/rpmdb.sqlite: sqlite: not a SQLite 3 database"},
		{"sqlite empty", nil, "var/lib/rpm/rpmdb.sqlite: sqlite:"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ReadRpm(fstest.MapFS{"var/lib/rpm/rpmdb.sqlite": &fstest.MapFile{Data: tt.data}})
			if err == nil || !strings.HasPrefix(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q…", err, tt.want)
			}
		})
	}
	// A header that does not decode is a problem, not an error.
	r := &Rpm{file: "var/lib/rpm/rpmdb.sqlite", providers: map[string][]int32{}}
	pkgs := r.add(nil, []byte{0, 0, 0, 1}, 7)
	blobs := rpmFixtureBlobs(t)
	for _, b := range blobs {
		pkgs = r.add(pkgs, b, 1)
	}
	r.index(pkgs)
	if len(r.Packages()) != 3 || len(r.Problems()) != 1 || !strings.Contains(r.Problems()[0].Error(), "package 7: rpm header: 4 bytes") {
		t.Errorf("packages %v, problems %v", r.Packages(), r.Problems())
	}
}

func TestSonameCapability(t *testing.T) {
	tests := []struct {
		soname  string
		is64    bool
		version string
		want    string
	}{
		{"libz.so.1", true, "", "libz.so.1()(64bit)"},
		{"libc.so.6", true, "GLIBC_2.34", "libc.so.6(GLIBC_2.34)(64bit)"},
		{"libz.so.1", false, "", "libz.so.1"},
		{"libc.so.6", false, "GLIBC_2.0", "libc.so.6(GLIBC_2.0)"},
	}
	for _, tt := range tests {
		if got := SonameCapability(tt.soname, tt.is64, tt.version); got != tt.want {
			t.Errorf("SonameCapability(%q, %v, %q) = %q, want %q", tt.soname, tt.is64, tt.version, got, tt.want)
		}
	}
}

// rpmEntryT is an index entry of a header built by a test.
type rpmEntryT struct {
	tag, typ uint32
	data     []byte // appended to the data store; off is where it lands
	count    uint32
	off      *uint32 // overrides the offset
}

func strData(s ...string) []byte { return []byte(strings.Join(s, "\x00") + "\x00") }

func int32Data(v ...uint32) []byte {
	b := make([]byte, 4*len(v))
	for i, x := range v {
		binary.BigEndian.PutUint32(b[4*i:], x)
	}
	return b
}

// buildRPMHeader writes a header blob: il, dl, the entries, the data.
func buildRPMHeader(entries []rpmEntryT) []byte {
	var data []byte
	idx := make([]byte, 0, 16*len(entries))
	for _, e := range entries {
		off := uint32(len(data))
		if e.off != nil {
			off = *e.off
		}
		data = append(data, e.data...)
		idx = binary.BigEndian.AppendUint32(idx, e.tag)
		idx = binary.BigEndian.AppendUint32(idx, e.typ)
		idx = binary.BigEndian.AppendUint32(idx, off)
		idx = binary.BigEndian.AppendUint32(idx, e.count)
	}
	b := binary.BigEndian.AppendUint32(nil, uint32(len(entries)))
	b = binary.BigEndian.AppendUint32(b, uint32(len(data)))
	return append(append(b, idx...), data...)
}

func goodRPMEntries() []rpmEntryT {
	return []rpmEntryT{
		{tag: rpmTagName, typ: rpmTypeString, data: strData("foo"), count: 1},
		{tag: rpmTagVersion, typ: rpmTypeString, data: strData("1.0"), count: 1},
		{tag: rpmTagRelease, typ: rpmTypeString, data: strData("2"), count: 1},
		{tag: rpmTagEpoch, typ: rpmTypeInt32, data: int32Data(0), count: 1},
		{tag: rpmTagArch, typ: rpmTypeString, data: strData("aarch64"), count: 1},
		{tag: rpmTagProvideName, typ: rpmTypeStringArray, data: strData("foo", "libfoo.so.1()(64bit)"), count: 2},
		{tag: rpmTagDirIndexes, typ: rpmTypeInt32, data: int32Data(1, 0, 1), count: 3},
		{tag: rpmTagBasenames, typ: rpmTypeStringArray, data: strData("libfoo.so.1", "foo", "libfoo.so.1.0"), count: 3},
		{tag: rpmTagDirNames, typ: rpmTypeStringArray, data: strData("/etc/", "/usr/lib64/"), count: 2},
		{tag: 5000, typ: 99, data: []byte{1, 2, 3}, count: 1000}, // unknown tags and types are skipped
	}
}

func TestRPMHeader(t *testing.T) {
	info, err := decodeRPMHeader(buildRPMHeader(goodRPMEntries()))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"/usr/lib64/libfoo.so.1", "/etc/foo", "/usr/lib64/libfoo.so.1.0"}
	if info.name != "foo" || info.version != "1.0" || info.release != "2" || info.arch != "aarch64" ||
		info.epoch == nil || *info.epoch != 0 || !slices.Equal(info.files, want) || len(info.provides) != 2 {
		t.Errorf("decoded %+v", info)
	}
	r := &Rpm{providers: map[string][]int32{}}
	r.index(r.add(nil, buildRPMHeader(goodRPMEntries()), 1))
	if got := r.Packages(); len(got) != 1 || got[0].Version != "0:1.0-2" {
		t.Errorf("Packages() = %v, want version 0:1.0-2", got)
	}

	// Old packages list whole paths in OLDFILENAMES.
	old := []rpmEntryT{
		{tag: rpmTagName, typ: rpmTypeString, data: strData("old"), count: 1},
		{tag: rpmTagOldFilenames, typ: rpmTypeStringArray, data: strData("/bin/sh", "/lib/libc.so.6"), count: 2},
	}
	if info, err := decodeRPMHeader(buildRPMHeader(old)); err != nil || !slices.Equal(info.files, []string{"/bin/sh", "/lib/libc.so.6"}) {
		t.Errorf("old filenames: %+v, %v", info, err)
	}

	u32 := func(v uint32) *uint32 { return &v }
	bad := []struct {
		name   string
		modify func([]rpmEntryT) []rpmEntryT
		blob   []byte
		want   string
	}{
		{name: "short", blob: []byte{0, 0, 0}, want: "shorter than its 8-byte preamble"},
		{name: "no entries", blob: make([]byte, 8), want: "out of range"},
		{name: "huge il", blob: []byte{0, 1, 0, 0, 0, 0, 0, 0}, want: "out of range"},
		{name: "huge dl", blob: []byte{0, 0, 0, 1, 0x10, 0, 0, 1}, want: "out of range"},
		{name: "truncated", blob: []byte{0, 0, 0, 1, 0, 0, 0, 4, 1, 2}, want: "need 28 bytes, have 10"},
		{name: "no name", modify: func(e []rpmEntryT) []rpmEntryT { return e[1:] }, want: "no NAME tag"},
		{name: "offset past data", modify: func(e []rpmEntryT) []rpmEntryT { e[1].off = u32(1 << 20); return e }, want: "offset 1048576 past"},
		{name: "string count", modify: func(e []rpmEntryT) []rpmEntryT { e[0].count = 2; return e }, want: "2 strings at offset 0"},
		{name: "array past data", modify: func(e []rpmEntryT) []rpmEntryT { e[8].count = 1000; return e }, want: "1000 strings"},
		{name: "not terminated", modify: func(e []rpmEntryT) []rpmEntryT {
			e[8].data = []byte("/etc/\x00/usr")
			return e
		}, want: "string 1 of 2 is not NUL-terminated"},
		{name: "int32 past data", modify: func(e []rpmEntryT) []rpmEntryT { e[6].count = 1 << 30; return e }, want: "int32 values"},
		{name: "dir index", modify: func(e []rpmEntryT) []rpmEntryT { e[6].data = int32Data(1, 0, 7); return e }, want: "directory index 7 of 2"},
		{name: "index count", modify: func(e []rpmEntryT) []rpmEntryT {
			e[6].data, e[6].count = int32Data(1, 0), 2
			return e
		}, want: "3 BASENAMES but 2 DIRINDEXES"},
		{name: "wrong type", modify: func(e []rpmEntryT) []rpmEntryT { e[3].typ = rpmTypeString; return e }, want: "tag 1003: type 6, not int32"},
		{name: "name type", modify: func(e []rpmEntryT) []rpmEntryT { e[0].typ = rpmTypeInt32; return e }, want: "tag 1000: type 4, not a string"},
		{name: "region", modify: func(e []rpmEntryT) []rpmEntryT {
			return append([]rpmEntryT{{tag: rpmTagImmutable, typ: rpmTypeBin, count: 16, off: u32(1 << 20)}}, e...)
		}, want: "bad region tag"},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			blob := tt.blob
			if tt.modify != nil {
				blob = buildRPMHeader(tt.modify(goodRPMEntries()))
			}
			_, err := decodeRPMHeader(blob)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want %q", err, tt.want)
			}
		})
	}
}

// TestRPMHeaderPathBudget: shared directory names must not let a small
// header expand into gigabytes of paths.
func TestRPMHeaderPathBudget(t *testing.T) {
	long := strings.Repeat("d", 1<<16)
	const n = 100000
	e := []rpmEntryT{
		{tag: rpmTagName, typ: rpmTypeString, data: strData("bomb"), count: 1},
		{tag: rpmTagDirNames, typ: rpmTypeStringArray, data: strData(long), count: 1},
		{tag: rpmTagDirIndexes, typ: rpmTypeInt32, data: make([]byte, 4*n), count: n},
		{tag: rpmTagBasenames, typ: rpmTypeStringArray, data: make([]byte, n), count: n},
	}
	if _, err := decodeRPMHeader(buildRPMHeader(e)); err == nil || !strings.Contains(err.Error(), "file names longer than") {
		t.Errorf("err = %v", err)
	}
}

func FuzzRPMHeader(f *testing.F) {
	for _, b := range rpmFixtureBlobs(f) {
		f.Add(b)
	}
	f.Add(buildRPMHeader(goodRPMEntries()))
	f.Fuzz(func(t *testing.T, blob []byte) {
		info, err := decodeRPMHeader(blob)
		if err != nil {
			return
		}
		r := &Rpm{providers: map[string][]int32{}}
		r.index(r.add(nil, blob, 1))
		for _, p := range info.files {
			r.Owners(p)
		}
		for _, c := range info.provides {
			r.Provider(c)
		}
	})
}

// TestRpmReadme keeps the README's inventory in step with the files.
func TestRpmReadme(t *testing.T) {
	data, err := os.ReadFile(filepath.Join(rpmTestdata, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	text := string(data)
	for _, f := range []string{"sqlite/var/lib/rpm/rpmdb.sqlite", "bdb/var/lib/rpm/Packages", "types.sqlite", "utf16.sqlite", "hash512.db", "make.sh"} {
		if !strings.Contains(text, f) {
			t.Errorf("README.md does not mention %s", f)
		}
	}
}
