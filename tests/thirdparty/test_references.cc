// Reference tests: each workload's results checked against an independent
// implementation on the host, in every mode:
//   zlib-perf     its deflate stream inflated by the host's zlib (-lz), its
//                 checksums recomputed, its bytes equal to the host's deflate
//   sqlite-shell  the host's sqlite3 on the same SQL, and databases written by
//                 one read by the other
//   sqlite-speed  speedtest1.c built against the host's libsqlite3
//   lua           the host's lua5.4 on the same script
//   lambda-perf   the general bilinear formula in floating point
//   matrix-perf   the product recomputed here
#include <gtest/gtest.h>
#include <zlib.h>

#include <cinttypes>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <regex>

#include "workload.h"

namespace uk::test::tp {
namespace {

std::string host_inflate(const std::string &z, size_t expect) {
  std::string out(expect + 1, '\0');
  uLongf len = out.size();
  int rc = uncompress(reinterpret_cast<Bytef *>(out.data()), &len, reinterpret_cast<const Bytef *>(z.data()), z.size());
  EXPECT_EQ(rc, Z_OK);
  out.resize(rc == Z_OK ? len : 0);
  return out;
}

std::string host_deflate(const std::string &in, int level) {
  uLongf len = compressBound(in.size());
  std::string out(len, '\0');
  EXPECT_EQ(compress2(reinterpret_cast<Bytef *>(out.data()), &len, reinterpret_cast<const Bytef *>(in.data()),
                      in.size(), level),
            Z_OK);
  out.resize(len);
  return out;
}

std::string hex32(unsigned long v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%08lx", v);
  return buf;
}

TEST(ZlibPerf, RoundTripsThroughTheHostZlib) {
  UK_TP_REQUIRE("zlib-perf");
  const std::string input = sample_bytes(300000, 7);
  const unsigned long crc = crc32(0, reinterpret_cast<const Bytef *>(input.data()), input.size());
  const unsigned long adler = adler32(1, reinterpret_cast<const Bytef *>(input.data()), input.size());
  for (Mode m : kModes) {
    for (int level : {1, 6, 9}) {
      SCOPED_TRACE(std::string(mode_name(m)) + " level " + std::to_string(level));
      Outcome o = run_in_dir(m, "zlib-perf", {"-l", std::to_string(level), "-i", "{dir}/in", "-o", "{dir}/out.z"}, "",
                             {{"in", input}});
      ASSERT_EQ(o.status, 0) << o.err;
      const std::string &z = o.files["out.z"];
      EXPECT_TRUE(host_inflate(z, input.size()) == input) << "the host's zlib does not inflate it to the input";
      EXPECT_NE(o.out.find("crc32 " + hex32(crc) + " adler32 " + hex32(adler)), std::string::npos) << o.out;
      EXPECT_NE(o.out.find("deflated " + std::to_string(z.size()) + " bytes"), std::string::npos) << o.out;
      // Same zlib version on both sides (the Debian source and zlib1g-dev
      // of one release, scripts/setup.sh): deflate is deterministic, so the
      // very same bytes whatever the piece sizes. Another version is a
      // setup error, never a silent pass.
      ASSERT_NE(o.out.find(std::string("zlib ") + zlibVersion() + " "), std::string::npos)
          << "zlib-perf's zlib is not the host's " << zlibVersion()
          << " (install the zlib1g-dev of the release whose zlib source was fetched): " << o.out;
      EXPECT_TRUE(z == host_deflate(input, level)) << "differs from the host's compress2()";
    }
  }
}

TEST(ZlibPerf, GeneratedDataInflatesToWhatItPrints) {
  UK_TP_REQUIRE("zlib-perf");
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    Outcome o = run_in_dir(m, "zlib-perf", {"-o", "{dir}/out.z", "1M"});
    ASSERT_EQ(o.status, 0) << o.err;
    std::string back = host_inflate(o.files["out.z"], 1 << 20);
    ASSERT_EQ(back.size(), 1u << 20);
    unsigned long crc = crc32(0, reinterpret_cast<const Bytef *>(back.data()), back.size());
    EXPECT_NE(o.out.find("crc32 " + hex32(crc)), std::string::npos) << o.out;
  }
}

// Exercises the SQL engine rather than the shell's formatting: joins,
// aggregates, window functions, CTEs, JSON, math, dates from literals,
// collation, constraints and an error that does not stop the script.
const char *kReferenceSql = R"(create table dept(id integer primary key, name text not null unique);
create table emp(id integer primary key, name text, dept integer references dept(id), salary real, hired text);
insert into dept(name) values ('kernel'), ('loader'), ('toolchain');
with recursive n(i) as (select 1 union all select i + 1 from n where i < 200)
  insert into emp(name, dept, salary, hired)
  select 'e' || i, 1 + i % 3, 1000 + (i * 37) % 500 + i / 7.0, date('2020-01-01', '+' || (i * 5) || ' days') from n;
create index emp_dept on emp(dept, salary);
select d.name, count(*), round(avg(e.salary), 3), min(e.hired), max(e.hired)
  from emp e join dept d on d.id = e.dept group by d.name order by d.name;
select name, salary, rank() over (partition by dept order by salary desc) as r
  from emp where id % 17 = 0 order by dept, r, name;
select group_concat(name, ',') from (select name from emp where salary > 1450 order by salary, name);
select json_group_array(json_object('id', id, 's', salary)) from emp where id <= 3;
select sqrt(2), pow(2, 10), ln(10), printf('%.4f|%5d|%-4s|', pi(), 42, 'ab'), 7 / 2, 7 % 3, 7.0 / 2;
select upper('straße'), lower('ÀB'), length('ünï'), hex('ü'), 'a' < 'B', 'a' < 'B' collate nocase;
select strftime('%Y-%m-%d %H:%M', '2024-02-29 13:45:00', '+1 year'), julianday('2000-01-01');
insert into dept(name) values ('kernel');
select count(*) from dept;
update emp set salary = salary * 2 where dept = 2 and id < 12 returning id, salary;
delete from emp where id > 150;
select total(salary), count(distinct dept) from emp;
pragma integrity_check;
)";

