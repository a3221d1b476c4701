package audit

import (
	"bufio"
	"errors"
	"fmt"
	"io"

	"github.com/libvet/libvet/artifact"
	velf "github.com/libvet/libvet/elf"
	"github.com/libvet/libvet/internal/magic"
	"github.com/libvet/libvet/macho"
	"github.com/libvet/libvet/pe"
)

// sniffLen is how many bytes decide a member's format.
const sniffLen = magic.HeadLen

// maxRetained bounds what one compressed ELF member may make libvet keep
// in memory: its headers and dynamic tables (the largest real libraries
// need a few tens of MiB).
const maxRetained = 256 << 20

// member is what reading one member produced.
type member struct {
	format Format
	// bins are the binaries the member holds: one, or one per slice of a
	// fat Mach-O file.
	bins []*Binary
	elf  *velf.File
	// err is a problem with this member only (a corrupt binary): it
	// becomes a finding.
	err error
	// fatal is a problem that makes the artifact unreadable (a bomb, a
	// checksum mismatch, truncated data).
	fatal error
	// passes counts how many times a compressed member was inflated.
	passes int
}

// readMember sniffs m and parses it when it is a binary. Stored members
// are parsed in place; compressed ones are inflated once, keeping only the
// byte ranges the parser needs (see [Config.Retain]).
func readMember(m *artifact.Member, retain int64) member {
	if m.Size < 4 {
		return member{}
	}
	n := min(m.Size, sniffLen)
	if ra, ok := m.ReaderAt(); ok {
		head := make([]byte, n)
		if _, err := ra.ReadAt(head, 0); err != nil {
			return member{fatal: err}
		}
		return parse(Sniff(head), m.Path, ra, m.Size)
	}
	rc, err := m.Open()
	if err != nil {
		return openFailed(err)
	}
	defer rc.Close()
	return readStream(m, rc, retain)
}

// readStream sniffs m from r, which streams its bytes from the start,
// and parses it when it is a binary, in one pass.
func readStream(m *artifact.Member, r io.Reader, retain int64) member {
	if m.Size < 4 {
		return member{}
	}
	br := bufio.NewReaderSize(r, 64<<10)
	head, err := br.Peek(int(min(m.Size, sniffLen)))
	if err != nil {
		return member{fatal: err}
	}
	switch format := Sniff(head); format {
	case FormatELF:
		return streamELF(m, br, retain)
	case FormatPE, FormatMachO:
		return streamPlanned(m, br, format)
	}
	return member{}
}

// parse parses a member of a known format from r.
func parse(format Format, name string, r io.ReaderAt, size int64) member {
	switch format {
	case FormatELF:
		return parseELF(name, r, size)
	case FormatPE:
		return parsePE(name, r, size)
	case FormatMachO:
		return parseMachO(name, r, size)
	}
	return member{}
}

// streamELF parses an ELF member from its one sequential pass: it keeps
// the first retain bytes, the ranges the headers point to, and, once the
// dynamic section has streamed by, the tables it points to further ahead
// (tools like patchelf move .dynstr to the end of the file). Only when a
// table lies before the dynamic section and beyond the retained prefix
// does a second pass keep exactly the tables.
func streamELF(m *artifact.Member, br *bufio.Reader, retain int64) member {
	head, err := peekHead(br)
	if err != nil {
		return parseFailed(err)
	}
	regions, err := velf.Regions(head, m.Size)
	if err != nil {
		return parseFailed(err)
	}
	keep := append(artifact.RangesOf(regions), artifact.Range{Off: 0, Len: min(retain, m.Size)})
	if err := checkBudget(keep); err != nil {
		return parseFailed(err)
	}
	found := false
	ahead := func(s *artifact.Sparse) []artifact.Range {
		if found {
			return nil
		}
		tables, err := velf.DynamicRegions(s, m.Size)
		if err != nil {
			return nil // the dynamic section has not streamed by yet
		}
		found = true
		more := artifact.RangesOf(tables)
		if checkBudget(append(more, artifact.Range{Len: s.Retained() + totalLen(keep)})) != nil {
			return nil // the second pass will say so
		}
		return more
	}
	sp, err := artifact.RetainMore(br, m.Size, keep, ahead)
	if err != nil {
		return member{fatal: err}
	}
	res := parseELF(m.Path, sp, m.Size)
	res.passes = 1
	if !missing(res) {
		return res
	}
	tables, err := velf.DynamicRegions(sp, m.Size)
	if err != nil {
		return parseFailed(err)
	}
	return reread(m, FormatELF, append(artifact.RangesOf(regions), artifact.RangesOf(tables)...))
}

// missing reports whether parsing failed only for lack of bytes the
// first pass did not keep.
func missing(res member) bool {
	var miss *artifact.MissingError
	return res.err != nil && errors.As(res.err, &miss)
}

