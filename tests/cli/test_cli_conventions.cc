// One table over every tool: -h/--help and -V/--version (status 0, on
// stdout, naming the tool and not its path), an unknown option (named, the
// tool's usage status), a missing argument and a missing option value (each
// by its exact message), errors as one line prefixed with the tool's name;
// then what only uk-slt has (subcommands) and the input-error statuses.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdlib>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

struct Tool {
  const char *name;
  int usage_status;                    // 2 for the CLI11 tools, 125 for the loaders
  std::vector<std::string> no_args;    // what "nothing to do" looks like
  std::string no_args_err;             // its exact message
  std::string valued;                  // an option that takes a value, given without one
  std::string valued_err;
};

const Tool kTools[] = {
    {"uk-slt", 2, {}, "", "--pool", "uk-slt: --pool: 1 required TEXT missing (see --help)\n"},
    {"uk-slt-run", 125, {}, "uk-slt-run: no description file given (usage: uk-slt-run [options] APP.desc [ARGS...])\n",
     "--pool", "uk-slt-run: --pool needs a directory (see --help)\n"},
    {"uk-dyn-run", 125, {}, "uk-dyn-run: no app given (usage: uk-dyn-run [options] APP.so [ARGS...])\n", "--invoke",
     "uk-dyn-run: --invoke needs a value (see --help)\n"},
    {"uk-kvm-run", 125, {},
     "uk-kvm-run: no unikernel given (usage: uk-kvm-run [options] APP.desc|APP.elf [ARGS...])\n", "--mem",
     "uk-kvm-run: --mem needs a size in MiB (see --help)\n"},
    {"uk-bench-linuxu", 2, {}, "uk-bench-linuxu: --corpus is required (see --help)\n", "--tmp-dir",
     "uk-bench-linuxu: --tmp-dir: 1 required TEXT missing (see --help)\n"},
    {"uk-bench-dyn", 2, {}, "uk-bench-dyn: --corpus is required (see --help)\n", "--pool",
     "uk-bench-dyn: --pool: 1 required TEXT missing (see --help)\n"},
    {"uk-bench-kvm", 2, {}, "uk-bench-kvm: --vmm is required (see --help)\n", "--vmm",
     "uk-bench-kvm: --vmm: 1 required TEXT missing (see --help)\n"},
    {"uk-bench-aslr", 2, {}, "uk-bench-aslr: --corpus is required (see --help)\n", "--pool",
     "uk-bench-aslr: --pool: 1 required TEXT missing (see --help)\n"},
    {"uk-bench-kvm-boot", 2, {}, "uk-bench-kvm-boot: --vmm is required (see --help)\n", "--vmm",
     "uk-bench-kvm-boot: --vmm: 1 required TEXT missing (see --help)\n"},
};

RunResult tool(const Tool &t, std::vector<std::string> args) {
  args.insert(args.begin(), kBin + "/" + t.name);
  return run(args);
}

// The usage line: "usage: NAME ..." or CLI11's "Usage: NAME ...".
std::string usage_line(const std::string &out) {
  size_t p = out.find("sage: ");
  if (p == std::string::npos || p == 0) return "";
  size_t b = p - 1, e = out.find('\n', p);
  return out.substr(b, e == std::string::npos ? std::string::npos : e - b);
}

// An error: exactly one line on stderr, "NAME: ...", nothing on stdout.
void expect_one_line_error(const Tool &t, const RunResult &r, int status, const std::string &what) {
  EXPECT_EQ(r.status, status) << t.name << " " << what << ": " << r.err;
  EXPECT_EQ(r.out, "") << t.name << " " << what;
  EXPECT_EQ(r.err.rfind(std::string(t.name) + ": ", 0), 0u) << t.name << " " << what << ": " << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << t.name << " " << what << ": " << r.err;
}

class EveryTool : public ::testing::TestWithParam<Tool> {};

TEST_P(EveryTool, HelpNamesTheToolAndExitsZero) {
  const Tool &t = GetParam();
  for (const char *h : {"-h", "--help"}) {
    RunResult r = tool(t, {h});
    EXPECT_EQ(r.status, 0) << t.name << " " << h << ": " << r.err;
    EXPECT_EQ(r.err, "") << t.name << " " << h;
    std::string line = usage_line(r.out);
    EXPECT_TRUE(line.rfind(std::string("usage: ") + t.name + " [options]", 0) == 0 ||
                line.rfind(std::string("Usage: ") + t.name + " [OPTIONS]", 0) == 0)
        << t.name << " " << h << ": '" << line << "'";
    for (const char *f : {"-h, --help", "-V, --version", "-v, --verbose"}) // both spellings listed
      EXPECT_TRUE(r.out.find(f) != std::string::npos || r.out.find(std::string(f).replace(2, 2, ",")) != std::string::npos)
          << t.name << " does not list " << f;
  }
}

TEST_P(EveryTool, VersionIsOneLineOnStdout) {
  const Tool &t = GetParam();
  for (const char *v : {"-V", "--version"}) {
    RunResult r = tool(t, {v});
    EXPECT_EQ(r.status, 0) << t.name << " " << v;
    EXPECT_EQ(r.err, "") << t.name << " " << v;
    std::string want = std::string(t.name) + " " + UK_SLT_VERSION;
    EXPECT_EQ(r.out.substr(0, want.size()), want) << t.name << " " << v;
    EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 1) << r.out;
  }
}

