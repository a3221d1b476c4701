package artifact

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"unicode"

	"github.com/libvet/libvet/internal/pyname"
)

// Wheel is what a wheel's file name and its .dist-info directory say
// about it.
type Wheel struct {
	// From the file name (PEP 427: NAME-VERSION[-BUILD]-PY-ABI-PLATFORM.whl).
	Name, Version, Build string
	// The file name's tags, compressed tag sets ("py2.py3") expanded, in
	// file name order.
	PythonTags, ABITags, PlatformTags []string

	// DistInfo is the "NAME-VERSION.dist-info" directory read.
	DistInfo string

	// From DistInfo/WHEEL.
	WheelVersion  string
	Generator     string
	RootIsPurelib bool
	Tags          []string // "Tag:" lines, in order

	// Record holds the rows of DistInfo/RECORD, or nil when the wheel has
	// none (a [Problem], not an error).
	Record []RecordEntry
}

// RecordRow is a [RecordEntry] with the line it is on.
type RecordRow struct {
	RecordEntry
	Line int
}

// ParseRecord parses a RECORD file (PEP 376: CSV rows of path, hash,
// size), of a wheel or of an installed distribution. A row with other
// than three fields or a bad size is kept as best it can be and reported
// to problem with its line; a CSV syntax error ends the parse: the rows
// before it are returned with the error, which names the line.
func ParseRecord(data []byte, problem func(line int, msg string)) ([]RecordRow, error) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	cr.ReuseRecord = true
	var rows []RecordRow
	for {
		row, err := cr.Read()
		if err == io.EOF {
			return rows, nil
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			return rows, fmt.Errorf("line %d: %w", line, err)
		}
		if len(row) != 3 {
			problem(line, fmt.Sprintf("has %d fields, want 3 (path,hash,size)", len(row)))
			if len(row) < 3 {
				row = append(row, "", "")
			}
		}
		e := RecordEntry{Path: row[0], Hash: row[1], Size: -1}
		if row[2] != "" {
			if n, err := strconv.ParseInt(row[2], 10, 64); err == nil && n >= 0 {
				e.Size = n
			} else {
				problem(line, fmt.Sprintf("bad size %q", row[2]))
			}
		}
		rows = append(rows, RecordRow{e, line})
	}
}

// RecordEntry is one row of a wheel's RECORD file.
type RecordEntry struct {
	Path string // as written, slash-separated
	Hash string // "sha256=<urlsafe-base64>", or "" (RECORD itself, .pyc files)
	Size int64  // -1 when the row has no size
}

// FileTags returns the tags the file name declares: every combination
// of its Python, ABI and platform tags, as "py-abi-platform" strings, in
// file name order.
func (w *Wheel) FileTags() []string {
	var tags []string
	for _, py := range w.PythonTags {
		for _, abi := range w.ABITags {
			for _, plat := range w.PlatformTags {
				tags = append(tags, py+"-"+abi+"-"+plat)
			}
		}
	}
	return tags
}

// ParseWheelFilename parses a wheel file name (the base name of path) as
// PEP 427 defines it. Errors are [*Error] values wrapping
// [ErrBadFilename].
func ParseWheelFilename(path string) (*Wheel, error) {
	w, err := parseWheelFilename(filepath.Base(path))
	if err != nil {
		return nil, &Error{Artifact: path, Err: err}
	}
	return w, nil
}

const wheelNameForm = "NAME-VERSION[-BUILD]-PYTHON-ABI-PLATFORM.whl, PEP 427"

func parseWheelFilename(base string) (*Wheel, error) {
	if len(base) < 4 || !strings.EqualFold(base[len(base)-4:], ".whl") {
		return nil, reasonf(ErrBadFilename, "invalid wheel filename: does not end in .whl")
	}
	parts := strings.Split(base[:len(base)-4], "-")
	if len(parts) != 5 && len(parts) != 6 {
		return nil, reasonf(ErrBadFilename, "invalid wheel filename: %d dash-separated fields, want 5 or 6 (%s)", len(parts), wheelNameForm)
	}
	w := &Wheel{Name: parts[0], Version: parts[1]}
	if w.Name == "" || strings.IndexFunc(w.Name, func(r rune) bool { return !(r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r)) }) >= 0 {
		return nil, reasonf(ErrBadFilename, "invalid wheel filename: bad project name %q (%s)", w.Name, wheelNameForm)
	}
	if w.Version == "" || strings.IndexFunc(w.Version, func(r rune) bool { return !(isAlnum(r) || strings.ContainsRune(".+!_", r)) }) >= 0 {
		return nil, reasonf(ErrBadFilename, "invalid wheel filename: bad version %q (%s)", w.Version, wheelNameForm)
	}
	if len(parts) == 6 {
		w.Build = parts[2]
		if w.Build == "" || w.Build[0] < '0' || w.Build[0] > '9' || strings.IndexFunc(w.Build, func(r rune) bool { return !(isAlnum(r) || r == '_' || r == '.') }) >= 0 {
			return nil, reasonf(ErrBadFilename, "invalid wheel filename: bad build tag %q (must start with a digit)", w.Build)
		}
		parts = parts[1:]
	}
	for i, dst := range []*[]string{&w.PythonTags, &w.ABITags, &w.PlatformTags} {
		field := parts[2+i]
		for tag := range strings.SplitSeq(field, ".") {
			if tag == "" || strings.IndexFunc(tag, func(r rune) bool { return !(isAlnum(r) || r == '_') }) >= 0 {
				return nil, reasonf(ErrBadFilename, "invalid wheel filename: bad %s tag %q (%s)", [...]string{"Python", "ABI", "platform"}[i], field, wheelNameForm)
			}
			*dst = append(*dst, tag)
		}
	}
	return w, nil
}

