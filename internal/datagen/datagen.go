// Package datagen holds what libvet's data generators (policy/internal/gen,
// policy/internal/wingen, externaldeps' generators) and readers of JSON
// data (internal/conda) share: the token rule of libvet's line format,
// JSON error positions, and writing or checking an output file.
package datagen

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"sort"
	"strings"
	"unicode"
)

// CheckToken reports whether s can be written as one whitespace-separated
// token of the data format.
func CheckToken(s string) error {
	if s == "" {
		return errors.New("empty string")
	}
	if strings.HasPrefix(s, "#") {
		return fmt.Errorf("%q starts with '#'", s)
	}
	for _, r := range s {
		if unicode.IsSpace(r) || unicode.IsControl(r) || r == unicode.ReplacementChar {
			return fmt.Errorf("%q contains %q", s, r)
		}
	}
	return nil
}

// JSONError adds the line and column in src to a JSON decoding error.
func JSONError(src []byte, err error) error {
	var off int64 = -1
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		off = se.Offset
	case errors.As(err, &te):
		off = te.Offset
	}
	if off < 0 || off > int64(len(src)) {
		return err
	}
	before := src[:off]
	line := bytes.Count(before, []byte("\n")) + 1
	col := int(off) - (bytes.LastIndexByte(before, '\n') + 1)
	return fmt.Errorf("line %d, column %d: %w", line, col, err)
}

// SortedKeys returns m's keys, sorted.
func SortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Emit writes data to dst, or with check compares it with dst instead; it
// reports on stderr as tool and returns false when dst is not up to date.
// from names the input for the messages.
func Emit(tool, dst, from string, data []byte, check bool) (upToDate bool, err error) {
	if check {
		old, err := os.ReadFile(dst)
		if err != nil || !bytes.Equal(old, data) {
			fmt.Fprintf(os.Stderr, "%s: %s is not up to date with %s\n", tool, dst, from)
			return false, nil
		}
		return true, nil
	}
	if err := os.WriteFile(dst, data, 0o644); err != nil {
		return false, err
	}
	fmt.Fprintf(os.Stderr, "%s: wrote %s from %s\n", tool, dst, from)
	return true, nil
}
