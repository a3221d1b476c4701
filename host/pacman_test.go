package host

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"
)

// pacmanFixture is a local database written by pacman 6.0.2 (Debian's
// pacman-package-manager) installing three small packages;
// testdata/hostdb/README.md says how.
const pacmanFixture = "../testdata/hostdb/pacman"

var (
	pacZlib = Package{Manager: "pacman", Name: "zlib", Version: "1.3.1-2", Arch: "x86_64"}
	pacFFI  = Package{Manager: "pacman", Name: "libffi", Version: "3.4.6-1", Arch: "x86_64"}
	pacFS   = Package{Manager: "pacman", Name: "filesystem", Version: "2024.04.07-1", Arch: "any"}
)

func TestPacmanFixture(t *testing.T) {
	p, err := ReadPacman(os.DirFS(pacmanFixture))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := p.Packages(), []Package{pacFS, pacFFI, pacZlib}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v, want %v", got, want)
	}
	// The answers of pacman -Qo on the same packages installed into a
	// root (README.md), and the paths that reach them through the
	// symlinks of the filesystem package.
	owners := []struct {
		path string
		want []Package
	}{
		{"/usr/lib/libz.so.1", []Package{pacZlib}},
		{"usr/lib/libz.so", []Package{pacZlib}},
		{"/usr/lib/", []Package{pacFS, pacFFI, pacZlib}},
		{"/usr/lib/libffi.so.8", []Package{pacFFI}},
		{"/etc/passwd", []Package{pacFS}},
		{"/usr/include/zlib.h", []Package{pacZlib}},
		{"/lib", []Package{pacFS}}, // the symlink itself
		{"/lib/libz.so.1", []Package{pacZlib}},
		{"/lib64/libffi.so.8", []Package{pacFFI}},
		{"/usr/lib64/libz.so.1.3.1", []Package{pacZlib}},
		{"/sbin", []Package{pacFS}},
		{"/usr/lib/libz.so.2", nil},
		{"/library/x", nil},
		{"/", nil},
	}
	for _, tt := range owners {
		got := p.Owners(tt.path)
		if len(got) == 0 && len(tt.want) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Owners(%q) = %v, want %v", tt.path, got, tt.want)
		}
		first, ok := p.Owner(tt.path)
		if ok != (len(tt.want) > 0) || ok && first != tt.want[0] {
			t.Errorf("Owner(%q) = %v, %v", tt.path, first, ok)
		}
	}
	providers := []struct {
		soname string
		bits   int
		want   []Package
	}{
		{"libz.so.1", 64, []Package{pacZlib}},
		{"libz.so.1", 0, []Package{pacZlib}},
		{"libz.so.1", 32, nil},
		{"libffi.so.8", 64, []Package{pacFFI}},
		{"libffi.so.8", 32, []Package{pacFFI}}, // lib: entries do not say
		{"libz.so", 64, nil},
	}
	for _, tt := range providers {
		got := p.Providers(tt.soname, tt.bits)
		if len(got) == 0 && len(tt.want) == 0 {
			got = nil
		}
		if !reflect.DeepEqual(got, tt.want) {
			t.Errorf("Providers(%q, %d) = %v, want %v", tt.soname, tt.bits, got, tt.want)
		}
		first, ok := p.Provider(tt.soname, tt.bits)
		if ok != (len(tt.want) > 0) || ok && first != tt.want[0] {
			t.Errorf("Provider(%q, %d) = %v, %v", tt.soname, tt.bits, first, ok)
		}
	}
	if pr := p.Problems(); len(pr) != 0 {
		t.Errorf("Problems() = %v", pr)
	}
}

