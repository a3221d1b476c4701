package externaldeps

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

// osReleaseRoot returns an in-memory root whose etc/os-release is the
// fixture testdata/os-release/name.
func osReleaseRoot(t *testing.T, name string) fstest.MapFS {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", "os-release", name))
	if err != nil {
		t.Fatal(err)
	}
	return fstest.MapFS{"etc/os-release": {Data: data}}
}

func TestDetectEcosystem(t *testing.T) {
	env := func(kv ...string) func(string) string {
		m := map[string]string{}
		for i := 0; i+1 < len(kv); i += 2 {
			m[kv[i]] = kv[i+1]
		}
		return func(k string) string { return m[k] }
	}
	macos := fstest.MapFS{"System/Library/CoreServices/SystemVersion.plist": {Data: []byte("<plist/>")}}
	macosBrew := fstest.MapFS{
		"System/Library/CoreServices/SystemVersion.plist": {Data: []byte("<plist/>")},
		"opt/homebrew/bin/brew":                           {Data: []byte("#!/bin/bash\n")},
	}
	tests := []struct {
		name      string
		root      fs.FS
		env       func(string) string
		ecosystem string
		how       string // a part of the answer's how, or of the error
	}{
		{"debian 12", osReleaseRoot(t, "debian-12"), nil, "ubuntu", "etc/os-release: ID=debian VERSION_ID=12; no PEP 804 mapping is for Debian"},
		{"ubuntu 24.04", osReleaseRoot(t, "ubuntu-24.04"), nil, "ubuntu", `etc/os-release: ID=ubuntu VERSION_ID=24.04 ID_LIKE="debian"`},
		{"fedora", osReleaseRoot(t, "fedora-30"), nil, "fedora", "etc/os-release: ID=fedora VERSION_ID=30"},
		{"arch", osReleaseRoot(t, "arch"), nil, "arch", "etc/os-release: ID=arch"},
		{"gentoo", osReleaseRoot(t, "gentoo"), nil, "gentoo", "ID=gentoo"},
		{"rocky: ID_LIKE", osReleaseRoot(t, "rocky-8.4"), nil, "fedora", `ID=rocky VERSION_ID=8.4 ID_LIKE="rhel centos fedora", like fedora`},
		{"alpine", osReleaseRoot(t, "alpine-3.20"), nil, "", "no ecosystem detected: etc/os-release (ID=alpine VERSION_ID=3.20.3) names no ecosystem libvet has a PEP 804 mapping for; name one of: arch, chocolatey,"},
		{"opensuse", osReleaseRoot(t, "opensuse-leap-15.2"), nil, "", `ID=opensuse-leap VERSION_ID=15.2 ID_LIKE="suse opensuse") names no ecosystem`},
		{"old manjaro", osReleaseRoot(t, "manjaro-15.12"), nil, "", "ID=manjaro"},
		{"alpine with linuxbrew", osReleaseRoot(t, "alpine-3.20"), env("HOMEBREW_PREFIX", "/home/linuxbrew/.linuxbrew"), "homebrew", "HOMEBREW_PREFIX is set (/home/linuxbrew/.linuxbrew), and etc/os-release (ID=alpine"},
		{"usr/lib/os-release", fstest.MapFS{"usr/lib/os-release": {Data: []byte("ID=arch\n")}}, nil, "arch", "usr/lib/os-release: ID=arch"},
		{"nixos", fstest.MapFS{"etc/os-release": {Data: []byte("ID=nixos\nVERSION_ID=\"24.05\"\n")}}, nil, "nix", "NixOS installs packages with Nix"},
		{"debian derivative", fstest.MapFS{"etc/os-release": {Data: []byte("ID=raspbian\nID_LIKE=debian\n")}}, nil, "ubuntu", "ID=raspbian ID_LIKE=\"debian\"; no PEP 804 mapping is for Debian"},
		{"ubuntu derivative", fstest.MapFS{"etc/os-release": {Data: []byte("ID=linuxmint\nID_LIKE=\"ubuntu debian\"\n")}}, nil, "ubuntu", "like ubuntu"},
		{"no ID", fstest.MapFS{"etc/os-release": {Data: []byte("NAME=Something\n")}}, nil, "", "(ID=linux) names no ecosystem"},

		// conda comes first.
		{"CONDA_PREFIX", osReleaseRoot(t, "fedora-30"), env("CONDA_PREFIX", "/opt/conda"), "conda-forge", "CONDA_PREFIX is set (/opt/conda)"},
		{"conda prefix root", fstest.MapFS{"conda-meta/history": {Data: []byte("==> 2024-01-01 <==\n")}, "etc/os-release": {Data: []byte("ID=ubuntu\n")}}, nil, "conda-forge", "conda-meta/history"},

		// macOS and Homebrew.
		{"macos with brew", macosBrew, nil, "homebrew", "macOS (System/Library/CoreServices/SystemVersion.plist) with Homebrew (opt/homebrew/bin/brew)"},
		{"macos with HOMEBREW_PREFIX", macos, env("HOMEBREW_PREFIX", "/usr/local"), "homebrew", "HOMEBREW_PREFIX is set (/usr/local)"},
		{"macos without brew", macos, nil, "", "macOS (System/Library/CoreServices/SystemVersion.plist) without Homebrew"},
		{"HOMEBREW_PREFIX, no root", nil, env("HOMEBREW_PREFIX", "/opt/homebrew"), "homebrew", "HOMEBREW_PREFIX is set (/opt/homebrew)"},

		// Nothing to go by.
		{"windows", fstest.MapFS{"Windows/System32/ntdll.dll": {Data: []byte("MZ")}}, nil, "", "Windows (Windows/System32) has no default ecosystem; name one of"},
		{"empty root", fstest.MapFS{}, nil, "", "no CONDA_PREFIX, conda-meta/history, os-release file, macOS or HOMEBREW_PREFIX"},
		{"nil root, nil env", nil, nil, "", "no CONDA_PREFIX"},
		{"os-release too large", fstest.MapFS{"etc/os-release": {Data: []byte(strings.Repeat("#", maxOSRelease+1))}}, nil, "", "read etc/os-release: larger than 64 KiB"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			eco, how, err := DetectEcosystem(tt.root, tt.env)
			if tt.ecosystem == "" {
				if err == nil || !strings.Contains(err.Error(), tt.how) {
					t.Fatalf("got %q (%s), %v; want an error containing %q", eco, how, err, tt.how)
				}
				if !strings.Contains(tt.how, "larger than") && !errors.Is(err, ErrNoEcosystem) {
					t.Errorf("error %v does not wrap ErrNoEcosystem", err)
				}
				return
			}
			if err != nil || eco != tt.ecosystem || !strings.Contains(how, tt.how) {
				t.Errorf("got %q (%s), %v; want %q, how containing %q", eco, how, err, tt.ecosystem, tt.how)
			}
			if _, err := Map("dep:generic/zlib", eco); errors.Is(err, ErrUnknownEcosystem) {
				t.Errorf("%s is not an ecosystem Map knows", eco)
			}
		})
	}
}

