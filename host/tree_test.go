package host

import (
	"debug/elf"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	velf "github.com/libvet/libvet/elf"
)

// The fixture roots (testdata/roots/README.md).
const (
	glibcRoot = "../testdata/roots/glibc"
	muslRoot  = "../testdata/roots/musl"
	macRoot   = "../testdata/roots/macos"
	winRoot   = "../testdata/roots/windows"
)

func TestRealPathStaysInRoot(t *testing.T) {
	root := t.TempDir()
	mk := func(rel string) {
		if err := os.MkdirAll(filepath.Join(root, rel), 0o755); err != nil {
			t.Fatal(err)
		}
	}
	ln := func(target, rel string) {
		if err := os.Symlink(target, filepath.Join(root, rel)); err != nil {
			t.Fatal(err)
		}
	}
	mk("usr/lib")
	mk("usr/lib64")
	ln("usr/lib", "lib")
	ln("/usr/lib64", "lib64")           // absolute: re-rooted
	ln("../../../../etc", "usr/lib/up") // climbs past the root: stops at it
	ln("/etc/passwd", "usr/lib/passwd") // absolute, to a file the root lacks
	ln("loop2", "loop1")
	ln("loop1", "loop2")
	tests := []struct{ in, want string }{
		{"/lib", "/usr/lib"},
		{"/lib64", "/usr/lib64"},
		{"/lib/../lib64", "/usr/lib64"},
		{"/../../usr/lib", "/usr/lib"},
		{"/usr/lib/up", ""}, // /etc does not exist in the root
		{"/usr/lib/passwd", ""},
		{"/loop1", ""},
	}
	for _, tt := range tests {
		got, ok := RealPath(root, tt.in)
		if (tt.want == "") == ok || got != tt.want {
			t.Errorf("RealPath(%q) = %q, %v; want %q", tt.in, got, ok, tt.want)
		}
	}
}

func TestExpand(t *testing.T) {
	debian := NewLinux(Options{Root: glibcRoot})
	rhel := NewLinux(Options{Root: makeRoot(t, map[string]string{"usr/lib64/libc.so.6": lib64})})
	musl := NewMusl(Options{Root: muslRoot}, elf.EM_X86_64)
	tests := []struct {
		l           *Linux
		entry, want string
	}{
		{debian, "$ORIGIN/../lib", "/opt/app/lib"},
		{debian, "${ORIGIN}", "/opt/app/bin"},
		{debian, "/opt/$LIB/x", "/opt/lib/x86_64-linux-gnu/x"},
		{debian, "/opt/${PLATFORM}", "/opt/x86_64"},
		{rhel, "/usr/$LIB", "/usr/lib64"},
		{musl, "/usr/$LIB", "/usr/$LIB"},
		{debian, "relative/dir", ""},
		{debian, "", ""},
	}
	for _, tt := range tests {
		got, ok := tt.l.Expand(tt.entry, "/opt/app/bin", elf.ELFCLASS64, elf.EM_X86_64)
		if (tt.want == "") == ok || got != tt.want {
			t.Errorf("Expand(%q) = %q, %v; want %q", tt.entry, got, ok, tt.want)
		}
	}
}

func TestX86Level(t *testing.T) {
	v2 := "cx16 lahf_lm popcnt sse4_1 sse4_2 ssse3"
	v3 := v2 + " avx avx2 bmi1 bmi2 f16c fma abm movbe xsave"
	v4 := v3 + " avx512f avx512bw avx512cd avx512dq avx512vl"
	for want, flags := range map[int]string{1: "fpu sse2", 2: v2, 3: v3, 4: v4} {
		if got := x86Level("processor\t: 0\nflags\t\t: " + flags + "\nbugs\t: x\n"); got != want {
			t.Errorf("level of %q = %d, want %d", flags, got, want)
		}
	}
}

