package host

import (
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

func TestOwnerIndex(t *testing.T) {
	x := newOwnerIndex(4, 0)
	for _, a := range []struct {
		path  string
		owner int32
	}{{"/a", 0}, {"/b", 0}, {"/b", 1}, {"/b", 1}, {"/b", 3}, {"/c", 2}, {"/c", 2}, {"/d", 1}, {"/d", 2}} {
		x.add(a.path, a.owner)
	}
	for path, want := range map[string][]int32{"/a": {0}, "/b": {0, 1, 3}, "/c": {2}, "/d": {1, 2}, "/e": nil} {
		if got := x.get(path); !reflect.DeepEqual(got, want) {
			t.Errorf("get(%s) = %v, want %v", path, got, want)
		}
	}
	if got := union([]int32{0, 3}, nil, []int32{1, 3}); !reflect.DeepEqual(got, []int32{0, 1, 3}) {
		t.Errorf("union = %v", got)
	}
}

func TestReadFileLimit(t *testing.T) {
	fsys := fstest.MapFS{"a": {Data: []byte("12345")}}
	if data, err := readFileLimit(fsys, "a", 5); err != nil || string(data) != "12345" {
		t.Errorf("readFileLimit(5) = %q, %v", data, err)
	}
	if _, err := readFileLimit(fsys, "a", 4); err == nil || !strings.Contains(err.Error(), "a: more than 4 bytes") {
		t.Errorf("readFileLimit(4) error %v", err)
	}
	if got := (Package{"dpkg", "zlib1g", "1:1.2.13.dfsg-1", "amd64"}).String(); got != "zlib1g:amd64 1:1.2.13.dfsg-1 (dpkg)" {
		t.Errorf("String() = %q", got)
	}
}
