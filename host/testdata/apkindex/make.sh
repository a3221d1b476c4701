#!/bin/sh
# Rebuilds the apk index cache of the fixture root from main.APKINDEX and
# community.APKINDEX, and expected.txt from them; README.md says why.
# Needs: tar (GNU), gzip, openssl, sha1sum, awk.
set -eu
cd "$(dirname "$0")"
export LC_ALL=C TZ=UTC
epoch=1726000000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

cache=root/var/cache/apk
rm -rf root
mkdir -p "$cache" root/etc/apk
main=https://dl-cdn.alpinelinux.org/alpine/v3.20/main
community=https://dl-cdn.alpinelinux.org/alpine/v3.20/community
printf '%s\n%s\n' "$main" "$community" >root/etc/apk/repositories
# apk-tools 2 writes the indexes to etc/apk/cache when it exists: here, as
# on Alpine with a package cache, a link to var/cache/apk.
ln -s /var/cache/apk root/etc/apk/cache

# cachename URL: the name apk-tools 2 gives the index of the repository
# URL in its cache, the first 4 bytes of the SHA-1 of the URL in hex
# (apk_repo_format_cache_index).
cachename() {
	printf 'APKINDEX.%s.tar.gz' "$(printf '%s' "$1" | sha1sum | cut -c1-8)"
}

# index NAME URL DESCRIPTION SIGN: writes the cached index of NAME.APKINDEX,
# as apk index writes it (a gzipped tar of DESCRIPTION and APKINDEX),
# with, when SIGN is "yes", a signature segment in front, as abuild-sign
# writes it (a gzipped tar of the signature without its end-of-archive
# blocks).
index() {
	d=$tmp/$1
	mkdir -p "$d"
	cp "$1.APKINDEX" "$d/APKINDEX"
	printf '%s' "$3" >"$d/DESCRIPTION"
	tar -C "$d" --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@$epoch \
		-cf - DESCRIPTION APKINDEX | gzip -9n >"$d/index.tar.gz"
	out=$cache/$(cachename "$2")
	if [ "$4" = yes ]; then
		sig=.SIGN.RSA.libvet-fixture-66e1a4c0.rsa.pub
		openssl genrsa -out "$tmp/key.pem" 2048 2>/dev/null
		openssl dgst -sha1 -sign "$tmp/key.pem" -out "$d/$sig" "$d/index.tar.gz"
		size=$(wc -c <"$d/$sig")
		tar -C "$d" --format=ustar --owner=0 --group=0 --numeric-owner --mtime=@$epoch -cf - "$sig" |
			head -c $((512 + (size + 511) / 512 * 512)) | gzip -9n >"$d/sig.tar.gz"
		cat "$d/sig.tar.gz" "$d/index.tar.gz" >"$out"
	else
		cp "$d/index.tar.gz" "$out"
	fi
	# The so: provides of each record, as ReadApkIndexes returns them.
	awk -v repo="$2 $3 ($(basename "$out"))" '
		BEGIN { RS = ""; FS = "\n"; OFS = "\t" }
		{
			name = ver = arch = prov = ""
			for (i = 1; i <= NF; i++) {
				k = substr($i, 1, 2); v = substr($i, 3)
				if (k == "P:") name = v
				else if (k == "V:") ver = v
				else if (k == "A:") arch = v
				else if (k == "p:") prov = prov " " v
			}
			n = split(prov, a, " ")
			for (j = 1; j <= n; j++)
				if (a[j] ~ /^so:/) {
					so = substr(a[j], 4); sub(/=.*/, "", so)
					print so, 0, name, ver, arch, repo
				}
		}' "$1.APKINDEX" >>"$tmp/expected"
}

index main "$main" v3.20.3-180-g5d4c1b0a1e3 yes
index community "$community" v3.20.3-179-g0e8a7c4d2f1 no

{
	printf '# soname\tbits\tname\tversion\tarch\trepo (written by make.sh)\n'
	sort -t "$(printf '\t')" -k1,1 -k2,2n -k3,3 -k4,4 -k5,5 -k6,6 "$tmp/expected"
} >expected.txt
