package host

import (
	"bufio"
	"bytes"
	"compress/bzip2"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"
	"testing/fstest"
	"testing/iotest"

	"github.com/klauspost/compress/zstd"
	"github.com/libvet/libvet/artifact"
)

// rpmRepoFixture holds rpm repository metadata made by createrepo_c and
// cached by dnf and zypper; testdata/rpmrepo/README.md says how.
const rpmRepoFixture = "testdata/rpmrepo"

// fixtureRpmProvisions are the library provides of the fixture's
// packages, as rpm -qp --provides lists them in expected-provides.txt
// (TestRpmRepoExpectedFile checks that).
func fixtureRpmProvisions(manager, repo string) []Provision {
	p := func(soname string, bits int, name, version, arch string) Provision {
		return Provision{Soname: soname, Bits: bits, Package: Package{Manager: manager, Name: name, Version: version, Arch: arch}, Repo: repo}
	}
	return []Provision{
		p("libvet+extra-2.5.so", 64, "libvet+extra", "0.5-1", "x86_64"),
		p("libvetdemo.so.1", 32, "libvetdemo", "2:1.0-3.libvet", "i686"),
		p("libvetdemo.so.1", 64, "libvetdemo", "2:1.0-3.libvet", "x86_64"),
	}
}

// TestRpmRepoExpectedFile checks fixtureRpmProvisions against what rpm
// itself says the fixture's packages provide.
func TestRpmRepoExpectedFile(t *testing.T) {
	data, err := os.ReadFile(rpmRepoFixture + "/expected-provides.txt")
	if err != nil {
		t.Fatal(err)
	}
	var got []Provision
	all := 0
	for line := range strings.Lines(string(data)) {
		f := strings.Split(strings.TrimSuffix(line, "\n"), "\t")
		if len(f) != 4 {
			t.Fatalf("expected-provides.txt: %q is not name, version, arch, provide", line)
		}
		all++
		if so, bits, ok := rpmSonameProvide([]byte(f[3])); ok {
			got = append(got, Provision{Soname: string(so), Bits: bits, Package: Package{Manager: "dnf", Name: f[0], Version: f[1], Arch: f[2]}, Repo: "r"})
		}
	}
	slices.SortFunc(got, compareProvisions)
	if want := fixtureRpmProvisions("dnf", "r"); !reflect.DeepEqual(got, want) {
		t.Errorf("library provides of expected-provides.txt:\n got %v\nwant %v", got, want)
	}
	if all < 10 {
		t.Errorf("expected-provides.txt lists %d provides, want the 14 of the fixture's packages", all)
	}
}

func TestRpmSonameProvide(t *testing.T) {
	for _, tt := range []struct {
		provide string
		soname  string
		bits    int
	}{
		{"libz.so.1()(64bit)", "libz.so.1", 64},
		{"libz.so.1", "libz.so.1", 32},
		{"libnss3.so", "libnss3.so", 32},
		{"libnss3.so()(64bit)", "libnss3.so", 64},
		{"ld-linux.so.2", "ld-linux.so.2", 32},
		{"libstdc++.so.6", "libstdc++.so.6", 32},
		{"libpython3.12.so.1.0", "libpython3.12.so.1.0", 32},
		{"libvet+extra-2.5.so", "libvet+extra-2.5.so", 32},
		{"libsome.so.foo.so.3", "libsome.so.foo.so.3", 32},
		{"libR()(64bit)", "libR", 64}, // elfdeps writes any DT_SONAME
		// Not library provides.
		{"libc.so.6(GLIBC_2.34)(64bit)", "", 0},
		{"libc.so.6(GLIBC_2.0)", "", 0},
		{"libvetdemo.so.1(LIBVETDEMO_1.0)", "", 0},
		{"zlib", "", 0},
		{"zlib(x86-64)", "", 0},
		{"libz.so.1()", "", 0},
		{"()(64bit)", "", 0},
		{"perl(Foo.so)", "", 0},
		{"/usr/lib64/libz.so.1", "", 0},
		{"libz.sox", "", 0},
		{"libz.so.x", "", 0},
		{".so.1", "", 0},
		{"libz.so.", "", 0},
		{"font(dejavu.so)", "", 0},
		{"lib z.so.1", "", 0},
		{"", "", 0},
	} {
		so, bits, ok := rpmSonameProvide([]byte(tt.provide))
		if string(so) != tt.soname || bits != tt.bits || ok != (tt.soname != "") {
			t.Errorf("rpmSonameProvide(%q) = %q, %d, %v; want %q, %d", tt.provide, so, bits, ok, tt.soname, tt.bits)
		}
	}
}

// TestRpmSonameProvideRoundTrip checks rpmSonameProvide against
// SonameCapability, which writes capabilities as elfdeps does.
func TestRpmSonameProvideRoundTrip(t *testing.T) {
	for _, soname := range []string{"libz.so.1", "libnss3.so", "ld-linux-x86-64.so.2", "libstdc++.so.6",
		"libssl.so.1.1", "libvet+extra-2.5.so", "libpython3.12.so.1.0", "libgcc_s.so.1", "libQt5Core.so.5"} {
		for _, is64 := range []bool{false, true} {
			c := SonameCapability(soname, is64, "")
			so, bits, ok := rpmSonameProvide([]byte(c))
			if wantBits := map[bool]int{false: 32, true: 64}[is64]; !ok || string(so) != soname || bits != wantBits {
				t.Errorf("rpmSonameProvide(SonameCapability(%q, %v, \"\") = %q) = %q, %d, %v", soname, is64, c, so, bits, ok)
			}
			// A symbol version's capability is not a library provide.
			v := SonameCapability(soname, is64, "V_1.0")
			if so, _, ok := rpmSonameProvide([]byte(v)); ok {
				t.Errorf("rpmSonameProvide(%q) = %q, want not a library provide", v, so)
			}
		}
	}
}

