// Command depurl is conformance/pyproject_external.sh's view of libvet's
// DepURL parser: it reads external dependency specifiers from stdin, one
// per line, and writes one JSON object per line to stdout:
//
//	{"input": "...", "ok": true, "canonical": "dep:generic/openssl"}
//	{"input": "...", "ok": false, "error": "...: unknown virtual namespace ..."}
//
// Each line is parsed with externaldeps.ParseRequirement (a DepURL and an
// optional "; marker"); canonical is the Requirement's String. Empty lines
// and lines starting with '#' are skipped.
package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"strings"

	"github.com/libvet/libvet/externaldeps"
)

type result struct {
	Input     string `json:"input"`
	OK        bool   `json:"ok"`
	Canonical string `json:"canonical,omitempty"`
	Error     string `json:"error,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "depurl:", err)
		os.Exit(1)
	}
}

func run() error {
	in := bufio.NewScanner(os.Stdin)
	in.Buffer(make([]byte, 0, 64<<10), 1<<20)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		line := strings.TrimSuffix(in.Text(), "\r")
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		res := result{Input: line}
		if r, err := externaldeps.ParseRequirement(line); err != nil {
			res.Error = err.Error()
		} else {
			res.OK, res.Canonical = true, r.String()
		}
		if err := enc.Encode(res); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return fmt.Errorf("read stdin: %w", err)
	}
	return out.Flush()
}
