#!/bin/bash
# treecmp.sh: compare two directory trees the way the image-store oracle needs it.
#
#   treecmp.sh [-o] [-X] [-x REGEX] DIR1 DIR2   prints a unified diff of the listings and
#                                               exits 1 when they differ, 0 when equal
#   treecmp.sh -l [-o] [-X] [-x REGEX] DIR      prints the listing of DIR
#
# A listing has one line per path below DIR (bytewise sorted, relative, DIR itself as "."):
#
#   PATH  TYPE  MODE  [UID:GID]  DETAIL  [hl=FIRST]  [xattr KEY=HEX...]
#
# TYPE is find's %y (f d l c b p s); MODE the permission bits in octal, setuid, setgid and
# sticky included; DETAIL the sha256 and size of a file ("unreadable" when the caller cannot
# read it), the target of a symlink, MAJOR:MINOR of a device; hl= the first path (sorted) of
# the hard-link group a file belongs to, when it has more than one name inside DIR; xattrs are
# the user.* ones but user.rootlesscontainers (umoci --rootless's owner record, which qrun
# keeps in its meta file instead) (python3, else getfattr; -X or neither tool: not listed). Names may hold
# blanks and tabs, not newlines.
#   -o        list uid:gid too (as root)
#   -x REGEX  leave out paths matching the ERE (e.g. '^dev/' as an unprivileged user); repeatable
set -u

list=0
owners=0
xattrs=1
exclude=
while getopts loXx: opt; do
	case $opt in
	l) list=1 ;;
	o) owners=1 ;;
	X) xattrs=0 ;;
	x) exclude="${exclude:+$exclude|}($OPTARG)" ;;
	*) exit 2 ;;
	esac
done
shift $((OPTIND - 1))

# xattr_dump DIR: "PATH\0KEY=HEX ...\0" for every path with user.* xattrs.
xattr_dump() {
	if command -v python3 >/dev/null 2>&1; then
		(cd "$1" && find . -print0 2>/dev/null | python3 -c '
import os, sys
out = sys.stdout.buffer
for p in sys.stdin.buffer.read().split(b"\0"):
	if not p:
		continue
	try:
		keys = sorted(k for k in os.listxattr(p, follow_symlinks=False)
			if k.startswith("user.") and k != "user.rootlesscontainers")
		v = " ".join("%s=%s" % (k, os.getxattr(p, k, follow_symlinks=False).hex()) for k in keys)
	except OSError:
		continue
	if keys:
		out.write((p[2:] if p.startswith(b"./") else p) + b"\0" + v.encode() + b"\0")
')
	elif command -v getfattr >/dev/null 2>&1; then
		# getfattr escapes unusual bytes in names: good enough for plain names.
		(cd "$1" && find . -print0 2>/dev/null | xargs -0 getfattr -h -d -m '^user\.' -e hex 2>/dev/null) |
			awk '/^# file: / { p = substr($0, 9); sub(/^\.\//, "", p); next }
				/=/ && !/^user\.rootlesscontainers=/ { sub(/=0x/, "="); x[p] = x[p] " " $0 }
				END { for (p in x) printf "%s%c%s%c", p, 0, substr(x[p], 2), 0 }'
	fi
}

# listing DIR
listing() {
	local dir=$1 p y m o i l detail hl key
	local -A first=() xa=()
	# Hard-link groups: the first name of each inode with more than one link.
	while IFS=$'\t' read -r -d '' i p; do
		[ -n "${first[$i]:-}" ] || first[$i]=$p
	done < <(find "$dir" -mindepth 1 -type f -links +1 -printf '%i\t%P\0' 2>/dev/null | LC_ALL=C sort -z -t$'\t' -k2)
	if [ "$xattrs" = 1 ]; then
		while IFS= read -r -d '' p && IFS= read -r -d '' key; do
			xa[$p]=$key
		done < <(xattr_dump "$dir")
	fi
	find "$dir" -printf '%y\t%m\t%U:%G\t%i\t%P\0%l\0' 2>/dev/null |
		while IFS=$'\t' read -r -d '' y m o i p && IFS= read -r -d '' l; do
			[ -n "$p" ] || p=.
			if [ -n "$exclude" ] && [[ $p =~ $exclude ]]; then
				continue
			fi
			case $y in
			f)
				if [ -r "$dir/$p" ]; then
					detail="$(sha256sum <"$dir/$p" | cut -c1-64):$(stat -c %s "$dir/$p")"
				else
					detail=unreadable:$(stat -c %s "$dir/$p")
				fi
				;;
			l) detail="-> $l" ;;
			c | b) detail=$(stat -c '%Hr:%Lr' "$dir/$p") ;;
			*) detail=- ;;
			esac
			hl=
			[ "$y" = f ] && [ -n "${first[$i]:-}" ] && hl=" hl=${first[$i]}"
			[ "$owners" = 1 ] || o=
			printf '%s %s %04o%s %s%s%s\n' "$p" "$y" "0$m" "${o:+ $o}" "$detail" "$hl" \
				"${xa[$p]:+ xattr ${xa[$p]}}"
		done | LC_ALL=C sort
}

if [ "$list" = 1 ]; then
	[ $# = 1 ] || exit 2
	listing "$1"
	exit 0
fi
[ $# = 2 ] || {
	echo "usage: treecmp.sh [-l] [-o] [-X] [-x REGEX] DIR1 [DIR2]" >&2
	exit 2
}
a=$(listing "$1")
b=$(listing "$2")
[ "$a" = "$b" ] && exit 0
diff -u --label "$1" --label "$2" <(printf '%s\n' "$a") <(printf '%s\n' "$b")
exit 1
