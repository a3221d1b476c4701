// Package report renders audit reports: text for people, versioned JSON
// for programs. The JSON document is described by schema.json in this
// directory; [SchemaVersion] changes whenever a field changes meaning or
// disappears (adding a field does not change it).
package report

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
	"strings"

	"github.com/libvet/libvet/audit"
)

// SchemaVersion is the version of the JSON document.
//
// Changes:
//   - 1: first version.
const SchemaVersion = "1"

// Schema is the JSON Schema (draft 2020-12) of the JSON document.
//
//go:embed schema.json
var Schema []byte

// Document is the JSON output of libvet show and libvet check.
type Document struct {
	SchemaVersion string          `json:"schema_version"`
	Tool          Tool            `json:"tool"`
	Artifacts     []*audit.Report `json:"artifacts"`
}

// Tool names the program that wrote a document.
type Tool struct {
	Name    string `json:"name"`
	Version string `json:"version"`
}

// WriteJSON writes the reports as one JSON document.
func WriteJSON(w io.Writer, version string, reports []*audit.Report) error {
	return EncodeJSON(w, Document{SchemaVersion: SchemaVersion, Tool: Tool{Name: "libvet", Version: version}, Artifacts: reports})
}

// EncodeJSON writes v as indented JSON, as every libvet JSON output is
// written: "&", "<" and ">" as they are (install commands hold "&&"),
// and the characters that could steer a terminal (C1 controls,
// bidirectional overrides; encoding/json escapes only C0 ones) as
// \uXXXX escapes, which are valid only inside strings, where they are.
func EncodeJSON(w io.Writer, v any) error {
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return err
	}
	out := b.String()
	if strings.ContainsFunc(out, escapeInJSON) {
		var e strings.Builder
		for _, r := range out {
			if escapeInJSON(r) {
				fmt.Fprintf(&e, "\\u%04x", r)
				continue
			}
			e.WriteRune(r)
		}
		out = e.String()
	}
	_, err := io.WriteString(w, out)
	return err
}

// escapeInJSON reports the runes EncodeJSON escapes: C1 controls and
// the bidirectional overrides and isolates.
func escapeInJSON(r rune) bool {
	return r >= 0x80 && r <= 0x9f || r >= 0x202a && r <= 0x202e || r >= 0x2066 && r <= 0x2069
}