// readFixture returns the file of testdata/rpmrepo.
func readFixture(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(rpmRepoFixture + "/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// repomdXML returns a repomd.xml listing the given data: pairs of type
// and location href.
func repomdXML(pairs ...string) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<repomd xmlns="http://linux.duke.edu/metadata/repo" xmlns:rpm="http://linux.duke.edu/metadata/rpm">` + "\n  <revision>1700000000</revision>\n")
	for i := 0; i+1 < len(pairs); i += 2 {
		fmt.Fprintf(&b, "  <data type=%q>\n    <location href=%q/>\n  </data>\n", pairs[i], pairs[i+1])
	}
	b.WriteString("</repomd>\n")
	return []byte(b.String())
}

// repoFS returns a root whose cache dir holds one repository in the
// directory repo, with a repomd.xml listing primary (of type typ) as
// repodata/<name>.
func repoFS(dir, typ, name string, primary []byte) fstest.MapFS {
	return fstest.MapFS{
		dir + "/repomd.xml": {Data: repomdXML(typ, "repodata/"+name)},
		dir + "/" + name:    {Data: primary},
	}
}

const dnf5Dir = "var/cache/libdnf5/fedora-0123456789abcdef/repodata"

// The yum fixture's repository directory and sqlite primary.
const (
	yumDir = "var/cache/yum/x86_64/7/libvetdemo"
	yumDB  = "4d56bad718d2feb540123f1bda74eeac68e3200be520a8f1648fe0e107e50ca0-primary.sqlite"
)

// yumSqlite returns the yum fixture's sqlite primary, decompressed as yum
// leaves it in its cache.
func yumSqlite(t testing.TB) []byte {
	data, err := io.ReadAll(bzip2.NewReader(bytes.NewReader(readFixture(t, "yum/"+yumDir+"/"+yumDB+".bz2"))))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func TestReadRpmReposFixtures(t *testing.T) {
	dnfRepomd := "var/cache/dnf/libvetdemo-a6d68ff0bed8695a/repodata/repomd.xml"
	zck := readFixture(t, "primary/primary.xml.zck")
	// dnf with zchunk on, as on Fedora: repomd.xml lists both primaries
	// and only the zchunk one is cached.
	fedora := fstest.MapFS{
		"var/cache/dnf/updates-fedcba9876543210/repodata/repomd.xml":         {Data: repomdXML("primary", "repodata/aa-primary.xml.zst", "primary_zck", "repodata/bb-primary.xml.zck")},
		"var/cache/dnf/updates-fedcba9876543210/repodata/bb-primary.xml.zck": {Data: zck},
		"var/cache/dnf/updates.solv":                                         {Data: []byte("SOLV")},
	}
	// zypper and dnf 5 with the same repository.
	both := fstest.MapFS{
		"var/cache/zypp/raw/repo-oss/repodata/repomd.xml":       {Data: readFixture(t, "primary/repomd.xml")},
		"var/cache/zypp/raw/repo-oss/repodata/x-primary.xml.gz": {Data: readFixture(t, "primary/primary.xml.gz")},
		"var/cache/zypp/raw/broken":                             {Data: []byte("not a directory")},
	}
	for k, v := range repoFS(dnf5Dir, "primary", "x-primary.xml.xz", readFixture(t, "primary/primary.xml.xz")) {
		both[k] = v
	}
	// The repomd.xml of the fixture lists x-primary.xml.gz under another
	// name: rewrite it.
	both["var/cache/zypp/raw/repo-oss/repodata/repomd.xml"] = &fstest.MapFile{Data: repomdXML("primary", "repodata/x-primary.xml.gz")}
	for _, tt := range []struct {
		name     string
		root     fs.FS
		want     []Provision
		files    []string
		problems []string
	}{
		{
			name:  "dnf",
			root:  os.DirFS(rpmRepoFixture + "/dnf"),
			want:  fixtureRpmProvisions("dnf", "libvetdemo"),
			files: []string{path.Dir(dnfRepomd) + "/a2791f4507bf359348734d390f398c0330d8ee447a6cf2b5ab797e5df7257d42-primary.xml.gz", dnfRepomd},
		},
		{
			name:  "zypper",
			root:  os.DirFS(rpmRepoFixture + "/zypper"),
			want:  fixtureRpmProvisions("zypper", "libvet-demo"),
			files: []string{"var/cache/zypp/raw/libvet-demo/repodata/a2791f4507bf359348734d390f398c0330d8ee447a6cf2b5ab797e5df7257d42-primary.xml.gz", "var/cache/zypp/raw/libvet-demo/repodata/repomd.xml"},
		},
		{
			name: "yum sqlite",
			root: os.DirFS(rpmRepoFixture + "/yum"),
			want: fixtureRpmProvisions("yum", "libvetdemo"),
			files: []string{
				yumDir + "/" + yumDB + ".bz2",
				yumDir + "/repomd.xml",
			},
		},
		{
			name: "yum sqlite decompressed",
			root: fstest.MapFS{
				yumDir + "/repomd.xml":        {Data: readFixture(t, "yum/"+yumDir+"/repomd.xml")},
				yumDir + "/" + yumDB:          {Data: yumSqlite(t)},
				yumDir + "/" + yumDB + ".bz2": {Data: []byte("not read")},
			},
			want:  fixtureRpmProvisions("yum", "libvetdemo"),
			files: []string{yumDir + "/" + yumDB, yumDir + "/repomd.xml"},
		},
		{
			name:  "fedora dnf with zchunk",
			root:  fedora,
			want:  fixtureRpmProvisions("dnf", "updates"),
			files: []string{"var/cache/dnf/updates-fedcba9876543210/repodata/bb-primary.xml.zck", "var/cache/dnf/updates-fedcba9876543210/repodata/repomd.xml"},
		},
		{
			name:  "dnf5 and zypper",
			root:  both,
			want:  slices.Concat(fixtureRpmProvisions("dnf", "fedora"), fixtureRpmProvisions("zypper", "repo-oss")),
			files: []string{dnf5Dir + "/repomd.xml", dnf5Dir + "/x-primary.xml.xz", "var/cache/zypp/raw/repo-oss/repodata/repomd.xml", "var/cache/zypp/raw/repo-oss/repodata/x-primary.xml.gz"},
		},
		{name: "empty root", root: fstest.MapFS{}},
		{name: "empty caches", root: fstest.MapFS{"var/cache/dnf/x/repodata/other.xml": {}, "var/cache/yum/x86_64/7/base/gen/x": {}, "var/cache/zypp/raw/a/b": {}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, files, problems := ReadRpmRepos(tt.root, nil)
			slices.SortFunc(tt.want, compareProvisions)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(tt.want))
			}
			if !reflect.DeepEqual(files, tt.files) {
				t.Errorf("files = %q, want %q", files, tt.files)
			}
			checkProblems(t, problems, tt.problems)
		})
	}
}

// checkProblems checks that each problem starts with the corresponding
// prefix (a file name and, maybe, more).
func checkProblems(t *testing.T, problems []error, prefixes []string) {
	t.Helper()
	if len(problems) != len(prefixes) {
		t.Errorf("problems = %v, want %d starting %q", problems, len(prefixes), prefixes)
		return
	}
	for i, p := range problems {
		if !strings.HasPrefix(p.Error(), prefixes[i]) {
			t.Errorf("problem %q, want it to start %q", p, prefixes[i])
		}
	}
}

// fmtProvisions returns the provisions one a line with all their fields.
func fmtProvisions(ps []Provision) string {
	var b strings.Builder
	for _, p := range ps {
		fmt.Fprintf(&b, "\n\t%s %d %s %s %s %s %s", p.Soname, p.Bits, p.Manager, p.Name, p.Version, p.Arch, p.Repo)
	}
	return b.String()
}

// TestReadRpmReposCompressions reads the fixture's primary.xml in each
// compression and as zchunk with and without a dictionary.
func TestReadRpmReposCompressions(t *testing.T) {
	for _, name := range []string{"primary.xml", "primary.xml.gz", "primary.xml.bz2", "primary.xml.xz", "primary.xml.zst", "primary.xml.zck", "nodict.xml.zck"} {
		t.Run(name, func(t *testing.T) {
			typ := "primary"
			if strings.HasSuffix(name, ".zck") {
				typ = "primary_zck"
			}
			got, files, problems := ReadRpmRepos(repoFS(dnf5Dir, typ, name, readFixture(t, "primary/"+name)), nil)
			if want := fixtureRpmProvisions("dnf", "fedora"); !reflect.DeepEqual(got, want) {
				t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(want))
			}
			if len(files) != 2 || len(problems) != 0 {
				t.Errorf("files %q, problems %v", files, problems)
			}
		})
	}
}

func TestReadRpmReposWant(t *testing.T) {
	root := os.DirFS(rpmRepoFixture + "/dnf")
	var asked []string
	got, _, _ := ReadRpmRepos(root, func(soname string) bool {
		asked = append(asked, soname)
		return soname == "libvetdemo.so.1"
	})
	want := fixtureRpmProvisions("dnf", "libvetdemo")[1:]
	if !reflect.DeepEqual(got, want) {
		t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(want))
	}
	// want is asked about library provides only, once per provide.
	slices.Sort(asked)
	if w := []string{"libvet+extra-2.5.so", "libvetdemo.so.1", "libvetdemo.so.1"}; !reflect.DeepEqual(asked, w) {
		t.Errorf("want was asked about %q, want %q", asked, w)
	}
	if got, _, _ := ReadRpmRepos(root, func(string) bool { return false }); len(got) != 0 {
		t.Errorf("provisions %v, want none", got)
	}
	// The same from yum's sqlite primary.
	got, _, _ = ReadRpmRepos(os.DirFS(rpmRepoFixture+"/yum"), func(soname string) bool { return soname == "libvetdemo.so.1" })
	if want := fixtureRpmProvisions("yum", "libvetdemo")[1:]; !reflect.DeepEqual(got, want) {
		t.Errorf("yum provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(want))
	}
}

// gzipBytes returns b compressed with gzip.
func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	w, _ := gzip.NewWriterLevel(&buf, gzip.BestSpeed)
	w.Write(b)
	w.Close()
	return buf.Bytes()
}

// syntheticPrimary returns a primary.xml of n packages shaped like
// Fedora's: each with a description, a dozen provides (two of them
// library provides, 64- and 32-bit), two dozen requires and a few files.
func syntheticPrimary(n int) []byte {
	var b bytes.Buffer
	b.Grow(n * 4300)
	fmt.Fprintf(&b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<metadata xmlns=\"http://linux.duke.edu/metadata/common\" xmlns:rpm=\"http://linux.duke.edu/metadata/rpm\" packages=\"%d\">\n", n)
	for i := range n {
		arch := "x86_64"
		if i%7 == 0 {
			arch = "i686"
		}
		fmt.Fprintf(&b, `<package type="rpm">
  <name>pkg%d-libs</name>
  <arch>%s</arch>
  <version epoch="%d" ver="1.%d.0" rel="%d.fc41"/>
  <checksum type="sha256" pkgid="YES">%064x</checksum>
  <summary>Libraries for pkg%d &amp; friends</summary>
  <description>The pkg%d-libs package contains the shared libraries that programs linked with pkg%d need at run time. It is a longer paragraph, as Fedora's descriptions are: &lt;b&gt;several sentences&lt;/b&gt; about what the package does, which libvet does not read but must skip quickly. Another sentence, and another, to reach a realistic length for a description of a library package in a distribution's repository.</description>
  <packager>Fedora Project</packager>
  <url>https://example.org/pkg%d</url>
  <time file="1700000000" build="1699999999"/>
  <size package="123456" installed="456789" archive="460000"/>
  <location href="Packages/p/pkg%d-libs-1.%d.0-%d.fc41.%s.rpm"/>
  <format>
    <rpm:license>MIT AND BSD-3-Clause</rpm:license>
    <rpm:vendor>Fedora Project</rpm:vendor>
    <rpm:group>Unspecified</rpm:group>
    <rpm:buildhost>buildhw-x86-%02d.iad2.fedoraproject.org</rpm:buildhost>
    <rpm:sourcerpm>pkg%d-1.%d.0-%d.fc41.src.rpm</rpm:sourcerpm>
    <rpm:header-range start="4504" end="%d"/>
    <rpm:provides>
      <rpm:entry name="pkg%d-libs" flags="EQ" epoch="0" ver="1.%d.0" rel="%d.fc41"/>
      <rpm:entry name="pkg%d-libs(x86-64)" flags="EQ" epoch="0" ver="1.%d.0" rel="%d.fc41"/>
      <rpm:entry name="libpkg%d.so.1()(64bit)"/>
      <rpm:entry name="libpkg%d.so.1(PKG_1.0)(64bit)"/>
      <rpm:entry name="libpkg%d.so.1(PKG_1.1)(64bit)"/>
      <rpm:entry name="libpkg%d-extra.so.2"/>
      <rpm:entry name="config(pkg%d-libs)" flags="EQ" epoch="0" ver="1.%d.0" rel="%d.fc41"/>
      <rpm:entry name="pkgconfig(pkg%d)" flags="EQ" epoch="0" ver="1.%d.0"/>
      <rpm:entry name="bundled(gnulib)"/>
      <rpm:entry name="application()"/>
      <rpm:entry name="mimehandler(application/x-pkg%d)"/>
      <rpm:entry name="metainfo()"/>
    </rpm:provides>
    <rpm:requires>
`, i, arch, i%3, i, i%20, i, i, i, i, i, i, i, i, arch, i%64, i, i, i%20, 8000+i%5000,
			i, i, i%20, i, i, i%20, i, i, i, i, i, i, i%20, i, i, i)
		for r := range 24 {
			fmt.Fprintf(&b, "      <rpm:entry name=\"libdep%d.so.%d()(64bit)\"/>\n", (i+r*97)%n, r%4)
		}
		b.WriteString(`      <rpm:entry name="libc.so.6(GLIBC_2.34)(64bit)"/>
      <rpm:entry name="rtld(GNU_HASH)"/>
    </rpm:requires>
`)
		fmt.Fprintf(&b, "    <file>/etc/pkg%d.conf</file>\n    <file>/usr/bin/pkg%d</file>\n    <file type=\"dir\">/etc/pkg%d.d</file>\n  </format>\n</package>\n", i, i, i)
	}
	b.WriteString("</metadata>\n")
	return b.Bytes()
}

// scanPrimary runs the scanner over data with the default limits.
func scanPrimary(data []byte, want func(string) bool) ([]Provision, error) {
	s := newPrimaryScanner(bytes.NewReader(data), Provision{Package: Package{Manager: "dnf"}, Repo: "r"}, want, defaultRpmRepoLimits)
	err := s.run()
	return s.provs, err
}

func TestReadRpmReposBad(t *testing.T) {
	gz := readFixture(t, "primary/primary.xml.gz")
	plain := readFixture(t, "primary/primary.xml")
	zck := readFixture(t, "primary/primary.xml.zck")
	flip := func(b []byte, at int) []byte {
		b = slices.Clone(b)
		for i := at; i < at+8 && i < len(b); i++ {
			b[i] ^= 0x55
		}
		return b
	}
	xmlDoc := func(body string) []byte {
		return []byte(`<?xml version="1.0"?><metadata xmlns:rpm="x">` + body + `</metadata>`)
	}
	pkg := func(inner string) string {
		return `<package type="rpm"><name>p</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/>` + inner + `</package>`
	}
	big := syntheticPrimary(600) // 2.5 MiB
	small := defaultRpmRepoLimits
	small.primary = 64 << 10
	spaces := bytes.Repeat([]byte(" "), 40<<20)
	spaces = append(append([]byte("<metadata>"), spaces...), "</metadata>"...)
	zckLead := func(rest ...byte) []byte { return append([]byte("\x00ZCK1\x81"), rest...) }
	file := dnf5Dir + "/p"
	for _, tt := range []struct {
		name    string
		root    fstest.MapFS
		lim     *rpmRepoLimits
		problem string // after "<file>: "
		is      error
		some    bool // some provisions are still read
	}{
		{name: "truncated gzip", root: repoFS(dnf5Dir, "primary", "p", gz[:len(gz)/2]), problem: "", is: artifact.ErrTruncated},
		{name: "corrupt gzip", root: repoFS(dnf5Dir, "primary", "p", flip(gz, len(gz)/2)), is: artifact.ErrCorrupt},
		// artifact.Decompress drops the bytes read with an error: this small
		// file comes in one read, so nothing is kept.
		{name: "gzip trailer", root: repoFS(dnf5Dir, "primary", "p", flip(gz, len(gz)-8)), is: artifact.ErrCorrupt},
		{name: "truncated bzip2", root: repoFS(dnf5Dir, "primary", "p", cut(readFixture(t, "primary/primary.xml.bz2"))), is: artifact.ErrTruncated},
		{name: "truncated xz", root: repoFS(dnf5Dir, "primary", "p", cut(readFixture(t, "primary/primary.xml.xz"))), is: artifact.ErrTruncated},
		{name: "truncated zstd", root: repoFS(dnf5Dir, "primary", "p", cut(readFixture(t, "primary/primary.xml.zst"))), is: artifact.ErrTruncated},
		{name: "corrupt zstd", root: repoFS(dnf5Dir, "primary", "p", flip(readFixture(t, "primary/primary.xml.zst"), 200)), is: artifact.ErrCorrupt},
		{name: "truncated zchunk", root: repoFS(dnf5Dir, "primary_zck", "p", cut(zck)), is: artifact.ErrTruncated},
		{name: "zchunk cut in its header", root: repoFS(dnf5Dir, "primary_zck", "p", zck[:60]), is: artifact.ErrTruncated},
		{name: "corrupt zchunk data", root: repoFS(dnf5Dir, "primary_zck", "p", flip(zck, len(zck)-200)), some: true},
		// The 175-byte header is followed by the dictionary's zstd frame.
		{name: "corrupt zchunk dictionary", root: repoFS(dnf5Dir, "primary_zck", "p", flip(zck, 175)), problem: "zchunk: the dictionary", is: artifact.ErrCorrupt},
		{name: "zchunk header size", root: repoFS(dnf5Dir, "primary_zck", "p", zckLead(0, 0, 0, 0, 0, 0x84)), problem: "zchunk: a header of", is: artifact.ErrTooLarge},
		{name: "zchunk checksum type", root: repoFS(dnf5Dir, "primary_zck", "p", []byte("\x00ZCK1\x89\x81")), problem: "zchunk: unknown checksum type", is: artifact.ErrCorrupt},
		{name: "zchunk lead", root: repoFS(dnf5Dir, "primary_zck", "p", []byte("\x00ZCK1")), is: artifact.ErrCorrupt},
		{name: "zchunk too large", root: repoFS(dnf5Dir, "primary_zck", "p", zck), lim: &rpmRepoLimits{zckHeader: 1 << 20, primary: 100}, problem: "zchunk: chunks of", is: artifact.ErrTooLarge},
		{name: "truncated xml", root: repoFS(dnf5Dir, "primary", "p", plain[:len(plain)-300]), problem: "malformed primary.xml: the stream ends inside", is: errRpmPrimary, some: true},
		{name: "cut in a tag", root: repoFS(dnf5Dir, "primary", "p", plain[:bytes.LastIndex(plain, []byte("<rpm:entry"))+5]), problem: "malformed primary.xml: the stream ends inside a tag", some: true},
		{name: "mismatched tags", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(pkg("</x>"))), problem: "malformed primary.xml at byte", is: errRpmPrimary},
		{name: "not a primary", root: repoFS(dnf5Dir, "primary", "p", []byte("<html><body>404</body></html>")), problem: "malformed primary.xml: the root element is <html>"},
		{name: "empty primary", root: repoFS(dnf5Dir, "primary", "p", nil), problem: "malformed primary.xml: no <metadata> element"},
		{name: "binary", root: repoFS(dnf5Dir, "primary", "p", []byte("\x7fELF\x02\x01\x01<<<>>>")), problem: "malformed primary.xml"},
		{name: "unknown entity", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(`<package type="rpm"><name>a&b;</name></package>`)), problem: "malformed primary.xml at byte"},
		{name: "package without a name", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(`<package type="rpm"><arch>x</arch></package>`)), problem: "malformed primary.xml at byte"},
		// Quoted text is cut on a character boundary (binio.Clip).
		{name: "long malformed attribute", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(`<package type="rpm" x`+strings.Repeat("é", 100)+`/z>`)), problem: "malformed primary.xml at byte 45: malformed attributes in <package>: \"x" + strings.Repeat("é", 19) + "…\""},
		{name: "unquoted attribute", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(pkg(`<format><rpm:provides><rpm:entry name=libz.so.1/></rpm:provides></format>`))), problem: "malformed primary.xml at byte"},
		{name: "deep", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(strings.Repeat("<a>", 300))), problem: "at byte 810: elements nested more than 256 deep", is: artifact.ErrTooLarge},
		{name: "long tag", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(`<a b="`+strings.Repeat("x", 2<<20)+`"/>`)), problem: "at byte 45: a tag, comment or CDATA section of more than", is: artifact.ErrTooLarge},
		{name: "long name", root: repoFS(dnf5Dir, "primary", "p", xmlDoc(`<package type="rpm"><name>`+strings.Repeat("x", 100<<10)+`</name></package>`)), problem: "at byte 65536: a package's <name> of more than 65536 bytes", is: artifact.ErrTooLarge},
		{name: "too much to keep", root: repoFS(dnf5Dir, "primary", "p", big), lim: &rpmRepoLimits{keep: 2000}, problem: "at byte 22692: more than 2000 bytes of packages and library provides to keep from one primary", is: artifact.ErrTooLarge, some: true},
		{name: "expands past the limit", root: repoFS(dnf5Dir, "primary", "p", gzipBytes(big)), lim: &small, is: artifact.ErrTooLarge, some: true},
		{name: "bomb", root: repoFS(dnf5Dir, "primary", "p", gzipBytes(spaces)), is: artifact.ErrBomb},
		{name: "file too large", root: repoFS(dnf5Dir, "primary", "p", plain), lim: &rpmRepoLimits{cached: 100}, is: artifact.ErrTooLarge},
		{name: "sqlite header", root: repoFS(dnf5Dir, "primary", "p", []byte("SQLite format 3\x00....")), problem: "sqlite: database header extends past end of file"},
		{name: "truncated sqlite", root: repoFS(dnf5Dir, "primary_db", "p", yumSqlite(t)[:5000]), problem: "sqlite: "},
		{name: "not a primary_db", root: repoFS(dnf5Dir, "primary_db", "p", readFile(t, "../testdata/rpmdb/types.sqlite")), problem: "no provides table: not a primary_db"},
		{name: "compressed primary_db", root: repoFS(dnf5Dir, "primary_db", "p", gzipBytes([]byte("<metadata/>"))), problem: "the primary_db is not a sqlite database"},
		{name: "large primary_db", root: repoFS(dnf5Dir, "primary_db", "p", readFixture(t, "yum/"+yumDir+"/"+yumDB+".bz2")), lim: &rpmRepoLimits{sqlite: 1000}, problem: "a sqlite primary of more than 1000 bytes", is: artifact.ErrTooLarge},
	} {
		t.Run(tt.name, func(t *testing.T) {
			lim := defaultRpmRepoLimits
			if tt.lim != nil {
				lim = fillLimits(*tt.lim)
			}
			got, files, problems := readRpmRepos(tt.root, nil, lim)
			if len(problems) != 1 {
				t.Fatalf("problems = %v, want one", problems)
			}
			p := problems[0]
			t.Log(p)
			if !strings.HasPrefix(p.Error(), file+": "+tt.problem) {
				t.Errorf("problem %q, want it to start %q", p, file+": "+tt.problem)
			}
			if tt.is != nil && !errors.Is(p, tt.is) {
				t.Errorf("problem %q does not wrap %q", p, tt.is)
			}
			// libvet's own messages wrap the sentinels of package artifact
			// without repeating them (quietf).
			if tt.is != nil && tt.is != errRpmPrimary && strings.Contains(p.Error(), tt.is.Error()) {
				t.Errorf("problem %q repeats %q", p, tt.is)
			}
			if (len(got) > 0) != tt.some {
				t.Errorf("provisions %v, want some: %v", fmtProvisions(got), tt.some)
			}
			if !slices.Contains(files, file) {
				t.Errorf("files = %q, want %s among them", files, file)
			}
		})
	}
}

// TestZchunkMutations reads the zchunk fixture with each byte changed in
// turn: it must not panic, and what it reads must be well-formed (a
// changed checksum, or a changed byte of text, may still read).
func TestZchunkMutations(t *testing.T) {
	zck := readFixture(t, "primary/primary.xml.zck")
	for i := range zck {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			b := slices.Clone(zck)
			b[i] ^= x
			got, _, _ := ReadRpmRepos(repoFS(dnf5Dir, "primary_zck", "p", b), nil)
			for _, p := range got {
				if p.Soname == "" || p.Name == "" || len(got) > 3 {
					t.Errorf("byte %d ^ %#x: provisions %v", i, x, fmtProvisions(got))
					break
				}
			}
		}
	}
}

// fillLimits returns lim with its zero fields set from the defaults.
func fillLimits(lim rpmRepoLimits) rpmRepoLimits {
	d := defaultRpmRepoLimits
	for _, f := range []struct{ v, d *int64 }{{&lim.repomd, &d.repomd}, {&lim.cached, &d.cached}, {&lim.primary, &d.primary},
		{&lim.ratio, &d.ratio}, {&lim.window, &d.window}, {&lim.keep, &d.keep}, {&lim.keepAll, &d.keepAll},
		{&lim.sqlite, &d.sqlite}, {&lim.zckHeader, &d.zckHeader}, {&lim.zckDict, &d.zckDict}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	for _, f := range []struct{ v, d *int }{{&lim.token, &d.token}, {&lim.text, &d.text}, {&lim.dirs, &d.dirs}} {
		if *f.v == 0 {
			*f.v = *f.d
		}
	}
	return lim
}

// readFile returns the file name.
func readFile(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// cut returns b without its last 40 bytes (or half of it, if shorter).
func cut(b []byte) []byte { return b[:max(len(b)-40, len(b)/2)] }

// TestReadRpmReposRepomd covers the problems of a repomd.xml.
func TestReadRpmReposRepomd(t *testing.T) {
	md := dnf5Dir + "/repomd.xml"
	plain := readFixture(t, "primary/primary.xml")
	with := func(repomd []byte, files ...string) fstest.MapFS {
		m := fstest.MapFS{md: {Data: repomd}}
		for _, f := range files {
			m[dnf5Dir+"/"+f] = &fstest.MapFile{Data: plain}
		}
		return m
	}
	for _, tt := range []struct {
		name     string
		root     fstest.MapFS
		problems []string
		is       error // the problem wraps it
		files    int
		some     bool
	}{
		{name: "escaping href", root: with(repomdXML("primary", "../../../../etc/passwd")), problems: []string{md + `: the primary location "../../../../etc/passwd" is not a file of the repodata directory; not followed`}, files: 1},
		{name: "absolute href", root: with(repomdXML("primary", "/etc/passwd")), problems: []string{md + `: the primary location "/etc/passwd"`}, files: 1},
		{name: "dot-dot href", root: with(repomdXML("primary", "repodata/.."), "x"), problems: []string{md + `: the primary location "repodata/.."`}, files: 1},
		{name: "subdirectory href", root: with(repomdXML("primary", "repodata/sub/x")), problems: []string{md + `: the primary location "repodata/sub/x"`}, files: 1},
		{name: "escaping href then a good one", root: with(repomdXML("primary", "repodata/../../x", "primary_zck", "repodata/p"), "p"), problems: []string{md + `: the primary location "repodata/../../x"`}, files: 2, some: true},
		{name: "bare href", root: with(repomdXML("primary", "p"), "p"), files: 2, some: true},
		{name: "not cached", root: with(repomdXML("primary", "repodata/p")), problems: []string{md + ": the primary metadata it lists is not cached in " + dnf5Dir}, files: 1},
		{name: "no primary", root: with(repomdXML("filelists", "repodata/p"), "p"), problems: []string{md + ": lists no primary metadata"}, files: 1},
		{name: "malformed", root: with([]byte("<repomd><data type='primary'>")), problems: []string{md + ": malformed repomd.xml: XML syntax error"}, files: 1},
		{name: "too large", root: with(append(repomdXML("primary", "p"), bytes.Repeat([]byte(" "), 5<<20)...), "p"), problems: []string{md + ": more than the 4194304 bytes libvet reads of a repomd.xml"}, is: artifact.ErrTooLarge},
		{name: "primary is a directory", root: fstest.MapFS{md: {Data: repomdXML("primary", "repodata/d")}, dnf5Dir + "/d/x": {}}, problems: []string{dnf5Dir + "/d: not a regular file"}, files: 1},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, files, problems := ReadRpmRepos(tt.root, nil)
			checkProblems(t, problems, tt.problems)
			if tt.is != nil && (len(problems) != 1 || !errors.Is(problems[0], tt.is) || strings.Contains(problems[0].Error(), tt.is.Error())) {
				t.Errorf("problems %v: want one wrapping %q without saying so", problems, tt.is)
			}
			if len(files) != tt.files {
				t.Errorf("files = %q, want %d", files, tt.files)
			}
			if (len(got) > 0) != tt.some {
				t.Errorf("provisions %v, want some: %v", fmtProvisions(got), tt.some)
			}
		})
	}
}

func TestRpmRepoID(t *testing.T) {
	dnf := rpmRepoCaches[0]
	for dir, want := range map[string]string{
		"var/cache/dnf/fedora-2f531b0a9ccd660e":          "fedora",
		"var/cache/dnf/updates-testing-0123456789abcdef": "updates-testing",
		"var/cache/dnf/fedora-2f531b0a9ccd660":           "fedora-2f531b0a9ccd660",
		"var/cache/dnf/fedora-2F531B0A9CCD660E":          "fedora-2F531B0A9CCD660E",
		"var/cache/dnf/-2f531b0a9ccd660e":                "-2f531b0a9ccd660e",
		"var/cache/dnf/local":                            "local",
	} {
		if got := dnf.repoID(dir); got != want {
			t.Errorf("repoID(%q) = %q, want %q", dir, got, want)
		}
	}
	if got := rpmRepoCaches[3].repoID("var/cache/zypp/raw/repo-oss-0123456789abcdef"); got != "repo-oss-0123456789abcdef" {
		t.Errorf("zypper repoID = %q", got)
	}
}

// TestPrimaryScanner covers the XML the scanner must read as an XML
// parser would.
func TestPrimaryScanner(t *testing.T) {
	prov := func(soname string, bits int, name, version, arch string) Provision {
		return Provision{Soname: soname, Bits: bits, Package: Package{Manager: "dnf", Name: name, Version: version, Arch: arch}, Repo: "r"}
	}
	for _, tt := range []struct {
		name string
		doc  string
		want []Provision
	}{
		{
			name: "attributes in any order, either quote",
			doc: `<metadata><package type='rpm'><version rel='2' ver="1.0" epoch='0'/><arch>x86_64</arch><name>zlib</name>
				<format><rpm:provides><rpm:entry flags="EQ" name='libz.so.1()(64bit)' ver="1"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("libz.so.1", 64, "zlib", "1.0-2", "x86_64")},
		},
		{
			name: "entities and character references",
			doc: `<metadata><package type="rpm"><name>a&amp;b&#x2b;&#43;</name><arch> i686 </arch><version epoch="1" ver="2&lt;3" rel=""/>
				<format><rpm:provides><rpm:entry name="lib&#x61;.so.1"/><rpm:entry name="libb.so.2&#40;&#41;(64bit)"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("liba.so.1", 32, "a&b++", "1:2<3", "i686"), prov("libb.so.2", 64, "a&b++", "1:2<3", "i686")},
		},
		{
			name: "cdata, comments and processing instructions",
			doc: `<?xml version="1.0"?><!DOCTYPE metadata [ <!ELEMENT metadata ANY> ]><!-- <package> --><metadata>
				<package type="rpm"><name><![CDATA[c<d]]><!-- x --></name><arch>x</arch><?pi <name>no</name> ?>
				<description><![CDATA[<rpm:entry name="libfake.so.1()(64bit)"/>]]></description>
				<format><rpm:provides><!-- <rpm:entry name="libfake.so.2()(64bit)"/> --><rpm:entry name="libc.so.1()(64bit)"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("libc.so.1", 64, "c<d", "", "x")},
		},
		{
			// A declaration ends where encoding/xml ends it: the byte
			// after "<!" taken as it is, '<' '>' pairs and comments
			// inside, quotes.
			name: "declarations",
			doc: `<!DOCTYPE metadata [ <!ENTITY x "a>b"> <!-- ]> --> <!ELEMENT metadata ANY> ]><metadata>
				<!"><!'><!>'>'> <package type="rpm"><name>d</name><format><rpm:provides><rpm:entry name="libd.so.1()(64bit)"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("libd.so.1", 64, "d", "", "")},
		},
		{
			name: "other namespace prefixes",
			doc: `<c:metadata xmlns:c="http://linux.duke.edu/metadata/common" xmlns:r="http://linux.duke.edu/metadata/rpm"><c:package type="rpm"><c:name>p</c:name>
				<c:format><r:provides><r:entry name="libp.so.3()(64bit)"/></r:provides></c:format></c:package></c:metadata>`,
			want: []Provision{prov("libp.so.3", 64, "p", "", "")},
		},
		{
			name: "requires, obsoletes and misplaced entries are not provides",
			doc: `<metadata><package type="rpm"><name>p</name><format>
				<rpm:requires><rpm:entry name="libr.so.1()(64bit)"/></rpm:requires>
				<rpm:obsoletes><rpm:entry name="libo.so.1()(64bit)"/></rpm:obsoletes>
				<rpm:provides><x><rpm:entry name="libx.so.1()(64bit)"/></x></rpm:provides>
				</format><rpm:provides><rpm:entry name="liby.so.1()(64bit)"/></rpm:provides>
				<format><format><rpm:provides><rpm:entry name="libz.so.1()(64bit)"/></rpm:provides></format></format></package></metadata>`,
		},
		{
			name: "source and other package types",
			doc: `<metadata><package type="src"><name>s</name><format><rpm:provides><rpm:entry name="libs.so.1()(64bit)"/></rpm:provides></format></package>
				<package><name>t</name><format><rpm:provides><rpm:entry name="libt.so.1()(64bit)"/></rpm:provides></format></package></metadata>`,
		},
		{
			name: "duplicates are kept once",
			doc:  `<metadata><package type="rpm"><name>d</name><format><rpm:provides><rpm:entry name="libd.so.1()(64bit)"/><rpm:entry name="libd.so.1()(64bit)"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("libd.so.1", 64, "d", "", "")},
		},
		{
			name: "white space in tags, CRLF, '>' in values",
			doc:  "<metadata\r\n><package\ttype = \"rpm\" ><name\n>n</name ><version ver='1>2'\r\n/><format><rpm:provides><rpm:entry\n name=\"libn.so.1\"\n/></rpm:provides></format></package\n></metadata>",
			want: []Provision{prov("libn.so.1", 32, "n", "1>2", "")},
		},
		{
			name: "last name wins, nested elements skipped",
			doc:  `<metadata><package type="rpm"><name>first</name><name>la<b>x</b>st</name><format><rpm:provides><rpm:entry name="libl.so.1()(64bit)"/></rpm:provides></format></package></metadata>`,
			want: []Provision{prov("libl.so.1", 64, "last", "", "")},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := scanPrimary([]byte(tt.doc), nil)
			if err != nil {
				t.Fatal(err)
			}
			slices.SortFunc(got, compareProvisions)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(tt.want))
			}
			ref, err := refPrimary([]byte(tt.doc))
			if err != nil {
				t.Fatalf("encoding/xml: %v", err)
			}
			if !reflect.DeepEqual(got, ref) {
				t.Errorf("encoding/xml reads:%v", fmtProvisions(ref))
			}
		})
	}
}

