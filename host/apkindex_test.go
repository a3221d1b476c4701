package host

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
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

// apkIndexFixture is a root whose apk cache holds two indexes, made by
// testdata/apkindex/make.sh from real and written APKINDEX records; its
// README.md says which.
const apkIndexFixture = "testdata/apkindex"

// Cache file names of the fixture's indexes.
const (
	apkMainIndex      = "var/cache/apk/APKINDEX.a7d0ee1f.tar.gz" // signed
	apkCommunityIndex = "var/cache/apk/APKINDEX.2064c4a0.tar.gz"
)

func TestApkIndexFixture(t *testing.T) {
	want := readExpectedProvisions(t, apkIndexFixture+"/expected.txt", "apk")
	for _, root := range []struct {
		name string
		fs   fs.FS
	}{
		{"DirFS", os.DirFS(apkIndexFixture + "/root")},
		{"RootFS", RootFS(apkIndexFixture + "/root")},
	} {
		t.Run(root.name, func(t *testing.T) {
			provs, files, problems := ReadApkIndexes(root.fs, nil)
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			// etc/apk/cache is a link to var/cache/apk: read once.
			if w := []string{apkCommunityIndex, apkMainIndex}; !reflect.DeepEqual(files, w) {
				t.Errorf("files = %q, want %q", files, w)
			}
			diffProvisions(t, provs, want)
		})
	}
}

func TestApkIndexWant(t *testing.T) {
	root := os.DirFS(apkIndexFixture + "/root")
	keep := map[string]bool{"libz.so.1": true, "libssl.so.3": true, "libgeos_c.so.1": true, "libnope.so.9": true}
	provs, files, problems := ReadApkIndexes(root, func(so string) bool { return keep[so] })
	if len(problems) > 0 || len(files) != 2 {
		t.Fatalf("files %q, problems %v", files, problems)
	}
	main := "https://dl-cdn.alpinelinux.org/alpine/v3.20/main v3.20.3-180-g5d4c1b0a1e3 (APKINDEX.a7d0ee1f.tar.gz)"
	want := []Provision{
		{Soname: "libgeos_c.so.1", Package: Package{Manager: "apk", Name: "geos", Version: "3.12.2-r0", Arch: "x86_64"}, Repo: "https://dl-cdn.alpinelinux.org/alpine/v3.20/community v3.20.3-179-g0e8a7c4d2f1 (APKINDEX.2064c4a0.tar.gz)"},
		{Soname: "libssl.so.3", Package: Package{Manager: "apk", Name: "libssl3", Version: "3.3.2-r0", Arch: "x86_64"}, Repo: main},
		{Soname: "libz.so.1", Package: Package{Manager: "apk", Name: "zlib", Version: "1.3.1-r1", Arch: "x86_64"}, Repo: main},
	}
	if !reflect.DeepEqual(provs, want) {
		t.Errorf("got %v\nwant %v", provs, want)
	}
	provs, _, _ = ReadApkIndexes(root, func(string) bool { return false })
	if len(provs) != 0 {
		t.Errorf("want nothing: got %v", provs)
	}
}

// An idxMember is a member of a tar made by idxTar.
type idxMember struct {
	name string
	data string
	size int64 // declared size, when not len(data); the data is then not written
	typ  byte  // tar.TypeReg when 0
}

