package pe

import (
	"fmt"
	"io"

	"github.com/libvet/libvet/internal/binio"
)

// File describes one PE image (a DLL, .pyd or .exe): everything libvet
// needs, decoded by [NewFile].
//
// Names (DLL names, function names, forwarders) are kept byte for byte as
// the file stores them: they are not validated, case-folded or required to
// be UTF-8.
type File struct {
	// Machine is the COFF header's IMAGE_FILE_MACHINE_* value, and
	// MachineName its name: "I386", "AMD64", "ARM64", "ARM64EC" (0xA641),
	// "ARMNT", or "0x%04x" for any other value.
	Machine     uint16
	MachineName string
	// Is64 reports a PE32+ optional header (magic 0x20b).
	Is64 bool
	// DLL reports the IMAGE_FILE_DLL (0x2000) characteristic.
	DLL bool
	// Characteristics is the COFF header's Characteristics field.
	Characteristics uint16
	// Subsystem and DllCharacteristics are the optional header fields
	// (IMAGE_SUBSYSTEM_*, IMAGE_DLLCHARACTERISTICS_*).
	Subsystem          uint16
	DllCharacteristics uint16
	// ImageBase is the preferred load address.
	ImageBase uint64
	// MajorLinkerVersion and MinorLinkerVersion identify the linker (14
	// and 40 for the MSVC 14.40 toolset's link.exe).
	MajorLinkerVersion, MinorLinkerVersion uint8
	// CheckSum is the optional header's CheckSum field, as stored.
	CheckSum uint32

	// Sections is the section table, in table order.
	Sections []Section

	// Imports is the import directory (IMAGE_DIRECTORY_ENTRY_IMPORT), in
	// file order: one entry per descriptor, so a DLL named by two
	// descriptors appears twice.
	Imports []Import
	// DelayImports is the delay-load import directory
	// (IMAGE_DIRECTORY_ENTRY_DELAY_IMPORT), in file order.
	DelayImports []Import

	// ExportName is the export directory's own DLL name, "" if there is
	// no export directory or it names nothing.
	ExportName string
	// Exports lists the exported functions in ordinal order; an entry
	// that has several names appears once per name.
	Exports []Export

	// CLR reports a .NET assembly: the CLR runtime header data directory
	// (IMAGE_DIRECTORY_ENTRY_COM_DESCRIPTOR) has a non-zero address.
	CLR bool
	// DependentLoadFlags is the load configuration directory's
	// DependentLoadFlags (LOAD_LIBRARY_SEARCH_* flags the loader uses for
	// this image's static imports), 0 if the directory or the field is
	// absent.
	DependentLoadFlags uint16

	// CertificateSize is the size of the attribute certificate table
	// (Authenticode signatures; IMAGE_DIRECTORY_ENTRY_SECURITY), 0 if
	// there is none or it does not lie within the file.
	CertificateSize int64
	// OverlaySize is the number of bytes after the image's data that the
	// loader does not map: everything after the end of the headers and of
	// the last section's raw data, less the certificate table when it lies
	// entirely in that range. A COFF symbol table left by MinGW counts as
	// overlay (GNU strip removes it), a signature does not (it is a
	// structure the file declares, and signing tools append it); see the
	// package documentation.
	OverlaySize int64
}

// Section is one section table entry.
type Section struct {
	Name            string // up to 8 bytes, NULs trimmed; "/4"-style long names are not resolved
	VirtualAddress  uint32
	VirtualSize     uint32
	Offset          uint32 // PointerToRawData
	Size            uint32 // SizeOfRawData
	Characteristics uint32
}

// Import is one import descriptor: a DLL and what the image uses from it.
type Import struct {
	DLL       string
	Functions []ImportedFunction
}

// ImportedFunction is one import lookup table entry. An import by name has
// Name and Hint (the index into the DLL's export name table the linker
// expected) set; an import by ordinal has ByOrdinal and Ordinal set.
type ImportedFunction struct {
	Name      string
	Hint      uint16
	Ordinal   uint16
	ByOrdinal bool
}

// Export is one exported function. Ordinal is the biased ordinal
// (Base + index); Name is "" for an export by ordinal only; Forwarder is
// the "DLL.Function" or "DLL.#ordinal" string of a forwarded export, ""
// otherwise.
type Export struct {
	Name      string
	Ordinal   uint32
	Forwarder string
}

// Data directory indexes.
const (
	dirExport      = 0
	dirImport      = 1
	dirSecurity    = 4
	dirLoadConfig  = 10
	dirDelayImport = 13
	dirCLR         = 14
)

