// Command gen builds libvet's embedded Linux policy data (policy/data/*.txt)
// from auditwheel's policy JSON files. The output format is described in
// policy/doc.go; this command is its only writer.
//
// Usage (from the module root; scripts/refresh-policy.sh wraps it):
//
//	go run ./policy/internal/gen \
//		-manylinux ../shared/reference/auditwheel-manylinux-policy.json \
//		-musllinux ../shared/reference/auditwheel-musllinux-policy.json \
//		-out policy/data [-check]
//
// With -check nothing is written: gen exits 1 and names every output file
// whose committed content differs from what it would generate.
//
// The input is validated strictly: unknown or missing keys, duplicate list
// entries, tokens the line format cannot carry, names that are not
// <family>_<major>_<minor>, repeated priorities or tags, a generic "linux"
// entry that is not empty, and musl architectures without a known libc soname
// are all errors, reported with the input file name.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libvet/libvet/internal/datagen"
)

func main() {
	manylinux := flag.String("manylinux", "", "auditwheel `manylinux-policy.json` to convert")
	musllinux := flag.String("musllinux", "", "auditwheel `musllinux-policy.json` to convert")
	out := flag.String("out", "", "output `directory` (policy/data)")
	check := flag.Bool("check", false, "write nothing; exit 1 if a file in -out is not up to date")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: gen -manylinux FILE -musllinux FILE -out DIR [-check]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 || *out == "" || (*manylinux == "" && *musllinux == "") {
		flag.Usage()
		os.Exit(2)
	}

	inputs := []struct {
		fam  family
		path string
	}{
		{manylinuxFamily, *manylinux},
		{musllinuxFamily, *musllinux},
	}
	stale := 0
	for _, in := range inputs {
		if in.path == "" {
			continue
		}
		src, err := os.ReadFile(in.path)
		if err != nil {
			fatalf("%v", err)
		}
		data, err := Render(in.fam, src)
		if err != nil {
			fatalf("%s: %v", in.path, err)
		}
		ok, err := datagen.Emit("gen", filepath.Join(*out, in.fam.FileName()), in.path, data, *check)
		if err != nil {
			fatalf("%v", err)
		}
		if !ok {
			stale++
		}
	}
	if stale > 0 {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "gen: "+format+"\n", args...)
	os.Exit(1)
}