// idxTar returns a tar of members, with its end-of-archive blocks when
// end is set.
func idxTar(t testing.TB, end bool, members ...idxMember) []byte {
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	for _, m := range members {
		hdr := &tar.Header{Name: m.name, Mode: 0o644, Size: int64(len(m.data)), Typeflag: m.typ, Format: tar.FormatUSTAR}
		if hdr.Typeflag == 0 {
			hdr.Typeflag = tar.TypeReg
		}
		if hdr.Typeflag != tar.TypeReg {
			hdr.Size = 0
		}
		if m.size != 0 {
			hdr.Size = m.size
			hdr.Format = tar.FormatGNU
		}
		if err := tw.WriteHeader(hdr); err != nil {
			t.Fatal(err)
		}
		if m.size != 0 {
			return buf.Bytes() // the header alone
		}
		if _, err := tw.Write([]byte(m.data)); err != nil {
			t.Fatal(err)
		}
	}
	if err := tw.Flush(); err != nil {
		t.Fatal(err)
	}
	if end {
		if err := tw.Close(); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes()
}

// idxGzip returns data gzipped.
func idxGzip(t testing.TB, data []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// apkIndex returns an APKINDEX.tar.gz of the APKINDEX text idx, signed
// as abuild-sign signs (a gzipped signature tar without end blocks in
// front).
func apkIndex(t testing.TB, idx string) []byte {
	sig := idxGzip(t, idxTar(t, false, idxMember{name: ".SIGN.RSA.test.rsa.pub", data: strings.Repeat("\x5a", 256)}))
	return append(sig, idxGzip(t, idxTar(t, true, idxMember{name: "DESCRIPTION", data: "v3.21.0-1-gdeadbeef"}, idxMember{name: "APKINDEX", data: idx}))...)
}

func TestApkIndexBad(t *testing.T) {
	const file = "var/cache/apk/APKINDEX.0badc0de.tar.gz"
	const good = "P:zlib\nV:1.3.1-r2\nA:x86_64\np:so:libz.so.1=1.3.1 cmd:x\n\n"
	zlib := Provision{Soname: "libz.so.1", Package: Package{Manager: "apk", Name: "zlib", Version: "1.3.1-r2", Arch: "x86_64"}}
	signed := apkIndex(t, good)
	fixture, err := os.ReadFile(apkIndexFixture + "/root/" + apkMainIndex)
	if err != nil {
		t.Fatal(err)
	}
	corrupt := slices.Clone(fixture)
	for i := len(corrupt) / 2; i < len(corrupt)/2+16; i++ {
		corrupt[i] ^= 0x55
	}
	tests := []struct {
		name     string
		data     []byte
		repo     string // of zlib, when the file is read
		wantErr  string
		sentinel error
	}{
		{name: "signed", data: signed, repo: "v3.21.0-1-gdeadbeef (APKINDEX.0badc0de.tar.gz)"},
		{name: "unsigned", data: idxGzip(t, idxTar(t, true, idxMember{name: "APKINDEX", data: good})), repo: "(APKINDEX.0badc0de.tar.gz)"},
		{name: "signature with end blocks", data: append(idxGzip(t, idxTar(t, true, idxMember{name: ".SIGN.RSA.k.rsa.pub", data: "sig"})),
			idxGzip(t, idxTar(t, true, idxMember{name: "APKINDEX", data: good}))...), repo: "(APKINDEX.0badc0de.tar.gz)"},
		{name: "uncompressed", data: idxTar(t, true, idxMember{name: "APKINDEX", data: good}), repo: "(APKINDEX.0badc0de.tar.gz)"},
		{name: "no trailing blank line", data: apkIndex(t, strings.TrimSpace(good)), repo: "v3.21.0-1-gdeadbeef (APKINDEX.0badc0de.tar.gz)"},
		{name: "crlf", data: apkIndex(t, strings.ReplaceAll(good, "\n", "\r\n")), repo: "v3.21.0-1-gdeadbeef (APKINDEX.0badc0de.tar.gz)"},
		{name: "adb", data: []byte("ADBd\x01\x02\x03\x04indx"), wantErr: "apk-tools 3 index (ADB format)", sentinel: artifact.ErrUnsupported},
		{name: "truncated gzip", data: fixture[:len(fixture)*2/3], wantErr: "ends early", sentinel: artifact.ErrTruncated},
		{name: "truncated tar", data: idxGzip(t, idxTar(t, true, idxMember{name: "APKINDEX", data: good})[:540]), wantErr: "ends early", sentinel: artifact.ErrTruncated},
		// The damage shows as corrupt deflate data, a bad checksum or, here,
		// garbage that the parser finds first.
		{name: "corrupt gzip", data: corrupt, sentinel: artifact.ErrCorrupt},
		{name: "not gzip", data: []byte("hello, world, this is not an index at all"), sentinel: artifact.ErrTruncated},
		{name: "empty", data: nil, wantErr: "no APKINDEX member", sentinel: artifact.ErrCorrupt},
		{name: "absurd member size", data: idxGzip(t, idxTar(t, false, idxMember{name: "APKINDEX", size: 1 << 40})),
			wantErr: `member "APKINDEX" declares 1099511627776 bytes`, sentinel: artifact.ErrTooLarge},
		{name: "path traversal", data: idxGzip(t, idxTar(t, true, idxMember{name: "../APKINDEX", data: good})), wantErr: "'..' component", sentinel: artifact.ErrUnsafePath},
		{name: "absolute name", data: idxGzip(t, idxTar(t, true, idxMember{name: "/APKINDEX", data: good})), wantErr: "absolute path", sentinel: artifact.ErrUnsafePath},
		{name: "no index member", data: idxGzip(t, idxTar(t, true, idxMember{name: "DESCRIPTION", data: "x"})), wantErr: "no APKINDEX member", sentinel: artifact.ErrCorrupt},
		{name: "index is a directory", data: idxGzip(t, idxTar(t, true, idxMember{name: "APKINDEX", typ: tar.TypeDir})), wantErr: "no APKINDEX member"},
		{name: "record without P", data: apkIndex(t, good+"V:1\nA:x86_64\np:so:libq.so.1\n"), wantErr: "APKINDEX:6: package record without a P: (name) line"},
		{name: "bad line", data: apkIndex(t, good+"P:a\nhello\n"), wantErr: `APKINDEX:7: "hello" is not a "X:value" line`},
		{name: "huge line", data: apkIndex(t, good+"P:a\nT:"+strings.Repeat("x", 2<<20)+"\n"), wantErr: "APKINDEX:7: a line longer than 1024 KiB"},
		{name: "trailing garbage", data: append(slices.Clone(signed), "garbage, more of it"...), wantErr: "corrupt gzip", sentinel: artifact.ErrCorrupt},
		{name: "trailing partial gzip header", data: append(slices.Clone(signed), 0x1f, 0x8b, 8), wantErr: "gzip data ends early", sentinel: artifact.ErrTruncated},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			root := fstest.MapFS{
				file: {Data: tt.data},
				// Another index, which counts whatever happens to the first.
				"var/cache/apk/APKINDEX.600d600d.tar.gz": {Data: apkIndex(t, "P:musl\nV:1.2.5-r9\np:so:libc.musl-x86_64.so.1=1\n")},
			}
			provs, files, problems := ReadApkIndexes(root, nil)
			if w := []string{file, "var/cache/apk/APKINDEX.600d600d.tar.gz"}; !reflect.DeepEqual(files, w) {
				t.Errorf("files = %q, want %q", files, w)
			}
			musl := Provision{Soname: "libc.musl-x86_64.so.1", Package: Package{Manager: "apk", Name: "musl", Version: "1.2.5-r9"},
				Repo: "v3.21.0-1-gdeadbeef (APKINDEX.600d600d.tar.gz)"}
			if tt.wantErr == "" && tt.sentinel == nil {
				if len(problems) > 0 {
					t.Fatalf("problems: %v", problems)
				}
				z := zlib
				z.Repo = tt.repo
				if want := []Provision{musl, z}; !reflect.DeepEqual(provs, want) {
					t.Errorf("got %v\nwant %v", provs, want)
				}
				return
			}
			if len(problems) != 1 {
				t.Fatalf("problems = %v, want one", problems)
			}
			err := problems[0]
			msg := err.Error()
			if !strings.HasPrefix(msg, file+": ") || !strings.Contains(msg, tt.wantErr) {
				t.Errorf("problem %q, want one naming %s and containing %q", msg, file, tt.wantErr)
			}
			if tt.sentinel != nil && !errors.Is(err, tt.sentinel) {
				t.Errorf("problem %q does not wrap %v", msg, tt.sentinel)
			}
			if want := []Provision{musl}; !reflect.DeepEqual(provs, want) {
				t.Errorf("got %v, want only the other file's %v", provs, want)
			}
		})
	}
}