// TestPrimaryScannerBuffers reads a primary.xml through a reader that
// returns a byte at a time and a small buffer, so that every token
// crosses a refill.
func TestPrimaryScannerBuffers(t *testing.T) {
	data := syntheticPrimary(20)
	want, err := refPrimary(data)
	if err != nil {
		t.Fatal(err)
	}
	for _, r := range []io.Reader{bytes.NewReader(data), iotestOneByte{bytes.NewReader(data)}, bufio.NewReaderSize(bytes.NewReader(data), 16)} {
		lim := defaultRpmRepoLimits
		s := newPrimaryScanner(r, Provision{Package: Package{Manager: "dnf"}, Repo: "r"}, nil, lim)
		s.buf = make([]byte, 16)
		if err := s.run(); err != nil {
			t.Fatal(err)
		}
		got := s.provs
		slices.SortFunc(got, compareProvisions)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%T: %d provisions, want %d", r, len(got), len(want))
		}
	}
	if len(want) != 20*2 {
		t.Errorf("%d provisions, want 40", len(want))
	}
}

// iotestOneByte reads a byte at a time.
type iotestOneByte struct{ r io.Reader }

func (r iotestOneByte) Read(p []byte) (int, error) {
	if len(p) == 0 {
		return 0, nil
	}
	return r.r.Read(p[:1])
}

