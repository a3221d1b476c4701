package externaldeps

import (
	"fmt"
	"strings"
	"unicode"
)

// This file holds what the loaders of the package's embedded data share:
// data/sonames.txt (sonames.go), data/debian.txt (sonames.go) and
// data/pep804/*.txt (mapping.go). The formats are described in
// data/README.md. Every file is line-oriented text: blank lines and lines
// starting with '#' are ignored; the first other line names the format and
// its version; every later line is a keyword followed by fields separated
// by white space. Some keywords end with free text (a description, a
// package specifier with spaces): the text after their fixed fields, as
// written.

// dataFileError is a problem in one of the package's data files, with its
// position.
type dataFileError struct {
	File string // relative to the module root: externaldeps/data/sonames.txt
	Line int
	Msg  string
}

func (e *dataFileError) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// dataLine is one line of a data file that says something.
type dataLine struct {
	num    int
	fields []string
	text   string // the line without leading and trailing white space
}

// errorf returns a *dataFileError at the line.
func (l dataLine) errorf(file, format string, args ...any) error {
	return &dataFileError{file, l.num, fmt.Sprintf(format, args...)}
}

// rest returns the line's text after its first n fields, without leading
// white space, or "" when the line has n fields or fewer. Inner white
// space is kept as written.
func (l dataLine) rest(n int) string {
	s := l.text
	for range n {
		s = strings.TrimLeftFunc(s, unicode.IsSpace)
		i := strings.IndexFunc(s, unicode.IsSpace)
		if i < 0 {
			return ""
		}
		s = s[i:]
	}
	return strings.TrimLeftFunc(s, unicode.IsSpace)
}

// dataLines splits a data file into the lines that say something, after
// checking that the first of them is the format line (another version of
// the same format is reported as unsupported). file names the data in
// messages.
func dataLines(file string, data []byte, format string) ([]dataLine, error) {
	var out []dataLine
	sawFormat := false
	for i, raw := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		l := dataLine{num: i + 1, fields: strings.Fields(text), text: text}
		if sawFormat {
			out = append(out, l)
			continue
		}
		if strings.Join(l.fields, " ") != format {
			if len(l.fields) == 2 && l.fields[0] == strings.Fields(format)[0] {
				return nil, l.errorf(file, "unsupported format version %s (this libvet reads %q)", l.fields[1], format)
			}
			return nil, l.errorf(file, "want the format line %q first, got %q", format, text)
		}
		sawFormat = true
	}
	if !sawFormat {
		return nil, &dataFileError{file, 1, fmt.Sprintf("no format line %q", format)}
	}
	return out, nil
}

// mustLoad returns v, or panics with err, which carries file:line. The
// embedded files are part of the build and the loader tests prove they
// load, so the panic can only be reached by a build whose data was edited
// without running the tests.
func mustLoad[T any](v T, err error) T {
	if err != nil {
		panic("externaldeps: embedded data: " + err.Error())
	}
	return v
}
