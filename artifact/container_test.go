package artifact

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// containersDir holds real .deb and conda packages, with the listings
// other tools give of them (testdata/containers/README.md).
var containersDir = filepath.Join("..", "testdata", "containers")

// listing renders a's members the way list-members.sh does.
func listing(a *Artifact) []string {
	var out []string
	for _, m := range a.Members() {
		line := m.Path
		switch {
		case m.Link != "" && m.Mode.Type() != 0:
			line += " -> " + m.Link
		case m.Link != "":
			line += " link to " + m.Link
		}
		out = append(out, line)
	}
	return out
}

// walkAll walks a and returns each member's bytes, and the walk order.
func walkAll(t testing.TB, a *Artifact) (map[string][]byte, []string) {
	t.Helper()
	got := map[string][]byte{}
	var order []string
	err := a.Walk(func(m *Member, r io.Reader) error {
		b, err := io.ReadAll(r)
		if err != nil {
			return err
		}
		if int64(len(b)) != m.Size {
			t.Errorf("%s: read %d bytes, Size is %d", m.Path, len(b), m.Size)
		}
		got[m.Path] = b
		order = append(order, m.Path)
		return nil
	})
	if err != nil {
		t.Fatalf("Walk: %v", err)
	}
	return got, order
}

func TestRealContainers(t *testing.T) {
	tests := []struct {
		file     string
		kind     Kind
		streamed bool
		before   int    // members listed by Open
		lib      string // a shared library, reached through a link
		link     string
		meta     []string
	}{
		{"zlib1g_1.2.13.dfsg-1_amd64.deb", KindDeb, true, 6, "data.tar.xz!lib/x86_64-linux-gnu/libz.so.1.2.13", "data.tar.xz!lib/x86_64-linux-gnu/libz.so.1", []string{"control", "shlibs", "symbols"}},
		{"libffi8_3.4.4-1_amd64.deb", KindDeb, true, 6, "data.tar.xz!usr/lib/x86_64-linux-gnu/libffi.so.8.1.2", "data.tar.xz!usr/lib/x86_64-linux-gnu/libffi.so.8", []string{"control", "shlibs", "symbols"}},
		{"liblz4-1_1.9.4-1_amd64.deb", KindDeb, true, 6, "data.tar.xz!usr/lib/x86_64-linux-gnu/liblz4.so.1.9.4", "data.tar.xz!usr/lib/x86_64-linux-gnu/liblz4.so.1", []string{"control", "shlibs", "symbols"}},
		{"libvet-zlib-1.2.13-h0_0.conda", KindConda, true, 4, "pkg-libvet-zlib-1.2.13-h0_0.tar.zst!lib/libz.so.1.2.13", "pkg-libvet-zlib-1.2.13-h0_0.tar.zst!lib/libz.so.1", []string{"info/index.json", "info/paths.json", "info/files"}},
		{"libvet-zlib-1.2.13-h0_0.tar.bz2", KindConda, true, 3, "lib/libz.so.1.2.13", "lib/libz.so.1", []string{"info/index.json", "info/paths.json", "info/files"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := filepath.Join(containersDir, tt.file)
			want, err := os.ReadFile(path + ".members")
			if err != nil {
				t.Fatal(err)
			}
			a, err := Open(path, Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != tt.kind || a.Streamed() != tt.streamed {
				t.Errorf("Kind, Streamed = %q, %v", a.Kind, a.Streamed())
			}
			if n := len(a.Members()); n != tt.before {
				t.Errorf("Open listed %d members, want %d: %q", n, tt.before, listing(a))
			}
			for _, name := range tt.meta {
				b, ok := a.MetadataFile(name)
				if !ok || len(b) == 0 {
					t.Errorf("MetadataFile(%q) = %d bytes, %v", name, len(b), ok)
				}
			}
			if _, ok := a.MetadataFile("info/about.json"); ok {
				t.Error("MetadataFile found a file the package does not have")
			}
			data, order := walkAll(t, a)
			got := strings.Join(listing(a), "\n") + "\n"
			if got != string(want) {
				t.Errorf("members after Walk:\n%s\nwant (from %s.members):\n%s", got, tt.file, want)
			}
			if len(a.Problems()) != 0 {
				t.Errorf("problems: %v", a.Problems())
			}
			if !bytes.HasPrefix(data[tt.lib], []byte("\x7fELF")) {
				t.Errorf("%s is not an ELF file", tt.lib)
			}
			m, err := a.Resolve(tt.link)
			if err != nil || m.Path != tt.lib {
				t.Errorf("Resolve(%q) = %v, %v", tt.link, m, err)
			}
			// Walk goes in archive order, and a second Walk sees the same.
			_, again := walkAll(t, a)
			if !slices.Equal(order, again) {
				t.Errorf("second walk %q, first %q", again, order)
			}
			// Member.Open decodes up to the member.
			lib := a.Member(tt.lib)
			if lib == nil || lib.Inner() != tt.lib[strings.LastIndexByte(tt.lib, '!')+1:] {
				t.Fatalf("Member(%q) = %+v", tt.lib, lib)
			}
			if _, ok := lib.ReaderAt(); ok {
				t.Error("ReaderAt of a member of a compressed tar")
			}
			if b := readMember(t, lib); b != string(data[tt.lib]) {
				t.Error("Member.Open reads other bytes than Walk")
			}
		})
	}
}

// TestRealContainersSums checks the committed files against the sums in
// testdata/containers/README.md.
func TestRealContainersSums(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(containersDir, "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	files, _ := filepath.Glob(filepath.Join(containersDir, "*"))
	n := 0
	for _, f := range files {
		if strings.HasSuffix(f, ".members") || strings.HasSuffix(f, ".md") || strings.HasSuffix(f, ".sh") {
			continue
		}
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		sum := sha256.Sum256(b)
		if !bytes.Contains(readme, []byte(hex.EncodeToString(sum[:]))) {
			t.Errorf("%s: sha256 %x is not in README.md", filepath.Base(f), sum)
		}
		if len(b) > 256<<10 {
			t.Errorf("%s is %d bytes; keep testdata small", f, len(b))
		}
		n++
	}
	if n != 5 {
		t.Errorf("%d packages, want 5", n)
	}
}

// condaParts builds the members of a .conda named NAME.conda.
func condaParts(t testing.TB, name string, info, pkg []byte) []entry {
	return []entry{
		stored("metadata.json", `{"conda_pkg_format_version": 2}`),
		stored("pkg-"+name+".tar.zst", string(compress(t, compZstd, pkg))),
		stored("info-"+name+".tar.zst", string(compress(t, compZstd, info))),
	}
}

func testInfo(t testing.TB) []byte {
	return buildTar(t, tfile("info/index.json", `{"name": "foo"}`), tfile("info/paths.json", `{"paths": []}`),
		tfile("info/files", "lib/libfoo.so.1.0\n"), tfile("info/about.json", "{}"), tfile("info/recipe/meta.yaml", "x"))
}

func TestOpenConda(t *testing.T) {
	const name = "foo-1.0-h123_0"
	pkg := buildTar(t, tfile("lib/libfoo.so.1.0", "\x7fELF"), tsym("lib/libfoo.so.1", "libfoo.so.1.0"), tsym("lib/abs.so", "/lib/libfoo.so.1"))
	z := buildZip(t, condaParts(t, name, testInfo(t), pkg)...)
	path := writeTemp(t, name+".conda", z)
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Kind != KindConda || !a.Streamed() {
		t.Errorf("Kind, Streamed = %q, %v", a.Kind, a.Streamed())
	}
	info := "info-" + name + ".tar.zst!"
	before := []string{info + "info/about.json", info + "info/files", info + "info/index.json", info + "info/paths.json", info + "info/recipe/meta.yaml", "metadata.json"}
	if got := listing(a); !slices.Equal(got, before) {
		t.Errorf("Open listed %q", got)
	}
	for _, f := range []string{"info/index.json", "info/paths.json", "info/files", "info/about.json"} {
		if _, ok := a.MetadataFile(f); !ok {
			t.Errorf("no %s", f)
		}
	}
	if _, ok := a.MetadataFile("info/recipe/meta.yaml"); ok {
		t.Error("meta.yaml kept")
	}
	if _, ok := a.MetadataFile("info/run_exports.json"); ok {
		t.Error("a missing run_exports.json found")
	}
	_, order := walkAll(t, a)
	p := "pkg-" + name + ".tar.zst!"
	want := []string{info + "info/index.json", info + "info/paths.json", info + "info/files", info + "info/about.json", info + "info/recipe/meta.yaml", "metadata.json", p + "lib/libfoo.so.1.0"}
	if !slices.Equal(order, want) {
		t.Errorf("walk order %q, want %q", order, want)
	}
	lib := a.Member(p + "lib/libfoo.so.1.0")
	for _, link := range []string{p + "lib/libfoo.so.1", p + "lib/abs.so"} {
		if m, err := a.Resolve(link); err != nil || m != lib {
			t.Errorf("Resolve(%s) = %v, %v", link, m, err)
		}
	}
	if got := readMember(t, lib); got != "\x7fELF" {
		t.Errorf("Member.Open: %q", got)
	}
	if got := readMember(t, a.Member("metadata.json")); !strings.Contains(got, "conda_pkg_format_version") {
		t.Errorf("metadata.json: %q", got)
	}
}

func TestOpenCondaRejects(t *testing.T) {
	info, pkg := testInfo(t), buildTar(t, tfile("lib/a.so", "x"))
	parts := condaParts(t, "x-1-0", info, pkg)
	tests := []struct {
		name   string
		file   string
		data   []byte
		want   error
		member string
		text   string
	}{
		{"not a zip", "x-1-0.conda", []byte("<html>"), ErrNotZip, "", "is this really a .conda package?"},
		{"no pkg", "x-1-0.conda", buildZip(t, parts[0], parts[2]), ErrCorrupt, "", "no info-*.tar.zst or pkg-*.tar.zst"},
		{"no info", "x-1-0.conda", buildZip(t, parts[0], parts[1]), ErrCorrupt, "", "is this really a .conda?"},
		{"two pkg", "x-1-0.conda", buildZip(t, append(parts, stored("pkg-y-1-0.tar.zst", string(compress(t, compZstd, pkg))))...), ErrCorrupt, "pkg-y-1-0.tar.zst", "a second pkg-*.tar.zst"},
		{"corrupt info", "x-1-0.conda", buildZip(t, parts[0], parts[1], stored("info-x-1-0.tar.zst", "\x28\xb5\x2f\xfdgarbage")), ErrCorrupt, "info-x-1-0.tar.zst", "corrupt zstd data"},
		{"unsafe info name", "x-1-0.conda", buildZip(t, condaParts(t, "x-1-0", buildTar(t, tfile("/etc/passwd", "x")), pkg)...), ErrUnsafePath, "info-x-1-0.tar.zst!/etc/passwd", "absolute"},
		{"duplicate across containers", "x-1-0.conda", buildZip(t, append(condaParts(t, "x-1-0", info, pkg), stored("info-x-1-0.tar.zst!info/files", "y"))...), ErrDuplicate, "info-x-1-0.tar.zst!info/files", "duplicate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.data)
			_, err := Open(path, Limits{})
			checkError(t, err, tt.want, path, tt.member)
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("message %q does not contain %q", err, tt.text)
			}
		})
	}
	// A deflated pkg tar is not how conda writes it, but it reads.
	z := buildZip(t, parts[0], deflated(parts[1].name, string(parts[1].data)), parts[2])
	a, err := Open(writeTemp(t, "x-1-0.conda", z), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	walkAll(t, a)
	if a.Member("pkg-x-1-0.tar.zst!lib/a.so") == nil {
		t.Errorf("members %q", listing(a))
	}
}

// TestCondaV1 tells conda v1 packages from other .tar.bz2 files by their
// leading info/ entries.
func TestCondaV1(t *testing.T) {
	tests := []struct {
		file     string
		kind     Kind
		streamed bool
		atOpen   []string
	}{
		{"info-only.tar.bz2", KindConda, false, []string{"info/files", "info/index.json"}},
		{"lib-first.tar.bz2", KindTar, true, nil},
		{"no-index.tar.bz2", KindTar, true, []string{"info/about.json"}},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			a, err := Open(filepath.Join("testdata", "tarball", tt.file), Limits{})
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != tt.kind || a.Streamed() != tt.streamed {
				t.Errorf("Kind, Streamed = %q, %v", a.Kind, a.Streamed())
			}
			if got := listing(a); !slices.Equal(got, tt.atOpen) {
				t.Errorf("Open listed %q, want %q", got, tt.atOpen)
			}
			if _, ok := a.MetadataFile("info/index.json"); ok != (tt.kind == KindConda) {
				t.Errorf("MetadataFile(info/index.json): %v", ok)
			}
			walkAll(t, a)
			if len(a.Members()) != 2 {
				t.Errorf("members %q", listing(a))
			}
		})
	}
}