// TestHWCaps: every search directory is tried in its glibc-hwcaps
// subdirectories first, best level first, up to the configured level.
func TestHWCaps(t *testing.T) {
	root := makeRoot(t, map[string]string{
		"opt/lib/libfoo.so.1":                        lib64,
		"opt/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1": lib64,
		"opt/lib/glibc-hwcaps/x86-64-v4/libfoo.so.1": lib64,
	})
	for level, want := range map[int]string{
		1: "/opt/lib/libfoo.so.1",
		3: "/opt/lib/glibc-hwcaps/x86-64-v2/libfoo.so.1",
		4: "/opt/lib/glibc-hwcaps/x86-64-v4/libfoo.so.1",
	} {
		l := NewLinux(Options{Root: root, LDPaths: []string{"/opt/lib"}, X86Level: level})
		lib := l.Find("libfoo.so.1", x86_64)
		if lib == nil || lib.Path != want {
			t.Errorf("level %d: found %+v, want %s", level, lib, want)
		}
	}
	// Other machines have no x86-64 subdirectories.
	l := NewLinux(Options{Root: root, LDPaths: []string{"/opt/lib"}, X86Level: 4})
	if got := l.hwcaps(elf.EM_AARCH64); got != nil {
		t.Errorf("aarch64 hwcaps %q", got)
	}
}

// TestNoDefLib: -z nodeflib skips the cache and the default directories.
func TestNoDefLib(t *testing.T) {
	l := NewLinux(Options{Root: makeRoot(t, map[string]string{"usr/lib/libfoo.so.1": lib64})})
	s := x86_64
	if l.Find("libfoo.so.1", s) == nil {
		t.Fatal("not found without nodeflib")
	}
	s.NoDefLib = true
	if lib := l.Find("libfoo.so.1", s); lib != nil {
		t.Errorf("found %+v with nodeflib", lib)
	}
}

func TestParseMuslPath(t *testing.T) {
	got := ParseMuslPath([]byte("/lib:/usr/local/lib\n\n/usr/lib::/opt/x\n"))
	want := []string{"/lib", "/usr/local/lib", "/usr/lib", "/opt/x"}
	if !slices.Equal(got, want) {
		t.Errorf("got %q, want %q", got, want)
	}
}

func FuzzParseMuslPath(f *testing.F) {
	f.Add([]byte("/lib:/usr/local/lib:/usr/lib\n"))
	f.Add([]byte("\n::\n/opt/a\n"))
	if data, err := os.ReadFile(muslRoot + "/etc/ld-musl-x86_64.path"); err == nil {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		dirs := ParseMuslPath(data)
		n := 0
		for _, d := range dirs {
			if d == "" || strings.ContainsAny(d, ":\n") {
				t.Fatalf("bad entry %q", d)
			}
			n += len(d)
		}
		if n > len(data) {
			t.Fatalf("%d bytes of entries from %d bytes", n, len(data))
		}
	})
}

func TestMusl(t *testing.T) {
	if !MuslReserved("libc.musl-x86_64.so.1") || !MuslReserved("libpthread.so.0") || !MuslReserved("libc.so") ||
		MuslReserved("libcrypto.so.3") || MuslReserved("libmagic.so.1") {
		t.Error("MuslReserved is wrong")
	}
	// The path file replaces the defaults; without it musl searches
	// /lib:/usr/local/lib:/usr/lib.
	if got := NewMusl(Options{Root: muslRoot}, elf.EM_X86_64).SystemDirs(); !slices.Equal(got, []string{"/usr/local/lib", "/opt/musl/lib", "/usr/lib"}) {
		t.Errorf("system dirs %q", got)
	}
	if got := NewMusl(Options{Root: t.TempDir()}, elf.EM_X86_64).SystemDirs(); !slices.Equal(got, muslDefaultPath) {
		t.Errorf("default system dirs %q", got)
	}
	// musl inherits DT_RUNPATH along the loader chain, and honours
	// LD_LIBRARY_PATH before both.
	root := makeRoot(t, map[string]string{"opt/a/libx.so.1": lib64, "opt/b/libx.so.1": lib64})
	l := NewMusl(Options{Root: root, LDPaths: []string{}}, elf.EM_X86_64)
	q := query{class: elf.ELFCLASS64, data: elf.ELFDATA2LSB, machine: elf.EM_X86_64, inherited: []searchDir{{dir: "/opt/a", of: "/app"}}}
	if lib := l.find("libx.so.1", q); lib == nil || lib.Step != "search path /opt/a of /app" {
		t.Errorf("inherited RUNPATH: %+v", lib)
	}
	l.env = []string{"/opt/b"}
	if lib := l.find("libx.so.1", q); lib == nil || lib.Path != "/opt/b/libx.so.1" {
		t.Errorf("LD_LIBRARY_PATH first: %+v", lib)
	}
}