func isAlnum(r rune) bool {
	return 'a' <= r && r <= 'z' || 'A' <= r && r <= 'Z' || '0' <= r && r <= '9'
}

// matches reports whether dir ("name-1.0.dist-info") is the dist-info
// directory of w.
func (w *Wheel) matches(dir string) bool {
	name, version, ok := strings.Cut(strings.TrimSuffix(dir, ".dist-info"), "-")
	return ok && pyname.Normalize(name) == pyname.Normalize(w.Name) && strings.EqualFold(version, w.Version)
}

// openWheel parses the file name, picks the .dist-info directory and
// reads WHEEL and RECORD.
func (a *Artifact) openWheel() error {
	w, err := parseWheelFilename(filepath.Base(a.Path))
	if err != nil {
		return a.fail("", err)
	}
	want := w.Name + "-" + w.Version + ".dist-info"

	var dirs []string
	for _, m := range a.members {
		top, _, ok := strings.Cut(m.Path, "/")
		// Members are sorted by path: one directory's members are adjacent.
		if ok && strings.HasSuffix(top, ".dist-info") && (len(dirs) == 0 || dirs[len(dirs)-1] != top) {
			dirs = append(dirs, top)
		}
	}
	switch len(dirs) {
	case 0:
		return a.fail("", reasonf(ErrNoWheelFile, "no %s/WHEEL file; not a valid wheel (PEP 427)", want))
	case 1:
		w.DistInfo = dirs[0]
		if !w.matches(w.DistInfo) {
			a.problem(w.DistInfo, "does not match the wheel's file name (want %s)", want)
		}
	default:
		var match []string
		for _, d := range dirs {
			if w.matches(d) {
				match = append(match, d)
			}
		}
		if len(match) != 1 {
			return a.fail("", reasonf(ErrBadWheelFile, "%d .dist-info directories (%s) and %d of them match the file name; cannot tell which describes this wheel", len(dirs), strings.Join(dirs, ", "), len(match)))
		}
		w.DistInfo = match[0]
		a.seriousProblem("", "%d .dist-info directories (%s); using %s (pip refuses such wheels)", len(dirs), strings.Join(dirs, ", "), w.DistInfo)
	}

	wm := a.Member(w.DistInfo + "/WHEEL")
	if wm == nil {
		return a.fail("", reasonf(ErrNoWheelFile, "no %s/WHEEL file; not a valid wheel (PEP 427)", w.DistInfo))
	}
	data, err := wm.ReadAll(a.lim.MaxMetadataSize)
	if err != nil {
		return err
	}
	if err := w.parseWheelFile(data, func(msg string) { a.problem(wm.Path, "%s", msg) }); err != nil {
		return a.fail(wm.Path, err)
	}
	a.checkTags(w, wm.Path)

	if a.Member(w.DistInfo+"/METADATA") == nil {
		a.problem(w.DistInfo+"/METADATA", "missing; every wheel must have one (PEP 427)")
	}
	a.readRecord(w)
	a.Wheel = w
	return nil
}