// TestApkIndexLimits checks the bounds on the compressed file and the
// expanded stream, made small for the test.
func TestApkIndexLimits(t *testing.T) {
	const file = "var/cache/apk/APKINDEX.0badc0de.tar.gz"
	saved := apkIndexTar
	t.Cleanup(func() { apkIndexTar = saved })
	big := apkIndex(t, "P:zlib\n"+strings.Repeat("T:compressible\n", 400_000))

	apkIndexTar.maxFile = 100
	_, _, problems := ReadApkIndexes(fstest.MapFS{file: {Data: big}}, nil)
	if len(problems) != 1 || !errors.Is(problems[0], artifact.ErrTooLarge) || !strings.Contains(problems[0].Error(), "repository index") {
		t.Errorf("file over maxFile: %v", problems)
	}
	apkIndexTar = saved
	apkIndexTar.lim.MaxTotalSize = 1 << 20
	_, _, problems = ReadApkIndexes(fstest.MapFS{file: {Data: big}}, nil)
	if len(problems) != 1 || !errors.Is(problems[0], artifact.ErrTooLarge) && !errors.Is(problems[0], artifact.ErrBomb) {
		t.Errorf("stream over the limit: %v", problems)
	}
}

// TestApkIndexKeep checks that a file cannot make libvet hold more than
// maxIndexKeep: short so: entries, each a Provision.
func TestApkIndexKeep(t *testing.T) {
	var idx strings.Builder
	idx.WriteString("P:many\np:")
	for i := range maxIndexKeep / keepCost {
		if i > 0 && i%50_000 == 0 {
			idx.WriteString("\np:")
		}
		fmt.Fprintf(&idx, "so:l%d ", i)
	}
	root := fstest.MapFS{"var/cache/apk/APKINDEX.0badc0de.tar.gz": {Data: apkIndex(t, idx.String()+"\n")}}
	provs, _, problems := ReadApkIndexes(root, nil)
	if len(provs) > 0 || len(problems) != 1 || !errors.Is(problems[0], artifact.ErrTooLarge) || !strings.Contains(problems[0].Error(), "to keep") {
		t.Errorf("%d provisions, problems %v", len(provs), problems)
	}
	provs, _, problems = ReadApkIndexes(root, func(so string) bool { return so == "l7" })
	if len(provs) != 1 || len(problems) > 0 {
		t.Errorf("want l7: %d provisions, problems %v", len(provs), problems)
	}
}