RunResult host_sqlite3(const std::vector<std::string> &args, const std::string &sql) {
  std::string tool = host_tool("sqlite3");
  if (tool.empty()) return {};
  std::vector<std::string> argv = {tool};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, sql);
}

std::string host_sqlite3_out(const std::vector<std::string> &args, const std::string &sql) {
  RunResult r = host_sqlite3(args, sql);
  EXPECT_EQ(r.status, 0) << r.err;
  return r.out;
}

TEST(SqliteShell, MatchesTheHostSqlite3) {
  UK_TP_REQUIRE("sqlite-shell");
  RunResult expect = host_sqlite3({"-batch"}, kReferenceSql);
  ASSERT_FALSE(expect.out.empty());
  // The script has one failing statement: an error message, status 1.
  ASSERT_EQ(expect.status, 1) << expect.err;
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    Outcome o = run_in_dir(m, "sqlite-shell", {"-batch"}, kReferenceSql);
    EXPECT_EQ(o.status, expect.status);
    EXPECT_EQ(o.out, expect.out);
    EXPECT_EQ(o.err, expect.err);
  }
}

TEST(SqliteShell, DatabasesAreReadableByTheHostAndBack) {
  UK_TP_REQUIRE("sqlite-shell");
  std::string tool = host_tool("sqlite3");
  ASSERT_FALSE(tool.empty());
  const std::string query = "select count(*), sum(salary), max(name) from emp;\npragma integrity_check;\n";
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    // Ours writes, the host reads.
    Outcome o = run_in_dir(m, "sqlite-shell", {"-batch", "{dir}/db", ".read {dir}/s.sql"}, "", {{"s.sql", kReferenceSql}});
    ASSERT_NE(o.files["db"].size(), 0u) << o.err;
    std::string dir = make_temp_dir();
    write_text(dir + "/db", o.files["db"]);
    std::string host_view = host_sqlite3_out({"-batch", dir + "/db"}, query);
    EXPECT_NE(host_view.find("ok"), std::string::npos) << host_view;
    // The host writes, ours reads.
    std::string db2 = dir + "/host.db";
    host_sqlite3({"-batch", db2}, kReferenceSql);
    Outcome back = run_in_dir(m, "sqlite-shell", {"-batch", "{dir}/db"}, query, {{"db", read_text(db2)}});
    EXPECT_EQ(back.status, 0) << back.err;
    EXPECT_EQ(back.out, host_sqlite3_out({"-batch", db2}, query));
    EXPECT_EQ(back.out, host_view);
    std::system(("rm -rf '" + dir + "'").c_str());
  }
}

