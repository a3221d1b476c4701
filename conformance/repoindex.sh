#!/usr/bin/env bash
# conformance/repoindex.sh — compare what libvet reads from the repository indexes a root caches
# (host.ReadRpmRepos, host.ReadPacmanSync, as `libvet host` uses them) with the package managers'
# own answers on the same files, offline:
#   pacman: `pacman -F -q SONAME` against host/testdata/pacmansync/root (sync .db/.files made by
#           repo-add): the packages whose file lists hold a file of that name;
#   dnf:    `dnf -C repoquery --whatprovides CAPABILITY` against a copy of
#           host/testdata/rpmrepo/dnf (the cache dnf makecache wrote), CAPABILITY being rpm's
#           "SONAME()(64bit)" for a 64-bit provision and the bare soname for a 32-bit one.
# apk has no Debian package, so Alpine's indexes are checked by the tests only.
# Needs Debian's pacman-package-manager and dnf (apt-get install -y dnf). Prints each soname with
# both answers and a summary; exits 0 when it ran to the end (differences are data, see
# docs/differences.md "Repository indexes"), non-zero when it could not run.
set -euo pipefail
cd "$(dirname "$0")/.."
# shellcheck source=conformance/lib.sh
. conformance/lib.sh

for t in pacman dnf; do
	command -v $t >/dev/null || { echo "repoindex.sh: $t not found (apt-get install -y ${t/pacman/pacman-package-manager})" >&2; exit 1; }
done
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
go build -o "$tmp/repoindex" ./conformance/repoindex

agree=0 differ=0
compare() { # soname, libvet's answer, the tool's answer
	if [ "$2" = "$3" ]; then
		agree=$((agree + 1)); printf '  same    %-24s %s\n' "$1" "$2"
	else
		differ=$((differ + 1)); printf '  DIFFER  %-24s libvet: %s | tool: %s\n' "$1" "$2" "$3"
	fi
}

log "pacman -F on host/testdata/pacmansync/root"
root=host/testdata/pacmansync/root
printf '[options]\nArchitecture = x86_64\n[core]\nServer = file:///nonexistent\n[multilib]\nServer = file:///nonexistent\n' >"$tmp/pacman.conf"
"$tmp/repoindex" "$root" >"$tmp/pacman.tsv"
for so in $(cut -f1 "$tmp/pacman.tsv" | sort -u); do
	mine=$(awk -F'\t' -v s="$so" '$1 == s { print $6 "/" $3 }' "$tmp/pacman.tsv" | sort -u | paste -sd' ')
	theirs=$(pacman -F -q --config "$tmp/pacman.conf" --dbpath "$root/var/lib/pacman" --root "$root" "$so" 2>/dev/null | sort -u | paste -sd' ' || true)
	compare "$so" "$mine" "$theirs"
done

log "dnf repoquery --whatprovides on a copy of host/testdata/rpmrepo/dnf"
cp -r host/testdata/rpmrepo/dnf "$tmp/dnf"
"$tmp/repoindex" "$tmp/dnf" >"$tmp/dnf.tsv"
while IFS=$'\t' read -r so bits _; do
	cap=$so
	[ "$bits" = 64 ] && cap="$so()(64bit)"
	mine=$(awk -F'\t' -v s="$so" -v b="$bits" '$1 == s && $2 == b { print $3 "." $5 }' "$tmp/dnf.tsv" | sort -u | paste -sd' ')
	# The repository URL is only dnf's cache key; -C reads the cache and never fetches.
	theirs=$(dnf --installroot="$tmp/dnf" --releasever=40 --setopt=reposdir=/nonexistent \
		--repofrompath=libvetdemo,file:///tmp/libvet-rpmrepo-fixture/repo --repo=libvetdemo -C \
		repoquery --qf '%{name}.%{arch}|' --whatprovides "$cap" 2>/dev/null | grep '|$' | tr -d '|' | sort -u | paste -sd' ' || true)
	compare "$cap" "$mine" "$theirs"
done < <(cut -f1,2 "$tmp/dnf.tsv" | sort -u)

echo "summary: $agree same, $differ different"
