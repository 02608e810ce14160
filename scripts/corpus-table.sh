#!/usr/bin/env bash
# Runs every app of the corpus in every mode and prints one row per app, the
# paper's three modes side by side: median wall time of a few runs in each
# mode, its ratio to the direct ELF, the exit status, and whether stdout
# matches the direct run (elapsed times in the output, e.g. speedtest1's, are
# masked before comparing).
#
#   scripts/corpus-table.sh [--build DIR] [--pool DIR] [--runs N] [--scale demo|bench] [APP...]
#
# --build  build tree (default build/ beside this script); the corpus is in
#          DIR/unikernels, the tools in DIR/bin
# --pool   pool of that corpus (default DIR/pool)
# --runs   runs per app and mode (default 5); the median is printed
# --scale  demo: small inputs, a few seconds in all (default);
#          bench: the benchmark's inputs (zlib 10 MiB, speedtest1 --size 50...)
#
# Modes: direct (the aligned ELF run by the kernel, the reference),
# Spacer-SLT (uk-slt-run APP.desc: pool + private image), SLT [ASLR]
# (uk-slt-run APP.aslr.desc: every library at its own random base) and
# Dynamic (uk-dyn-run APP.so); a mode the build lacks for an app shows "-".
# Times are measured in this shell with $EPOCHREALTIME around each run, so
# they include fork and exec, the same for every mode.
# Exit status: 0, or 1 if some app's stdout or exit status differs between modes.
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build
pool=""
runs=5
scale=demo
only=()
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift 2 ;;
    --pool) pool=$2; shift 2 ;;
    --runs) runs=$2; shift 2 ;;
    --scale) scale=$2; shift 2 ;;
    -h | --help) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
    -*) echo "corpus-table: unknown option $1" >&2; exit 2 ;;
    *) only+=("$1"); shift ;;
  esac
done
[ -n "$pool" ] || pool=$build/pool
corpus=$build/unikernels
loader=$build/bin/uk-slt-run
case $scale in demo | bench) ;; *) echo "corpus-table: --scale is demo or bench" >&2; exit 2 ;; esac
[[ $runs =~ ^[1-9][0-9]*$ ]] || { echo "corpus-table: --runs must be a positive number" >&2; exit 2; }
[ -x "$loader" ] || { echo "corpus-table: $loader not found (build first)" >&2; exit 1; }

tmp=$(mktemp -d /tmp/uk-corpus-table-XXXXXX)
trap 'rm -rf "$tmp"' EXIT

# --- workloads: app, stdin file, arguments ({tmp} is the scratch dir) ------
if [ $scale = demo ]; then
  zlib_size=1M speed_size=5 matrix_n=192 mandel="320 240 256" image="512 384"
else
  zlib_size=10M speed_size=50 matrix_n=512 mandel="1280 960 1000" image="1920 1080"
fi
printf 'line %d of the demo input\n' $(seq 1 2000) >"$tmp/cat.in"
cat >"$tmp/fn.lua" <<'EOF'
-- A FaaS-style handler: parse a request, compute, format a response.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local words, counts = {}, {}
for i = 1, 20000 do words[i] = ("w" .. (i * 7919) % 613) end
for _, w in ipairs(words) do counts[w] = (counts[w] or 0) + 1 end
local keys = {}
for k in pairs(counts) do keys[#keys + 1] = k end
table.sort(keys)
print(("fib(%d) = %d, %d distinct words, first %s"):format(arg[1], fib(tonumber(arg[1])), #keys, keys[1]))
EOF
cat >"$tmp/query.sql" <<'EOF'
create table t(id integer primary key, k text, v real);
with recursive n(i) as (select 1 union all select i + 1 from n where i < 20000)
  insert into t(k, v) select 'key' || (i % 97), i * 0.5 from n;
create index t_k on t(k);
select k, count(*), round(sum(v), 1) from t group by k order by 3 desc limit 3;
EOF

# app|stdin|args
workloads=(
  "helloworld|/dev/null|from the corpus table"
  "mandelbrot|/dev/null|$mandel {tmp}/mandelbrot.ppm"
  "cat|$tmp/cat.in|"
  "exitcode|/dev/null|3"
  "zlib-perf|/dev/null|$zlib_size"
  "sqlite-speed|/dev/null|--size $speed_size --memdb"
  "sqlite-shell|$tmp/query.sql|"
  "lua|/dev/null|$tmp/fn.lua 24"
  "lambda-perf|/dev/null|$tmp/lambda-in.ppm {tmp}/lambda-out.ppm"
  "matrix-perf|/dev/null|$matrix_n"
)
# nginx: ready mode (read the config, bind and listen on a free loopback
# port, exit 0) from a copy of the build's prefix.
if [ -d "$corpus/nginx/prefix/conf" ]; then
  cp -r "$corpus/nginx/prefix" "$tmp/nginx"
  port=""
  for ((try = 0; try < 50; try++)); do
    p=$((20000 + RANDOM % 30000))
    if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then port=$p; break; fi
  done
  sed -i "s/listen 127\.0\.0\.1:8080;/listen 127.0.0.1:$port;/; 1i uk_ready on;" "$tmp/nginx/conf/nginx.conf"
  workloads+=("nginx|/dev/null|-p $tmp/nginx/")
fi
if [ -x "$corpus/lambda-perf/lambda-perf.elf" ]; then
  # shellcheck disable=SC2086
  "$corpus/lambda-perf/lambda-perf.elf" gen $image "$tmp/lambda-in.ppm" >/dev/null
fi

mode_names=(direct slt aslr dyn)
declare -A mode_label=([direct]=direct [slt]=Spacer-SLT [aslr]="SLT [ASLR]" [dyn]=Dynamic)
command_for() { # mode app -> cmd array
  case $1 in
    direct) cmd=("$corpus/$2/$2.elf") ;;
    slt) cmd=("$loader" --pool "$pool" "$corpus/$2/$2.desc") ;;
    aslr) cmd=("$loader" --pool "$pool" "$corpus/$2/$2.aslr.desc") ;;
    dyn) cmd=("$build/bin/uk-dyn-run" "$corpus/$2/$2.so") ;;
  esac
}
modes_for() { # app -> modes array: the ones the build has for it
  modes=(direct slt)
  if [ -f "$corpus/$1/$1.aslr.desc" ]; then modes+=(aslr); fi
  if [ -x "$build/bin/uk-dyn-run" ] && [ -f "$corpus/$1/$1.so" ]; then modes+=(dyn); fi
}