// refPrimary reads the library provides of a primary.xml with
// encoding/xml, by the rules of primaryScanner: the reference for the
// fuzz target. Unlike encoding/xml, it allows nothing but white space
// (and a byte order mark at the start) outside markup before the root
// element.
func refPrimary(data []byte) ([]Provision, error) {
	d := xml.NewDecoder(bytes.NewReader(data))
	var stack []string
	var provs []Provision
	var name, arch, epoch, ver, rel string
	var pend []sonameBits
	rpmPkg, root := false, false
	inField := func() *string {
		if len(stack) == 3 && stack[1] == "package" {
			switch stack[2] {
			case "name":
				return &name
			case "arch":
				return &arch
			}
		}
		return nil
	}
	for {
		off := d.InputOffset()
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		if _, ok := tok.(xml.CharData); ok && !root {
			raw := data[off:d.InputOffset()]
			if off == 0 {
				raw = bytes.TrimPrefix(raw, []byte(utf8BOM))
			}
			if len(bytes.Trim(raw, " \t\r\n")) > 0 {
				return nil, errors.New("text before the root element")
			}
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			local := tok.Name.Local
			if len(stack) == 0 {
				if local != "metadata" {
					return nil, errors.New("root is not metadata")
				}
				root = true
			}
			stack = append(stack, local)
			path := strings.Join(stack, "/")
			attr := func(n string, f func(string)) {
				for _, a := range tok.Attr {
					if a.Name.Local == n {
						f(a.Value)
					}
				}
			}
			switch path {
			case "metadata/package":
				name, arch, epoch, ver, rel, pend, rpmPkg = "", "", "", "", "", nil, false
				attr("type", func(v string) { rpmPkg = v == "rpm" })
			case "metadata/package/name":
				name = ""
			case "metadata/package/arch":
				arch = ""
			case "metadata/package/version":
				attr("epoch", func(v string) { epoch = v })
				attr("ver", func(v string) { ver = v })
				attr("rel", func(v string) { rel = v })
			case "metadata/package/format/provides/entry":
				attr("name", func(v string) {
					if so, bits, ok := rpmSonameProvide([]byte(v)); ok && rpmPkg && !slices.Contains(pend, sonameBits{string(so), bits}) {
						pend = append(pend, sonameBits{string(so), bits})
					}
				})
			}
		case xml.EndElement:
			if f := inField(); f != nil {
				*f = strings.Trim(*f, " \t\r\n")
			}
			if strings.Join(stack, "/") == "metadata/package" && rpmPkg {
				if name == "" {
					return nil, errors.New("package without a name")
				}
				for _, p := range pend {
					provs = append(provs, Provision{Soname: p.soname, Bits: p.bits, Package: Package{Manager: "dnf", Name: name, Version: rpmEVR([]byte(epoch), []byte(ver), []byte(rel)), Arch: arch}, Repo: "r"})
				}
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if f := inField(); f != nil {
				*f += string(tok)
			}
		}
	}
	if len(stack) > 0 || !root {
		return nil, errors.New("truncated")
	}
	slices.SortFunc(provs, compareProvisions)
	return provs, nil
}

// FuzzRpmPrimary checks that the scanner does not panic and that, on
// any document encoding/xml reads, it finds what refPrimary finds.
func FuzzRpmPrimary(f *testing.F) {
	f.Add(readFixture(f, "primary/primary.xml"))
	f.Add(syntheticPrimary(2))
	f.Add([]byte(`<metadata><package type="rpm"><name>a&amp;b</name><version epoch="1" ver="2" rel="3"/><format><rpm:provides><rpm:entry name="libz.so.1()(64bit)"/><rpm:entry name='libz.so.1'/></rpm:provides></format></package></metadata>`))
	f.Add([]byte(`<metadata/><!">`)) // once read as an unterminated quote
	f.Add([]byte(`<?xml version="1.0"?><!DOCTYPE m [<!ENTITY x "y">]><!-- c --><metadata><package type="rpm"><name><![CDATA[n]]></name><format><rpm:provides><rpm:entry name="lib&#x61;.so"/></rpm:provides></format></package></metadata>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := scanPrimary(data, nil)
		for _, p := range got {
			if p.Soname == "" || p.Name == "" || (p.Bits != 32 && p.Bits != 64) {
				t.Fatalf("bad provision %+v", p)
			}
		}
		ref, rerr := refPrimary(data)
		if rerr != nil {
			return
		}
		if err != nil {
			if strings.Contains(err.Error(), "nested more than") || strings.Contains(err.Error(), "of more than") {
				return // libvet's limits, not encoding/xml's
			}
			t.Fatalf("scanner: %v; encoding/xml reads the document", err)
		}
		slices.SortFunc(got, compareProvisions)
		got = slices.Compact(got)
		if !reflect.DeepEqual(got, ref) {
			t.Fatalf("scanner:%v\nencoding/xml:%v", fmtProvisions(got), fmtProvisions(ref))
		}
	})
}

// benchPrimary is the synthetic primary.xml of the benchmarks: 70,000
// packages, about as many as and a little larger than Fedora's.
var benchPrimary = sync.OnceValue(func() []byte { return syntheticPrimary(70000) })

func BenchmarkRpmPrimary(b *testing.B) {
	data := benchPrimary()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, err := scanPrimary(data, nil)
		if err != nil || len(got) != 140000 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkRpmPrimaryWant keeps a few sonames, as libvet host does.
func BenchmarkRpmPrimaryWant(b *testing.B) {
	data := benchPrimary()
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	want := func(s string) bool { return s == "libpkg4242.so.1" || s == "libc.so.6" }
	for b.Loop() {
		got, err := scanPrimary(data, want)
		if err != nil || len(got) != 1 {
			b.Fatal(len(got), err)
		}
	}
}

// BenchmarkRpmPrimaryZstd reads the benchmark primary compressed with
// zstd, as dnf caches Fedora's, through ReadRpmRepos.
func BenchmarkRpmPrimaryZstd(b *testing.B) {
	data := benchPrimary()
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedDefault))
	z := enc.EncodeAll(data, nil)
	root := repoFS(dnf5Dir, "primary", "p-primary.xml.zst", z)
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	for b.Loop() {
		got, _, problems := ReadRpmRepos(root, nil)
		if len(problems) > 0 || len(got) != 140000 {
			b.Fatal(len(got), problems)
		}
	}
	b.ReportMetric(float64(len(z))/(1<<20), "compressed-MiB")
}

// BenchmarkRpmPrimaryEncodingXML is the same work done with encoding/xml
// (refPrimary), for comparison.
func BenchmarkRpmPrimaryEncodingXML(b *testing.B) {
	data := benchPrimary()
	b.SetBytes(int64(len(data)))
	for b.Loop() {
		if _, err := refPrimary(data); err != nil {
			b.Fatal(err)
		}
	}
}

// FuzzZchunk feeds the zchunk reader (Fedora's cached primary_zck)
// arbitrary files: it must fail cleanly, within its limits.
func FuzzZchunk(f *testing.F) {
	for _, name := range []string{"primary.xml.zck", "nodict.xml.zck"} {
		if data, err := os.ReadFile("testdata/rpmrepo/primary/" + name); err == nil {
			f.Add(data)
		}
	}
	f.Add([]byte(zckMagic))
	lim := defaultRpmRepoLimits
	lim.zckHeader, lim.zckDict = 1<<20, 1<<20
	f.Fuzz(func(t *testing.T, data []byte) {
		z, err := newZckReader(bufio.NewReader(bytes.NewReader(data)), int64(len(data)), lim)
		if err != nil {
			return
		}
		io.Copy(io.Discard, io.LimitReader(z, 64<<20))
	})
}

// namedPrimary returns a primary.xml of n packages, each named with
// nameLen bytes and providing one library, lib<i>.so.1 for 64-bit.
func namedPrimary(n, nameLen int) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0"?>` + "\n" + `<metadata xmlns:rpm="http://linux.duke.edu/metadata/rpm">` + "\n")
	name := strings.Repeat("n", nameLen)
	for i := range n {
		fmt.Fprintf(&b, `<package type="rpm"><name>%s%d</name><arch>x86_64</arch><version epoch="0" ver="1" rel="1"/><format><rpm:provides><rpm:entry name="lib%d.so.1()(64bit)"/></rpm:provides></format></package>`+"\n", name, i, i)
	}
	b.WriteString("</metadata>\n")
	return b.Bytes()
}

// TestReadRpmReposKeep checks the budget of what the primaries make
// libvet keep: a primary of few, huge packages could make it hold
// gigabytes, one primary or many.
func TestReadRpmReposKeep(t *testing.T) {
	const hash = "-0123456789abcdef/repodata"
	lim := fillLimits(rpmRepoLimits{keep: 1 << 20, keepAll: 1 << 20})
	// 40 packages of 60 KiB names: 2.4 MiB to keep.
	t.Run("one primary", func(t *testing.T) {
		got, files, problems := readRpmRepos(repoFS(dnf5Dir, "primary", "p", namedPrimary(40, 60<<10)), nil, lim)
		checkProblems(t, problems, []string{dnf5Dir + "/p: at byte "})
		if len(problems) == 1 {
			if msg := problems[0].Error(); !errors.Is(problems[0], artifact.ErrTooLarge) || !strings.Contains(msg, ": more than 1 MiB of packages and library provides to keep from one primary") {
				t.Errorf("problem %q", msg)
			}
		}
		// What was read before is kept, within the budget.
		if len(got) < 10 || len(got) > 17 || len(files) != 2 {
			t.Errorf("%d provisions, files %q", len(got), files)
		}
	})
	// Three primaries of 0.6 MiB each, with 1 MiB for all: the second
	// goes past it, the third is not read.
	t.Run("all primaries", func(t *testing.T) {
		root := fstest.MapFS{}
		for _, r := range []string{"a", "b", "c"} {
			maps.Copy(root, repoFS("var/cache/dnf/"+r+hash, "primary", "p", namedPrimary(10, 60<<10)))
		}
		got, files, problems := readRpmRepos(root, nil, lim)
		checkProblems(t, problems, []string{"var/cache/dnf/b" + hash + "/p: at byte ", "var/cache/dnf/c" + hash + "/p: not read: "})
		for _, p := range problems {
			if !errors.Is(p, artifact.ErrTooLarge) {
				t.Errorf("problem %q is not ErrTooLarge", p)
			}
		}
		if len(problems) == 2 && !strings.Contains(problems[0].Error(), "more than 1 MiB of packages and library provides to keep from all the primaries") {
			t.Errorf("problem %q", problems[0])
		}
		if len(got) < 10 || len(got) > 17 || len(files) != 6 {
			t.Errorf("%d provisions, files %q", len(got), files)
		}
	})
	// yum's sqlite primary has the same budget.
	t.Run("sqlite", func(t *testing.T) {
		root := os.DirFS(rpmRepoFixture + "/yum")
		_, _, problems := readRpmRepos(root, nil, fillLimits(rpmRepoLimits{keep: 300}))
		checkProblems(t, problems, []string{yumDir + "/" + yumDB + ".bz2: more than 300 bytes of packages and library provides to keep from one primary"})
		if len(problems) == 1 && !errors.Is(problems[0], artifact.ErrTooLarge) {
			t.Errorf("problem %q is not ErrTooLarge", problems[0])
		}
		got, _, problems := readRpmRepos(root, nil, fillLimits(rpmRepoLimits{keep: 1000}))
		if len(got) != 3 || len(problems) != 0 {
			t.Errorf("provisions %v, problems %v", fmtProvisions(got), problems)
		}
	})
}

// TestPrimaryScannerManyProvides reads a package with thousands of
// library provides, some repeated: each is kept once, without comparing
// each with all the others (maxPendList).
func TestPrimaryScannerManyProvides(t *testing.T) {
	var b strings.Builder
	b.WriteString(`<metadata><package type="rpm"><name>p</name><format><rpm:provides>`)
	for i := range 5000 {
		fmt.Fprintf(&b, `<rpm:entry name="lib%d.so"/><rpm:entry name="lib%d.so()(64bit)"/>`, i, i)
		if i%100 == 99 {
			fmt.Fprintf(&b, `<rpm:entry name="lib%d.so"/><rpm:entry name="lib%d.so()(64bit)"/>`, i-50, i/2)
		}
	}
	b.WriteString(`</rpm:provides></format></package></metadata>`)
	got, err := scanPrimary([]byte(b.String()), nil)
	if err != nil {
		t.Fatal(err)
	}
	slices.SortFunc(got, compareProvisions)
	if len(got) != 10000 || len(slices.Compact(slices.Clone(got))) != 10000 {
		t.Errorf("%d provisions, want 10000 distinct", len(got))
	}
}

// mkRoot writes files (path: content) into a new directory and makes
// links (path: target), returning the directory.
func mkRoot(t *testing.T, files map[string][]byte, links map[string]string) string {
	t.Helper()
	root := t.TempDir()
	for name, data := range files {
		p := root + "/" + name
		if err := os.MkdirAll(path.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, target := range links {
		p := root + "/" + name
		if err := os.MkdirAll(path.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.Symlink(target, p); err != nil {
			t.Fatal(err)
		}
	}
	return root
}

// TestRpmRepoDirsLinks walks a yum cache with hundreds of links to
// itself: each real directory is walked once, which the small entry
// budget checks (following the links, the walk would list 300 entries
// 300 times at each level), and a repository's directory linked under
// another name is read once, under its own.
func TestRpmRepoDirsLinks(t *testing.T) {
	base := "var/cache/yum/x86_64/7/base"
	links := map[string]string{
		"var/cache/yum/x86_64/7/a-link": "base",
		"var/cache/yum/x86_64/up":       "..",
	}
	for i := range 300 {
		links[fmt.Sprintf("var/cache/yum/l%d", i)] = "."
	}
	root := mkRoot(t, map[string][]byte{
		base + "/repomd.xml": repomdXML("primary", "repodata/p.xml"),
		base + "/p.xml":      readFixture(t, "primary/primary.xml"),
	}, links)
	lim := fillLimits(rpmRepoLimits{dirs: 310})
	for _, fsys := range []fs.FS{RootFS(root), os.DirFS(root)} {
		got, files, problems := readRpmRepos(fsys, nil, lim)
		if want := fixtureRpmProvisions("yum", "base"); !reflect.DeepEqual(got, want) {
			t.Errorf("%T: provisions:\n got %v\nwant %v", fsys, fmtProvisions(got), fmtProvisions(want))
		}
		if want := []string{base + "/p.xml", base + "/repomd.xml"}; !reflect.DeepEqual(files, want) {
			t.Errorf("%T: files = %q, want %q", fsys, files, want)
		}
		checkProblems(t, problems, nil)
	}
}

// TestRpmRepoDirsCap checks that the walk stops after lim.dirs entries,
// with one problem, keeping the repositories found before.
func TestRpmRepoDirsCap(t *testing.T) {
	base := "var/cache/yum/x86_64/7/base"
	files := map[string][]byte{
		base + "/repomd.xml": repomdXML("primary", "repodata/p.xml"),
		base + "/p.xml":      readFixture(t, "primary/primary.xml"),
	}
	for i := range 50 {
		files[fmt.Sprintf("var/cache/yum/zz/%d/x", i)] = nil
	}
	root := RootFS(mkRoot(t, files, nil))
	got, _, problems := readRpmRepos(root, nil, fillLimits(rpmRepoLimits{dirs: 20}))
	checkProblems(t, problems, []string{"var/cache/yum: more than 20 entries in the cache's directories"})
	if len(problems) == 1 && !errors.Is(problems[0], artifact.ErrTooManyMembers) {
		t.Errorf("problem %q is not ErrTooManyMembers", problems[0])
	}
	if want := fixtureRpmProvisions("yum", "base"); !reflect.DeepEqual(got, want) {
		t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(want))
	}
	// A directory of more entries than are left is not read whole.
	if _, err := readDirMax(root, "var/cache/yum/zz", 10); err != errTooManyEntries {
		t.Errorf("readDirMax: %v, want errTooManyEntries", err)
	}
	entries, err := readDirMax(root, "var/cache/yum/zz", 50)
	if err != nil || len(entries) != 50 || !slices.IsSortedFunc(entries, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) }) {
		t.Errorf("readDirMax: %d entries, %v", len(entries), err)
	}
}

// TestReadRpmReposLinkedFiles checks that a primary or a repomd.xml
// reached through several links, or hard links, is read once, under the
// first name found: here a sparse primary of 1 GiB, a NUL byte past its
// root element, which is read only to that byte (holes read as NUL
// bytes), and the repodata of good, which a's links to. A repomd.xml
// that names itself as the primary is still read as one.
func TestReadRpmReposLinkedFiles(t *testing.T) {
	const hash = "-0123456789abcdef"
	sparse := "var/cache/dnf/sparse" + hash + "/repodata"
	links := map[string]string{
		"var/cache/dnf/a" + hash + "/repodata": "../good" + hash + "/repodata",
	}
	for i := range 20 {
		links[fmt.Sprintf("var/cache/dnf/l%02d%s", i, hash)] = "sparse" + hash
	}
	dir := mkRoot(t, map[string][]byte{
		sparse + "/repomd.xml": repomdXML("primary", "repodata/p.xml"),
		sparse + "/p.xml":      []byte("<metadata>"),
		"var/cache/dnf/good" + hash + "/repodata/repomd.xml":  repomdXML("primary", "repodata/p.xml"),
		"var/cache/dnf/good" + hash + "/repodata/p.xml":       readFixture(t, "primary/primary.xml"),
		"var/cache/dnf/other" + hash + "/repodata/repomd.xml": repomdXML("primary", "repodata/q.xml"),
		"var/cache/dnf/self" + hash + "/repodata/repomd.xml":  repomdXML("primary", "repodata/repomd.xml"),
	}, links)
	if err := os.Truncate(dir+"/"+sparse+"/p.xml", 1<<30); err != nil {
		t.Fatal(err)
	}
	// another repository whose primary is a hard link to good's.
	if err := os.Link(dir+"/var/cache/dnf/good"+hash+"/repodata/p.xml", dir+"/var/cache/dnf/other"+hash+"/repodata/q.xml"); err != nil {
		t.Fatal(err)
	}
	got, files, problems := ReadRpmRepos(RootFS(dir), nil)
	checkProblems(t, problems, []string{
		"var/cache/dnf/self" + hash + "/repodata/repomd.xml: malformed primary.xml: the root element is <repomd>",
		sparse + "/p.xml: malformed primary.xml at byte 10: a NUL byte",
	})
	if want := fixtureRpmProvisions("dnf", "a"); !reflect.DeepEqual(got, want) {
		t.Errorf("provisions:\n got %v\nwant %v", fmtProvisions(got), fmtProvisions(want))
	}
	want := []string{
		"var/cache/dnf/a" + hash + "/repodata/p.xml",
		"var/cache/dnf/a" + hash + "/repodata/repomd.xml",
		"var/cache/dnf/other" + hash + "/repodata/repomd.xml",
		"var/cache/dnf/self" + hash + "/repodata/repomd.xml",
		sparse + "/p.xml",
		sparse + "/repomd.xml",
	}
	if !reflect.DeepEqual(files, want) {
		t.Errorf("files:\n got %q\nwant %q", files, want)
	}
}

// endlessReader returns 'x', counting the bytes it returns: as if
// forever, up to 64 MiB.
type endlessReader struct{ n int64 }

func (r *endlessReader) Read(p []byte) (int, error) {
	if r.n >= 64<<20 {
		return 0, io.EOF
	}
	for i := range p {
		p[i] = 'x'
	}
	r.n += int64(len(p))
	return len(p), nil
}

// TestPrimaryScannerProlog checks that what may come before the root
// element is read as XML allows, and anything else fails there, not at
// the end of the stream.
func TestPrimaryScannerProlog(t *testing.T) {
	for _, doc := range []string{
		"<metadata/>",
		utf8BOM + `<?xml version="1.0" encoding="UTF-8"?>` + "\r\n<!-- a comment -->\n<?pi x?>\n<!DOCTYPE metadata [<!ENTITY x \"y\">]>\n\t <metadata/>",
	} {
		if _, err := scanPrimary([]byte(doc), nil); err != nil {
			t.Errorf("%q: %v", doc, err)
		}
		if _, err := refPrimary([]byte(doc)); err != nil {
			t.Errorf("%q: refPrimary: %v", doc, err)
		}
	}
	for doc, want := range map[string]string{
		"junk<metadata/>": `malformed primary.xml at byte 0: "junk" before the root element: not a primary.xml`,
		"<?xml version=\"1.0\"?>\n<![CDATA[ ]]><metadata/>": "malformed primary.xml at byte 22: a CDATA section before the root element",
		" \x00<metadata/>":            `malformed primary.xml at byte 1: "\x00" before the root element`,
		" " + utf8BOM + "<metadata/>": `malformed primary.xml at byte 1: "\ufeff" before the root element`,
		"<metadata>\x00</metadata>":   "malformed primary.xml at byte 10: a NUL byte",
		"<metadata/>\x00":             "malformed primary.xml at byte 11: a NUL byte",
	} {
		_, err := scanPrimary([]byte(doc), nil)
		if err == nil || !strings.HasPrefix(err.Error(), want) || !errors.Is(err, errRpmPrimary) {
			t.Errorf("%q: %v, want %q", doc, err, want)
		}
		if _, err := refPrimary([]byte(doc)); err == nil {
			t.Errorf("%q: refPrimary reads it", doc)
		}
	}
	// An endless stream that is not XML is read no further than its
	// first buffer, and neither is a sparse file past its first hole.
	for _, prefix := range []string{`<?xml version="1.0"?>` + "\n<!-- c -->\n", "<metadata>\x00"} {
		r := &endlessReader{}
		s := newPrimaryScanner(io.MultiReader(strings.NewReader(prefix), r), Provision{}, nil, defaultRpmRepoLimits)
		if err := s.run(); err == nil || !errors.Is(err, errRpmPrimary) {
			t.Errorf("%q: %v", prefix, err)
		}
		if r.n > 64<<10 {
			t.Errorf("%q: read %d bytes of the stream", prefix, r.n)
		}
	}
}

// zckInt appends the zchunk compressed integer v to b.
func zckAppendInt(b []byte, v uint64) []byte {
	for v >= 0x80 {
		b = append(b, byte(v&0x7f))
		v >>= 7
	}
	return append(b, byte(v)|0x80)
}

// zckFile returns a zchunk file of data in one zstd chunk, without a
// dictionary, its checksums (SHA-256, which libvet does not verify)
// zero.
func zckFile(data []byte) []byte {
	enc, _ := zstd.NewWriter(nil, zstd.WithEncoderLevel(zstd.SpeedBestCompression))
	chunk := enc.EncodeAll(data, nil)
	const sum = 32
	index := zckAppendInt(nil, 1) // SHA-256
	index = zckAppendInt(index, 2)
	index = append(index, make([]byte, sum)...) // the dictionary: none
	index = zckAppendInt(zckAppendInt(index, 0), 0)
	index = append(index, make([]byte, sum)...)
	index = zckAppendInt(zckAppendInt(index, uint64(len(chunk))), uint64(len(data)))
	hdr := make([]byte, sum)   // the data checksum
	hdr = zckAppendInt(hdr, 0) // flags
	hdr = zckAppendInt(hdr, 2) // zstd
	hdr = zckAppendInt(hdr, uint64(len(index)))
	hdr = append(hdr, index...)
	f := zckAppendInt([]byte(zckMagic), 1) // SHA-256
	f = zckAppendInt(f, uint64(len(hdr)))
	f = append(f, make([]byte, sum)...) // the header checksum
	f = append(f, hdr...)
	return append(f, chunk...)
}

// TestZchunkRatio checks that a zchunk primary may expand at most
// rpmRepoLimits.ratio times, past its first MiB, as the others.
func TestZchunkRatio(t *testing.T) {
	spaces := func(n int) []byte {
		return slices.Concat([]byte("<metadata>"), bytes.Repeat([]byte(" "), n-len("<metadata></metadata>")), []byte("</metadata>"))
	}
	got, _, problems := ReadRpmRepos(repoFS(dnf5Dir, "primary_zck", "p", zckFile(readFixture(t, "primary/primary.xml"))), nil)
	if want := fixtureRpmProvisions("dnf", "fedora"); !reflect.DeepEqual(got, want) || len(problems) > 0 {
		t.Errorf("provisions:\n got %v\nwant %v\nproblems %v", fmtProvisions(got), fmtProvisions(want), problems)
	}
	if _, _, problems := ReadRpmRepos(repoFS(dnf5Dir, "primary_zck", "p", zckFile(spaces(rpmRatioAllowance))), nil); len(problems) > 0 {
		t.Errorf("1 MiB: %v", problems)
	}
	zck := zckFile(spaces(2 << 20))
	_, _, problems = ReadRpmRepos(repoFS(dnf5Dir, "primary_zck", "p", zck), nil)
	checkProblems(t, problems, []string{fmt.Sprintf("%s/p: zchunk: a file of %d bytes whose chunks and dictionary decompress to %d, over 200:1", dnf5Dir, len(zck), 2<<20)})
	if len(problems) == 1 && !errors.Is(problems[0], artifact.ErrBomb) {
		t.Errorf("problem %q is not ErrBomb", problems[0])
	}
}

// TestPrimaryScannerOneByteReads: a decompressor that returns a byte at
// a time (gzip's one-byte stored blocks) still fills the buffer a chunk
// at a time, so that rescanning an unfinished tag is not quadratic.
func TestPrimaryScannerOneByteReads(t *testing.T) {
	body := `<?xml version="1.0"?><metadata><x a="` + strings.Repeat("a", 3*scanChunk) + `"/></metadata>`
	s := newPrimaryScanner(iotest.OneByteReader(strings.NewReader(body)), Provision{}, nil, defaultRpmRepoLimits)
	if ok, err := s.more(); !ok || err != nil || s.end-s.pos < min(scanChunk, len(s.buf)) {
		t.Errorf("more() = %v, %v after %d bytes, want at least %d", ok, err, s.end-s.pos, min(scanChunk, len(s.buf)))
	}
	s = newPrimaryScanner(iotest.OneByteReader(strings.NewReader(body)), Provision{}, nil, defaultRpmRepoLimits)
	if err := s.run(); err != nil {
		t.Errorf("run: %v", err)
	}
}
