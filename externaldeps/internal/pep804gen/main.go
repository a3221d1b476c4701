// Command pep804gen builds libvet's embedded PEP 804 data
// (externaldeps/data/pep804/*.txt) from the JSON documents of the
// external-metadata-mappings repository: registry.json (the central
// registry), known-ecosystems.json and every {ecosystem}.mapping.json. The
// output format is described in externaldeps/data/README.md; this command
// is its only writer.
//
// Usage (from the module root; scripts/refresh-externaldeps.sh wraps it):
//
//	go run ./externaldeps/internal/pep804gen \
//		-in ../shared/reference/pep804-mappings/data \
//		-out externaldeps/data/pep804 [-check]
//
// With -check nothing is written: pep804gen exits 1 if a committed file
// differs from what it would generate, or is missing or stale. Without it,
// files for ecosystems that no longer have a mapping are removed.
//
// The input is decoded strictly: unknown keys, a schema_version other than
// 1, an entry with both or neither of specs and specs_from, a specs_from
// naming no entry, a command template without exactly one {} argument, a
// command argument with white space, a known ecosystem without a mapping
// file, and text that cannot be one line are all errors, reported with the
// input file name.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/libvet/libvet/internal/datagen"
)

func main() {
	in := flag.String("in", "", "the `directory` with registry.json, known-ecosystems.json and *.mapping.json")
	out := flag.String("out", "", "output `directory` (externaldeps/data/pep804)")
	check := flag.Bool("check", false, "write nothing; exit 1 if the files in -out are not up to date")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: pep804gen -in DIR -out DIR [-check]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 || *in == "" || *out == "" {
		flag.Usage()
		os.Exit(2)
	}
	ok, err := run(*in, *out, *check)
	if err != nil {
		fmt.Fprintf(os.Stderr, "pep804gen: %v\n", err)
		os.Exit(1)
	}
	if !ok {
		os.Exit(1)
	}
}

// run generates every file; it returns false when -check found a file
// out of date.
func run(in, out string, check bool) (upToDate bool, err error) {
	upToDate = true
	emit := func(dst, from string, data []byte) error {
		ok, err := datagen.Emit("pep804gen", dst, from, data, check)
		upToDate = upToDate && ok
		return err
	}
	read := func(name string) ([]byte, error) {
		return os.ReadFile(filepath.Join(in, name))
	}

	src, err := read("registry.json")
	if err != nil {
		return false, err
	}
	data, err := RenderRegistry(src)
	if err != nil {
		return false, fmt.Errorf("%s: %v", filepath.Join(in, "registry.json"), err)
	}
	if err := emit(filepath.Join(out, RegistryFileName), filepath.Join(in, "registry.json"), data); err != nil {
		return false, err
	}

	src, err = read("known-ecosystems.json")
	if err != nil {
		return false, err
	}
	known, err := KnownEcosystems(src)
	if err != nil {
		return false, fmt.Errorf("%s: %v", filepath.Join(in, "known-ecosystems.json"), err)
	}

	files, err := filepath.Glob(filepath.Join(in, "*.mapping.json"))
	if err != nil {
		return false, err
	}
	written := []string{RegistryFileName}
	var ecosystems []string
	for _, f := range files {
		eco := strings.TrimSuffix(filepath.Base(f), ".mapping.json")
		if eco+".txt" == RegistryFileName {
			return false, fmt.Errorf("%s: an ecosystem named %q would overwrite %s", f, eco, RegistryFileName)
		}
		src, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		data, err := RenderMapping(eco, src, slices.Contains(known, eco))
		if err != nil {
			return false, fmt.Errorf("%s: %v", f, err)
		}
		if err := emit(filepath.Join(out, eco+".txt"), f, data); err != nil {
			return false, err
		}
		written = append(written, eco+".txt")
		ecosystems = append(ecosystems, eco)
	}
	for _, k := range known {
		if !slices.Contains(ecosystems, k) {
			return false, fmt.Errorf("%s lists %s, but %s does not exist", filepath.Join(in, "known-ecosystems.json"), k, filepath.Join(in, k+".mapping.json"))
		}
	}

	// Files of ecosystems that are gone.
	old, err := filepath.Glob(filepath.Join(out, "*.txt"))
	if err != nil {
		return false, err
	}
	for _, f := range old {
		if slices.Contains(written, filepath.Base(f)) {
			continue
		}
		if check {
			fmt.Fprintf(os.Stderr, "pep804gen: %s is stale: %s has no mapping for it\n", f, in)
			upToDate = false
			continue
		}
		if err := os.Remove(f); err != nil {
			return false, err
		}
		fmt.Fprintf(os.Stderr, "pep804gen: removed %s: %s has no mapping for it\n", f, in)
	}
	return upToDate, nil
}
