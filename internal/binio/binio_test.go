package binio

import "testing"

func TestPrintable(t *testing.T) {
	for in, want := range map[string]string{
		"libz.so.1":            "libz.so.1",
		"a\nb\tc":              "a\nb\tc",
		"x\x1b[2Jy":            "x\ufffd[2Jy",
		"\x1b]0;t\x07":         "\ufffd]0;t\ufffd",
		"abc\u202edef":         "abc\ufffddef",
		"\u2066x\u2069":        "\ufffdx\ufffd",
		"\u0085next-line (C1)": "\ufffdnext-line (C1)",
		"日本語.so":               "日本語.so",
		"":                     "",
	} {
		if got := Printable(in); got != want {
			t.Errorf("Printable(%q) = %q, want %q", in, got, want)
		}
	}
}
