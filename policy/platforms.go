package policy

import "github.com/libvet/libvet/audit"

// Platforms returns every platform libvet judges, Linux with the given
// options first: the order [audit.Run] breaks ties in.
func Platforms(linux LinuxPlatform) []audit.Platform {
	return []audit.Platform{linux, MacOSPlatform{}, WindowsPlatform{}}
}
