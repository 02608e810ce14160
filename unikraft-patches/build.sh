#!/usr/bin/env bash
# Builds real Unikraft RELEASE-0.16.3 linuxu apps with the patch series of
# this directory, packs them into one uk-slt pool and runs each one three
# ways (directly, uk-slt-run, uk-dyn-run). Offline: needs only the trees.
#
#   unikraft-patches/build.sh [options]
#     --unikraft PATH   Unikraft tree (directory) or its tarball
#                       (default: ../shared/unikraft/unikraft-RELEASE-0.16.3.tar.xz
#                       beside the repository, or $UK_UNIKRAFT_DIR)
#     --app NAME=PATH   an app directory or tarball (repeatable; default:
#                       helloworld=<shared>/app-helloworld-1add85d.tar.xz and
#                       sltcheck=unikraft-patches/tests/app-sltcheck)
#     --out DIR         work directory (default: build/unikraft)
#     --bin DIR         uk-slt tools (default: build/bin)
#     --stock           build without the patches (stock objects, no pack)
#     --option-off      apply the patches, build with CONFIG_UK_SLT off (no pack)
#     --build-only      build the objects, do not pack or run
#     --if-present      no Unikraft tree: say so and exit 0 (the tests' fixture)
#
# On success (packed and run) it writes OUT/build.ok; OUT/build.log has its
# output.
#
# Layout of DIR: src/unikraft (patched copy), apps/NAME (app copy and its
# build/), packed/NAME (aligned ELF, image, desc), pool/.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
# ../shared/unikraft beside the repository (CI, /work/main); a worktree
# under /work/wt/ finds it one level further up.
shared="$repo/../shared/unikraft"
[ -d "$shared" ] || shared="$repo/../../shared/unikraft"

uk_src="${UK_UNIKRAFT_DIR:-$shared/unikraft-RELEASE-0.16.3.tar.xz}"
out="$repo/build/unikraft"
bin="$repo/build/bin"
stock=0
option_off=0
build_only=0
if_present=0
apps=()
while [ $# -gt 0 ]; do
  case "$1" in
    --unikraft) uk_src=$2; shift 2 ;;
    --app) apps+=("$2"); shift 2 ;;
    --out) out=$2; shift 2 ;;
    --bin) bin=$2; shift 2 ;;
    --stock) stock=1; shift ;;
    --option-off) option_off=1; shift ;;
    --build-only) build_only=1; shift ;;
    --if-present) if_present=1; shift ;;
    *) echo "build.sh: unknown option '$1' (see the header of $0)" >&2; exit 2 ;;
  esac
