// End to end: every third-party app (and the image and matrix workloads),
// with small inputs, run as the aligned ELF and through uk-slt-run: the same
// exit status, stdout, stderr and files, whichever way it runs.
#include <gtest/gtest.h>

#include "workload.h"

namespace uk::test::tp {
namespace {

struct Case {
  std::string name, app;
  std::vector<std::string> args;
  int expect_status = 0;
  std::string expect_out;                    // a substring stdout must have ("" for none)
  std::string stdin_data = "";
  std::map<std::string, std::string> inputs = {};
  bool times = false;                        // output has elapsed times (speedtest1)
};

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class EveryMode : public ::testing::TestWithParam<Case> {};

TEST_P(EveryMode, SameResultAsDirectElf) {
  const Case &c = GetParam();
  UK_TP_REQUIRE(c.app);
  Outcome ref;
  for (Mode m : kModes) {
    SCOPED_TRACE(mode_name(m));
    Outcome o = run_in_dir(m, c.app, c.args, c.stdin_data, c.inputs);
    if (c.times) o.out = strip_times(o.out), o.err = strip_times(o.err);
    EXPECT_EQ(o.status, c.expect_status) << o.err;
    if (!c.expect_out.empty()) {
      EXPECT_NE(o.out.find(c.expect_out), std::string::npos) << o.out;
    }
    if (m == Mode::Direct) {
      ref = o;
      continue;
    }
    EXPECT_EQ(o.status, ref.status);
    EXPECT_EQ(o.out, ref.out);
    EXPECT_EQ(o.err, ref.err);
    EXPECT_EQ(o.files.size(), ref.files.size());
    for (const auto &[name, bytes] : ref.files) {
      auto it = o.files.find(name);
      ASSERT_NE(it, o.files.end()) << name;
      EXPECT_TRUE(it->second == bytes) << name << " differs (" << it->second.size() << " vs " << bytes.size()
                                       << " bytes)";
    }
  }
}

// A small binary PPM: W x H, pixels from a formula.
std::string tiny_ppm(int w, int h) {
  std::string s = "P6\n# made by the test\n" + std::to_string(w) + " " + std::to_string(h) + "\n255\n";
  for (int y = 0; y < h; y++)
    for (int x = 0; x < w; x++)
      for (int c = 0; c < 3; c++) s.push_back(static_cast<char>((x * 37 + y * 11 + c * 85) & 0xff));
  return s;
}

const char *kShellSql = R"(create table t(id integer primary key, name text, score real);
insert into t(name, score) values ('ada', 3.5), ('bob', 1.25), ('cy', null);
.headers on
.mode column
select id, upper(name) as who, coalesce(score, -1) as score from t order by score desc;
.mode list
select count(*), sum(score), group_concat(name, '+') from t;
with recursive n(i) as (select 1 union all select i + 1 from n where i < 5) select i, i * i from n;
select json_object('n', 1, 'l', json_array(1, 2.5, 'x'));
select length(sqlar_compress(zeroblob(10000))), hex(sqlar_uncompress(sqlar_compress(x'00ff00ff'), 4));
)";

const char *kLuaScript = R"(local t = {}
for i = 1, 10 do t[#t + 1] = i * i end
print(table.concat(t, ","), #arg, arg[1], arg[2])
print(string.format("%5.3f %d %s", math.pi, 7 // 2, tostring(1e100)))
local co = coroutine.wrap(function(a) local b = coroutine.yield(a + 1); return b * 2 end)
print(co(1), co(10))
print(("x"):rep(3, "-"), string.gsub("hello world", "o", "0"))
io.write("no newline")
)";

INSTANTIATE_TEST_SUITE_P(
    ThirdParty, EveryMode,
    ::testing::Values(
        Case{"zlib_generated", "zlib-perf", {"256K"}, 0, "round trip: ok"},
        Case{"zlib_level1", "zlib-perf", {"-l", "1", "100000"}, 0, "level 1"},
        Case{"zlib_file_level9", "zlib-perf", {"-l", "9", "-i", "{dir}/in.bin", "-o", "{dir}/out.z"}, 0,
             "round trip: ok", "", {{"in.bin", sample_bytes(150000, 1)}}},
        Case{"zlib_empty", "zlib-perf", {"0"}, 0, "input 0 bytes"},
        Case{"zlib_bad_args", "zlib-perf", {"-l", "x"}, 2, ""},
        Case{"zlib_missing_input", "zlib-perf", {"-i", "{dir}/nope"}, 1, ""},
        Case{"sqlite_speed_memdb", "sqlite-speed", {"--size", "3", "--memdb", "--verify"}, 0, "Verification Hash",
             "", {}, true},
        Case{"sqlite_speed_file", "sqlite-speed", {"--size", "2", "--verify", "{dir}/speed.db"}, 0, "TOTAL", "", {},
             true},
        Case{"sqlite_speed_cte", "sqlite-speed", {"--size", "3", "--memdb", "--testset", "cte"}, 0, "TOTAL", "", {},
             true},
        Case{"sqlite_speed_rtree", "sqlite-speed", {"--size", "3", "--memdb", "--testset", "rtree"}, 0, "r-tree",
             "", {}, true},
        Case{"sqlite_speed_bad_option", "sqlite-speed", {"--no-such-option"}, 1, ""},
        Case{"sqlite_shell_stdin", "sqlite-shell", {}, 0, "ADA", kShellSql},
        Case{"sqlite_shell_file", "sqlite-shell", {"-batch", "{dir}/t.db", ".read {dir}/script.sql"}, 0, "ADA", "",
             {{"script.sql", kShellSql}}},
        Case{"sqlite_shell_error", "sqlite-shell", {"-bail"}, 1, "", "select 1;\nselect * from nope;\nselect 2;\n"},
        Case{"lua_script", "lua", {"{dir}/t.lua", "one", "two"}, 0, "1,4,9,16", "", {{"t.lua", kLuaScript}}},
        Case{"lua_stdin", "lua", {"-"}, 0, "1,4,9", kLuaScript},
        Case{"lua_error", "lua", {"{dir}/e.lua"}, 1, "", "", {{"e.lua", "local x = nil\nprint(x.y)\n"}}},
        Case{"lua_exit_status", "lua", {"-e", "io.write('bye') os.exit(7)"}, 7, "bye"},
        Case{"lambda_gen", "lambda-perf", {"gen", "37", "21", "{dir}/g.ppm"}, 0, "image 37x21"},
        Case{"lambda_upscale", "lambda-perf", {"{dir}/in.ppm", "{dir}/out.ppm"}, 0, "image 46x30", "",
             {{"in.ppm", tiny_ppm(23, 15)}}},
        Case{"lambda_bad_ppm", "lambda-perf", {"{dir}/in.ppm", "{dir}/out.ppm"}, 1, "", "",
             {{"in.ppm", "P3\n1 1\n255\n0 0 0\n"}}},
        Case{"lambda_usage", "lambda-perf", {}, 2, ""},
        Case{"matrix_one_thread", "matrix-perf", {"64", "1"}, 0, "matrix 64x64 threads 1"},
        Case{"matrix_three_threads", "matrix-perf", {"100", "3"}, 0, "matrix 100x100 threads 3"},
        Case{"matrix_bad_args", "matrix-perf", {"0"}, 2, ""}),
    [](const ::testing::TestParamInfo<Case> &p) { return p.param.name; });

} // namespace
} // namespace uk::test::tp
