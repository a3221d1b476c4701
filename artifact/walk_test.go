package artifact

import (
	"io"
	"slices"
	"strings"
	"sync"
	"testing"
)

func TestWalkZip(t *testing.T) {
	z := buildZip(t, wheelEntries("demo-1.0.dist-info", "",
		deflated("demo/_core.so", strings.Repeat("\x7fELF", 100)),
		stored("demo/__init__.py", "x = 1\n"),
		stored("demo/secret.so", "encrypted"))...)
	put16(z, centralHeader(t, z, "demo/secret.so")+8, 1) // encrypted: a problem, not walked
	path := writeTemp(t, testWheelName, z)
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	if a.Streamed() {
		t.Error("a wheel is streamed")
	}
	data, order := walkAll(t, a)
	want := []string{"demo-1.0.dist-info/METADATA", "demo-1.0.dist-info/RECORD", "demo-1.0.dist-info/WHEEL", "demo/__init__.py", "demo/_core.so"}
	if !slices.Equal(order, want) {
		t.Errorf("walk order %q, want %q", order, want)
	}
	if string(data["demo/_core.so"]) != strings.Repeat("\x7fELF", 100) {
		t.Error("_core.so differs")
	}
	var kept io.Reader
	a.Walk(func(m *Member, r io.Reader) error { kept = r; return nil })
	if _, err := kept.Read(make([]byte, 1)); err == nil {
		t.Error("a zip member's reader works after its callback")
	}
}

func TestWalkFile(t *testing.T) {
	path := writeTemp(t, "libfoo.so", []byte("\x7fELF"))
	a, err := Open(path, Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	data, order := walkAll(t, a)
	if !slices.Equal(order, []string{"libfoo.so"}) || string(data["libfoo.so"]) != "\x7fELF" {
		t.Errorf("walk %q %q", order, data)
	}
}

// TestWalkConcurrent reads Members, Problems and Resolve while walks run:
// run with -race.
func TestWalkConcurrent(t *testing.T) {
	deb := buildDeb(t, debParts{control: testControl(t), data: testTar(t), dataComp: compZstd})
	a, err := Open(writeTemp(t, "x.deb", deb), Limits{})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(2)
		go func() {
			defer wg.Done()
			if err := a.Walk(func(m *Member, r io.Reader) error { _, err := io.Copy(io.Discard, r); return err }); err != nil {
				t.Error(err)
			}
		}()
		go func() {
			defer wg.Done()
			for range 100 {
				_ = a.Members()
				_ = a.Problems()
				a.Resolve("data.tar.zst!usr/lib/libfoo.so.1")
			}
		}()
	}
	wg.Wait()
	if len(a.Members()) != 4+len(testTarMembers) {
		t.Errorf("members %q", listing(a))
	}
}