TEST_P(EveryTool, UnknownOptionIsNamedBeforeAnythingMissing) {
  const Tool &t = GetParam();
  for (const char *o : {"--no-such-option", "-Q"}) {
    RunResult r = tool(t, {o});
    expect_one_line_error(t, r, t.usage_status, o);
    EXPECT_EQ(r.err, std::string(t.name) + ": unknown option '" + o + "' (see --help)\n");
  }
}

TEST_P(EveryTool, MissingArgumentAndMissingValueAreNamed) {
  const Tool &t = GetParam();
  if (!t.no_args_err.empty()) {
    RunResult r = tool(t, t.no_args);
    expect_one_line_error(t, r, t.usage_status, "no arguments");
    EXPECT_EQ(r.err, t.no_args_err);
  }
  RunResult v = tool(t, {t.valued});
  expect_one_line_error(t, v, t.usage_status, t.valued);
  EXPECT_EQ(v.err, t.valued_err);
}

INSTANTIATE_TEST_SUITE_P(Cli, EveryTool, ::testing::ValuesIn(kTools),
                         [](const ::testing::TestParamInfo<Tool> &i) {
                           std::string n = i.param.name;
                           std::replace(n.begin(), n.end(), '-', '_');
                           return n;
                         });

const Tool &uk_slt() { return kTools[0]; }

TEST(UkSlt, UnknownSubcommandIsNamed) {
  RunResult r = tool(uk_slt(), {"bogus"});
  expect_one_line_error(uk_slt(), r, 2, "bogus");
  EXPECT_EQ(r.err.rfind("uk-slt: unknown subcommand 'bogus' (one of align, extract, minify, desc, report, ", 0), 0u)
      << r.err;
  RunResult none = tool(uk_slt(), {});
  expect_one_line_error(uk_slt(), none, 2, "no subcommand");
  EXPECT_EQ(none.err.rfind("uk-slt: a subcommand is required (one of align, extract, ", 0), 0u) << none.err;
}

TEST(UkSlt, UnknownOptionOfASubcommandComesBeforeItsRequiredOnes) {
  RunResult r = tool(uk_slt(), {"align", "--bogus"});
  expect_one_line_error(uk_slt(), r, 2, "align --bogus");
  EXPECT_EQ(r.err, "uk-slt: align: unknown option '--bogus' (see --help)\n");
  RunResult after = tool(uk_slt(), {"report", "x.desc", "--bogus"});
  EXPECT_EQ(after.err, "uk-slt: report: unknown option '--bogus' (see --help)\n");
  EXPECT_EQ(after.status, 2);
  RunResult missing = tool(uk_slt(), {"align"});
  expect_one_line_error(uk_slt(), missing, 2, "align");
  EXPECT_EQ(missing.err, "uk-slt: align: --output is required (see --help)\n");
  RunResult extra = tool(uk_slt(), {"fsck", "stray"});
  EXPECT_EQ(extra.err, "uk-slt: fsck: unexpected argument 'stray' (see --help)\n");
  EXPECT_EQ(extra.status, 2);
}

TEST(UkSlt, SubcommandHelpNamesTheToolAndTheSubcommand) {
  RunResult r = tool(uk_slt(), {"align", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(usage_line(r.out).rfind("Usage: uk-slt align [OPTIONS]", 0), 0u) << r.out;
  RunResult v = tool(uk_slt(), {"-v", "--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out, std::string("uk-slt ") + UK_SLT_VERSION + "\n");
}

// Errors in the input or the environment: 1 for uk-slt, 127 for the loaders.
TEST(Status, InputErrors) {
  std::string pool = make_temp_dir();
  RunResult s = tool(uk_slt(), {"--pool", pool, "report", "/nonexistent/x.desc"});
  expect_one_line_error(uk_slt(), s, 1, "report");
  RunResult l = tool(kTools[1], {"--pool", pool, "/nonexistent/x.desc"});
  expect_one_line_error(kTools[1], l, 127, "missing desc");
  EXPECT_EQ(l.err, "uk-slt-run: /nonexistent/x.desc: cannot open: No such file or directory\n");
  RunResult d = tool(kTools[2], {"/nonexistent/x.so"});
  expect_one_line_error(kTools[2], d, 127, "missing app");
  EXPECT_EQ(d.err, "uk-dyn-run: /nonexistent/x.so: cannot open: No such file or directory\n");
  RunResult k = tool(kTools[3], {"--pool", pool, "/nonexistent/x.desc"});
  expect_one_line_error(kTools[3], k, 127, "missing desc");
  RunResult seed = tool(kTools[1], {"--seed", "x", "a.desc"});
  expect_one_line_error(kTools[1], seed, 125, "--seed x");
  RunResult flag_value = tool(kTools[1], {"--stats=1", "a.desc"});
  EXPECT_EQ(flag_value.err, "uk-slt-run: option '--stats' takes no value (see --help)\n");
  EXPECT_EQ(flag_value.status, 125);
  std::system(("rm -rf " + pool).c_str());
}

} // namespace
} // namespace uk::test
