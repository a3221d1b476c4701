package host

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"reflect"
	"slices"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/libvet/libvet/artifact"
)

// pacmanSyncFixture is a root with the sync databases core (gzip) and
// multilib (zstd), .db and .files, made by testdata/pacmansync/make.sh
// with gcc, bsdtar and repo-add.
const pacmanSyncFixture = "testdata/pacmansync"

const pacmanSyncDir = "var/lib/pacman/sync"

func TestPacmanSyncFixture(t *testing.T) {
	want := readExpectedProvisions(t, pacmanSyncFixture+"/expected.txt", "pacman")
	for _, root := range []struct {
		name string
		fs   fs.FS
	}{
		{"DirFS", os.DirFS(pacmanSyncFixture + "/root")},
		{"RootFS", RootFS(pacmanSyncFixture + "/root")},
	} {
		t.Run(root.name, func(t *testing.T) {
			provs, files, problems := ReadPacmanSync(root.fs, nil)
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			var w []string
			for _, f := range []string{"core.db", "core.files", "multilib.db", "multilib.files"} {
				w = append(w, pacmanSyncDir+"/"+f)
			}
			if !reflect.DeepEqual(files, w) {
				t.Errorf("files = %q, want %q", files, w)
			}
			diffProvisions(t, provs, want)
		})
	}
}

// TestPacmanSyncDBOnly reads the .db databases alone, as pacman -Sy
// leaves them: only %PROVIDES% counts.
func TestPacmanSyncDBOnly(t *testing.T) {
	root := fstest.MapFS{}
	for _, f := range []string{"core.db", "multilib.db"} {
		data, err := os.ReadFile(pacmanSyncFixture + "/root/" + pacmanSyncDir + "/" + f)
		if err != nil {
			t.Fatal(err)
		}
		root[pacmanSyncDir+"/"+f] = &fstest.MapFile{Data: data}
	}
	root[pacmanSyncDir+"/core.db.sig"] = &fstest.MapFile{Data: []byte("sig")}
	root[pacmanSyncDir+"/download-x1y2z3/extra.db.part"] = &fstest.MapFile{Data: []byte("partial")}
	provs, files, problems := ReadPacmanSync(root, nil)
	if len(problems) > 0 || len(files) != 2 {
		t.Fatalf("files %q, problems %v", files, problems)
	}
	pkg := func(name string) Package {
		return Package{Manager: "pacman", Name: name, Version: "1.0.0-1", Arch: "x86_64"}
	}
	want := []Provision{
		{Soname: "libvetdemo.so.1", Package: pkg("libvetdemo"), Repo: "core"},
		{Soname: "libvetdemo.so.1", Bits: 32, Package: pkg("lib32-libvetdemo"), Repo: "multilib"},
	}
	if !reflect.DeepEqual(provs, want) {
		t.Errorf("got %v\nwant %v", provs, want)
	}
}

func TestPacmanSyncWant(t *testing.T) {
	provs, _, problems := ReadPacmanSync(os.DirFS(pacmanSyncFixture+"/root"), func(so string) bool { return so == "libvetplugin.so.2" })
	want := []Provision{{Soname: "libvetplugin.so.2", Package: Package{Manager: "pacman", Name: "vetdemo-plugins", Version: "1.0.0-1", Arch: "x86_64"}, Repo: "multilib"}}
	if len(problems) > 0 || !reflect.DeepEqual(provs, want) {
		t.Errorf("got %v, %v\nwant %v", provs, problems, want)
	}
}

// syncDesc returns the desc member of a sync database for the package
// name at version, with those provides.
func syncDesc(name, version string, provides ...string) string {
	d := "%FILENAME%\n" + name + "-" + version + "-x86_64.pkg.tar.zst\n\n%NAME%\n" + name + "\n\n%VERSION%\n" + version + "\n\n%ARCH%\nx86_64\n\n"
	if len(provides) > 0 {
		d += "%PROVIDES%\n" + strings.Join(provides, "\n") + "\n\n"
	}
	return d
}

