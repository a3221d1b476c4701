package host

import (
	"errors"
	"io/fs"
	"os"
	"reflect"
	"strings"
	"testing"
	"testing/fstest"
)

// spackFixture is a Spack install tree at opt/spack whose index.json
// holds two spec nodes from Spack's own test data, an external and an
// uninstalled record; testdata/hostdb/README.md says more.
const spackFixture = "../testdata/hostdb/spack"

func TestSpackFixture(t *testing.T) {
	s, err := ReadSpack(linkFS{os.DirFS(spackFixture), map[string]string{
		"opt/view/lib/libelf.so.0": "/opt/spack/test-debian6-core2/gcc-10.2.1/libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez/lib/libelf.so.0",
	}}, "/opt/spack")
	if err != nil {
		t.Fatal(err)
	}
	const arch = "test-debian6-core2"
	libelf := Package{Manager: "spack", Name: "libelf", Version: "0.8.13", Arch: arch}
	libdwarf := Package{Manager: "spack", Name: "libdwarf", Version: "20130729", Arch: arch}
	zlib := Package{Manager: "spack", Name: "zlib", Version: "1.2.11", Arch: arch}
	libiberty := Package{Manager: "spack", Name: "libiberty", Version: "2.33.1", Arch: arch}
	if got, want := s.Packages(), []Package{libdwarf, libelf}; !reflect.DeepEqual(got, want) {
		t.Errorf("Packages() = %v, want %v", got, want)
	}
	const tree = "opt/spack/test-debian6-core2/gcc-10.2.1/"
	wantInstalls := []SpackInstall{
		{Package: libdwarf, Hash: "sk2gqqz4n5njmvktycnd25wq25jxiqkr", Path: tree + "libdwarf-20130729-sk2gqqz4n5njmvktycnd25wq25jxiqkr", Namespace: "builtin.mock", Installed: true, Explicit: true},
		{Package: libelf, Hash: "rqh2vuf6fqwkmipzgi2wjx352mq7y7ez", Path: tree + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez", Namespace: "builtin.mock", Installed: true},
		{Package: libiberty, Hash: "aaaabbbbccccddddeeeeffffgggghhhh", Path: tree + "libiberty-2.33.1-aaaabbbbccccddddeeeeffffgggghhhh", Namespace: "builtin.mock"},
		{Package: zlib, Hash: "t5mczux3tfqpxwmg7egp7axy2jvyulqk", Path: "usr", Namespace: "builtin.mock", Installed: true, External: true},
	}
	if got := s.Installs(); !reflect.DeepEqual(got, wantInstalls) {
		t.Errorf("Installs() = %+v\nwant %+v", got, wantInstalls)
	}
	tests := []struct {
		path string
		want Package
		ok   bool
	}{
		{"/" + tree + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez/lib/libelf.so.0", libelf, true},
		{tree + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ez", libelf, true},
		{tree + "libdwarf-20130729-sk2gqqz4n5njmvktycnd25wq25jxiqkr/lib/libdwarf.so.0", libdwarf, true},
		{"/opt/view/lib/libelf.so.0", libelf, true},
		{tree + "libiberty-2.33.1-aaaabbbbccccddddeeeeffffgggghhhh/lib/libiberty.a", Package{}, false}, // not installed
		{"/usr/lib/libz.so.1", Package{}, false},                                                       // an external
		{tree + "libelf-0.8.13-rqh2vuf6fqwkmipzgi2wjx352mq7y7ezz/lib", Package{}, false},
		{"/opt/spack", Package{}, false},
		{"/", Package{}, false},
	}
	for _, tt := range tests {
		got, ok := s.Owner(tt.path)
		if got != tt.want || ok != tt.ok {
			t.Errorf("Owner(%q) = %v, %v; want %v, %v", tt.path, got, ok, tt.want, tt.ok)
		}
		if owners := s.Owners(tt.path); len(owners) != 0 != tt.ok {
			t.Errorf("Owners(%q) = %v", tt.path, owners)
		}
	}
	if p := s.Problems(); len(p) != 0 {
		t.Errorf("Problems() = %v", p)
	}
}

func TestSpackIndexLayouts(t *testing.T) {
	tests := []struct {
		name     string
		index    string
		want     []SpackInstall
		problems []string
		err      string
	}{{
		// Database version 5 (Spack ≤ 0.16): {name: node}, as in Spack's
		// test/data/specfiles/hdf5.v013.json.
		name: "v5",
		index: `{"database": {"version": "5", "installs": {"ikd3yzdjgm2i4hc2jxpv4foy6w2ro3rr": {
			"spec": {"zlib": {"version": "1.2.11", "arch": {"platform": "linux", "platform_os": "ubuntu20.04",
				"target": {"name": "skylake_avx512", "vendor": "GenuineIntel"}}, "namespace": "builtin",
				"hash": "ikd3yzdjgm2i4hc2jxpv4foy6w2ro3rr"}},
			"path": "/spack/opt/spack/linux-ubuntu20.04-skylake_avx512/gcc-9.4.0/zlib-1.2.11-ikd3yzd",
			"installed": true, "ref_count": 1, "explicit": false, "installation_time": 1.6e9}}}}`,
		want: []SpackInstall{{Package: Package{Manager: "spack", Name: "zlib", Version: "1.2.11", Arch: "linux-ubuntu20.04-skylake_avx512"},
			Hash: "ikd3yzdjgm2i4hc2jxpv4foy6w2ro3rr", Path: "spack/opt/spack/linux-ubuntu20.04-skylake_avx512/gcc-9.4.0/zlib-1.2.11-ikd3yzd",
			Namespace: "builtin", Installed: true}},
	}, {
		// Spack 0.9-era nodes: a string arch, a version list, path "None".
		name: "old",
		index: `{"database": {"version": "0.9.3", "installs": {"h": {"spec": {"mpich": {"versions": ["3.2"], "arch": "linux-rhel7-x86_64"}},
			"path": "None", "installed": true}}}}`,
		want: []SpackInstall{{Package: Package{Manager: "spack", Name: "mpich", Version: "3.2", Arch: "linux-rhel7-x86_64"},
			Hash: "h", Installed: true}},
	}, {
		name: "v7 with a package called name",
		index: `{"database": {"version": "7", "installs": {"h": {"spec": {"name": {"version": "1"}}, "path": "/x", "installed": true},
			"i": {"spec": {"name": "name", "version": "2", "external": null}, "path": "/y", "installed": true}}}}`,
		want: []SpackInstall{
			{Package: Package{Manager: "spack", Name: "name", Version: "1"}, Hash: "h", Path: "x", Installed: true},
			{Package: Package{Manager: "spack", Name: "name", Version: "2"}, Hash: "i", Path: "y", Installed: true},
		},
	}, {
		name: "bad records",
		index: `{"database": {"version": "7", "installs": {"a": {"spec": 3}, "b": {"spec": {"x": 1, "y": 2}},
			"c": {"spec": {"name": "c", "version": {"v": 1}, "arch": 3}}, "d": {"spec": {"zlib": 3}}}}}`,
		want: []SpackInstall{{Package: Package{Manager: "spack", Name: "c"}, Hash: "c"}},
		problems: []string{
			"index.json: record a: spec is not an object",
			"index.json: record b: spec has neither a name nor the form {name: node}",
			"index.json: record d: spec zlib: json: cannot unmarshal number",
		},
	}, {
		name: "empty", index: `{"database": {"version": "7", "installs": {}}}`,
	}, {
		name: "not json", index: `{"database": `, err: "index.json: not a Spack database: unexpected end of JSON input",
	}, {
		name: "no installs", index: `{"database": {"version": "7"}}`, err: "index.json: not a Spack database: no database.installs object",
	}, {
		name: "no database", index: `[]`, err: "index.json: not a Spack database: json: cannot unmarshal array",
	}}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, problems, err := parseSpackIndex([]byte(tt.index), "index.json")
			if tt.err != "" {
				if err == nil || !strings.HasPrefix(err.Error(), tt.err) {
					t.Fatalf("parseSpackIndex: %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 0 || len(tt.want) != 0 {
				if !reflect.DeepEqual(got, tt.want) {
					t.Errorf("installs %+v\nwant %+v", got, tt.want)
				}
			}
			if len(problems) != len(tt.problems) {
				t.Fatalf("problems %v, want %q", problems, tt.problems)
			}
			for i, p := range problems {
				if !strings.HasPrefix(p.Error(), tt.problems[i]) {
					t.Errorf("problem %d: %v, want %q", i, p, tt.problems[i])
				}
			}
		})
	}
}

func TestReadSpackErrors(t *testing.T) {
	_, err := ReadSpack(fstest.MapFS{"opt/spack/bin/spack": {}}, "opt/spack")
	if !errors.Is(err, fs.ErrNotExist) || !strings.Contains(err.Error(), "no Spack database in opt/spack") {
		t.Errorf("ReadSpack(no index) = %v", err)
	}
	_, err = ReadSpack(fstest.MapFS{"store/.spack-db/index.json": {Data: []byte("{")}}, "store")
	if err == nil || !strings.HasPrefix(err.Error(), "store/.spack-db/index.json: not a Spack database") {
		t.Errorf("ReadSpack(bad index) = %v", err)
	}
}

func FuzzSpackIndex(f *testing.F) {
	if data, err := os.ReadFile(spackFixture + "/opt/spack/.spack-db/index.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"database": {"version": "5", "installs": {"h": {"spec": {"zlib": {"versions": ["1"], "arch": "linux-x-y"}}, "path": "/a/b", "installed": true}}}}`))
	f.Add([]byte(`{"database": {"installs": {"h": {"spec": {"name": "a", "arch": {"target": 3}}, "path": "..", "installed": true}}}}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		installs, _, err := parseSpackIndex(data, "index.json")
		if err != nil {
			return
		}
		for _, in := range installs {
			if in.Package.Name == "" || strings.HasPrefix(in.Path, "/") || strings.HasPrefix(in.Path, "..") {
				t.Fatalf("install %+v", in)
			}
		}
		s, err := ReadSpack(fstest.MapFS{".spack-db/index.json": {Data: data}}, "")
		if err != nil {
			t.Fatal(err)
		}
		for _, in := range installs {
			s.Owner(in.Path + "/lib/x")
		}
		s.Owner("/")
		s.Packages()
	})
}