// speedtest1's report as it prints it ("%4d - %s%.*s " then "%4d.%03ds"),
// with the given elapsed milliseconds per test and in total.
std::string speedtest1_report(const char *name, int test_ms, int total_ms, const char *hash) {
  char buf[512];
  std::snprintf(buf, sizeof buf, "%4d - %s%.*s %4d.%03ds\n       TOTAL%.*s %4d.%03ds\nVerification Hash: %s\n", 100,
                name, 20, std::string(20, '.').c_str(), test_ms / 1000, test_ms % 1000, 55, std::string(55, '.').c_str(),
                total_ms / 1000, total_ms % 1000, hash);
  return buf;
}

TEST(SqliteSpeed, TimesAreMaskedWithTheirWidthAndNothingElseIs) {
  // Under heavy load a 46 s TOTAL is one character narrower than a 0.5 s one.
  const std::string quick = speedtest1_report("INSERTs into table", 12, 512, "3f29");
  const std::string slow = speedtest1_report("INSERTs into table", 12345, 46000, "3f29");
  ASSERT_NE(quick, slow);
  EXPECT_EQ(strip_times(quick), strip_times(slow));
  EXPECT_EQ(strip_times(quick).find("0.012s"), std::string::npos) << strip_times(quick);
  EXPECT_EQ(strip_times(quick).find(" 100 - INSERTs into table" + std::string(20, '.') + " #.###s\n"), 0u)
      << strip_times(quick);
  // What the comparison proves is kept: the tests run, their names, the hash.
  EXPECT_NE(strip_times(quick), strip_times(speedtest1_report("INSERTs into index", 12, 512, "3f29")));
  EXPECT_NE(strip_times(quick), strip_times(speedtest1_report("INSERTs into table", 12, 512, "3f28")));
  std::string renumbered = quick;
  renumbered.replace(0, 4, " 110");
  EXPECT_NE(strip_times(quick), strip_times(renumbered));
}

TEST(SqliteSpeed, MatchesSpeedtest1OnTheHostLibrary) {
  UK_TP_REQUIRE("sqlite-speed");
  std::string tool = host_tool("speedtest1");
  ASSERT_FALSE(tool.empty());
  for (const char *testset : {"main", "rtree"}) {
    std::vector<std::string> args = {"--size", "5", "--memdb", "--verify", "--testset", testset};
    std::vector<std::string> argv = {tool};
    argv.insert(argv.end(), args.begin(), args.end());
    RunResult host = run(argv);
    ASSERT_EQ(host.status, 0) << host.err;
    ASSERT_NE(host.out.find("Verification Hash"), std::string::npos) << host.out;
    // Every test line and the TOTAL end in a masked time: the comparison
    // below covers the whole report, not only its hash.
    const std::string masked = strip_times(host.out);
    size_t timed = 0;
    for (size_t p = masked.find(" #.###s\n"); p != std::string::npos; p = masked.find(" #.###s\n", p + 1)) timed++;
    ASSERT_GE(timed, 5u) << masked;
    ASSERT_NE(masked.find("TOTAL"), std::string::npos) << masked;
    for (Mode m : kModes) {
      SCOPED_TRACE(std::string(mode_name(m)) + " " + testset);
      Outcome o = run_in_dir(m, "sqlite-speed", args);
      EXPECT_EQ(o.status, 0) << o.err;
      EXPECT_EQ(strip_times(o.out), strip_times(host.out));
    }
  }
}