func TestPacmanSyncContent(t *testing.T) {
	zlib := Package{Manager: "pacman", Name: "zlib", Version: "1:1.3.1-2", Arch: "x86_64"}
	tests := []struct {
		name    string
		members []idxMember
		want    []Provision
	}{
		{"libprovides and files", []idxMember{
			{name: "zlib-1:1.3.1-2/", typ: '5'},
			{name: "zlib-1:1.3.1-2/desc", data: syncDesc("zlib", "1:1.3.1-2", "libz.so=1-64", "zlib-ng-compat")},
			{name: "zlib-1:1.3.1-2/files", data: "%FILES%\nusr/\nusr/lib/\nusr/lib/libz.so\nusr/lib/libz.so.1\nusr/lib/libz.so.1.3.1\nusr/lib/pkgconfig/zlib.pc\nusr/share/man/man3/zlib.3.gz\n"},
		}, []Provision{
			// usr/lib/libz.so.1 says no word size: the provides does.
			{Soname: "libz.so", Package: zlib, Repo: "core"},
			{Soname: "libz.so.1", Bits: 64, Package: zlib, Repo: "core"},
			{Soname: "libz.so.1.3.1", Package: zlib, Repo: "core"},
		}},
		{"files before desc, apart", []idxMember{
			{name: "zlib-1:1.3.1-2/files", data: "%FILES%\nlib64/libz.so.1\n"},
			{name: "other-1-1/desc", data: syncDesc("other", "1-1")},
			{name: "./zlib-1:1.3.1-2/desc", data: syncDesc("zlib", "1:1.3.1-2")},
		}, []Provision{{Soname: "libz.so.1", Bits: 64, Package: zlib, Repo: "core"}}},
		{"not libraries", []idxMember{
			{name: "zlib-1:1.3.1-2/desc", data: syncDesc("zlib", "1:1.3.1-2", "zlib", "libz.so", "sh")},
			{name: "zlib-1:1.3.1-2/files", data: "%FILES%\nusr/lib/libz.so.1/\nusr/lib/zlib/libz.so.1\nusr/bin/libz.so.1\nusr/lib/libz.so.1.py\nusr/lib/.so\nusr/lib/libz.a\n\n%BACKUP%\nusr/lib/libq.so.1\n"},
			{name: "zlib-1:1.3.1-2/mtree", data: "garbage"},
			{name: "README", data: "not a package"},
		}, nil},
		{"lib: provides, crlf", []idxMember{
			{name: "zlib-1:1.3.1-2/desc", data: strings.ReplaceAll(syncDesc("zlib", "1:1.3.1-2", "lib:libz.so.1", "lib:libz.so.1=1-64"), "\n", "\r\n")},
			{name: "zlib-1:1.3.1-2/files", data: "%FILES%\r\nusr/lib32/libz.so.1\r\n"},
		}, []Provision{{Soname: "libz.so.1", Package: zlib, Repo: "core"}, {Soname: "libz.so.1", Bits: 32, Package: zlib, Repo: "core"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fstest.MapFS{pacmanSyncDir + "/core.files": {Data: idxGzip(t, idxTar(t, true, tt.members...))}}
			provs, _, problems := ReadPacmanSync(root, nil)
			if len(problems) > 0 {
				t.Fatalf("problems: %v", problems)
			}
			diffProvisions(t, provs, tt.want)
		})
	}
}

func TestPacmanSyncDBPath(t *testing.T) {
	db := idxGzip(t, idxTar(t, true, idxMember{name: "zlib-1-1/desc", data: syncDesc("zlib", "1-1", "lib:libz.so.1")}))
	tests := []struct {
		name, conf string
		file       string // where the database is
		problem    bool
	}{
		{"default", "", "var/lib/pacman/sync/core.db", false},
		{"conf without DBPath", "[options]\n#DBPath = /opt/x/\nArchitecture = auto\n", "var/lib/pacman/sync/core.db", false},
		{"DBPath", "[options]\nRootDir = /\nDBPath      = /opt/pacdb/  # moved\n\n[core]\nDBPath = /nope\nInclude = /etc/pacman.d/mirrorlist\n", "opt/pacdb/sync/core.db", false},
		{"conf too large", "[options]\n" + strings.Repeat("#", maxPacmanConf), "var/lib/pacman/sync/core.db", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fstest.MapFS{tt.file: {Data: db}}
			if tt.conf != "" {
				root[pacmanConf] = &fstest.MapFile{Data: []byte(tt.conf)}
			}
			provs, files, problems := ReadPacmanSync(root, nil)
			if (len(problems) > 0) != tt.problem {
				t.Errorf("problems: %v", problems)
			}
			if !reflect.DeepEqual(files, []string{tt.file}) || len(provs) != 1 {
				t.Errorf("files %q, provisions %v", files, provs)
			}
		})
	}
}

