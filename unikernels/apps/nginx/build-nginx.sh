#!/bin/sh
# Builds nginx's objects with nginx's own build system and combines them into
# one relocatable object, the nginx app library (called by app.cmake):
#
#   build-nginx.sh SRC APP WORK OUT.o ZLIB.o ZLIB_INC CC LD AR MAKE CC_OPT CONFIGURE_ARGS...
#
# SRC is the unpacked Debian source package (the read-only cache: nothing is
# written into it), APP this directory (uk_ready/, our nginx module, and
# compat/). WORK, in the build tree, gets a tree of symbolic links to SRC's
# files, and nginx's ./configure runs there with CC (musl-gcc): it probes the
# musl toolchain and writes objs/ and a Makefile into WORK only; make then
# compiles nginx in WORK/objs. The zlib micro-library (ZLIB.o, headers in
# ZLIB_INC) stands in for -lz (as libz.a), so the gzip module is built and
# checked against the very zlib the unikernel links. The objects objs/nginx
# is linked from are combined with `ld -r` into OUT.o; make's own link of
# objs/nginx (a plain static musl nginx) checks that they are complete.
#
# Everything configure sees is named relative to WORK/tree (links uk_ready,
# uk_compat, uk_zlib, uk_lib), so the configure arguments nginx embeds
# (`nginx -V`) hold no build path and nginx.o is the same in every build tree.
set -eu
src=$1 app=$2 work=$3 out=$4 zlib=$5 zlib_inc=$6 cc=$7 ld=$8 ar=$9
shift 9
make=$1 cc_opt=$2
shift 2

rm -rf "$work"
mkdir -p "$work/tree/uk_lib"
"$ar" rcs "$work/tree/uk_lib/libz.a" "$zlib"
for f in "$src"/*; do
  ln -s "$f" "$work/tree/$(basename "$f")"
done
ln -s "$app/uk_ready" "$work/tree/uk_ready"
ln -s "$app/compat" "$work/tree/uk_compat"
ln -s "$zlib_inc" "$work/tree/uk_zlib"

cd "$work/tree"
log=$work/configure.log
if ! ./configure --with-cc="$cc" --with-cc-opt="$cc_opt -Iuk_compat -Iuk_zlib" --with-ld-opt="-static -Luk_lib" \
  "$@" --add-module=uk_ready >"$log" 2>&1; then
  cat "$log" >&2
  echo "build-nginx: nginx's configure failed (log: $log)" >&2
  exit 1
fi
log=$work/make.log
if ! "$make" -f objs/Makefile >"$log" 2>&1; then
  tail -n 60 "$log" >&2
  echo "build-nginx: make failed (log: $log)" >&2
  exit 1
fi

# Every object objs/nginx is linked from, in the Makefile's order.
objs=$(sed -n '/^objs\/nginx:/,/^$/p' objs/Makefile | tr ' \\\t' '\n\n\n' | grep '^objs/.*\.o$' | awk '!seen[$0]++')
[ -n "$objs" ] || { echo "build-nginx: no objects found in objs/Makefile" >&2; exit 1; }
# shellcheck disable=SC2086
"$ld" -r $objs -o "$out.tmp"
mv "$out.tmp" "$out"
