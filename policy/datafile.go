package policy

import (
	"fmt"
	"strings"
)

// dataError is a problem in one of libvet's data files, with its position.
type dataError struct {
	File string // path relative to the module root: policy/data/manylinux.txt
	Line int
	Msg  string
}

func (e *dataError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// dataRecord is one line of a data file that says something: its
// number and its whitespace-separated fields.
type dataRecord struct {
	line   int
	fields []string
}

// errorf returns a *dataError at the record's line.
func (r dataRecord) errorf(path, format string, args ...any) error {
	return &dataError{path, r.line, fmt.Sprintf(format, args...)}
}

// dataRecords splits a data file into records: every line that is
// neither blank nor a "#" comment, after the first such line, which must
// be the format line (another version of the same format is reported as
// unsupported).
func dataRecords(path string, data []byte, format string) ([]dataRecord, error) {
	var out []dataRecord
	sawHeader := false
	for i, raw := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		r := dataRecord{i + 1, strings.Fields(text)}
		if sawHeader {
			out = append(out, r)
			continue
		}
		if strings.Join(r.fields, " ") != format {
			if len(r.fields) == 2 && r.fields[0] == strings.Fields(format)[0] {
				return nil, r.errorf(path, "unsupported format version %s (this libvet reads %q)", r.fields[1], format)
			}
			return nil, r.errorf(path, "want the format line %q first, got %q", format, text)
		}
		sawHeader = true
	}
	if !sawHeader {
		return nil, &dataError{path, 1, fmt.Sprintf("no format line %q", format)}
	}
	return out, nil
}

// mustData returns v, or panics with err, which carries file:line. The
// embedded data is checked by the tests, so the panic can only be reached
// by a build whose data was edited without running them.
func mustData[T any](v T, err error) T {
	if err != nil {
		panic("policy: embedded data: " + err.Error())
	}
	return v
}