median() { sort -n | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else printf "%.6f\n", (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

printf '%-14s %-42s %s\n' "" "median ms of $runs runs" "ratio to direct"
printf '%-14s %8s %10s %10s %9s   %10s %10s %9s  %5s  %s\n' app direct Spacer-SLT "SLT [ASLR]" Dynamic \
  Spacer-SLT "SLT [ASLR]" Dynamic exit stdout
status=0
listed=()
for w in "${workloads[@]}"; do
  IFS='|' read -r app stdin args <<<"$w"
  listed+=("$app")
  if [ ${#only[@]} -gt 0 ] && [[ ! " ${only[*]} " == *" $app "* ]]; then continue; fi
  if [ ! -f "$corpus/$app/$app.desc" ]; then
    printf '%-14s %8s\n' "$app" "not built"
    continue
  fi
  modes_for "$app"
  # Runs alternate between the modes, so that drift (frequency, caches,
  # other load) hits every mode alike.
  declare -A times=() rcs=() sums=()
  for ((r = 0; r < runs; r++)); do
    for mode in "${modes[@]}"; do
      command_for "$mode" "$app"
      mkdir -p "$tmp/$mode"
      # shellcheck disable=SC2206
      argv=(${args//\{tmp\}/$tmp/$mode})
      t0=$EPOCHREALTIME
      set +e
      "${cmd[@]}" "${argv[@]}" <"$stdin" >"$tmp/out" 2>"$tmp/err"
      rc=$?
      set -e
      t1=$EPOCHREALTIME
      times[$mode]+="$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f", (b - a) * 1000 }') "
      rcs[$mode]=$rc
      # speedtest1's times (" %4d.%03ds"): value and padding masked
      sums[$mode]=$(sed -E 's/ *[0-9]+\.[0-9]{3}s/ #.###s/g' "$tmp/out" | cksum)
    done
  done
  declare -A ms=()
  for mode in "${modes[@]}"; do ms[$mode]=$(printf '%s\n' ${times[$mode]} | median); done
  cells=() ratios=() exits=${rcs[direct]} differs=()
  for mode in "${mode_names[@]}"; do
    if [ -z "${ms[$mode]-}" ]; then
      cells+=(-)
      [ "$mode" = direct ] || ratios+=(-)
      continue
    fi
    cells+=("$(printf '%.3f' "${ms[$mode]}")")
    [ "$mode" = direct ] && continue
    ratios+=("$(awk -v a="${ms[$mode]}" -v b="${ms[direct]}" 'BEGIN { printf "%.2f", (b > 0 ? a / b : 0) }')")
    if [ "${rcs[$mode]}" != "${rcs[direct]}" ]; then exits+="/${rcs[$mode]}"; fi
    if [ "${sums[$mode]}" != "${sums[direct]}" ] || [ "${rcs[$mode]}" != "${rcs[direct]}" ]; then
      differs+=("${mode_label[$mode]}")
    fi
  done
  if [ ${#differs[@]} -eq 0 ]; then
    same="= direct"
  else
    same="DIFFERS from direct: $(printf '%s, ' "${differs[@]}")"
    same=${same%, }
    status=1
  fi
  printf '%-14s %8s %10s %10s %9s   %10s %10s %9s  %5s  %s\n' "$app" "${cells[@]}" "${ratios[@]}" "$exits" "$same"
  unset times rcs sums ms
done

# Apps built but without a workload row here: say so rather than hide them.
for d in "$corpus"/*/; do
  app=$(basename "$d")
  if [ -f "$d/$app.desc" ] && [[ ! " ${listed[*]} " == *" $app "* ]]; then
    echo "corpus-table: note: $app has no workload in scripts/corpus-table.sh" >&2
  fi
done
exit $status
