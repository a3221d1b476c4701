// Command mapdump is conformance/pyproject_external_map.sh's view of
// externaldeps.Map: it reads "ECOSYSTEM DEPURL" lines from stdin and writes
// one JSON object per line to stdout:
//
//	{"ecosystem": "ubuntu", "depurl": "dep:generic/zlib", "outcome": "ok",
//	 "canonical": "dep:generic/zlib", "packages": ["zlib1g"], "alternatives": [],
//	 "manager": "apt", "command": "sudo apt install --yes zlib1g"}
//	{"ecosystem": "pypi", "depurl": "dep:generic/zlib", "outcome": "no-package", "error": "..."}
//
// outcome is ok, no-mapping (ErrNoMapping), no-package (ErrNoPackage),
// unknown-ecosystem (ErrUnknownEcosystem) or error (anything else, such
// as a DepURL that does not parse). Empty lines and lines starting with
// '#' are skipped.
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strings"

	"github.com/libvet/libvet/externaldeps"
)

type result struct {
	Ecosystem    string     `json:"ecosystem"`
	DepURL       string     `json:"depurl"`
	Outcome      string     `json:"outcome"`
	Canonical    string     `json:"canonical,omitempty"`
	Packages     []string   `json:"packages,omitempty"`
	Via          string     `json:"via,omitempty"`
	Alternatives [][]string `json:"alternatives"`
	Manager      string     `json:"manager,omitempty"`
	Command      string     `json:"command,omitempty"`
	Error        string     `json:"error,omitempty"`
}

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "mapdump:", err)
		os.Exit(1)
	}
}

func run() error {
	in := bufio.NewScanner(os.Stdin)
	out := bufio.NewWriter(os.Stdout)
	enc := json.NewEncoder(out)
	enc.SetEscapeHTML(false)
	for in.Scan() {
		line := strings.TrimSpace(in.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		eco, dep, ok := strings.Cut(line, " ")
		if !ok {
			return fmt.Errorf("want ECOSYSTEM DEPURL, got %q", line)
		}
		dep = strings.TrimSpace(dep)
		r := result{Ecosystem: eco, DepURL: dep, Alternatives: [][]string{}}
		m, err := externaldeps.Map(dep, eco)
		switch {
		case err == nil:
			r.Outcome, r.Canonical, r.Packages, r.Via, r.Manager, r.Command = "ok", m.DepURL, m.Packages, m.Via, m.Manager, m.Command
			for _, a := range m.Alternatives {
				r.Alternatives = append(r.Alternatives, a.Packages)
			}
		case errors.Is(err, externaldeps.ErrNoMapping):
			r.Outcome = "no-mapping"
		case errors.Is(err, externaldeps.ErrNoPackage):
			r.Outcome = "no-package"
		case errors.Is(err, externaldeps.ErrUnknownEcosystem):
			r.Outcome = "unknown-ecosystem"
		default:
			r.Outcome = "error"
		}
		if err != nil {
			r.Error = err.Error()
		}
		if err := enc.Encode(r); err != nil {
			return err
		}
	}
	if err := in.Err(); err != nil {
		return err
	}
	return out.Flush()
}
