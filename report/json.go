// Package report renders audit reports: text for people, versioned JSON
// for programs. The JSON document is described by schema.json in this
// directory; [SchemaVersion] changes whenever a field changes meaning or
// disappears (adding a field does not change it).
package report

import (
	_ "embed"
	"encoding/json"
	"io"

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
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	enc.SetEscapeHTML(false)
	return enc.Encode(Document{SchemaVersion: SchemaVersion, Tool: Tool{Name: "libvet", Version: version}, Artifacts: reports})
}