func TestTreeGlibc(t *testing.T) {
	db, err := ReadDpkg(os.DirFS(glibcRoot))
	if err != nil {
		t.Fatal(err)
	}
	tree, err := Tree(glibcRoot, glibcRoot+"/opt/app/bin/app", TreeOptions{Owners: db, Linux: Options{X86Level: 1}})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]*TreeNode{}
	var order []string
	tree.Walk(func(n *TreeNode, depth int) {
		if depth > 0 {
			got[n.Need+"@"+string(rune('0'+depth))] = n
			order = append(order, n.Need)
		}
	})
	check := func(key, path, step string, flags ...string) {
		t.Helper()
		n := got[key]
		switch {
		case n == nil:
			t.Errorf("%s: no node (have %q)", key, order)
		case n.Path != path || n.Step != step:
			t.Errorf("%s: %s by %q, want %s by %q", key, n.Path, n.Step, path, step)
		case slices.Contains(flags, "cycle") != n.Cycle, slices.Contains(flags, "repeat") != n.Repeat,
			slices.Contains(flags, "notfound") != n.NotFound:
			t.Errorf("%s: flags %+v, want %q", key, n, flags)
		}
	}
	check("libmissing.so.7@1", "", "", "notfound")
	check("libplug.so@1", "/opt/app/lib/libplug.so", "RPATH $ORIGIN/../lib (/opt/app/lib)")
	check("libhelper.so@2", "/opt/app/private/libhelper.so", "RPATH $ORIGIN/../private (/opt/app/private) of /opt/app/bin/app")
	check("libplug.so@3", "/opt/app/lib/libplug.so", "RPATH $ORIGIN/../lib (/opt/app/lib)", "repeat", "cycle")
	check("libhidden.so@2", "", "", "notfound") // librun.so's RUNPATH cuts the inherited RPATH
	check("libz.so.1@2", "/usr/lib/x86_64-linux-gnu/libz.so.1", "ld.so.cache")
	if n := got["libz.so.1@2"]; n == nil || n.Owner == nil || n.Owner.Name != "zlib1g" || n.RealPath != "/usr/lib/x86_64-linux-gnu/libz.so.1.2.13" {
		t.Errorf("libz: %+v", n)
	}
	if tree.Loader != LoaderGlibc || tree.Interpreter != "/lib64/ld-linux-x86-64.so.2" || !tree.Failed() {
		t.Errorf("top: %+v", tree)
	}
}

func TestMissingVersions(t *testing.T) {
	tree, err := Tree(glibcRoot, glibcRoot+"/opt/app/bin/md5user", TreeOptions{Linux: Options{X86Level: 3}})
	if err != nil {
		t.Fatal(err)
	}
	md := tree.Children[0]
	want := "libmd.so.0 found at /usr/lib/x86_64-linux-gnu/glibc-hwcaps/x86-64-v3/libmd.so.0, but it lacks LIBMD_0.0 needed by /opt/app/bin/md5user"
	if md.Problem != want || md.Step != "ld.so.cache (glibc-hwcaps/x86-64-v3)" {
		t.Errorf("got %q by %q, want %q", md.Problem, md.Step, want)
	}
	// A library without version definitions satisfies any need.
	if got := MissingVersions(md5userELF(t), "libmd.so.0", tree.Children[1].objectFile(t)); got != nil {
		t.Errorf("libc.so.6 stand-in as libmd: %q", got)
	}
}