const (
	fileDLL        = 0x2000 // IMAGE_FILE_DLL
	magicPE32      = 0x10b
	magicPE32Plus  = 0x20b
	dosHeaderSize  = 64
	coffSize       = 20
	sectionSize    = 40
	importDescSize = 20
	delayDescSize  = 32
	exportDirSize  = 40

	maxName    = 32 << 10 // bytes in one DLL or function name
	maxExports = 1 << 16  // ordinals are 16-bit
)

// machineNames names the machine types the brief cares about.
var machineNames = map[uint16]string{
	0x014c: "I386",
	0x8664: "AMD64",
	0xaa64: "ARM64",
	0xa641: "ARM64EC",
	0x01c4: "ARMNT",
}

// MachineString returns the name File.MachineName uses for machine.
func MachineString(machine uint16) string {
	if s, ok := machineNames[machine]; ok {
		return s
	}
	return fmt.Sprintf("0x%04x", machine)
}

// panicMsg is the FormatError message for a recovered panic.
const panicMsg = "internal error decoding file (please report)"

// dataDir is one optional header data directory entry.
type dataDir struct {
	va, size uint32
	at       int64 // file offset of the entry, for errors
}

type decoder struct {
	rd        reader
	f         *File
	spans     spans
	dirs      [16]dataDir
	strs      map[uint64]string
	strBudget int64 // bytes of names left to decode
	thunks    int64 // import descriptors and functions left to decode
}

// NewFile decodes the PE file of the given size read through r, which must
// start at the file's first byte. It reads the headers, the section table
// and the import, delay-import, export, load configuration and
// certificate directory entries it needs, never the whole file.
//
// A malformed, truncated or oversized DOS, COFF or optional header or
// section table gives a nil *File and a *FormatError. A problem inside a
// data directory gives a non-nil, partial *File together with a
// *FormatError for the first such problem: the headers are complete, and
// each list holds what was decoded before the problem (see the package
// documentation for the exact rules). When r fails with an error other
// than io.EOF, NewFile returns that error wrapped and a nil *File. NewFile
// does not panic: a panic inside the parser is recovered and returned as
// a *FormatError.
func NewFile(r io.ReaderAt, size int64) (f *File, err error) {
	defer func() {
		if p := recover(); p != nil {
			f, err = nil, &FormatError{Offset: -1, Msg: panicMsg, Val: p}
		}
	}()
	if size < 0 {
		return nil, formatErr(0, "negative file size", size)
	}
	d := &decoder{
		rd:        reader{r: r, size: size},
		strs:      make(map[uint64]string),
		strBudget: 2*size + 64<<10,
		thunks:    size/4 + 16,
	}
	return d.decode()
}

// Open opens the named file and decodes it with [NewFile]. The file is
// closed before Open returns. Errors are prefixed with the name; a
// partial File is returned as NewFile returns it.
func Open(name string) (*File, error) { return binio.Open(name, NewFile) }