done
if [ ${#apps[@]} -eq 0 ]; then
  apps=("helloworld=$shared/app-helloworld-1add85d.tar.xz" "sltcheck=$here/tests/app-sltcheck")
fi
if [ ! -e "$uk_src" ]; then
  echo "build.sh: no Unikraft tree at $uk_src (--unikraft PATH or \$UK_UNIKRAFT_DIR)" >&2
  [ $if_present -eq 1 ] && exit 0
  exit 2
fi
mkdir -p "$out"
out=$(cd "$out" && pwd)
rm -f "$out/build.ok"
exec > >(tee "$out/build.log") 2>&1
tee_pid=$!
# done: the log is complete (tee has exited) before build.ok appears
finish() { exec 1>&- 2>&-; wait "$tee_pid" || true; [ "${1:-}" = ok ] && touch "$out/build.ok"; exit 0; }

# copy_tree SRC DEST: a directory or a tarball with one top-level directory.
copy_tree() {
  rm -rf "$2"
  mkdir -p "$2"
  if [ -d "$1" ]; then cp -a "$1/." "$2/"; else tar -xf "$1" -C "$2" --strip-components=1; fi
}

# 1. The Unikraft tree, patched with git am on a scratch repository.
tree="$out/src/unikraft"
copy_tree "$uk_src" "$tree"
if [ $stock -eq 0 ]; then
  (
    cd "$tree"
    git init -q
    git add -A
    git -c user.name=uk-slt -c user.email=uk-slt@localhost commit -qm base
    git -c user.name=uk-slt -c user.email=uk-slt@localhost am -q "$here"/0*.patch
  ) || { echo "build.sh: the patch series does not apply to $uk_src" >&2; exit 1; }
fi

# 2. Each app, for linuxu, with the config fragment (reproducible objects).
# Paths in the objects are mapped to fixed names so two build directories
# give the same bytes.
for spec in "${apps[@]}"; do
  name=${spec%%=*}
  src=${spec#*=}
  app="$out/apps/$name"
  copy_tree "$src" "$app"
  if [ $stock -eq 0 ] && [ $option_off -eq 0 ]; then cp "$here/slt.config" "$app/defconfig.uk-slt"
  else printf 'CONFIG_PLAT_LINUXU=y\nCONFIG_ARCH_X86_64=y\n' > "$app/defconfig.uk-slt"; fi
  flags="-ffile-prefix-map=$tree=unikraft -ffile-prefix-map=$app=app"
  mk=(make -s -C "$tree" A="$app" O="$app/build" UK_CFLAGS="$flags" UK_ASFLAGS="$flags")
  "${mk[@]}" UK_DEFCONFIG="$app/defconfig.uk-slt" defconfig >"$app/build.log" 2>&1 ||
    { echo "build.sh: $name: defconfig failed (see $app/build.log)" >&2; exit 1; }
  "${mk[@]}" -j2 >>"$app/build.log" 2>&1 ||
    { echo "build.sh: $name: make failed (see $app/build.log)" >&2; tail -5 "$app/build.log" >&2; exit 1; }
  # The objects in Unikraft's own link order (the linker command line).
  cmd=$(ls "$app"/build/*_linuxu-x86_64.dbg.cmd)
  tr ' ' '\n' < "$cmd" | grep -E '/lib[^/]*\.o$|/app[^/]*\.o$' | grep -v '\.ld\.o$' > "$app/objects.txt"
  echo "build.sh: $name: $(wc -l < "$app/objects.txt") libraries, image $(ls "$app"/build/*_linuxu-x86_64)"
done
[ $build_only -eq 1 ] && finish ok
[ $stock -eq 1 ] && finish ok
[ $option_off -eq 1 ] && finish ok

# 3. Pack every app into one pool.
pool="$out/pool"
rm -rf "$pool" "$out/packed"
mkdir -p "$pool" "$out/packed"
specs=()
for spec in "${apps[@]}"; do
  name=${spec%%=*}
  specs+=("$name=$(paste -sd, "$out/apps/$name/objects.txt")")
done
"$bin/uk-slt" --pool "$pool" --profile unikraft --unikraft-tree "$tree" pack --out-dir "$out/packed" "${specs[@]}"

# 4. Run each app: directly, via uk-slt-run, via uk-dyn-run.
descs=()
for spec in "${apps[@]}"; do
  name=${spec%%=*}
  d="$out/packed/$name"
  descs+=("$d/$name.desc")
  set +e
  # argv[0] as uk-slt-run passes it (the desc), so that outputs compare
  (exec -a "$d/$name.desc" "$d/$name.elf" </dev/null >"$d/direct.out" 2>/dev/null); rc_direct=$?
  "$bin/uk-slt-run" --pool "$pool" "$d/$name.desc" </dev/null >"$d/slt.out" 2>/dev/null; rc_slt=$?
  set -e
  same=$(cmp -s "$d/direct.out" "$d/slt.out" && echo "same output" || echo "OUTPUT DIFFERS")
  echo "run: $name: direct exit $rc_direct, uk-slt-run exit $rc_slt, $same"
  echo "run: $name: uk-dyn-run: not available for Unikraft (see README, Real Unikraft unikernels)"
done
"$bin/uk-slt" --pool "$pool" report "${descs[@]}"
finish ok
