package externaldeps

import "testing"

func TestManagerInstallCommand(t *testing.T) {
	for _, tt := range []struct {
		manager string
		pkgs    []string
		want    string
	}{
		{"dnf", []string{"libvetdemo.i686", "zlib"}, "sudo dnf install -y libvetdemo.i686 zlib"},
		{"pacman", []string{"lib32-zlib"}, "sudo pacman -Syu --noconfirm lib32-zlib"},
		{"apk", []string{"libffi", "zlib"}, "sudo apk add libffi zlib"},
		{"yum", []string{"zlib"}, "sudo yum install -y zlib"},
		{"zypper", []string{"libz1"}, "sudo zypper --non-interactive install libz1"},
		{"apk", []string{"zlib; rm -rf /"}, "sudo apk add 'zlib; rm -rf /'"},
		{"nosuch", []string{"zlib"}, ""},
		{"apk", []string{"a\x1bb"}, ""},
	} {
		got, err := ManagerInstallCommand(tt.manager, tt.pkgs)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("ManagerInstallCommand(%q, %q) = %q, %v; want %q", tt.manager, tt.pkgs, got, err, tt.want)
		}
	}
	for eco, want := range map[string]string{"fedora": "dnf", "arch": "pacman", "ubuntu": "apt", "alpine": ""} {
		if got := Manager(eco); got != want {
			t.Errorf("Manager(%q) = %q, want %q", eco, got, want)
		}
	}
}
