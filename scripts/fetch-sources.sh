#!/usr/bin/env bash
# Fetches the upstream sources of the third-party workloads (zlib, SQLite,
# Lua, nginx) from Debian's source packages into a cache outside the source tree:
#
#   ${UK_SLT_CACHE:-$HOME/.cache/uk-slt}/debian-src/
#     zlib -> zlib-1.2.13.dfsg/      one stable link per source package,
#     sqlite3 -> sqlite3-3.40.1/     pointing at the tree apt-get source unpacked
#     lua5.4 -> lua5.4-5.4.4/
#     nginx -> nginx-1.22.1/
#     versions.txt                   "package version" per line
#
#   scripts/fetch-sources.sh [--force] [PACKAGE...]
#
# Signatures are checked as apt checks them (signed Release files, hashes of
# the .dsc and of the tarballs), with the system's trusted keyrings, and
# without touching the system's apt configuration: apt runs on a deb-src list
# of our own, built from the system's Debian `deb` entries, with its own
# state and cache directories under the cache. Once a package's tree is
# there it is reused with no network access; --force fetches again.
#
# The newest version the suites offer is taken; if the mirror cannot serve
# its files (e.g. a security update listed before it is mirrored), the next
# newest, with a warning. Files that fail verification stop the script.
set -euo pipefail

packages=(zlib sqlite3 lua5.4 nginx bzip2) # bzip2: examples/bzip2
force=0
args=()
for a in "$@"; do
  case $a in
    --force) force=1 ;;
    -h | --help)
      sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'
      exit 0
      ;;
    -*) echo "fetch-sources: unknown option $a" >&2; exit 2 ;;
    *) args+=("$a") ;;
  esac
