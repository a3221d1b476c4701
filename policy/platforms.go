package policy

import "github.com/libvet/libvet/audit"

// Platforms returns every platform libvet judges, Linux with the given
// options first: the order [audit.Run] breaks ties in. The wheel
// platforms come before the package ones (conda subdirs, dpkg
// architectures), which judge only artifacts that declare their tags.
func Platforms(linux LinuxPlatform) []audit.Platform {
	return append([]audit.Platform{linux, MacOSPlatform{}, WindowsPlatform{}, DebianPlatform{}}, CondaPlatforms()...)
}