// TestApkIndexCacheDirs checks where indexes are looked for: an
// etc/apk/cache that links elsewhere is read besides var/cache/apk, one
// that links to var/cache/apk is not read twice, and a cache that is a
// file is nothing.
func TestApkIndexCacheDirs(t *testing.T) {
	idx := apkIndex(t, "P:zlib\nV:1\np:so:libz.so.1\n")
	link := func(target string) *fstest.MapFile {
		return &fstest.MapFile{Data: []byte(target), Mode: fs.ModeSymlink | 0o777}
	}
	tests := []struct {
		name  string
		fs    fstest.MapFS
		files []string
	}{
		{"elsewhere", fstest.MapFS{
			"etc/apk/cache":                            link("/srv/apkcache"),
			"srv/apkcache/APKINDEX.00000001.tar.gz":    {Data: idx},
			"var/cache/apk/APKINDEX.00000002.tar.gz":   {Data: idx},
			"var/cache/apk/zlib-1.3.1-r2.7d1a3c9e.apk": {Data: []byte("not an index")},
		}, []string{"srv/apkcache/APKINDEX.00000001.tar.gz", "var/cache/apk/APKINDEX.00000002.tar.gz"}},
		{"relative link to var/cache/apk", fstest.MapFS{
			"etc/apk/cache":                          link("../../var/cache/apk"),
			"var/cache/apk/APKINDEX.00000002.tar.gz": {Data: idx},
		}, []string{"var/cache/apk/APKINDEX.00000002.tar.gz"}},
		{"plain directory", fstest.MapFS{
			"etc/apk/cache/APKINDEX.00000001.tar.gz": {Data: idx},
		}, []string{"etc/apk/cache/APKINDEX.00000001.tar.gz"}},
		{"cache is a file", fstest.MapFS{"etc/apk/cache": {Data: idx}, "var/cache/apk": {}}, nil},
		{"none", fstest.MapFS{"etc/apk/repositories": {}}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			provs, files, problems := ReadApkIndexes(tt.fs, nil)
			if len(problems) > 0 {
				t.Errorf("problems: %v", problems)
			}
			if !reflect.DeepEqual(files, tt.files) {
				t.Errorf("files = %q, want %q", files, tt.files)
			}
			if len(provs) != len(tt.files) {
				t.Errorf("provisions %v, want one a file", provs)
			}
		})
	}
}