// TestOpenSniff: content decides, names only break ties.
func TestOpenSniff(t *testing.T) {
	tgz := compress(t, compGzip, testTar(t))
	tests := []struct {
		file string
		data []byte
		kind Kind
		err  error
	}{
		{"data.bin", tgz, KindTar, nil},
		{"notes.gz", compress(t, compGzip, []byte("just text, not a tar")), KindFile, nil},
		{"libfoo.so.zst", compress(t, compZstd, []byte("\x7fELF")), KindFile, nil},
		{"x.tar.gz", []byte("<html>404</html>"), "", ErrCorrupt},
		{"x.tar.gz", compress(t, compGzip, []byte("just text, not a tar")), "", ErrCorrupt},
		{"x.tar.xz", []byte("\xfd7zXZ\x00\x00\x01broken"), "", ErrCorrupt},
		{"x.tgz", tgz[:20], "", ErrTruncated},
		{"x.gz", tgz[:20], KindFile, nil},
		{"empty.tar", make([]byte, 1024), KindTar, nil},
		{"zeros.bin", make([]byte, 1024), KindFile, nil},
		{"x.deb", tgz, "", ErrCorrupt},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			path := writeTemp(t, tt.file, tt.data)
			a, err := Open(path, Limits{})
			if tt.err != nil {
				checkError(t, err, tt.err, path, "")
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer a.Close()
			if a.Kind != tt.kind {
				t.Errorf("Kind = %q, want %q", a.Kind, tt.kind)
			}
		})
	}
}

func TestMetadataTooLarge(t *testing.T) {
	info := buildTar(t, tfile("info/index.json", `{"name": "foo"}`), tfile("info/paths.json", strings.Repeat(" ", 2000)))
	z := buildZip(t, condaParts(t, "x-1-0", info, buildTar(t))...)
	path := writeTemp(t, "x-1-0.conda", z)
	a, err := Open(path, Limits{MaxMetadataSize: 1000})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if _, ok := a.MetadataFile("info/paths.json"); ok {
		t.Error("paths.json kept")
	}
	if _, ok := a.MetadataFile("info/index.json"); !ok {
		t.Error("index.json not kept")
	}
	if p := a.Problems(); len(p) != 1 || !strings.Contains(p[0].String(), "info/paths.json: is 2.0 KiB, over the 1000 bytes limit for metadata read into memory") {
		t.Errorf("problems %v", p)
	}
}
