// End to end: corpus apps packed by the default build in ASLR mode give the
// output, files and exit status of the direct ELF, both under uk-slt-run
// (<app>.aslr.desc: random independent bases, the real loader) and from
// their plan with uk-aslr-exec (checks the toolchain's plan alone).
#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

// Arguments: "OUT" is a file of each run's own, "PREFIX" the nginx prefix
// the case made in its directory (the same for every run of the case).
struct Case {
  std::string name, app;
  std::vector<std::string> args;
  std::string stdin_data;
  int expect_status;
  bool times = false;  // speedtest1: elapsed times masked before comparing
  int nginx_prefix = 0; // 1: a copy of the build's nginx prefix; 2: the same, listening on a free port
};

bool built(const std::string &app) {
  std::stringstream ss(UK_ASLR_APPS);
  for (std::string a; std::getline(ss, a, ',');)
    if (a == app) return true;
  return false;
}

// speedtest1 ends each test's line with a row of dots and its elapsed time.
std::string strip_times(const std::string &s) {
  return std::regex_replace(s, std::regex("\\.* +[0-9]+\\.[0-9]+s\n"), " (time)\n");
}

// A loopback port nobody listens on right now.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  int port = 0;
  if (fd >= 0 && bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0 &&
      getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) == 0)
    port = ntohs(a.sin_port);
  if (fd >= 0) close(fd);
  return port;
}

// dir/prefix: the build's nginx prefix (conf, html, logs), listening on a
// free loopback port instead of 8080 if `port`.
void make_nginx_prefix(const std::string &dir, bool port) {
  std::string prefix = dir + "/prefix";
  ASSERT_EQ(std::system(("cp -r " + kCorpus + "/nginx/prefix " + prefix).c_str()), 0);
  if (!port) return;
  int p = free_port();
  ASSERT_NE(p, 0) << "no free loopback port";
  std::string conf = read_text(prefix + "/conf/nginx.conf");
  const std::string listen = "listen 127.0.0.1:8080;";
  size_t at = conf.find(listen);
  ASSERT_NE(at, std::string::npos) << "the corpus' nginx.conf has no '" << listen << "'";
  conf.replace(at, listen.size(), "listen 127.0.0.1:" + std::to_string(p) + ";");
  write_text(prefix + "/conf/nginx.conf", conf);
}

void PrintTo(const Case &c, std::ostream *os) { *os << c.name; }

class AslrEveryApp : public ::testing::TestWithParam<Case> {};

TEST_P(AslrEveryApp, MatchesDirectElf) {
  const Case &c = GetParam();
  if (!built(c.app)) GTEST_SKIP() << c.app << " is not in this build (its sources were not fetched)";
  std::vector<std::string> direct = {elf_of(c.app)},
                           aslr = {kBin + "/uk-aslr-exec", kCorpus + "/" + c.app + "/" + c.app + ".aslr.elf"},
                           loader = {kLoader, "--pool", kPool, kCorpus + "/" + c.app + "/" + c.app + ".aslr.desc"};
  std::string dir = make_temp_dir();
  if (c.nginx_prefix) make_nginx_prefix(dir, c.nginx_prefix == 2);
  for (std::string a : c.args) {
    if (a == "PREFIX") a = dir + "/prefix/";
    std::string b = a, l = a;
    if (a == "OUT") a = dir + "/direct.out", b = dir + "/aslr.out", l = dir + "/loader.out";
    direct.push_back(a);
    aslr.push_back(b);
    loader.push_back(l);
  }
  RunResult a = run(direct, c.stdin_data), b = run(aslr, c.stdin_data), l = run(loader, c.stdin_data);
  if (c.times)
    for (RunResult *r : {&a, &b, &l}) r->out = strip_times(r->out), r->err = strip_times(r->err);
  EXPECT_EQ(l.status, a.status) << l.err;
  EXPECT_EQ(l.out, a.out);
  EXPECT_EQ(l.err, a.err);
  EXPECT_EQ(read_text(dir + "/direct.out"), read_text(dir + "/loader.out"));
  EXPECT_EQ(a.status, c.expect_status) << a.err;
  EXPECT_EQ(b.status, a.status) << b.err;
  EXPECT_EQ(b.out, a.out);
  EXPECT_EQ(b.err, a.err);
  EXPECT_FALSE(a.out.empty() && a.err.empty() && c.stdin_data.empty() && c.expect_status == 0 && c.app != "cat");
  EXPECT_EQ(read_text(dir + "/direct.out"), read_text(dir + "/aslr.out"));
  std::system(("rm -rf " + dir).c_str());
}

INSTANTIATE_TEST_SUITE_P(
    Corpus, AslrEveryApp,
    ::testing::Values(Case{"helloworld", "helloworld", {"one", "two words"}, "", 0},
                      Case{"mandelbrot", "mandelbrot", {"96", "64", "150", "OUT"}, "", 0},
                      Case{"mandelbrot_bad_args", "mandelbrot", {"x"}, "", 2},
                      Case{"cat", "cat", {}, "line one\nline two\n", 0},
                      Case{"exitcode_42", "exitcode", {"42"}, "", 42},
                      Case{"zlib", "zlib-perf", {"-l", "1", "100000"}, "", 0},
                      Case{"lua", "lua", {"-e", "io.write(string.rep('ab', 3)) os.exit(7)"}, "", 7},
                      Case{"sqlite_shell", "sqlite-shell", {}, "create table t(x); insert into t values(5); select x*2 from t;\n", 0},
                      Case{"matrix_three_threads", "matrix-perf", {"100", "3"}, "", 0},
                      Case{"lambda_gen", "lambda-perf", {"gen", "37", "21", "OUT"}, "", 0},
                      Case{"sqlite_speed", "sqlite-speed", {"--size", "2", "--memdb", "--verify", "--output", "OUT"}, "", 0, true},
                      Case{"nginx_version", "nginx", {"-V"}, "", 0},
                      Case{"nginx_test_config", "nginx", {"-p", "PREFIX", "-t"}, "", 0, false, 1},
                      Case{"nginx_ready", "nginx", {"-p", "PREFIX", "-g", "uk_ready on;"}, "", 0, false, 2}),
    [](const ::testing::TestParamInfo<Case> &p) { return p.param.name; });

} // namespace
} // namespace uk::test
