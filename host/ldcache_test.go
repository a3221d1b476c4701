package host

import (
	"bytes"
	"encoding/binary"
	"os"
	"slices"
	"strings"
	"testing"
)

// newCache builds a new-format ld.so.cache, optionally after an empty
// old-format header, as ldconfig writes them.
func newCache(withOld bool, entries ...cacheEntry) []byte {
	var buf bytes.Buffer
	if withOld {
		buf.WriteString(oldCacheMagic + "\x00")
		for buf.Len()%4 != 0 {
			buf.WriteByte(0)
		}
		binary.Write(&buf, binary.LittleEndian, uint32(0)) // no old entries
		for buf.Len()%8 != 0 {
			buf.WriteByte(0)
		}
	}
	var strs bytes.Buffer
	strBase := newHeaderSize + len(entries)*newEntrySize
	offsets := make([][2]uint32, len(entries))
	for i, e := range entries {
		offsets[i][0] = uint32(strBase + strs.Len())
		strs.WriteString(e.soname + "\x00")
		offsets[i][1] = uint32(strBase + strs.Len())
		strs.WriteString(e.path + "\x00")
	}
	buf.WriteString(newCacheMagic)
	binary.Write(&buf, binary.LittleEndian, uint32(len(entries)))
	binary.Write(&buf, binary.LittleEndian, uint32(strs.Len()))
	buf.Write(make([]byte, newHeaderSize-28)) // flags, padding, extension offset, unused
	for i := range entries {
		binary.Write(&buf, binary.LittleEndian, int32(0x0303)) // libc6, x86-64
		binary.Write(&buf, binary.LittleEndian, offsets[i][0])
		binary.Write(&buf, binary.LittleEndian, offsets[i][1])
		binary.Write(&buf, binary.LittleEndian, uint32(0))
		var hwcap uint64
		if strings.Contains(entries[i].path, "glibc-hwcaps") {
			hwcap = hwcapExtension
		}
		binary.Write(&buf, binary.LittleEndian, hwcap)
	}
	buf.Write(strs.Bytes())
	return buf.Bytes()
}

func TestParseLDCache(t *testing.T) {
	plain := func(soname, path string) cacheEntry { return cacheEntry{soname: soname, path: path, hwIndex: -1} }
	want := []cacheEntry{plain("libfoo.so.1", "/opt/cached/libfoo.so.1"),
		{soname: "libz.so.1", path: "/usr/lib/glibc-hwcaps/x86-64-v3/libz.so.1", hwcaps: "x86-64-v3"},
		plain("libz.so.1", "/usr/lib/libz.so.1")}
	for _, withOld := range []bool{false, true} {
		got, err := parseLDCache(newCache(withOld, want...))
		if err != nil {
			t.Fatalf("withOld=%v: %v", withOld, err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("withOld=%v: got %+v, want %+v", withOld, got, want)
		}
	}
	for name, data := range map[string][]byte{
		"empty":     nil,
		"garbage":   []byte("not a cache at all, just text"),
		"truncated": newCache(false, want[0], want[2])[:60],
		"bad count": append([]byte(newCacheMagic), 0xff, 0xff, 0xff, 0x7f, 0, 0, 0, 0),
	} {
		if _, err := parseLDCache(data); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

// TestCacheBeforeDefaults: a library in ld.so.cache is found there, with
// the step named, before the default directories.
func TestCacheBeforeDefaults(t *testing.T) {
	root := makeRoot(t, map[string]string{
		"opt/cached/libfoo.so.1": lib64,
		"usr/lib/libfoo.so.1":    lib64,
		"etc/ld.so.conf":         "/opt/ignored\n",
	})
	if err := os.WriteFile(root+"/etc/ld.so.cache", newCache(true, cacheEntry{soname: "libfoo.so.1", path: "/opt/cached/libfoo.so.1"}), 0o644); err != nil {
		t.Fatal(err)
	}
	l := NewLinux(Options{Root: root})
	lib := l.Find("libfoo.so.1", x86_64)
	if lib == nil || lib.Path != "/opt/cached/libfoo.so.1" || lib.Step != "ld.so.cache" {
		t.Fatalf("found %+v, want /opt/cached/libfoo.so.1 by ld.so.cache", lib)
	}
	if dirs := l.SystemDirs(); len(dirs) != len(defaultDirs) {
		t.Errorf("with a cache, ld.so.conf must not be searched directly: %q", dirs)
	}
}

// TestHostLDCache parses this machine's cache, when it has one.
func TestHostLDCache(t *testing.T) {
	data, err := os.ReadFile("/etc/ld.so.cache")
	if err != nil {
		t.Skipf("no /etc/ld.so.cache on this machine: %v", err)
	}
	entries, err := parseLDCache(data)
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) == 0 {
		t.Fatal("no entries")
	}
	for _, e := range entries {
		if e.soname == "" || e.path == "" || e.path[0] != '/' {
			t.Errorf("odd entry %+v", e)
		}
	}
}

func FuzzParseLDCache(f *testing.F) {
	f.Add(newCache(false, cacheEntry{soname: "libfoo.so.1", path: "/x/libfoo.so.1"}))
	f.Add(newCache(true, cacheEntry{soname: "libz.so.1", path: "/usr/lib/libz.so.1"}))
	if data, err := os.ReadFile("../testdata/roots/glibc/etc/ld.so.cache"); err == nil {
		f.Add(data)
	}
	if data, err := os.ReadFile("/etc/ld.so.cache"); err == nil && len(data) < 1<<20 {
		f.Add(data)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		entries, err := parseLDCache(data)
		if err == nil && len(entries) > len(data) {
			t.Fatalf("%d entries from %d bytes", len(entries), len(data))
		}
	})
}
