#!/bin/sh
# refresh-externaldeps.sh: regenerate libvet's embedded PEP 804 data,
# externaldeps/data/pep804/registry.txt and one externaldeps/data/pep804/<ecosystem>.txt
# per mapping, from the JSON documents of the external-metadata-mappings repository, then
# check that the result loads.
#
# Where the facts come from: PEP 804 proposes a central registry of DepURLs and one
# mapping per ecosystem (DepURL -> package names, package-manager commands). The data it
# points at lives in jaimergp/external-metadata-mappings (BSD-3-Clause):
#   data/registry.json            the central registry
#   data/known-ecosystems.json    the ecosystems and where their mappings are
#   data/<ecosystem>.mapping.json one mapping per ecosystem
# The project keeps a copy of data/ and schemas/, as read, next to the repository in
#   ../shared/reference/pep804-mappings/
# and that is the default. To take a newer copy, point PEP804_DATA at a checkout's data/
# directory (then update ../shared/reference too, or the round-trip tests will report the
# difference):
#   PEP804_DATA=~/src/external-metadata-mappings/data scripts/refresh-externaldeps.sh
# Nothing is downloaded: PEP 804 warns against reading mappings live, because they contain
# commands. Review the result with git diff: one fact per line.
#
# The Debian table (externaldeps/data/debian.txt) has its own script, because it needs the
# network: scripts/debian-sonames.sh.
#
# Usage: scripts/refresh-externaldeps.sh [--check]
#   --check  write nothing; exit 1 if the committed files are stale.
set -eu

root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

reference=${LIBVET_REFERENCE:-../shared/reference}
data=${PEP804_DATA:-$reference/pep804-mappings/data}

check=
case "${1-}" in
--check) check=-check ;;
"") ;;
*)
	echo "usage: scripts/refresh-externaldeps.sh [--check]" >&2
	exit 2
	;;
esac

for f in registry.json known-ecosystems.json; do
	if [ ! -f "$data/$f" ]; then
		echo "refresh-externaldeps: $data/$f not found (set LIBVET_REFERENCE or PEP804_DATA)" >&2
		exit 1
	fi
done

go run ./externaldeps/internal/pep804gen $check -in "$data" -out externaldeps/data/pep804

if [ -z "$check" ]; then
	# Parse the new files the way libvet will (errors come with file:line), compare them
	# with the JSON, and check the soname knowledge base's DepURLs against the new registry.
	go test -count=1 -run '^(TestPEP804Parses|TestPEP804MatchesReference|TestSonamesEveryEntry|TestSonamesAgainstSharedRegistry|TestMapEveryDepURL)$' ./externaldeps/
fi
