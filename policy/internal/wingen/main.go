// Command wingen builds libvet's embedded Windows data
// (policy/data/windows.txt) from the system DLL facts extracted from
// delvewheel's _dll_list.py. The output format is described in
// policy/doc.go; this command is its only writer.
//
// Usage (from the module root; scripts/refresh-policy.sh wraps it):
//
//	go run ./policy/internal/wingen \
//		-windows ../shared/reference/windows-system-dlls.json \
//		-out policy/data [-check]
//
// With -check nothing is written: wingen exits 1 if the committed file
// differs from what it would generate.
//
// The input is validated strictly: unknown or missing keys, duplicate or
// upper-case DLL names, tokens the line format cannot carry, an
// ignore_regexes entry without a known class, and a regex outside the subset
// of Python's re that has the same meaning in Go's RE2 are all errors,
// reported with the input file name. The regexes are translated to RE2
// (Python's \d, a Unicode decimal digit, becomes \p{Nd}), and the rules
// whose order the JSON does not keep must not overlap on a sample of names
// and tags.
package main

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"github.com/libvet/libvet/internal/datagen"
)

func main() {
	windows := flag.String("windows", "", "`windows-system-dlls.json` to convert")
	out := flag.String("out", "", "output `directory` (policy/data)")
	check := flag.Bool("check", false, "write nothing; exit 1 if the file in -out is not up to date")
	flag.Usage = func() {
		fmt.Fprintf(flag.CommandLine.Output(), "usage: wingen -windows FILE -out DIR [-check]\n")
		flag.PrintDefaults()
	}
	flag.Parse()
	if flag.NArg() != 0 || *out == "" || *windows == "" {
		flag.Usage()
		os.Exit(2)
	}

	src, err := os.ReadFile(*windows)
	if err != nil {
		fatalf("%v", err)
	}
	data, err := Render(src)
	if err != nil {
		fatalf("%s: %v", *windows, err)
	}
	ok, err := datagen.Emit("wingen", filepath.Join(*out, FileName), *windows, data, *check)
	if err != nil {
		fatalf("%v", err)
	}
	if !ok {
		os.Exit(1)
	}
}

func fatalf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "wingen: "+format+"\n", args...)
	os.Exit(1)
}