func TestPacmanSoname(t *testing.T) {
	tests := []struct {
		entry  string
		soname string
		bits   int
		ok     bool
	}{
		{"libz.so=1-64", "libz.so.1", 64, true},
		{"libz.so=1-32", "libz.so.1", 32, true},
		{"libcrypto.so=3-64", "libcrypto.so.3", 64, true},
		{"libfoo.so=-64", "libfoo.so", 64, true},
		{"libfoo.so=1.2", "libfoo.so.1.2", 0, true},
		{"lib:libz.so.1", "libz.so.1", 0, true},
		{"lib32:libz.so.1", "libz.so.1", 32, true},
		{"lib32:libz.so.1=1-32", "libz.so.1", 32, true},
		{"lib:libz.so.1=1.3.1", "libz.so.1", 0, true},
		{"lib:", "", 0, false},
		{"sh", "", 0, false},
		{"libz.so", "", 0, false},
		{"zlib=1.3.1", "", 0, false},
		{".so=1-64", "", 0, false},
	}
	for _, tt := range tests {
		so, bits, ok := pacmanSoname(tt.entry)
		if so != tt.soname || bits != tt.bits || ok != tt.ok {
			t.Errorf("pacmanSoname(%q) = %q, %d, %v; want %q, %d, %v", tt.entry, so, bits, ok, tt.soname, tt.bits, tt.ok)
		}
	}
}

func TestPacmanProblems(t *testing.T) {
	const desc = "%NAME%\nzlib\n\n%VERSION%\n1:1.3.1-2\n\n%ARCH%\nx86_64\n\n%PROVIDES%\nlibz.so=1-64\n"
	root := fstest.MapFS{
		"var/lib/pacman/local/ALPM_DB_VERSION":     {Data: []byte("9\n")},
		"var/lib/pacman/local/zlib-1:1.3.1-2/desc": {Data: []byte(desc)},
		// no files file
		"var/lib/pacman/local/broken-1-1/desc":  {Data: []byte("%DESC%\nno name\n")},
		"var/lib/pacman/local/nodesc-1-1/files": {Data: []byte("%FILES%\nusr/\n")},
	}
	p, err := ReadPacman(root)
	if err != nil {
		t.Fatal(err)
	}
	want := Package{Manager: "pacman", Name: "zlib", Version: "1:1.3.1-2", Arch: "x86_64"}
	if got := p.Packages(); !reflect.DeepEqual(got, []Package{want}) {
		t.Errorf("Packages() = %v", got)
	}
	if got, ok := p.Provider("libz.so.1", 64); !ok || got != want {
		t.Errorf("Provider(libz.so.1) = %v, %v", got, ok)
	}
	var msgs []string
	for _, e := range p.Problems() {
		msgs = append(msgs, e.Error())
	}
	all := strings.Join(msgs, "\n")
	if len(msgs) != 3 || !slices.IsSorted(msgs) ||
		!strings.Contains(all, "broken-1-1/desc: no %NAME% or no %VERSION%") ||
		!strings.Contains(all, "nodesc-1-1/desc") ||
		!strings.Contains(all, "zlib-1:1.3.1-2/files") {
		t.Errorf("Problems() = %q", msgs)
	}

	_, err = ReadPacman(fstest.MapFS{"var/lib/dpkg/status": {}})
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no pacman database") {
		t.Errorf("ReadPacman(no database) = %v", err)
	}
}

func FuzzPacmanDesc(f *testing.F) {
	for _, name := range []string{"zlib-1.3.1-2/desc", "zlib-1.3.1-2/files", "filesystem-2024.04.07-1/files"} {
		if data, err := os.ReadFile(pacmanFixture + "/var/lib/pacman/local/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte("%NAME%\na\n%VERSION%\n1\n\n%PROVIDES%\nlib:\n=\n.so=-\nx.so=1-2-3\n\n%FILES%\n../../x\n/\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		if d, err := parsePacmanDesc(data, "desc"); err == nil && (d.name == "" || d.version == "") {
			t.Fatalf("parsePacmanDesc: %+v without a name or version", d)
		}
		for _, f := range parsePacmanFiles(data) {
			if f == "" || strings.HasPrefix(f, "/") || strings.HasPrefix(f, "..") {
				t.Fatalf("parsePacmanFiles: key %q", f)
			}
		}
		p, err := ReadPacman(fstest.MapFS{
			"var/lib/pacman/local/a-1-1/desc":  {Data: data},
			"var/lib/pacman/local/a-1-1/files": {Data: data},
		})
		if err != nil {
			t.Fatal(err)
		}
		for _, q := range []string{"usr/lib/x", "lib/x", "/", "lib"} {
			p.Owners(q)
		}
		p.Providers("libz.so.1", 64)
	})
}
