# t202: one line per entry of /data (or of the directory $1), sorted by name:
#   NAME f MODE SIZE MTIME UID:GID: CONTENT (newlines shown as |)
#   NAME/ d MODE UID:GID            (then its files, as DIR/NAME f ...)
#   NAME l -> TARGET
# Run by busybox sh in the containers and by bash + coreutils on the host (the oracle), so it
# uses only what both have. Directory mtimes are left out: adding a file changes them.
cd "${1:-/data}" || exit 1
line() { echo "$1 f $(stat -c '%a %s %Y %u:%g' "$1"): $(tr '\n' '|' <"$1")"; }
for f in *; do
	if [ -L "$f" ]; then
		echo "$f l -> $(readlink "$f")"
	elif [ -d "$f" ]; then
		echo "$f/ d $(stat -c '%a %u:%g' "$f")"
		for g in "$f"/*; do
			if [ -e "$g" ]; then line "$g"; fi
		done
	else
		line "$f"
	fi
done