// parseWheelFile reads the "Key: value" lines of a WHEEL file.
func (w *Wheel) parseWheelFile(data []byte, problem func(string)) error {
	var purelib *string
	seen := map[string]bool{}
	var last *string
	for i, line := range strings.Split(string(data), "\n") {
		line = strings.TrimSuffix(line, "\r")
		if strings.TrimSpace(line) == "" {
			break // the headers end at the first blank line
		}
		if line[0] == ' ' || line[0] == '\t' {
			if last != nil {
				*last += " " + strings.TrimSpace(line)
			}
			continue
		}
		key, value, ok := strings.Cut(line, ":")
		if !ok {
			problem(fmt.Sprintf("line %d is not a 'Key: value' header", i+1))
			last = nil
			continue
		}
		key, value = strings.ToLower(strings.TrimSpace(key)), strings.TrimSpace(value)
		// Tag repeats by design; repair tools (delocate, delvewheel)
		// append their own Generator line.
		if seen[key] && key != "tag" && key != "generator" {
			problem(fmt.Sprintf("repeats the %s header; using the first", key))
			last = nil
			continue
		}
		seen[key] = true
		switch key {
		case "wheel-version":
			w.WheelVersion = value
			last = &w.WheelVersion
		case "generator":
			w.Generator = value
			last = &w.Generator
		case "root-is-purelib":
			purelib = &value
			last = purelib
		case "tag":
			w.Tags = append(w.Tags, value)
			last = &w.Tags[len(w.Tags)-1]
		default:
			last = nil
		}
	}
	if w.WheelVersion == "" {
		return reasonf(ErrBadWheelFile, "invalid WHEEL file: no Wheel-Version header")
	}
	major, minor, ok := strings.Cut(w.WheelVersion, ".")
	maj, err1 := strconv.Atoi(major)
	mnr, err2 := strconv.Atoi(minor)
	if !ok || err1 != nil || err2 != nil || maj < 0 || mnr < 0 {
		return reasonf(ErrBadWheelFile, "invalid WHEEL file: bad Wheel-Version %q (want MAJOR.MINOR)", w.WheelVersion)
	}
	if maj != 1 {
		return reasonf(ErrBadWheelFile, "invalid WHEEL file: Wheel-Version %s is not supported (only 1.x is)", w.WheelVersion)
	}
	if mnr > 0 {
		problem(fmt.Sprintf("Wheel-Version %s is newer than 1.0, the version libvet knows", w.WheelVersion))
	}
	if purelib == nil {
		return reasonf(ErrBadWheelFile, "invalid WHEEL file: no Root-Is-Purelib header")
	}
	switch strings.ToLower(*purelib) {
	case "true":
		w.RootIsPurelib = true
	case "false":
	default:
		return reasonf(ErrBadWheelFile, "invalid WHEEL file: Root-Is-Purelib is %q, want true or false", *purelib)
	}
	return nil
}

// maxTagCheck bounds the tag combinations compared with WHEEL's Tag
// lines; a file name with hundreds of tags is not worth checking.
const maxTagCheck = 4096

// checkTags compares the WHEEL file's Tag lines with the file name's
// tags.
func (a *Artifact) checkTags(w *Wheel, member string) {
	if len(w.Tags) == 0 {
		a.problem(member, "has no Tag lines")
		return
	}
	if len(w.PythonTags)*len(w.ABITags)*len(w.PlatformTags) > maxTagCheck {
		return
	}
	file := w.FileTags()
	for _, t := range file {
		if !slices.Contains(w.Tags, t) {
			a.problem(member, "has no Tag line for %s, which the file name declares", t)
		}
	}
	for _, t := range w.Tags {
		if !slices.Contains(file, t) {
			a.problem(member, "declares Tag %s, which the file name does not", t)
		}
	}
}

// readRecord reads DistInfo/RECORD into w.Record and compares it with
// the archive. Every issue is a problem: installers need RECORD, but
// libvet does not.
func (a *Artifact) readRecord(w *Wheel) {
	path := w.DistInfo + "/RECORD"
	rm := a.Member(path)
	if rm == nil {
		a.seriousProblem(path, "missing; installers cannot verify or uninstall this wheel (PEP 427)")
		return
	}
	data, err := rm.ReadAll(a.lim.MaxMetadataSize)
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			err = e.Err
		}
		a.problem(path, "cannot be read (%v); RECORD not checked", err)
		return
	}
	rowProblems := map[int][]string{} // reported with the row's other problems, in line order
	rows, err := ParseRecord(data, func(line int, msg string) { rowProblems[line] = append(rowProblems[line], msg) })
	w.Record = []RecordEntry{}
	listed := map[string]bool{}
	for _, row := range rows {
		e, line := row.RecordEntry, row.Line
		for _, msg := range rowProblems[line] {
			a.problem(path, "line %d: %s", line, msg)
		}
		w.Record = append(w.Record, e)
		if e.Hash != "" {
			algo, digest, ok := strings.Cut(e.Hash, "=")
			switch {
			case !ok || digest == "":
				a.problem(path, "line %d: bad hash %q (want ALGORITHM=DIGEST)", line, e.Hash)
			case algo == "md5" || algo == "sha1":
				a.problem(path, "line %d: %s hash; PEP 427 requires sha256 or stronger", line, algo)
			}
		}
		if why := UnsafeName(e.Path); why != "" {
			a.seriousProblem(path, "line %d lists an unsafe path %q (%s)", line, e.Path, why)
			continue
		}
		p := cleanName(e.Path)
		if listed[p] {
			a.problem(p, "is listed more than once in RECORD")
			continue
		}
		listed[p] = true
		m := a.Member(p)
		switch {
		case m == nil:
			a.problem(p, "is listed in RECORD but not in the archive")
		case e.Size >= 0 && e.Size != m.Size:
			a.problem(p, "is %d bytes, RECORD says %d", m.Size, e.Size)
		}
	}
	if err != nil {
		a.problem(path, "%v; the rest of RECORD is not checked", err)
	}
	for _, m := range a.members {
		if listed[m.Path] {
			continue
		}
		switch m.Path {
		case path, path + ".jws", path + ".p7s":
			continue
		}
		a.problem(m.Path, "is not listed in RECORD")
	}
}