func (d *decoder) decode() (*File, error) {
	size := d.rd.size
	if size < dosHeaderSize {
		return nil, formatErr(0, "file too small for a DOS header", size)
	}
	b, err := d.rd.readAt(0, dosHeaderSize, "DOS header")
	if err != nil {
		return nil, err
	}
	if b[0] != 'M' || b[1] != 'Z' {
		return nil, formatErr(0, "bad DOS magic", fmt.Sprintf("%q", b[:2]))
	}
	lfanew := int64(le.Uint32(b[0x3c:]))
	if lfanew > size || size-lfanew < 4+coffSize {
		return nil, formatErr(0x3c, "PE header offset past end of file", hex(lfanew))
	}
	b, err = d.rd.readAt(lfanew, 4+coffSize, "PE header")
	if err != nil {
		return nil, err
	}
	if string(b[:4]) != "PE\x00\x00" {
		return nil, formatErr(lfanew, "bad PE signature", fmt.Sprintf("%q", b[:4]))
	}
	f := &File{}
	d.f = f
	f.Machine = le.Uint16(b[4:])
	f.MachineName = MachineString(f.Machine)
	nsec := int64(le.Uint16(b[6:]))
	optSize := int64(le.Uint16(b[20:]))
	f.Characteristics = le.Uint16(b[22:])
	f.DLL = f.Characteristics&fileDLL != 0

	optOff := lfanew + 4 + coffSize
	if optSize < 2 {
		return nil, formatErr(lfanew+4+16, "no optional header", optSize)
	}
	if optSize > size-optOff {
		return nil, formatErr(lfanew+4+16, "optional header past end of file", optSize)
	}
	opt, err := d.rd.readAt(optOff, int(optSize), "optional header")
	if err != nil {
		return nil, err
	}
	opt = append([]byte(nil), opt...)
	var ddOff int64
	switch magic := le.Uint16(opt); magic {
	case magicPE32:
		ddOff = 96
	case magicPE32Plus:
		ddOff = 112
		f.Is64 = true
	default:
		return nil, formatErr(optOff, "unknown optional header magic", hex(magic))
	}
	if optSize < ddOff {
		return nil, formatErr(lfanew+4+16, "optional header too small", optSize)
	}
	f.MajorLinkerVersion, f.MinorLinkerVersion = opt[2], opt[3]
	if f.Is64 {
		f.ImageBase = le.Uint64(opt[24:])
	} else {
		f.ImageBase = uint64(le.Uint32(opt[28:]))
	}
	fileAlign := le.Uint32(opt[36:])
	sizeOfHeaders := le.Uint32(opt[60:])
	f.CheckSum = le.Uint32(opt[64:])
	f.Subsystem = le.Uint16(opt[68:])
	f.DllCharacteristics = le.Uint16(opt[70:])
	ndirs := int64(le.Uint32(opt[ddOff-4:]))
	ndirs = min(ndirs, int64(len(d.dirs)), (optSize-ddOff)/8)
	for i := range ndirs {
		p := opt[ddOff+8*i:]
		d.dirs[i] = dataDir{va: le.Uint32(p), size: le.Uint32(p[4:]), at: optOff + ddOff + 8*i}
	}

	secOff := optOff + optSize
	if nsec*sectionSize > size-secOff {
		return nil, formatErr(lfanew+4+2, "section table past end of file", nsec)
	}
	f.Sections = make([]Section, nsec)
	for i := range f.Sections {
		b, err := d.rd.readAt(secOff+int64(i)*sectionSize, sectionSize, "section header")
		if err != nil {
			return nil, err
		}
		name := b[:8]
		for n := len(name); n > 0 && name[n-1] == 0; n-- {
			name = name[:n-1]
		}
		f.Sections[i] = Section{
			Name:            string(name),
			VirtualSize:     le.Uint32(b[8:]),
			VirtualAddress:  le.Uint32(b[12:]),
			Size:            le.Uint32(b[16:]),
			Offset:          le.Uint32(b[20:]),
			Characteristics: le.Uint32(b[36:]),
		}
	}
	d.spans = newSpans(f.Sections, sizeOfHeaders, fileAlign, size)
	d.overlay(secOff + nsec*sectionSize)

	// Each directory is decoded independently; the first error is kept
	// and returned with the partial File.
	f.CLR = d.dirs[dirCLR].va != 0
	var first error
	for _, step := range []func() error{d.imports, d.delayImports, d.exports, d.loadConfig} {
		if err := step(); err != nil {
			if _, ok := err.(*FormatError); !ok {
				return nil, err // the reader's own error
			}
			if first == nil {
				first = err
			}
		}
	}
	return f, first
}

// overlay sets OverlaySize and CertificateSize. headEnd is the end of the
// section table.
func (d *decoder) overlay(headEnd int64) {
	size := d.rd.size
	end := min(headEnd, size)
	for _, s := range d.f.Sections {
		if s.Size == 0 || s.Offset == 0 {
			continue
		}
		end = max(end, min(int64(s.Offset)+int64(s.Size), size))
	}
	over := size - end
	cert := d.dirs[dirSecurity] // its "address" is a file offset
	if cert.va != 0 && cert.size != 0 && int64(cert.va)+int64(cert.size) <= size {
		d.f.CertificateSize = int64(cert.size)
		if int64(cert.va) >= end {
			over -= int64(cert.size)
		}
	}
	d.f.OverlaySize = over
}

// loadConfig reads DependentLoadFlags from the load configuration
// directory, if the structure's own Size field says it has one.
func (d *decoder) loadConfig() error {
	dir := d.dirs[dirLoadConfig]
	if dir.va == 0 {
		return nil
	}
	b, err := d.readRVA(uint64(dir.va), 4, "load configuration directory", dir.at)
	if err != nil {
		return err
	}
	structSize := uint64(le.Uint32(b))
	field := uint64(54) // IMAGE_LOAD_CONFIG_DIRECTORY32.DependentLoadFlags
	if d.f.Is64 {
		field = 78
	}
	if structSize < field+2 {
		return nil
	}
	b, err = d.readRVA(uint64(dir.va)+field, 2, "load configuration directory", dir.at)
	if err != nil {
		return err
	}
	d.f.DependentLoadFlags = le.Uint16(b)
	return nil
}
