// Package datafile reads libvet's own line-oriented data format, the
// format of every embedded data file (policy/data/*.txt,
// externaldeps/data/*.txt): blank lines and lines starting with '#' are
// ignored; the first other line names the format and its version; every
// later line is a keyword followed by fields separated by white space,
// some ending with free text (see [Line.Rest]).
package datafile

import (
	"fmt"
	"strings"
	"unicode"
)

// Error is a problem in a data file, with its position.
type Error struct {
	File string // relative to the module root: policy/data/manylinux.txt
	Line int
	Msg  string
}

// Error returns "FILE:LINE: MSG".
func (e *Error) Error() string {
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// Line is one line of a data file that says something.
type Line struct {
	Num    int      // 1-based line number
	Fields []string // the white-space separated fields
	Text   string   // the line without leading and trailing white space
}

// Errorf returns an *Error at the line.
func (l Line) Errorf(file, format string, args ...any) error {
	return &Error{file, l.Num, fmt.Sprintf(format, args...)}
}

// Rest returns the line's text after its first n fields, without leading
// white space, or "" when the line has n fields or fewer. Inner white
// space is kept as written.
func (l Line) Rest(n int) string {
	s := l.Text
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

// Lines splits a data file into the lines that say something, after
// checking that the first of them is the format line (another version of
// the same format is reported as unsupported). file names the data in
// messages.
func Lines(file string, data []byte, format string) ([]Line, error) {
	var out []Line
	sawFormat := false
	for i, raw := range strings.Split(string(data), "\n") {
		text := strings.TrimSpace(raw)
		if text == "" || strings.HasPrefix(text, "#") {
			continue
		}
		l := Line{Num: i + 1, Fields: strings.Fields(text), Text: text}
		if sawFormat {
			out = append(out, l)
			continue
		}
		if strings.Join(l.Fields, " ") != format {
			if len(l.Fields) == 2 && l.Fields[0] == strings.Fields(format)[0] {
				return nil, l.Errorf(file, "unsupported format version %s (this libvet reads %q)", l.Fields[1], format)
			}
			return nil, l.Errorf(file, "want the format line %q first, got %q", format, text)
		}
		sawFormat = true
	}
	if !sawFormat {
		return nil, &Error{file, 1, fmt.Sprintf("no format line %q", format)}
	}
	return out, nil
}

// Must returns v, or panics with err (which carries file:line), naming
// pkg. Embedded data is part of the build and loader tests prove it
// loads, so the panic is reached only by a build whose data was edited
// without running them.
func Must[T any](pkg string, v T, err error) T {
	if err != nil {
		panic(pkg + ": embedded data: " + err.Error())
	}
	return v
}