done
[ ${#args[@]} -gt 0 ] && packages=("${args[@]}")

cache=${UK_SLT_CACHE:-$HOME/.cache/uk-slt}
src=$cache/debian-src
apt_dir=$cache/apt
mkdir -p "$src"

have() { # package: its unpacked tree is complete
  [ -d "$src/$1/" ] && [ -f "$src/$1/.uk-slt-fetched" ]
}

todo=()
for p in "${packages[@]}"; do
  if [ $force -eq 0 ] && have "$p"; then
    echo "fetch-sources: $p: cached in $(readlink -f "$src/$p") (offline)"
  else
    todo+=("$p")
  fi
done
# versions.txt: every cached package, for the build (a configure dependency:
# rewritten only when it changes) and the docs.
write_versions() {
  local v
  v=$(for f in "$src"/*/.uk-slt-fetched; do [ -f "$f" ] && cat "$f"; done | sort -u)
  if [ ! -f "$src/versions.txt" ] || [ "$v" != "$(cat "$src/versions.txt")" ]; then
    printf '%s\n' "$v" >"$src/versions.txt"
  fi
}
if [ ${#todo[@]} -eq 0 ]; then
  write_versions
  exit 0
fi

for tool in apt-get dpkg-source; do
  if ! command -v $tool >/dev/null; then
    echo "fetch-sources: $tool not found: install the Debian package 'dpkg-dev' (scripts/setup.sh does this)" >&2
    exit 1
  fi
done

# --- our own deb-src list, from the system's Debian `deb` entries ---------
# One deb822 file: one-line entries of *.list files are converted, deb822
# stanzas of *.sources files are copied with Types: deb-src. Only entries of
# Debian's archive (a URI with a path component "debian..."), so that a
# third-party repository without sources cannot fail the update.
mkdir -p "$apt_dir/etc/sources.list.d" "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial"
list=$apt_dir/etc/uk-slt-src.sources
inputs=()
[ -f /etc/apt/sources.list ] && inputs+=(/etc/apt/sources.list)
for f in /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources; do
  [ -f "$f" ] && inputs+=("$f")
done
: >"$list.tmp"
for f in "${inputs[@]}"; do
  case $f in
    *.sources)
      # deb822: stanzas separated by blank lines; continuation lines (leading
      # space) belong to the field above them (e.g. an inline Signed-By key).
      awk -v file="$f" '
        function flush(   i, t, is_deb, n) {
          if (nlines == 0) return
          is_deb = 0
          n = split(types, t, /[ \t]+/)
          for (i = 1; i <= n; i++) if (t[i] == "deb") is_deb = 1
          if (is_deb && enabled != "no" && uris ~ /\/debian/) {
            print "# from " file
            print "Types: deb-src"
            for (i = 1; i <= nlines; i++) if (lines[i] !~ /^(Types|Enabled):/) print lines[i]
            print ""
          }
          nlines = 0; types = ""; uris = ""; enabled = ""
        }
        /^[ \t]*$/ { flush(); next }
        /^#/ { next }
        {
          lines[++nlines] = $0
          if ($0 ~ /^Types:/) { types = $0; sub(/^Types:[ \t]*/, "", types) }
          if ($0 ~ /^URIs:/) { uris = $0 }
          if ($0 ~ /^Enabled:/) { enabled = tolower($2) }
        }
        END { flush() }' "$f" >>"$list.tmp"
      ;;
    *)
      # One-line style: deb [opt=value ...] URI SUITE [COMPONENT...]
      awk -v file="$f" '
        BEGIN {
          field["arch"] = "Architectures"; field["signed-by"] = "Signed-By"; field["trusted"] = "Trusted"
          field["lang"] = "Languages"; field["target"] = "Targets"; field["check-valid-until"] = "Check-Valid-Until"
          field["by-hash"] = "By-Hash"; field["pdiffs"] = "PDiffs"; field["allow-insecure"] = "Allow-Insecure"
        }
        { sub(/#.*/, "") }
        $1 != "deb" { next }
        {
          i = 2; nopts = 0
          if ($2 ~ /^\[/) {
            line = $0; sub(/^[ \t]*deb[ \t]+\[/, "", line); opts = line; sub(/\].*/, "", opts); sub(/^[^\]]*\][ \t]*/, "", line)
            nopts = split(opts, o, /[ \t]+/); $0 = "deb " line; i = 2
          }
          if ($i !~ /\/debian/) next
          print "# from " file
          print "Types: deb-src"
          print "URIs: " $i
          print "Suites: " $(i + 1)
          comps = ""
          for (j = i + 2; j <= NF; j++) comps = comps (comps == "" ? "" : " ") $j
          if (comps != "") print "Components: " comps
          for (k = 1; k <= nopts; k++) {
            if (o[k] == "") continue
            split(o[k], kv, "="); key = kv[1]; val = substr(o[k], length(key) + 2)
            gsub(/,/, " ", val)
            print (key in field ? field[key] : key) ": " val
          }
          print ""
        }' "$f" >>"$list.tmp"
      ;;
  esac
done
if ! grep -q '^Types: deb-src' "$list.tmp"; then
  echo "fetch-sources: no Debian 'deb' entry in /etc/apt/sources.list or /etc/apt/sources.list.d/: cannot derive a deb-src list" >&2
  rm -f "$list.tmp"
  exit 1
fi
mv "$list.tmp" "$list"

apt_opts=(
  -o "Dir::Etc::SourceList=$list"
  -o "Dir::Etc::SourceParts=$apt_dir/etc/sources.list.d"
  -o "Dir::State=$apt_dir/state"
  -o "Dir::Cache=$apt_dir/cache"
  -o "Dir::State::status=/var/lib/dpkg/status"
  -o "APT::Get::List-Cleanup=1"
)
# apt drops to the _apt user to download when it runs as root; our cache
# lives in a home directory that user cannot enter, so download as ourselves.
[ "$(id -u)" -eq 0 ] && apt_opts+=(-o "APT::Sandbox::User=root")

echo "fetch-sources: updating the deb-src index ($list)"
apt-get "${apt_opts[@]}" -qq update

# --- apt-get source, one package at a time, into a scratch directory ------
for p in "${todo[@]}"; do
  # Every version the suites offer, newest first. A mirror can list a version
  # (e.g. a fresh security update) whose files it does not serve yet: then
  # the next newest is taken, with a warning, still checked the same way.
  mapfile -t versions < <(apt-cache "${apt_opts[@]}" showsrc --only-source "$p" 2>/dev/null |
    awk '/^Version:/ { print $2 }' | sort -uVr)
  if [ ${#versions[@]} -eq 0 ]; then
    echo "fetch-sources: $p: no source package in the configured Debian suites" >&2
    exit 1
  fi
  work=""
  for version in "${versions[@]}"; do
    work=$(mktemp -d "$src/.fetch-$p-XXXXXX")
    echo "fetch-sources: $p $version: apt-get source"
    # apt checks the .dsc and tarball hashes against the signed Sources index.
    if (cd "$work" && apt-get "${apt_opts[@]}" -qq source --only-source "$p=$version" >"$work.log" 2>&1); then
      break
    fi
    cat "$work.log" >&2
    # Files that arrived but do not match the signed index: no fallback.
    if grep -qiE 'hash sum mismatch|hashes of expected file|signature' "$work.log"; then
      rm -rf "$work" "$work.log"
      echo "fetch-sources: $p $version: verification failed; not trying other versions" >&2
      exit 1
    fi
    rm -rf "$work" "$work.log"
    work=""
    if [ "$version" != "${versions[-1]}" ]; then
      echo "fetch-sources: warning: $p $version could not be fetched; trying the next newest version" >&2
    fi
  done
  if [ -z "$work" ]; then
    echo "fetch-sources: $p: apt-get source failed for every version offered (${versions[*]})" >&2
    exit 1
  fi
  rm -f "$work.log"
  tree=$(find "$work" -mindepth 1 -maxdepth 1 -type d | head -n 1)
  if [ -z "$tree" ]; then
    echo "fetch-sources: $p: apt-get source unpacked nothing" >&2
    exit 1
  fi
  name=$(basename "$tree")
  rm -rf "${src:?}/$name"
  mv "$tree" "$src/$name"
  mkdir -p "$src/.archives"
  find "$work" -maxdepth 1 -type f -exec mv -f {} "$src/.archives/" \;
  rm -rf "$work"
  echo "$p $version" >"$src/$name/.uk-slt-fetched"
  ln -sfn "$name" "$src/$p"
  echo "fetch-sources: $p $version: $src/$name"
done

write_versions