func TestPacmanSyncBad(t *testing.T) {
	const file = pacmanSyncDir + "/core.files"
	fixture, err := os.ReadFile(pacmanSyncFixture + "/root/" + pacmanSyncDir + "/multilib.files")
	if err != nil {
		t.Fatal(err)
	}
	corrupt := slices.Clone(fixture)
	for i := len(corrupt) / 2; i < len(corrupt)/2+8; i++ {
		corrupt[i] ^= 0x55
	}
	desc := syncDesc("zlib", "1.3-1", "lib:libz.so.1")
	tarOf := func(m ...idxMember) []byte { return idxGzip(t, idxTar(t, true, m...)) }
	tests := []struct {
		name     string
		data     []byte
		wantErr  string
		sentinel error
	}{
		{"truncated zstd", fixture[:len(fixture)*2/3], "ends early", artifact.ErrTruncated},
		{"corrupt zstd", corrupt, "", artifact.ErrCorrupt},
		{"truncated tar", idxGzip(t, idxTar(t, true, idxMember{name: "zlib-1.3-1/desc", data: desc})[:600]), "ends early", artifact.ErrTruncated},
		{"empty gzip stream", idxGzip(t, nil), "", nil}, // an empty database
		{"absurd member size", idxGzip(t, idxTar(t, false, idxMember{name: "zlib-1.3-1/files", size: 1 << 40})), `declares 1099511627776 bytes`, artifact.ErrTooLarge},
		{"no name", tarOf(idxMember{name: "zlib-1.3-1/desc", data: "%VERSION%\n1.3-1\n"}), "zlib-1.3-1/desc: no %NAME% or no %VERSION% section", artifact.ErrCorrupt},
		{"path traversal", tarOf(idxMember{name: "../../etc/zlib-1.3-1/desc", data: desc}), "'..' component", artifact.ErrUnsafePath},
		{"absolute name", tarOf(idxMember{name: "/zlib-1.3-1/desc", data: desc}), "absolute path", artifact.ErrUnsafePath},
		{"files without desc", tarOf(idxMember{name: "zlib-1.3-1/files", data: "%FILES%\nusr/lib/libz.so.1\n"}), "zlib-1.3-1/files without a desc member", artifact.ErrCorrupt},
		{"two descs", tarOf(idxMember{name: "zlib-1.3-1/desc", data: desc}, idxMember{name: "zlib-1.3-1/desc", data: desc}), "a second desc", artifact.ErrDuplicate},
		{"two files", tarOf(idxMember{name: "zlib-1.3-1/files", data: "%FILES%\n"}, idxMember{name: "zlib-1.3-1/files", data: "%FILES%\n"}), "a second files", artifact.ErrDuplicate},
		{"desc too large", tarOf(idxMember{name: "zlib-1.3-1/desc", data: desc + strings.Repeat("x", maxPacmanDesc)}), "zlib-1.3-1/desc: more than 16 MiB", artifact.ErrTooLarge},
		{"not a database", []byte("<html>404 Not Found</html>"), "ends early", artifact.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fstest.MapFS{
				file: {Data: tt.data},
				// Another database, which counts whatever happens to the first.
				pacmanSyncDir + "/extra.db": {Data: idxGzip(t, idxTar(t, true, idxMember{name: "zstd-1.5-1/desc", data: syncDesc("zstd", "1.5-1", "libzstd.so=1-64")}))},
			}
			provs, files, problems := ReadPacmanSync(root, nil)
			if w := []string{file, pacmanSyncDir + "/extra.db"}; !reflect.DeepEqual(files, w) {
				t.Errorf("files = %q, want %q", files, w)
			}
			zstd := Provision{Soname: "libzstd.so.1", Bits: 64, Package: Package{Manager: "pacman", Name: "zstd", Version: "1.5-1", Arch: "x86_64"}, Repo: "extra"}
			if want := []Provision{zstd}; !reflect.DeepEqual(provs, want) {
				t.Errorf("got %v, want only the other file's %v", provs, want)
			}
			if tt.wantErr == "" && tt.sentinel == nil {
				if len(problems) > 0 {
					t.Errorf("problems: %v", problems)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("problems = %v, want one", problems)
			}
			msg := problems[0].Error()
			if !strings.HasPrefix(msg, file+": ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("problem %q, want one naming %s and containing %q", msg, file, tt.wantErr)
			}
			if tt.sentinel != nil && !errors.Is(problems[0], tt.sentinel) {
				t.Errorf("problem %q does not wrap %v", msg, tt.sentinel)
			}
		})
	}
}