// reread is the second pass over a compressed member: it inflates it
// again, keeping exactly keep (within the per-binary budget), and parses.
func reread(m *artifact.Member, format Format, keep []artifact.Range) member {
	if err := checkBudget(keep); err != nil {
		return member{format: format, err: err}
	}
	rc, err := m.Open()
	if err != nil {
		return member{fatal: err}
	}
	defer rc.Close()
	sp, err := artifact.Retain(rc, m.Size, keep)
	if err != nil {
		return member{fatal: err}
	}
	res := parse(format, m.Path, sp, m.Size)
	res.passes = 2
	if missing(res) {
		// Not a corrupt binary: its headers point to fewer bytes than the
		// parser then reads, which libvet's streaming cannot follow.
		res.err = fmt.Errorf("libvet kept, in two passes, the byte ranges this binary's headers point to, but the parser needed more (%w); the binary may be valid: check it with a tool that reads it whole", res.err)
	}
	return res
}

// peekHead returns the ELF header and program headers from br without
// consuming them.
func peekHead(br *bufio.Reader) ([]byte, error) {
	head, _ := br.Peek(64)
	n, err := velf.HeadSize(head)
	if err != nil {
		return nil, err
	}
	if n > int64(br.Size()) {
		return nil, fmt.Errorf("program headers end at byte %d, past the %d bytes libvet reads first", n, br.Size())
	}
	head, err = br.Peek(int(n))
	if err != nil {
		return nil, fmt.Errorf("read program headers: %w", err)
	}
	return head, nil
}

// totalLen is the sum of the ranges' lengths (overlaps counted twice).
func totalLen(rs []artifact.Range) int64 {
	var n int64
	for _, r := range rs {
		n += r.Len
	}
	return n
}

// checkBudget refuses to keep more than maxRetained bytes of one member.
func checkBudget(keep []artifact.Range) error {
	if n := totalLen(keep); n > maxRetained {
		return fmt.Errorf("its headers and dynamic tables would need %d MiB in memory, over libvet's %d MiB limit for one binary", n>>20, maxRetained>>20)
	}
	return nil
}

// parseELF parses one ELF binary from r. A read error that comes from the
// artifact (not from the ELF parser's view of the bytes) is fatal.
func parseELF(name string, r io.ReaderAt, size int64) member {
	f, err := velf.NewFile(r, size)
	if err != nil {
		return failed(FormatELF, err)
	}
	return member{format: FormatELF, bins: []*Binary{describeELF(name, f)}, elf: f}
}

func parseFailed(err error) member {
	return member{format: FormatELF, err: err}
}

// parsePE parses one PE image from r.
func parsePE(name string, r io.ReaderAt, size int64) member {
	f, err := pe.NewFile(r, size)
	if err != nil {
		return failed(FormatPE, err)
	}
	return member{format: FormatPE, bins: []*Binary{describePE(name, f)}}
}

// parseMachO parses a thin or fat Mach-O file from r.
func parseMachO(name string, r io.ReaderAt, size int64) member {
	f, err := macho.NewFile(r, size)
	if err != nil {
		return failed(FormatMachO, err)
	}
	return member{format: FormatMachO, bins: describeMachO(name, f)}
}

// failed sorts a parse error: one from the artifact (not from the
// parser's view of the bytes) is fatal, anything else is this member's.
func failed(format Format, err error) member {
	var aerr *artifact.Error
	if errors.As(err, &aerr) {
		return member{format: format, fatal: err}
	}
	return member{format: format, err: err}
}

// openFailed sorts an error opening a member: a compression method libvet
// cannot read is this member's problem only; anything else is the
// artifact's.
func openFailed(err error) member {
	if errors.Is(err, artifact.ErrUnsupported) {
		return member{err: err}
	}
	return member{fatal: err}
}

// planHead is how much of a compressed PE or Mach-O member is kept before
// its headers say what else to keep.
const planHead = 64 << 10

// maxPlanCalls bounds how often the planner runs during one pass; real
// files need a handful of calls.
const maxPlanCalls = 64

// streamPlanned parses a compressed PE or Mach-O member from one
// sequential pass: it keeps the first planHead bytes and, each time a
// kept range is complete, the ranges the format's planner locates from
// what is kept so far (headers point to tables further on). Only when the
// parser still misses bytes (a table before the header that points to
// it) does a second pass keep exactly what the planner then finds.
func streamPlanned(m *artifact.Member, br *bufio.Reader, format Format) member {
	plan := planner(format)
	head := artifact.Range{Off: 0, Len: min(m.Size, planHead)}
	over, calls := false, 0
	more := func(s *artifact.Sparse) []artifact.Range {
		// Each call costs about one parse: a hostile file fragmented into
		// many ranges is not followed further (the second pass will be).
		if calls++; over || calls > maxPlanCalls {
			return nil
		}
		rs := plan(s, m.Size)
		if checkBudget(append(rs, head)) != nil {
			over = true // the second pass will say so
			return nil
		}
		return rs
	}
	sp, err := artifact.RetainMore(br, m.Size, []artifact.Range{head}, more)
	if err != nil {
		return member{fatal: err}
	}
	res := parse(format, m.Path, sp, m.Size)
	res.passes = 1
	if !missing(res) {
		return res
	}
	return reread(m, format, append(plan(sp, m.Size), head))
}
