package report

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/libvet/libvet/audit"
	"github.com/libvet/libvet/internal/jsonschema"
)

// sampleReports exercise every field of the document.
func sampleReports() []*audit.Report {
	return []*audit.Report{
		{
			Path: "demo-1.0-cp312-cp312-manylinux_2_17_x86_64.whl", Kind: "wheel",
			DeclaredTags: []string{"manylinux_2_17_x86_64"}, PlatformTag: "linux_x86_64",
			PlatformTags: []string{"linux_x86_64"}, SymbolTag: "manylinux_2_17_x86_64",
			Binaries: []*audit.Binary{{
				Member: "demo/_core.so", Format: audit.FormatELF, Arch: "x86_64", Machine: "EM_X86_64 64-bit LSB",
				Type: "shared-object", Extension: "_core", Libc: audit.Glibc, LibcReason: "DT_NEEDED libc.so.6",
				Soname: "_core.so", Needed: []string{"libfoo.so.1", "libc.so.6"}, RunPath: []string{"$ORIGIN"},
				Versions:    []audit.VersionNeed{{Library: "libc.so.6", Version: "GLIBC_2.17"}},
				ISA:         "x86-64-v3",
				ExecStack:   true,
				Resolutions: []audit.Resolution{{Need: "libfoo.so.1", By: audit.ByNone, Detail: "not found"}, {Need: "libc.so.6", By: audit.ByPolicy, Detail: "allowed"}},
			}},
			ExternalLibs: []audit.ExternalLib{{Soname: "libfoo.so.1", Reason: "not found", NeededBy: []string{"demo/_core.so"}},
				{Soname: "libbar.so.2", Path: "/usr/lib/libbar.so.2", Reason: "found", NeededBy: []string{"demo/_core.so"}}},
			Policies: []audit.PolicyResult{{Tag: "manylinux_2_17_x86_64", Aliases: []string{"manylinux2014_x86_64"}, Reasons: []string{"needs libfoo.so.1"}}},
			Findings: []audit.Finding{{Code: "linux/external-library", Severity: audit.Error, Member: "demo/_core.so", Message: "needs libfoo.so.1"}},
		},
		{Path: "broken.whl", DeclaredTags: []string{}, PlatformTags: []string{}, Binaries: []*audit.Binary{},
			ExternalLibs: []audit.ExternalLib{}, Policies: []audit.PolicyResult{}, Findings: []audit.Finding{}, Error: "broken.whl: not a zip archive"},
	}
}

func TestJSONMatchesSchema(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteJSON(&buf, "test", sampleReports()); err != nil {
		t.Fatal(err)
	}
	errs, err := jsonschema.Validate(Schema, buf.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if len(errs) > 0 {
		t.Errorf("output does not match schema.json:\n%s", strings.Join(errs, "\n"))
	}
	if !strings.Contains(buf.String(), `"path": null`) {
		t.Errorf("an external library that was not found must have \"path\": null:\n%s", buf.String())
	}
}

// TestSchemaValidatorRejects guards the validator itself.
func TestSchemaValidatorRejects(t *testing.T) {
	for name, doc := range map[string]string{
		"missing artifacts": `{"schema_version":"1","tool":{"name":"libvet","version":"x"}}`,
		"wrong version":     `{"schema_version":"2","tool":{"name":"libvet","version":"x"},"artifacts":[]}`,
		"extra field":       `{"schema_version":"1","tool":{"name":"libvet","version":"x"},"artifacts":[],"x":1}`,
	} {
		errs, err := jsonschema.Validate(Schema, []byte(doc))
		if err != nil {
			t.Fatal(err)
		}
		if len(errs) == 0 {
			t.Errorf("%s: validator accepted %s", name, doc)
		}
	}
}

func TestTextNoColorWithoutTerminal(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteText(&buf, sampleReports(), TextOptions{}); err != nil {
		t.Fatal(err)
	}
	if strings.Contains(buf.String(), "\x1b[") {
		t.Errorf("colour codes without Color:\n%s", buf.String())
	}
	for _, want := range []string{"why not a more compatible tag", "external libraries (2)", "libfoo.so.1  not found", "error: broken.whl: not a zip archive"} {
		if !strings.Contains(buf.String(), want) {
			t.Errorf("text output lacks %q:\n%s", want, buf.String())
		}
	}
}

// TestTextNamesPrintable: a name with escape sequences (even libvet's own
// colour codes) is written made printable, with colour on or off; only
// the colours the report adds remain.
func TestTextNamesPrintable(t *testing.T) {
	reports := sampleReports()
	reports[0].Path = "evil\x1b[31m\x1b]0;title\x07.whl"
	for _, color := range []bool{false, true} {
		var buf bytes.Buffer
		if err := WriteText(&buf, reports, TextOptions{Color: color}); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(buf.String(), "\x1b]") || strings.Contains(buf.String(), "evil\x1b") || strings.Contains(buf.String(), "\x07") {
			t.Errorf("color %v: an escape sequence of a name reached the output:\n%q", color, buf.String())
		}
		if !strings.Contains(buf.String(), "evil\ufffd[31m\ufffd]0;title\ufffd.whl") {
			t.Errorf("color %v: the name is not shown made printable:\n%q", color, buf.String())
		}
		if color && !strings.Contains(buf.String(), bold) {
			t.Errorf("the report's own colours are gone:\n%q", buf.String())
		}
	}
}

func TestEncodeJSON(t *testing.T) {
	var buf bytes.Buffer
	if err := EncodeJSON(&buf, map[string]string{"cmd": "a && b <c>", "name": "x\u202ey\u0085z\x1b"}); err != nil {
		t.Fatal(err)
	}
	want := "{\n  \"cmd\": \"a && b <c>\",\n  \"name\": \"x\\u202ey\\u0085z\\u001b\"\n}\n"
	if buf.String() != want {
		t.Errorf("got %q, want %q", buf.String(), want)
	}
	var back map[string]string
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil || back["name"] != "x\u202ey\u0085z\x1b" {
		t.Errorf("does not decode back: %v %q", err, back)
	}
}
