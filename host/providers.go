package host

// A Provision is a package of a repository index that provides a shared
// library: what the root's package manager could install to satisfy a
// need. The indexes are those the root keeps (apk's APKINDEX cache, the
// repodata that dnf, yum and zypper cache, pacman's sync databases),
// read as files like the databases of installed packages.
type Provision struct {
	// Soname is the shared library provided ("libz.so.1").
	Soname string
	// Bits is the ELF class the index says the library is for, 32 or 64,
	// and 0 when it does not say (apk, and pacman's "lib:" provides).
	Bits int
	// Package is the package: Manager is the program that installs it
	// from this index ("apk", "dnf", "yum", "zypper", "pacman"); Name,
	// Version and Arch as the index records them.
	Package
	// Repo names the repository, as the root records it: the repository
	// id of dnf, yum and zypper, the sync database of pacman ("extra"),
	// for apk the DESCRIPTION of the index (with its cache file name).
	Repo string
}