// readExpectedProvisions reads an expected.txt written by a fixture's
// make.sh: one provision a line, tab-separated soname, bits, name,
// version, arch and repo; '#' starts a comment line.
func readExpectedProvisions(t *testing.T, file, manager string) []Provision {
	t.Helper()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	var out []Provision
	for line := range strings.Lines(string(data)) {
		line = strings.TrimSuffix(line, "\n")
		if line == "" || line[0] == '#' {
			continue
		}
		f := strings.Split(line, "\t")
		if len(f) != 6 {
			t.Fatalf("%s: bad line %q", file, line)
		}
		var bits int
		if _, err := fmt.Sscan(f[1], &bits); err != nil {
			t.Fatalf("%s: bad line %q", file, line)
		}
		out = append(out, Provision{Soname: f[0], Bits: bits, Package: Package{Manager: manager, Name: f[2], Version: f[3], Arch: f[4]}, Repo: f[5]})
	}
	return out
}

// diffProvisions reports the differences between got and want, in
// order.
func diffProvisions(t *testing.T, got, want []Provision) {
	t.Helper()
	if reflect.DeepEqual(got, want) {
		return
	}
	for i := range max(len(got), len(want)) {
		var g, w Provision
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			t.Errorf("provision %d:\n got  %s\n want %s", i, provisionString(g), provisionString(w))
		}
	}
}

// provisionString returns p's fields as expected.txt has them.
func provisionString(p Provision) string {
	return fmt.Sprintf("%s\t%d\t%s\t%s\t%s\t%s (%s)", p.Soname, p.Bits, p.Name, p.Version, p.Arch, p.Repo, p.Manager)
}

func FuzzApkIndex(f *testing.F) {
	if data, err := os.ReadFile(apkIndexFixture + "/root/" + apkMainIndex); err == nil {
		f.Add(data)
	}
	if data, err := os.ReadFile(apkIndexFixture + "/main.APKINDEX"); err == nil {
		f.Add(idxTar(f, true, idxMember{name: "DESCRIPTION", data: "v3.20"}, idxMember{name: "APKINDEX", data: string(data)}))
	}
	f.Add(idxTar(f, false, idxMember{name: ".SIGN.RSA.k.rsa.pub", data: "sig"}))
	f.Add(idxTar(f, true, idxMember{name: "APKINDEX", data: "P:a\nV:1\np:so:liba.so.1=1 so:libb.so.2\n\nP:b\np:so:\n"}))
	f.Add([]byte("ADBd"))
	f.Fuzz(func(t *testing.T, data []byte) {
		const file = "var/cache/apk/APKINDEX.00000000.tar.gz"
		provs, files, problems := ReadApkIndexes(fstest.MapFS{file: {Data: data}}, nil)
		if len(files) != 1 || len(problems) > 1 {
			t.Fatalf("files %q, problems %v", files, problems)
		}
		if len(problems) == 1 {
			if len(provs) > 0 || !strings.HasPrefix(problems[0].Error(), file+": ") {
				t.Fatalf("problem %v with provisions %v", problems[0], provs)
			}
		}
		for _, p := range provs {
			if p.Name == "" || p.Soname == "" || p.Manager != "apk" || p.Bits != 0 || !strings.HasSuffix(p.Repo, "(APKINDEX.00000000.tar.gz)") {
				t.Fatalf("provision %+v", p)
			}
		}
		if !slices.IsSortedFunc(provs, func(a, b Provision) int { return strings.Compare(a.Soname, b.Soname) }) {
			t.Fatalf("not sorted: %v", provs)
		}
	})
}
