// Command debgen builds libvet's embedded table of Debian packages that ship
// the shared libraries of the soname knowledge base
// (externaldeps/data/debian.txt) from Debian's Contents indexes. The output
// format is described in externaldeps/data/README.md; this command is its
// only writer. It keeps only the file names that a Linux pattern of
// externaldeps/data/sonames.txt matches, which bounds the table (about
// 50 KB instead of the 2 MB of every library name in the archive) and is
// what the knowledge base's test needs: after adding a name to
// sonames.txt, run scripts/debian-sonames.sh again.
//
// Usage (from the module root; scripts/debian-sonames.sh downloads the
// indexes and wraps it):
//
//	go run ./externaldeps/internal/debgen -suite bookworm \
//		-contents main=main-Contents-amd64.gz -contents contrib=... \
//		-out externaldeps/data [-check]
//
// With -check nothing is written: debgen exits 1 if the committed file
// differs from what it would generate from these indexes.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/libvet/libvet/externaldeps"
	"github.com/libvet/libvet/internal/datagen"
)

func main() {
	var contents []string
	suite := flag.String("suite", "", "the Debian `release` the indexes are of, for the header (bookworm)")
	triplet := flag.String("triplet", "x86_64-linux-gnu", "the multiarch `directory` name of the indexes' architecture")
	flag.Func("contents", "a Contents index as `LABEL=FILE` (gzip or plain; repeatable)", func(s string) error {
		if !strings.Contains(s, "=") {
			return fmt.Errorf("want LABEL=FILE, got %q", s)
		}
		contents = append(contents, s)
		return nil
	})
	out := flag.String("out", "", "output `directory` (externaldeps/data)")
	check := flag.Bool("check", false, "write nothing; exit 1 if the file in -out is not up to date")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: debgen -suite SUITE -contents LABEL=FILE... -out DIR [-check]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 || *suite == "" || *out == "" || len(contents) == 0 {
		flag.Usage()
		os.Exit(2)
	}

	var inputs []Input
	var from []string
	for _, c := range contents {
		label, file, _ := strings.Cut(c, "=")
		f, err := os.Open(file)
		if err != nil {
			fatalf("%v", err)
		}
		defer f.Close()
		inputs = append(inputs, Input{Label: label, Data: f})
		from = append(from, file)
	}
	data, err := Render(inputs, Options{
		Suite:   *suite,
		Triplet: *triplet,
		Keep: func(name string) bool {
			_, ok := externaldeps.LookupSoname(name, externaldeps.PlatformLinux)
			return ok
		},
	})
	if err != nil {
		fatalf("%v", err)
	}
	ok, err := datagen.Emit("debgen", filepath.Join(*out, FileName), strings.Join(from, ", "), data, *check)
	if err != nil {
		fatalf("%v", err)
	}
	if !ok {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "debgen: "+format+"\n", args...)
	os.Exit(1)
}