// TestOSReleaseFallbacks checks that libvet's fallbacks name ecosystems
// it has and distributions that have none.
func TestOSReleaseFallbacks(t *testing.T) {
	for id, f := range osReleaseFallbacks {
		if _, err := Map("dep:generic/zlib", id); !errors.Is(err, ErrUnknownEcosystem) {
			t.Errorf("%s has a mapping of its own now: drop its fallback", id)
		}
		if _, err := Map("dep:generic/zlib", f.ecosystem); errors.Is(err, ErrUnknownEcosystem) {
			t.Errorf("%s falls back to %s, which has no mapping", id, f.ecosystem)
		}
	}
}

func TestParseOSRelease(t *testing.T) {
	tests := []struct {
		data string
		want osRelease
	}{
		{"ID=fedora\nVERSION_ID=40\n", osRelease{id: "fedora", versionID: "40"}},
		{"ID=\"rocky\"\nID_LIKE=\"rhel centos fedora\"\nVERSION_ID=\"9.3\"\n", osRelease{id: "rocky", versionID: "9.3", idLike: []string{"rhel", "centos", "fedora"}}},
		{"ID='opensuse-leap'\nID_LIKE='suse opensuse'\n", osRelease{id: "opensuse-leap", idLike: []string{"suse", "opensuse"}}},
		{"  # comment\n\nID=Debian\r\n", osRelease{id: "debian"}},
		{`ID="a\"b\\c\$d"` + "\n", osRelease{id: `a"b\c$d`}},
		// Broken lines are skipped, as systemd does.
		{"ID=\"unterminated\nID_LIKE=two words\nVERSION_ID='a'b'\nID=x y\n", osRelease{id: "linux"}},
		{"ID=\"a\" trailing\n", osRelease{id: "linux"}},
		{"ID=\nVERSION_ID=\n", osRelease{id: "linux"}},
		{"ID=first\nID=second\n", osRelease{id: "second"}},
		{"no equals sign\n", osRelease{id: "linux"}},
		{"", osRelease{id: "linux"}},
	}
	for _, tt := range tests {
		got := parseOSRelease([]byte(tt.data))
		if got.String() != tt.want.String() {
			t.Errorf("parseOSRelease(%q) = %s, want %s", tt.data, got, tt.want)
		}
	}
}

// FuzzParseOSRelease parses arbitrary os-release files, as a scanned
// image's root may hold: no panic, and an ID always.
func FuzzParseOSRelease(f *testing.F) {
	entries, err := os.ReadDir(filepath.Join("testdata", "os-release"))
	if err != nil {
		f.Fatal(err)
	}
	for _, e := range entries {
		data, err := os.ReadFile(filepath.Join("testdata", "os-release", e.Name()))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`ID="\`))
	f.Fuzz(func(t *testing.T, data []byte) {
		o := parseOSRelease(data)
		if o.id == "" {
			t.Fatal("empty ID")
		}
		if _, _, err := DetectEcosystem(fstest.MapFS{"etc/os-release": {Data: data}}, nil); err != nil && !errors.Is(err, ErrNoEcosystem) && len(data) <= maxOSRelease {
			t.Fatal(err)
		}
	})
}
