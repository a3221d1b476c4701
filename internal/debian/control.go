package debian

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/libvet/libvet/internal/binio"
)

// MaxLineLength is the longest line the parsers accept.
const MaxLineLength = 1 << 20

// A SyntaxError is a malformed line of a Debian file.
type SyntaxError struct {
	// File names the file, as the caller gave it ("var/lib/dpkg/status").
	File string
	// Line is the 1-based line number.
	Line int
	// Msg says what is wrong.
	Msg string
}

func (e *SyntaxError) Error() string {
	if e.File == "" {
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return fmt.Sprintf("%s:%d: %s", e.File, e.Line, e.Msg)
}

// A Field is one field of a deb822 paragraph.
type Field struct {
	// Name is the field name as written; names compare case-insensitively.
	Name string
	// Value is the text after the colon without the whitespace around
	// it. Each continuation line follows after a newline, as written
	// (with its leading space or tab) but without trailing whitespace,
	// so folded fields (Depends) and multiline fields (Description,
	// Conffiles) both keep everything they said.
	Value string
	// Line is the line of the field name.
	Line int
}

// A Paragraph is one deb822 stanza: its fields in file order.
type Paragraph struct {
	// Line is the line of the first field.
	Line   int
	Fields []Field
}

// Field returns the field called name (compared case-insensitively).
func (p *Paragraph) Field(name string) (Field, bool) {
	for _, f := range p.Fields {
		if strings.EqualFold(f.Name, name) {
			return f, true
		}
	}
	return Field{}, false
}

// Value returns the value of the field called name, "" when it is absent.
func (p *Paragraph) Value(name string) string {
	f, _ := p.Field(name)
	return f.Value
}

// A Reader reads the paragraphs of a deb822 file (deb822(5)) one at a
// time: control files, dpkg's status file, .changes and .dsc files.
//
// Paragraphs are separated by lines that are empty or hold only spaces
// and tabs. A field name is printable US-ASCII without spaces or colons
// and does not start with '#' or '-'; a stanza holds each name once.
// Continuation lines start with a space or a tab.
type Reader struct {
	// Comments allows comment lines (a '#' in the first column), which
	// deb822(5) permits only in debian/control and deb-origin(5) files.
	// They are skipped, even between continuation lines.
	Comments bool

	name string
	sc   *bufio.Scanner
	line int
	err  error
	seen map[string]int // lowercased field name → line, for one paragraph
	cont []string       // continuation lines of the last field
}

// NewReader returns a Reader of r; name is used in errors.
func NewReader(r io.Reader, name string) *Reader {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64<<10), MaxLineLength)
	return &Reader{name: name, sc: sc, seen: map[string]int{}}
}

// ParseControl returns every paragraph of a deb822 file without comment
// lines (a binary control file, dpkg's status file). On a syntax error
// it returns the paragraphs before it and the error.
func ParseControl(data []byte, name string) ([]Paragraph, error) {
	r := NewReader(bytes.NewReader(data), name)
	var ps []Paragraph
	for {
		p, err := r.Next()
		if err == io.EOF {
			return ps, nil
		}
		if err != nil {
			return ps, err
		}
		ps = append(ps, *p)
	}
}

func (r *Reader) errorf(format string, args ...any) error {
	r.err = &SyntaxError{File: r.name, Line: r.line, Msg: fmt.Sprintf(format, args...)}
	return r.err
}

// Next returns the next paragraph, or io.EOF after the last one. After
// an error it keeps returning that error.
func (r *Reader) Next() (*Paragraph, error) {
	if r.err != nil {
		return nil, r.err
	}
	var p *Paragraph
	clear(r.seen)
	r.cont = r.cont[:0]
	for r.sc.Scan() {
		r.line++
		line := strings.TrimRight(r.sc.Text(), " \t\r")
		switch {
		case r.Comments && strings.HasPrefix(line, "#"):
			continue
		case strings.TrimLeft(line, " \t") == "":
			if p != nil {
				r.finish(p)
				return p, nil
			}
			continue
		case line[0] == ' ' || line[0] == '\t':
			if p == nil {
				return nil, r.errorf("continuation line %q does not follow a field", clip(line))
			}
			r.cont = append(r.cont, line)
			continue
		}
		colon := strings.IndexByte(line, ':')
		if colon < 0 {
			if line[0] == '#' {
				return nil, r.errorf("comment lines are not allowed in this file")
			}
			return nil, r.errorf("line %q is not a field (no ':' after the field name)", clip(line))
		}
		name := line[:colon]
		if err := checkFieldName(name, r.Comments); err != "" {
			return nil, r.errorf("%s", err)
		}
		key := strings.ToLower(name)
		if first, dup := r.seen[key]; dup {
			return nil, r.errorf("duplicate field %q (first on line %d)", name, first)
		}
		r.seen[key] = r.line
		if p == nil {
			p = &Paragraph{Line: r.line}
		} else {
			r.finish(p)
		}
		p.Fields = append(p.Fields, Field{Name: name, Value: strings.Trim(line[colon+1:], " \t"), Line: r.line})
	}
	if err := r.sc.Err(); err != nil {
		r.line++
		if errors.Is(err, bufio.ErrTooLong) {
			return nil, r.errorf("line longer than %d bytes", MaxLineLength)
		}
		r.err = fmt.Errorf("%s: %w", r.name, err)
		return nil, r.err
	}
	if p != nil {
		r.finish(p)
		return p, nil
	}
	r.err = io.EOF
	return nil, io.EOF
}

// finish appends the pending continuation lines to p's last field.
func (r *Reader) finish(p *Paragraph) {
	if len(r.cont) == 0 {
		return
	}
	f := &p.Fields[len(p.Fields)-1]
	f.Value += "\n" + strings.Join(r.cont, "\n")
	r.cont = r.cont[:0]
}

// checkFieldName returns what is wrong with a field name, or "".
func checkFieldName(name string, comments bool) string {
	if name == "" {
		return "empty field name"
	}
	switch name[0] {
	case '-':
		return fmt.Sprintf("field name %q starts with '-'", clip(name))
	case '#':
		if !comments {
			return "comment lines are not allowed in this file"
		}
		return fmt.Sprintf("field name %q starts with '#'", clip(name))
	}
	for i := 0; i < len(name); i++ {
		if c := name[i]; c < 0x21 || c > 0x7e {
			return fmt.Sprintf("field name %q contains %q (only printable US-ASCII without spaces)", clip(name), c)
		}
	}
	return ""
}

// clip shortens s for a message (binio.Clip).
func clip(s string) string { return binio.Clip(s, 60) }
