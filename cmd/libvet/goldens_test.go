package main

// goldenWheels are the committed real wheels the CLI golden tests run on
// (see testdata/README.md for where each comes from and why). Every run is
// hermetic: --ldpaths "" searches no host directory.
func init() {
	goldenWheels = []goldenWheel{
		{name: "show-retagged", cmd: "show", file: "bcrypt-5.0.0-1retag-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", code: 0},
		{name: "check-retagged-json", cmd: "check", flags: []string{"--format", "json"}, file: "bcrypt-5.0.0-1retag-cp39-abi3-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", code: 1},
		{name: "check-clean", cmd: "check", file: "markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl", code: 0},
		{name: "show-clean-verbose", cmd: "show", flags: []string{"-v"}, file: "google_re2-1.1-3-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", code: 0},
		{name: "show-vendored", cmd: "show", flags: []string{"--verbose"}, file: "python_snappy-0.6.1-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", code: 0},
		{name: "check-vendored-lib-missing", cmd: "check", file: "python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", code: 1},
		{name: "check-excluded", cmd: "check", flags: []string{"--exclude", "libsnappy-*"}, file: "python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", code: 0},
		{name: "check-external-json", cmd: "check", flags: []string{"--format=json"}, file: "deb_sqlite3-3.11.2-cp311-cp311-manylinux_2_17_x86_64.whl", code: 1},
		{name: "check-execstack", cmd: "check", file: "markupsafe-3.0.4-1execstack-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl", code: 1},
		{name: "check-pure-tag-with-binary", cmd: "check", file: "markupsafe-3.0.4-1pure-py3-none-any.whl", code: 1},
		{name: "check-wrong-arch", cmd: "check", file: "markupsafe-3.0.4-1wrongarch-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", code: 1},
		{name: "check-musl-tagged-manylinux", cmd: "check", file: "markupsafe-3.0.4-1musl-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.whl", code: 1},
		{name: "check-musllinux-1-1", cmd: "check", file: "MarkupSafe-2.1.5-cp312-cp312-musllinux_1_1_x86_64.whl", code: 0},
		{name: "show-musllinux-1-2-json", cmd: "show", flags: []string{"--format", "json"}, file: "markupsafe-3.0.4-cp312-cp312-musllinux_1_2_aarch64.whl", code: 0},
		{name: "check-fail-on-warning", cmd: "check", flags: []string{"--fail-on", "warning"}, file: "MarkupSafe-3.0.2-cp312-cp312-manylinux_2_5_i686.manylinux1_i686.manylinux_2_17_i686.manylinux2014_i686.whl", code: 0},
		{name: "show-macos-universal2", cmd: "show", file: "MarkupSafe-3.0.2-cp312-cp312-macosx_10_13_universal2.whl", code: 0},
		{name: "show-macos-dylibs-verbose", cmd: "show", flags: []string{"-v"}, file: "google_crc32c-1.9.0-cp312-cp312-macosx_12_0_arm64.whl", code: 0},
		{name: "check-macos-json", cmd: "check", flags: []string{"--format", "json"}, file: "markupsafe-3.0.4-cp312-cp312-macosx_11_0_arm64.whl", code: 0},
		{name: "check-windows-abi3", cmd: "check", file: "bcrypt-5.0.0-cp39-abi3-win_amd64.whl", code: 0},
		{name: "show-windows-delvewheel-verbose", cmd: "show", flags: []string{"-v"}, file: "pyhdf-0.11.7-cp39-cp39-win_amd64.whl", code: 0},
		{name: "show-windows-add-dll-directory-json", cmd: "show", flags: []string{"--format", "json"}, file: "google_crc32c-1.9.0-cp312-cp312-win_amd64.whl", code: 0},
		{name: "check-mixed-platforms", cmd: "check", file: "markupsafe-3.0.4-cp312-cp312-win32.whl", code: 0,
			more: []string{"markupsafe-3.0.4-cp312-cp312-win_arm64.whl", "markupsafe-3.0.4-cp312-cp312-macosx_10_13_x86_64.whl",
				"markupsafe-3.0.4-cp312-cp312-musllinux_1_2_x86_64.whl"}},

		// PEP 725 and other wheels (issue 5).
		{name: "check-provider-wheel", cmd: "check", flags: []string{"--find-links", "../../testdata/providers"},
			file: "python_snappy-0.6.1-1provided-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", code: 1,
			more: []string{"python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl"}},
		{name: "check-require-declared", cmd: "check", flags: []string{"--require-declared"},
			file: "deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", code: 1,
			more: []string{"deb_psycopg2-2.9.5-1declared-cp311-cp311-manylinux_2_17_x86_64.whl"}},
		{name: "show-declared-json", cmd: "show", flags: []string{"--format", "json", "--external", "../../testdata/external/psycopg2"},
			file: "deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", code: 0},
		{name: "deps-ubuntu", cmd: "deps", flags: []string{"--ecosystem", "ubuntu"},
			file: "deb_psycopg2-2.9.5-cp311-cp311-manylinux_2_17_x86_64.whl", code: 1,
			more: []string{"deb_sqlite3-3.11.2-cp311-cp311-manylinux_2_17_x86_64.whl", "python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl",
				"markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl"}},
		{name: "deps-conda-forge-json", cmd: "deps", flags: []string{"--ecosystem", "conda-forge", "--format", "json"},
			file: "deb_psycopg2-2.9.5-1declared-cp311-cp311-manylinux_2_17_x86_64.whl", code: 1},
		{name: "deps-provider-wheel", cmd: "deps", flags: []string{"--ecosystem", "fedora", "--find-links", "../../testdata/providers"},
			file: "python_snappy-0.6.1-1nolibs-cp310-cp310-manylinux_2_12_x86_64.manylinux2010_x86_64.whl", code: 1},
		{name: "deps-fedora-nothing", cmd: "deps", flags: []string{"--ecosystem", "fedora"},
			file: "markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl", code: 0},
		{name: "deps-bad-ecosystem", cmd: "deps", flags: []string{"--ecosystem", "plan9"},
			file: "markupsafe-3.0.4-cp312-cp312-manylinux2014_x86_64.manylinux_2_17_x86_64.manylinux_2_28_x86_64.whl", code: 2},
	}
}
