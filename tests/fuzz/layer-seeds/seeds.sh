#!/bin/bash
# Make the seed corpus of fuzz-layer (binary tarballs, so made at build time, never committed):
# every *.spec here written by mklayer uncompressed, gzip and zstd.
#
#   tests/fuzz/layer-seeds/seeds.sh MKLAYER OUTDIR
set -eu
mklayer=$1
out=$2
dir=$(cd "$(dirname "$0")" && pwd)
rm -rf "$out"
mkdir -p "$out"
# an empty input (libFuzzer's first): once crashed the replay through a variadic trampoline
: >"$out/empty"
for spec in "$dir"/*.spec; do
	name=$(basename "$spec" .spec)
	"$mklayer" "$out/$name.tar" <"$spec"
	"$mklayer" -z gzip "$out/$name.tar.gz" <"$spec"
	"$mklayer" -z zstd "$out/$name.tar.zst" <"$spec"
done