const char *kReferenceLua = R"(-- Deterministic: no pairs() order, no addresses, no clocks.
local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
print("fib", fib(20), 2^53, math.maxinteger, math.mininteger, 7 // 0.0, -7 // 2, -7 % 3, 3 / 2)
print(string.format("%.14g %g %5.2f %x %q", 0.1 + 0.2, 1e300 * 10, -1.005, 255, "a\nb\0c"))
print(math.tointeger(3.0), math.type(1), math.type(1.0), 10 == 10.0, math.ult(1, -1))
local words = {}
for w in ("the quick brown fox jumps over the lazy dog"):gmatch("%a+") do words[#words + 1] = w end
table.sort(words, function(a, b) return #a < #b or (#a == #b and a < b) end)
print(table.concat(words, " "), select("#", table.unpack(words)))
print(("%d items"):format(#words), ("hello"):byte(1, -1))
print(string.pack and #string.pack("i4i8", 1, 2), utf8.char(72, 228, 8364), utf8.len("häll€"))
local gen = coroutine.wrap(function() for i = 1, 3 do coroutine.yield(i * 10) end end)
print(gen(), gen(), gen())
local ok, err = pcall(function() error({code = 42}) end)
print(ok, type(err), err.code, select(2, pcall(error, "plain", 0)))
local mt = setmetatable({}, {__index = function(_, k) return k * 2 end, __call = function(_, x) return x + 1 end})
print(mt[21], mt(41), rawget(mt, 21))
local t = {}
for i = 1, 1000 do t[i] = (i * 7919) % 1009 end
table.sort(t)
local s = 0
for i, v in ipairs(t) do s = s + v * i end
print("checksum", s, t[1], t[#t])
print(string.rep("ab", 3, ","), ("x"):rep(0), ("CamelCase"):gsub("%u", function(c) return "_" .. c:lower() end))
print(tostring(nil), tostring(true), tonumber("0x10"), tonumber("  12  "), tonumber("z", 36), tonumber("1e2"))
io.write(string.format("%s|%s\n", arg[1], arg[2]))
os.exit(3)
)";

TEST(Lua, MatchesTheHostLua) {
  UK_TP_REQUIRE("lua");
  std::string tool = host_tool("lua5.4");
  ASSERT_FALSE(tool.empty());
  std::string dir = make_temp_dir();
  write_text(dir + "/ref.lua", kReferenceLua);
  RunResult host = run({tool, dir + "/ref.lua", "first", "second arg"});
  std::system(("rm -rf '" + dir + "'").c_str());
  ASSERT_EQ(host.status, 3) << host.err;
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    Outcome o = run_in_dir(m, "lua", {"{dir}/ref.lua", "first", "second arg"}, "", {{"ref.lua", kReferenceLua}});
    EXPECT_EQ(o.status, host.status) << o.err;
    EXPECT_EQ(o.out, host.out);
  }
}

TEST(LambdaPerf, UpscaleIsTheBilinearFormula) {
  const int w = 29, h = 17;
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    Outcome gen = run_in_dir(m, "lambda-perf", {"gen", std::to_string(w), std::to_string(h), "{dir}/in.ppm"});
    ASSERT_EQ(gen.status, 0) << gen.err;
    const std::string in = gen.files["in.ppm"];
    const std::string header = "P6\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
    ASSERT_EQ(in.substr(0, header.size()), header);
    ASSERT_EQ(in.size(), header.size() + size_t(w) * h * 3);
    Outcome up = run_in_dir(m, "lambda-perf", {"{dir}/in.ppm", "{dir}/out.ppm"}, "", {{"in.ppm", in}});
    ASSERT_EQ(up.status, 0) << up.err;
    // Output pixel centre (x + 0.5) / 2 - 0.5 in input coordinates, edges
    // clamped, weights by distance, rounded to nearest.
    const int ow = 2 * w, oh = 2 * h;
    std::string expect = "P6\n" + std::to_string(ow) + " " + std::to_string(oh) + "\n255\n";
    auto px = [&](int x, int y, int c) {
      return static_cast<unsigned char>(in[header.size() + (size_t(y) * w + x) * 3 + c]);
    };
    uint64_t sum = 0xcbf29ce484222325ull;
    for (int y = 0; y < oh; y++)
      for (int x = 0; x < ow; x++)
        for (int c = 0; c < 3; c++) {
          double sx = std::clamp((x + 0.5) / 2 - 0.5, 0.0, w - 1.0), sy = std::clamp((y + 0.5) / 2 - 0.5, 0.0, h - 1.0);
          int x0 = static_cast<int>(sx), y0 = static_cast<int>(sy);
          int x1 = std::min(x0 + 1, w - 1), y1 = std::min(y0 + 1, h - 1);
          double fx = sx - x0, fy = sy - y0;
          double v = (1 - fy) * ((1 - fx) * px(x0, y0, c) + fx * px(x1, y0, c)) +
                     fy * ((1 - fx) * px(x0, y1, c) + fx * px(x1, y1, c));
          auto b = static_cast<unsigned char>(std::floor(v + 0.5));
          expect.push_back(static_cast<char>(b));
          sum = (sum ^ b) * 0x100000001b3ull;
        }
    EXPECT_TRUE(up.files["out.ppm"] == expect) << "the upscaled image is not the bilinear one";
    char line[80];
    std::snprintf(line, sizeof line, "image %dx%d checksum %016" PRIx64 "\n", ow, oh, sum);
    EXPECT_EQ(up.out, line);
  }
}

TEST(MatrixPerf, ChecksumsAreTheProduct) {
  const long n = 75;
  std::vector<double> a(n * n), b(n * n), c(n * n, 0.0);
  for (long i = 0; i < n; i++)
    for (long j = 0; j < n; j++) {
      a[i * n + j] = double((i * 7 + j * 3) % 17 - 8) / 8.0;
      b[i * n + j] = double((i * 5 + j * 11) % 13 - 6) / 8.0;
    }
  for (long i = 0; i < n; i++)
    for (long j = 0; j < n; j++)
      for (long k = 0; k < n; k++) c[i * n + j] += a[i * n + k] * b[k * n + j];
  double trace = 0, sum = 0;
  uint64_t hash = 0xcbf29ce484222325ull;
  for (long i = 0; i < n * n; i++) {
    uint64_t bits;
    std::memcpy(&bits, &c[i], sizeof bits);
    hash = (hash ^ bits) * 0x100000001b3ull;
    sum += c[i];
  }
  for (long i = 0; i < n; i++) trace += c[i * n + i];
  char tail[160];
  std::snprintf(tail, sizeof tail, ": trace %.6f sum %.6f checksum %016" PRIx64 "\n", trace, sum, hash);
  for (Mode m : kModes)
    for (const char *threads : {"1", "4"}) {
      SCOPED_TRACE(std::string(mode_name(m)) + " threads " + threads);
      Outcome o = run_in_dir(m, "matrix-perf", {std::to_string(n), threads});
      EXPECT_EQ(o.status, 0) << o.err;
      EXPECT_EQ(o.out, "matrix 75x75 threads " + std::string(threads) + tail);
    }
}

} // namespace
} // namespace uk::test::tp
