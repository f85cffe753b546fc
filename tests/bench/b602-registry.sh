#!/bin/bash
# b602-registry: what qrun pull and push cost against a registry (issue 15), vs skopeo, in the
# same run, on Debian's docker-registry on 127.0.0.1 with TLS (tests/e2e/data/t6xx).
#
#   1. pull of a 200 MB image of 5 gzip layers (random bytes), into an empty store, vs
#      `skopeo copy docker://... oci:DIR` into an empty directory: means of 3.     target <= 1.0x
#   2. pull of the same image again, every blob present: mean of 10.            target <= 50 ms
#   3. push of the image to a repository of another registry that has none of it, vs skopeo
#      copy oci:DIR docker://...: means of 3.                                    target <= 1.0x
#
# Prints, never fails. Environment: QRUN, QRUN_FIXTURES, QRUN_BUILD (tests/bench/run.sh);
# B602_MB (default 200), B602_RUNS (default 3).
set -u
: "${QRUN:?set by tests/bench/run.sh}"
QRUN_SRC=${QRUN_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
export QRUN_SRC
for c in docker-registry skopeo openssl curl python3 jq bc gzip; do
	command -v "$c" >/dev/null || { echo "   n/a: $c is not installed"; exit 0; }
done
"$QRUN" pull --help >/dev/null 2>&1 || { echo "   n/a: this qrun has no 'pull'"; exit 0; }
MB=${B602_MB:-200}
RUNS=${B602_RUNS:-3}

# the e2e helpers: a temp dir $T removed at exit, images, registries
. "$QRUN_SRC/tests/e2e/lib.sh" >/dev/null
. "$QRUN_SRC/tests/e2e/data/t101/images.sh"
. "$QRUN_SRC/tests/e2e/data/t6xx/registry.sh"

reg_pki || { echo "   n/a: openssl could not make the test CA"; exit 0; }
reg_start pullreg none || { echo "   n/a: docker-registry did not start"; exit 0; }
PULLREG=$REG
reg_trust "$PULLREG"
reg_start pushreg none || { echo "   n/a: docker-registry did not start"; exit 0; }
PUSHREG=$REG
reg_trust "$PUSHREG"
CERTS=$T/pki/skopeo-certs
mkdir -p "$CERTS" && cp "$T/pki/ca.crt" "$CERTS/"

# 5 layers of random bytes, MB in all
per=$((MB / 5))
layers=()
for i in 1 2 3 4 5; do
	mkdir -p "$T/l$i"
	head -c "$((per * 1024 * 1024))" /dev/urandom >"$T/l$i/blob$i"
	mk_tar "$T/l$i" "$T/l$i.tar"
	rm -rf "$T/l$i"
	layers+=("$T/l$i.tar")
done
mk_image "$T/lay" bench amd64 "" gzip "${layers[@]}"
rm -f "${layers[@]}"
reg_push "oci:$T/lay:bench" "$PULLREG/bench/big:1" || { echo "   n/a: skopeo could not push"; exit 0; }

now() { date +%s.%N; }
mean() { echo "scale=3; ($(IFS=+; echo "$*")) / $#" | bc; }
ratio() { echo "scale=2; $1 / $2" | bc; }

qp=() sp=() qh=() sh=()
for r in $(seq "$RUNS"); do
	rm -rf "$T/store" "$T/sk"
	s=$(now)
	QRUN_ROOT=$T/store "$QRUN" pull -q "$PULLREG/bench/big:1" >/dev/null 2>"$T/qp.err" ||
		{ echo "   n/a: qrun pull failed: $(head -1 "$T/qp.err")"; exit 0; }
	qp+=("$(echo "$(now) - $s" | bc)")
	s=$(now)
	skopeo copy -q --src-cert-dir "$CERTS" "docker://$PULLREG/bench/big:1" "oci:$T/sk:big" ||
		{ echo "   n/a: skopeo copy failed"; exit 0; }
	sp+=("$(echo "$(now) - $s" | bc)")
	# push: a new repository of the other registry each time, for both
	s=$(now)
	QRUN_ROOT=$T/store "$QRUN" push "$PULLREG/bench/big:1" "$PUSHREG/q$r/big:1" \
		>/dev/null 2>"$T/qh.err" || { echo "   n/a: qrun push failed: $(head -1 "$T/qh.err")"; exit 0; }
	qh+=("$(echo "$(now) - $s" | bc)")
	s=$(now)
	skopeo copy -q --dest-cert-dir "$CERTS" "oci:$T/sk:big" "docker://$PUSHREG/s$r/big:1" ||
		{ echo "   n/a: skopeo push failed"; exit 0; }
	sh+=("$(echo "$(now) - $s" | bc)")
done
present=()
for r in $(seq 10); do
	s=$(now)
	QRUN_ROOT=$T/store "$QRUN" pull -q "$PULLREG/bench/big:1" >/dev/null 2>&1
	present+=("$(echo "$(now) - $s" | bc)")
done

qpm=$(mean "${qp[@]}") spm=$(mean "${sp[@]}") qhm=$(mean "${qh[@]}") shm=$(mean "${sh[@]}")
pm=$(mean "${present[@]}")
echo "   registry on 127.0.0.1 (TLS), ${MB} MB in 5 gzip layers; means of $RUNS (present: of 10)"
printf '   %-44s %8s s   skopeo %8s s   %sx   [target <= 1.0x]\n' "pull into an empty store" \
	"$qpm" "$spm" "$(ratio "$qpm" "$spm")"
printf '   %-44s %8s s   skopeo %8s s   %sx   [target <= 1.0x]\n' "push to a repository without it" \
	"$qhm" "$shm" "$(ratio "$qhm" "$shm")"
printf '   %-44s %8s ms  [target <= 50 ms]\n' "pull with every blob present" \
	"$(echo "scale=1; $pm * 1000 / 1" | bc)"
exit 0