// TestPacmanSyncKeep checks that a database cannot make libvet hold
// more than maxIndexKeep: a files list of short library names.
func TestPacmanSyncKeep(t *testing.T) {
	var files strings.Builder
	files.WriteString("%FILES%\n")
	for i := range maxIndexKeep / keepCost {
		fmt.Fprintf(&files, "usr/lib/l%d.so\n", i)
	}
	data := idxGzip(t, idxTar(t, true, idxMember{name: "many-1-1/desc", data: syncDesc("many", "1-1")}, idxMember{name: "many-1-1/files", data: files.String()}))
	root := fstest.MapFS{pacmanSyncDir + "/core.files": {Data: data}}
	provs, _, problems := ReadPacmanSync(root, nil)
	if len(provs) > 0 || len(problems) != 1 || !errors.Is(problems[0], artifact.ErrTooLarge) || !strings.Contains(problems[0].Error(), "to keep") {
		t.Errorf("%d provisions, problems %v", len(provs), problems)
	}
	provs, _, problems = ReadPacmanSync(root, func(so string) bool { return so == "l7.so" })
	if len(provs) != 1 || len(problems) > 0 {
		t.Errorf("want l7.so: %d provisions, problems %v", len(provs), problems)
	}
}

func TestSonameShaped(t *testing.T) {
	for name, want := range map[string]bool{
		"libz.so.1": true, "libz.so": true, "libz.so.1.3.1": true, "ld-linux-x86-64.so.2": true,
		"libpython3.12.so.1.0": true, "libabsl_base.so.2308.0.0": true, "lib.something.so.1": true,
		".so": false, ".so.1": false, "libz.so.": false, "libz.so..1": false, "libz.so.1.py": false,
		"libz.a": false, "libz.sox": false, "libstdc++.so.6.0.33-gdb.py": false, "": false,
	} {
		if got := sonameShaped(name); got != want {
			t.Errorf("sonameShaped(%q) = %v, want %v", name, got, want)
		}
	}
}

func FuzzPacmanSync(f *testing.F) {
	for _, name := range []string{"core.files", "multilib.db"} {
		if data, err := os.ReadFile(pacmanSyncFixture + "/root/" + pacmanSyncDir + "/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Add(idxTar(f, true,
		idxMember{name: "zlib-1-1/files", data: "%FILES%\nusr/lib/libz.so.1\nusr/lib32/libz.so.1\nlib64/x.so\n"},
		idxMember{name: "zlib-1-1/desc", data: syncDesc("zlib", "1-1", "libz.so=1-64", "lib:libq.so.2")}))
	f.Add(idxTar(f, false, idxMember{name: "a-1-1/desc", data: "%NAME%\na\n"}))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = pacmanSyncDir + "/core.files"
		provs, files, problems := ReadPacmanSync(fstest.MapFS{file: {Data: data}}, nil)
		if len(files) != 1 || len(problems) > 1 {
			t.Fatalf("files %q, problems %v", files, problems)
		}
		if len(problems) == 1 && (len(provs) > 0 || !strings.HasPrefix(problems[0].Error(), file+": ")) {
			t.Fatalf("problem %v with provisions %v", problems[0], provs)
		}
		for _, p := range provs {
			if p.Name == "" || p.Version == "" || p.Soname == "" || p.Manager != "pacman" || p.Repo != "core" || p.Bits != 0 && p.Bits != 32 && p.Bits != 64 {
				t.Fatalf("provision %+v", p)
			}
		}
	})
}
