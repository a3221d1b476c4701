#!/bin/sh
# refresh-policy.sh: regenerate libvet's embedded platform data,
# policy/data/manylinux.txt and policy/data/musllinux.txt from auditwheel's
# policy JSON and policy/data/windows.txt from delvewheel's DLL lists, then
# check that the result loads.
#
# Where the facts come from: pypa/auditwheel keeps its Linux policies in
#   src/auditwheel/policy/manylinux-policy.json   (glibc: manylinux_2_5 … )
#   src/auditwheel/policy/musllinux-policy.json   (musl: musllinux_1_1 … )
# and adang1345/delvewheel keeps its Windows DLL lists in delvewheel/_dll_list.py
# (MIT), Python code, from which the project extracted the facts as JSON.
# The project keeps copies of them, as read, next to the repository in
#   ../shared/reference/auditwheel-manylinux-policy.json
#   ../shared/reference/auditwheel-musllinux-policy.json
#   ../shared/reference/windows-system-dlls.json
# and those are the defaults. To take a newer auditwheel, point the variables
# at a checkout (then update ../shared/reference too, or the cross-check and
# round-trip tests will report the difference):
#   MANYLINUX_JSON=~/src/auditwheel/src/auditwheel/policy/manylinux-policy.json \
#   MUSLLINUX_JSON=~/src/auditwheel/src/auditwheel/policy/musllinux-policy.json \
#   scripts/refresh-policy.sh
# For a newer delvewheel, extract _dll_list.py again into the same JSON shape
# (system_dlls_by_machine, ignore_regexes, ignore_by_abi_platform,
# ignore_dependency, vc_redist_regex, source) and set WINDOWS_JSON.
# Nothing is downloaded. Review the result with git diff: one fact per line.
#
# Usage: scripts/refresh-policy.sh [--check]
#   --check  write nothing; exit 1 if the committed files are stale.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

reference=${LIBVET_REFERENCE:-../shared/reference}
manylinux=${MANYLINUX_JSON:-$reference/auditwheel-manylinux-policy.json}
musllinux=${MUSLLINUX_JSON:-$reference/auditwheel-musllinux-policy.json}
windows=${WINDOWS_JSON:-$reference/windows-system-dlls.json}

check=
case "${1-}" in
--check) check=-check ;;
"") ;;
*)
	echo "usage: scripts/refresh-policy.sh [--check]" >&2
	exit 2
	;;
esac

for f in "$manylinux" "$musllinux" "$windows"; do
	if [ ! -f "$f" ]; then
		echo "refresh-policy: $f not found (set LIBVET_REFERENCE, MANYLINUX_JSON, MUSLLINUX_JSON or WINDOWS_JSON)" >&2
		exit 1
	fi
done

# Run both generators even if the first finds a stale file, so --check
# names every stale file.
status=0
go run ./policy/internal/gen $check -manylinux "$manylinux" -musllinux "$musllinux" -out policy/data || status=$?
go run ./policy/internal/wingen $check -windows "$windows" -out policy/data || status=$?
if [ "$status" -ne 0 ]; then
	exit "$status"
fi

if [ -z "$check" ]; then
	# Parse the new files the way libvet will (errors come with file:line)
	# and check that newer policies only add libraries and versions.
	go test -count=1 -run '^(TestDataParses|TestDataMonotonic|TestWinDataParses)$' ./policy/
fi
