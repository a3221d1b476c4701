package audit

import (
	"regexp"
	"strings"
)

// exclusion is one --exclude glob, compiled.
type exclusion struct {
	pattern string
	re      *regexp.Regexp
}

func compileExcludes(patterns []string) []exclusion {
	out := make([]exclusion, len(patterns))
	for i, p := range patterns {
		out[i] = exclusion{p, fnmatchRegexp(p)}
	}
	return out
}

// matchExclude reports the first --exclude glob matching soname or, when
// given, the library's real path.
func matchExclude(excludes []exclusion, soname, realPath string) (string, bool) {
	for _, e := range excludes {
		if e.re.MatchString(soname) || (realPath != "" && e.re.MatchString(realPath)) {
			return e.pattern, true
		}
	}
	return "", false
}

// fnmatchRegexp compiles a shell glob with the semantics of Python's
// fnmatch (which auditwheel's --exclude uses): '*' matches any run of
// characters including '/', '?' one character, "[seq]" and "[!seq]" a
// character in or not in seq; an unclosed '[' is literal. A class Go's
// regexp rejects (a reversed range) makes the glob match itself only.
func fnmatchRegexp(pattern string) *regexp.Regexp {
	var re strings.Builder
	re.WriteString("^(?s:")
	for i := 0; i < len(pattern); i++ {
		switch c := pattern[i]; c {
		case '*':
			re.WriteString(".*")
		case '?':
			re.WriteString(".")
		case '[':
			j := i + 1
			if j < len(pattern) && pattern[j] == '!' {
				j++
			}
			if j < len(pattern) && pattern[j] == ']' {
				j++
			}
			for j < len(pattern) && pattern[j] != ']' {
				j++
			}
			if j >= len(pattern) {
				re.WriteString(`\[`)
				continue
			}
			class := strings.NewReplacer(`\`, `\\`, `[`, `\[`).Replace(pattern[i+1 : j])
			if strings.HasPrefix(class, "!") {
				class = "^" + class[1:]
			} else if strings.HasPrefix(class, "^") {
				class = `\` + class
			}
			re.WriteString("[" + class + "]")
			i = j
		default:
			re.WriteString(regexp.QuoteMeta(string(c)))
		}
	}
	re.WriteString(")$")
	if r, err := regexp.Compile(re.String()); err == nil {
		return r
	}
	return regexp.MustCompile("^" + regexp.QuoteMeta(pattern) + "$")
}