func TestTreeOutsideRoot(t *testing.T) {
	// The file lies outside the root: its $ORIGIN is a directory of this
	// machine, everything else comes from the root.
	dir := t.TempDir()
	for _, f := range []string{"bin/app", "lib/libplug.so", "private/libhelper.so", "lib/librun.so"} {
		data, err := os.ReadFile(glibcRoot + "/opt/app/" + f)
		if err != nil {
			t.Fatal(err)
		}
		os.MkdirAll(filepath.Join(dir, filepath.Dir(f)), 0o755)
		os.WriteFile(filepath.Join(dir, f), data, 0o644)
	}
	tree, err := Tree(glibcRoot, filepath.Join(dir, "bin/app"), TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var plug, md *TreeNode
	for _, c := range tree.Children {
		switch c.Need {
		case "libplug.so":
			plug = c
		case "libmd.so.0":
			md = c
		}
	}
	if plug == nil || plug.Path != filepath.ToSlash(filepath.Join(dir, "lib/libplug.so")) {
		t.Errorf("libplug.so: %+v", plug)
	}
	if md == nil || md.Path != "/usr/lib/x86_64-linux-gnu/libmd.so.0" {
		t.Errorf("libmd.so.0: %+v", md)
	}
}

func TestTreeMusl(t *testing.T) {
	file := muslRoot + "/usr/lib/python3.12/site-packages/markupsafe/_speedups.cpython-312-x86_64-linux-musl.so"
	tree, err := Tree(muslRoot, file, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Loader != LoaderMusl || len(tree.Children) != 2 || tree.Failed() {
		t.Fatalf("tree %+v", tree)
	}
	if c := tree.Children[0]; c.Path != "/opt/musl/lib/libextra.so.1" || c.Step != "/etc/ld-musl-x86_64.path /opt/musl/lib" {
		t.Errorf("libextra: %+v", c)
	}
	// Forced to glibc, the same file finds nothing for its libc.
	tree, err = Tree(muslRoot, file, TreeOptions{Libc: LoaderGlibc})
	if err != nil {
		t.Fatal(err)
	}
	if !tree.Failed() {
		t.Error("glibc found musl's libc")
	}
}

func TestTreeDyld(t *testing.T) {
	file := macRoot + "/site-packages/google_crc32c/_crc32c.cpython-312-darwin.so"
	tree, err := Tree(macRoot, file, TreeOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Loader != LoaderDyld || tree.Arch != "arm64" || tree.Failed() {
		t.Fatalf("tree %+v", tree)
	}
	dylib := tree.Children[0]
	if dylib.Step != "@loader_path /site-packages/google_crc32c" || len(dylib.Children) == 0 || dylib.Children[0].Step != "dyld shared cache" {
		t.Errorf("dylib %+v", dylib)
	}
	// An x86_64 slice is not there.
	if _, err := Tree(macRoot, file, TreeOptions{Arch: "x86_64"}); err == nil {
		t.Error("no error for a missing slice")
	}
	// @rpath along a stack, DYLD_LIBRARY_PATH and the fallback path.
	d := NewDyld(DyldOptions{Root: macRoot, LibraryPath: []string{"/nowhere"}, FallbackLibraryPath: []string{"/site-packages/google_crc32c/.dylibs"}})
	arm64 := uint32(0x0100000c)
	tests := []struct {
		name string
		s    DyldSearch
		step string
	}{
		{"@rpath/libcrc32c.1.1.0.dylib", DyldSearch{RPaths: []string{"/x", "/site-packages/google_crc32c/.dylibs"}, CPU: arm64}, "LC_RPATH /site-packages/google_crc32c/.dylibs"},
		{"@rpath/libcrc32c.1.1.0.dylib", DyldSearch{CPU: 7}, ""}, // x86: wrong CPU type
		{"/opt/lib/libcrc32c.1.1.0.dylib", DyldSearch{CPU: arm64}, "DYLD_FALLBACK_LIBRARY_PATH /site-packages/google_crc32c/.dylibs"},
		{"@executable_path/libcrc32c.1.1.0.dylib", DyldSearch{ExecutablePath: "/site-packages/google_crc32c/.dylibs", CPU: arm64}, "@executable_path /site-packages/google_crc32c/.dylibs"},
		{"@executable_path/libcrc32c.1.1.0.dylib", DyldSearch{CPU: arm64}, ""},
		{"/System/Library/Frameworks/CoreFoundation.framework/CoreFoundation", DyldSearch{CPU: arm64}, "dyld shared cache"},
	}
	for _, tt := range tests {
		lib := d.Find(tt.name, tt.s)
		switch {
		case tt.step == "" && lib != nil:
			t.Errorf("%s: found %+v", tt.name, lib)
		case tt.step != "" && (lib == nil || lib.Step != tt.step):
			t.Errorf("%s: found %+v, want step %q", tt.name, lib, tt.step)
		}
	}
	if got, ok := ExpandRPath("@loader_path/../lib", "/a/b", ""); !ok || got != "/a/lib" {
		t.Errorf("ExpandRPath = %q, %v", got, ok)
	}
}

func TestWindowsLoader(t *testing.T) {
	pyd, err := os.ReadFile(winRoot + "/site-packages/markupsafe/_speedups.cp312-win32.pyd")
	if err != nil {
		t.Fatal(err)
	}
	root := t.TempDir()
	put := func(rel string) {
		p := filepath.Join(root, rel)
		os.MkdirAll(filepath.Dir(p), 0o755)
		if err := os.WriteFile(p, pyd, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	// Stand-ins: any I386 image answers for a DLL name.
	put("WINDOWS/SysWOW64/kernel32.dll")
	put("WINDOWS/System32/vcruntime140.dll") // 64-bit directory: not searched for I386
	put("app/python312.dll")
	put("tools/VCRUNTIME140.DLL")
	w := NewWindowsLoader(WindowsOptions{Root: root, Path: []string{"/tools"}})
	tests := []struct{ name, path, step string }{
		{"KERNEL32.dll", "/WINDOWS/SysWOW64/kernel32.dll", "system directory /WINDOWS/SysWOW64"},
		{"python312.dll", "/app/python312.dll", "application directory /app"},
		{"VCRUNTIME140.dll", "/tools/VCRUNTIME140.DLL", "PATH /tools"},
		{"api-ms-win-crt-runtime-l1-1-0.dll", "", "API set"},
		{"missing.dll", "", ""},
	}
	for _, tt := range tests {
		d := w.Find(tt.name, "/app", 0x14c)
		switch {
		case tt.step == "" && d != nil:
			t.Errorf("%s: found %+v", tt.name, d)
		case tt.step != "" && (d == nil || d.Path != tt.path || d.Step != tt.step):
			t.Errorf("%s: found %+v, want %s by %q", tt.name, d, tt.path, tt.step)
		}
	}
	if d := w.Find("python312.dll", "/app", 0x8664); d != nil {
		t.Errorf("an I386 DLL satisfies an AMD64 image: %+v", d)
	}
	tree, err := Tree(root, filepath.Join(root, "app/python312.dll"), TreeOptions{WindowsPath: []string{"/tools"}})
	if err != nil {
		t.Fatal(err)
	}
	if tree.Loader != LoaderWindows || tree.Failed() {
		var lines []string
		tree.Walk(func(n *TreeNode, d int) { lines = append(lines, strings.Repeat(" ", d)+n.Need+" "+n.Path+" "+n.Step) })
		t.Errorf("tree:\n%s", strings.Join(lines, "\n"))
	}
}

func TestTreeErrors(t *testing.T) {
	if _, err := Tree(glibcRoot, glibcRoot+"/etc/ld.so.conf", TreeOptions{}); err == nil || !strings.Contains(err.Error(), "not an ELF") {
		t.Errorf("text file: %v", err)
	}
	if _, err := Tree(glibcRoot, glibcRoot+"/nope", TreeOptions{}); err == nil {
		t.Error("missing file: no error")
	}
	if _, err := Tree(glibcRoot+"/nope", glibcRoot+"/opt/app/bin/app", TreeOptions{}); err == nil {
		t.Error("missing root: no error")
	}
}

func md5userELF(t *testing.T) *velf.File {
	t.Helper()
	f, err := velf.Open(glibcRoot + "/opt/app/bin/md5user")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// objectFile parses the library a node found.
func (n *TreeNode) objectFile(t *testing.T) *velf.File {
	t.Helper()
	f, err := velf.Open(filepath.Join(glibcRoot, n.RealPath))
	if err != nil {
		t.Fatal(err)
	}
	f.VersionDefs = nil
	return f
}
