// Command xzfloor decodes an .xz file with github.com/ulikunitz/xz (the
// decoder libvet uses) and discards the output: the time below which
// libvet cannot read an xz-compressed .deb. bench/packages.sh runs it.
package main

import (
	"bufio"
	"fmt"
	"io"
	"os"

	"github.com/ulikunitz/xz"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: xzfloor FILE.xz")
		os.Exit(2)
	}
	f, err := os.Open(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, "xzfloor:", err)
		os.Exit(1)
	}
	r, err := xz.NewReader(bufio.NewReader(f))
	if err == nil {
		_, err = io.Copy(io.Discard, r)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "xzfloor:", err)
		os.Exit(1)
	}
}
