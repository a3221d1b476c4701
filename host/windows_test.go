package host

import (
	"os"
	"path/filepath"
	"testing"
)

func TestDLLPath(t *testing.T) {
	dir := filepath.Join("..", "..", "shared", "corpus", "delvewheel", "tests", "iknowpy")
	if _, err := os.Stat(filepath.Join(dir, "icuuc74.dll")); err != nil {
		t.Skipf("conformance corpus not found at %s (it lives in ../shared beside the repository): %v", dir, err)
	}
	empty := t.TempDir()
	d := NewDLLPath([]string{empty, dir})
	const amd64, arm64 = 0x8664, 0xaa64
	tests := []struct {
		name    string
		machine uint16
		want    string // file name found, "" for none
	}{
		{"icuuc74.dll", amd64, "icuuc74.dll"},
		{"ICUUC74.DLL", amd64, "icuuc74.dll"}, // Windows names ignore case
		{"iKnowEngine.dll", amd64, "iKnowEngine.dll"},
		{"icuuc74.dll", arm64, ""},     // another machine is passed over
		{"icudt74.dll", amd64, ""},     // absent
		{"LICENSE", amd64, ""},         // not a PE image
		{"sub/icuuc74.dll", amd64, ""}, // imports never name paths
	}
	for _, tt := range tests {
		got := d.FindDLL(tt.name, tt.machine)
		switch {
		case tt.want == "" && got != nil:
			t.Errorf("FindDLL(%q, %#x) = %s, want none", tt.name, tt.machine, got.Path)
		case tt.want != "" && (got == nil || got.Path != filepath.Join(dir, tt.want) || got.Step != "--add-path "+dir):
			t.Errorf("FindDLL(%q, %#x) = %+v, want %s", tt.name, tt.machine, got, tt.want)
		}
	}
}
