// nginx (unikernels/apps/nginx) every way it runs: the aligned ELF run
// directly, uk-slt-run from the pool and, where the build has it, uk-dyn-run
// with nginx.so. Each test makes a fresh prefix (conf/nginx.conf from the
// corpus with a loopback port that was free a moment ago, nginx's
// mime.types and html/, logs/), runs nginx from it each way and compares:
//
// - ready mode (-g 'uk_ready on;'): exit 0, the same "ready" line;
// - ready mode on a port another socket holds: bind() fails, the same error,
//   exit 1 (so the ready path really binds);
// - serving: a real HTTP client (curl) fetches pages, a gzip'd file, a
//   range, a 404, a 405, stub_status, over one and over several connections;
//   the same bytes each way (Date masked), checked against the files; then
//   SIGQUIT (graceful) or SIGTERM (fast) stops it with exit status 0;
// - bad configurations and command lines: the same message, the same status.
//
// nginx runs with a bounded wait everywhere: a hung start fails the test
// after a timeout, never hangs it.
#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include <chrono>
#include <cstdlib>
#include <functional>
#include <map>
#include <memory>
#include <regex>
#include <sstream>
#include <thread>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

using Clock = std::chrono::steady_clock;
constexpr auto kStartTimeout = std::chrono::seconds(20);
constexpr auto kExitTimeout = std::chrono::seconds(20);

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) v.push_back(item);
  return v;
}

void replace_all(std::string &s, const std::string &from, const std::string &to) {
  if (from.empty()) return;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

// True if nginx was built; if not, *reason says why (sources not fetched) or
// is empty after recording a failure (sources there, app still missing).
bool nginx_built(std::string *reason) {
  reason->clear();
  if (UK_NGINX_BUILT) return true;
  std::vector<std::string> missing;
  for (const std::string &p : split(UK_NGINX_MISSING_SOURCES, ','))
    if (p == "nginx" || p == "zlib") missing.push_back(p);
  if (missing.empty()) {
    ADD_FAILURE() << "nginx was not built, yet its sources were found at configure time (see the configure output)";
    return false;
  }
  std::string names;
  for (const std::string &p : missing) names += (names.empty() ? "" : ", ") + p;
  *reason = "nginx skipped: the Debian sources of " + names + " were not fetched into " UK_NGINX_SOURCE_DIR
            "; run scripts/fetch-sources.sh (scripts/setup.sh does), then configure and build again";
  return false;
}

#define UK_REQUIRE_NGINX()                                                                                    \
  do {                                                                                                       \
    std::string uk_reason_;                                                                                  \
    if (!nginx_built(&uk_reason_)) {                                                                         \
      if (uk_reason_.empty()) return;                                                                        \
      GTEST_SKIP() << uk_reason_;                                                                            \
    }                                                                                                        \
  } while (0)

// Every way to run nginx: the command before nginx's own arguments.
struct Way {
  std::string name;
  std::vector<std::string> cmd;
};

std::vector<Way> ways() {
  std::vector<Way> w = {{"direct", {elf_of("nginx")}}, {"uk-slt-run", {kLoader, "--pool", kPool, desc_of("nginx")}}};
  // uk-dyn-run and the dynamic corpus are part of every build: a build
  // without them must not pass by running two ways out of three.
  if (!UK_NGINX_DYN)
    ADD_FAILURE() << "uk-dyn-run or the dynamic corpus (dyncorpus) is not part of this build: nginx.so cannot run";
  w.push_back({"uk-dyn-run", {kBin + "/uk-dyn-run", kCorpus + "/nginx/nginx.so"}});
  return w;
}

std::string curl() {
  if (std::string(UK_NGINX_CURL).empty())
    ADD_FAILURE() << "curl not found: install the Debian package 'curl' (scripts/setup.sh does) and configure again";
  return UK_NGINX_CURL;
}

// A loopback port nobody listens on right now: bind to port 0, read it, close.
int free_port() {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (fd < 0 || bind(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr *>(&a), &len) != 0) {
    ADD_FAILURE() << "cannot find a free loopback port";
    if (fd >= 0) close(fd);
    return 0;
  }
  close(fd);
  return ntohs(a.sin_port);
}

// A socket that holds PORT (bound and listening) for as long as it lives.
class PortHolder {
public:
  PortHolder() {
    fd_ = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in a{};
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof a;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr *>(&a), sizeof a) != 0 || listen(fd_, 4) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr *>(&a), &len) != 0)
      ADD_FAILURE() << "cannot hold a loopback port";
    port_ = ntohs(a.sin_port);
  }
  ~PortHolder() {
    if (fd_ >= 0) close(fd_);
  }
  PortHolder(const PortHolder &) = delete;
  int port() const { return port_; }

private:
  int fd_ = -1, port_ = 0;
};

bool accepts(int port) {
  int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_port = htons(static_cast<uint16_t>(port));
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  bool ok = fd >= 0 && connect(fd, reinterpret_cast<sockaddr *>(&a), sizeof a) == 0;
  if (fd >= 0) close(fd);
  return ok;
}

// Deterministic text, a few hundred KiB: compresses, and is large enough
// for sendfile and for a chunked gzip response.
std::string big_text() {
  std::string s;
  for (int i = 0; s.size() < 300000; i++)
    s += "line " + std::to_string(i) + ": the quick brown fox " + std::to_string(i * 7919 % 1000) + " jumps\n";
  return s;
}

// A prefix for one test: conf/nginx.conf is the corpus configuration with
// the port replaced (and EDIT applied), conf/mime.types and html/ are the
// build's prefix, plus html/big.txt.
struct Prefix {
  std::string dir;
  int port = 0;
  ~Prefix() {
    if (!dir.empty()) std::system(("rm -rf '" + dir + "'").c_str());
  }
  std::string path(const std::string &rel) const { return dir + "/" + rel; }
};

std::string corpus_conf() { return read_text(UK_NGINX_CONF); }

void make_prefix(Prefix &p, int port, const std::function<void(std::string &)> &edit = {}) {
  p.dir = make_temp_dir();
  p.port = port;
  for (const char *d : {"conf", "html", "logs"}) mkdir(p.path(d).c_str(), 0755);
  std::string conf = corpus_conf();
  const std::string listen = "listen 127.0.0.1:8080;";
  ASSERT_EQ(conf.find(listen), conf.rfind(listen)) << "the corpus config should listen once";
  ASSERT_NE(conf.find(listen), std::string::npos) << UK_NGINX_CONF << " has no '" << listen << "'";
  replace_all(conf, listen, "listen 127.0.0.1:" + std::to_string(port) + ";");
  if (edit) edit(conf);
  write_text(p.path("conf/nginx.conf"), conf);
  const std::string built = UK_NGINX_PREFIX;
  for (const char *f : {"conf/mime.types", "html/index.html", "html/50x.html"}) {
    std::string text = read_text(built + "/" + f);
    ASSERT_FALSE(text.empty()) << built << "/" << f << " is missing (build the nginx-prefix target)";
    write_text(p.path(f), text);
  }
  write_text(p.path("html/big.txt"), big_text());
}

// nginx started in the background, stdout and stderr to files; killed if
// the test leaves it running.
class Nginx {
public:
  Nginx(const Way &way, const std::vector<std::string> &args) {
    io_ = make_temp_dir();
    std::vector<std::string> argv = way.cmd;
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char *> c;
    for (std::string &a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    std::string out = io_ + "/stdout", err = io_ + "/stderr";
    pid_ = fork();
    if (pid_ == 0) {
      int in = open("/dev/null", O_RDONLY);
      int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      int e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
      if (in < 0 || o < 0 || e < 0) _exit(125);
      dup2(in, 0), dup2(o, 1), dup2(e, 2);
      execv(c[0], c.data());
      _exit(126);
    }
    if (pid_ < 0) ADD_FAILURE() << "fork failed";
  }
  ~Nginx() {
    if (pid_ > 0 && status_ < 0) {
      kill(pid_, SIGKILL);
      waitpid(pid_, nullptr, 0);
    }
    std::system(("rm -rf '" + io_ + "'").c_str());
  }
  Nginx(const Nginx &) = delete;

  pid_t pid() const { return pid_; }
  bool exited() {
    if (status_ >= 0) return true;
    int st;
    if (pid_ > 0 && waitpid(pid_, &st, WNOHANG) == pid_) status_ = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    return status_ >= 0;
  }
  // Exit status (128 + signal if killed by one), or -1 after the timeout
  // (then it is killed).
  int wait() {
    for (auto end = Clock::now() + kExitTimeout; Clock::now() < end;) {
      if (exited()) return status_;
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    ADD_FAILURE() << "nginx did not exit within " << kExitTimeout.count() << " s";
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    status_ = 999;
    return -1;
  }
  // Waits (bounded) until PORT accepts a connection; false if nginx exited
  // or the time ran out.
  bool wait_ready(int port) {
    for (auto end = Clock::now() + kStartTimeout; Clock::now() < end;) {
      if (exited()) {
        ADD_FAILURE() << "nginx exited with " << status_ << " before accepting on port " << port << ": " << err();
        return false;
      }
      if (accepts(port)) return true;
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    ADD_FAILURE() << "nginx did not accept on port " << port << " within " << kStartTimeout.count() << " s";
    return false;
  }
  void signal(int sig) { kill(pid_, sig); }
  std::string out() const { return read_text(io_ + "/stdout"); }
  std::string err() const { return read_text(io_ + "/stderr"); }

private:
  std::string io_;
  pid_t pid_ = -1;
  int status_ = -1;
};

struct Result {
  int status = -1;
  std::string out, err;
};

// nginx to completion (bounded), the prefix directory shown as "{dir}".
Result run_nginx(const Way &way, const Prefix &p, std::vector<std::string> args) {
  args.insert(args.begin(), {"-p", p.dir + "/"});
  Nginx n(way, args);
  Result r;
  r.status = n.wait();
  r.out = n.out();
  r.err = n.err();
  for (std::string *s : {&r.out, &r.err}) replace_all(*s, p.dir, "{dir}");
  return r;
}

// --- HTTP --------------------------------------------------------------

struct Response {
  std::string raw;     // status line, headers and body as received (Date masked)
  std::string status;  // "HTTP/1.1 200 OK"
  std::string headers; // header lines, Date masked
  std::string body;
};

Response parse(std::string raw) {
  static const std::regex date("\r\nDate: [^\r\n]*");
  raw = std::regex_replace(raw, date, "\r\nDate: #");
  Response r;
  r.raw = raw;
  size_t eol = raw.find("\r\n"), end = raw.find("\r\n\r\n");
  if (eol == std::string::npos || end == std::string::npos) return r;
  r.status = raw.substr(0, eol);
  r.headers = raw.substr(eol + 2, end - eol);
  r.body = raw.substr(end + 4);
  return r;
}

// One request with curl: -i (status line and headers, then the body as
// sent, de-chunked but not decompressed), plus EXTRA options.
Response fetch(int port, const std::string &path, const std::vector<std::string> &extra = {}) {
  std::vector<std::string> argv = {curl(), "-sS", "-i", "--max-time", "10"};
  argv.insert(argv.end(), extra.begin(), extra.end());
  argv.push_back("http://127.0.0.1:" + std::to_string(port) + path);
  RunResult r = run(argv);
  EXPECT_EQ(r.status, 0) << "curl " << path << ": " << r.err;
  return parse(r.out);
}

bool has_header(const Response &r, const std::string &line) { return r.headers.find(line + "\r\n") != std::string::npos; }

std::string gunzip(const std::string &in) {
  z_stream z{};
  if (inflateInit2(&z, 16 + MAX_WBITS) != Z_OK) return "<inflateInit2 failed>";
  z.next_in = reinterpret_cast<Bytef *>(const_cast<char *>(in.data()));
  z.avail_in = static_cast<uInt>(in.size());
  std::string out;
  char buf[65536];
  int rc;
  do {
    z.next_out = reinterpret_cast<Bytef *>(buf);
    z.avail_out = sizeof buf;
    rc = inflate(&z, Z_NO_FLUSH);
    out.append(buf, sizeof buf - z.avail_out);
  } while (rc == Z_OK);
  inflateEnd(&z);
  return rc == Z_STREAM_END ? out : "<bad gzip stream>";
}

size_t count_lines(const std::string &s) {
  size_t n = 0;
  for (char c : s) n += c == '\n';
  return n;
}

// --- ready mode -----------------------------------------------------------

TEST(Nginx, ReadyModeEveryWay) {
  UK_REQUIRE_NGINX();
  Prefix p;
  ASSERT_NO_FATAL_FAILURE(make_prefix(p, free_port()));
  const std::string ready = "nginx: ready: listening on 127.0.0.1:" + std::to_string(p.port) + "\n";
  Result ref;
  for (const Way &w : ways()) {
    SCOPED_TRACE(w.name);
    Result r = run_nginx(w, p, {"-g", "uk_ready on;"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, ready);
    EXPECT_EQ(r.err, "");
    // nginx's own exit path: pid file removed, listening socket closed.
    EXPECT_NE(access(p.path("logs/nginx.pid").c_str(), F_OK), 0) << "pid file left behind";
    EXPECT_FALSE(accepts(p.port));
    if (w.name == "direct") {
      ref = r;
      continue;
    }
    EXPECT_EQ(r.status, ref.status);
    EXPECT_EQ(r.out, ref.out);
    EXPECT_EQ(r.err, ref.err);
  }
  // Everything nginx creates at start-up is there.
  for (const char *d : {"logs/error.log", "logs/access.log", "client_body_temp", "proxy_temp"})
    EXPECT_EQ(access(p.path(d).c_str(), F_OK), 0) << d;
}

// The ready path really binds: with the port held by another socket, nginx
// reports the failed bind() (after its own retries) and exits 1, each way.
TEST(Nginx, ReadyModeFailsOnAPortInUse) {
  UK_REQUIRE_NGINX();
  PortHolder held;
  Prefix p;
  ASSERT_NO_FATAL_FAILURE(make_prefix(p, held.port()));
  // Every way at once: nginx retries bind() for about 2 s.
  std::vector<Way> all = ways();
  std::vector<std::unique_ptr<Nginx>> running;
  for (const Way &w : all) running.push_back(std::make_unique<Nginx>(w, std::vector<std::string>{"-p", p.dir + "/", "-g", "uk_ready on;"}));
  const std::string bind_error =
      "nginx: [emerg] bind() to 127.0.0.1:" + std::to_string(p.port) + " failed (98: Address in use)\n";
  std::string ref_err;
  for (size_t i = 0; i < all.size(); i++) {
    SCOPED_TRACE(all[i].name);
    int status = running[i]->wait();
    std::string out = running[i]->out(), err = running[i]->err();
    EXPECT_EQ(status, 1) << err;
    EXPECT_EQ(out, "");
    EXPECT_NE(err.find(bind_error), std::string::npos) << err;
    EXPECT_NE(err.find("nginx: [emerg] still could not bind()\n"), std::string::npos) << err;
    if (i == 0) ref_err = err;
    else EXPECT_EQ(err, ref_err);
  }
}

// --- serving ------------------------------------------------------------

struct Exchange {
  std::string name;
  std::string path;
  std::vector<std::string> options;
};

const std::vector<Exchange> &exchanges() {
  static const std::vector<Exchange> x = {
      {"root", "/", {}},
      {"index", "/index.html", {}},
      {"big", "/big.txt", {}},
      {"big_gzip", "/big.txt", {"-H", "Accept-Encoding: gzip"}},
      {"range", "/big.txt", {"-r", "100-199"}},
      {"head", "/50x.html", {"-I"}},
      {"not_found", "/no-such-page.html", {}},
      {"post_static", "/index.html", {"-X", "POST", "-d", "x=1"}},
      {"if_modified", "/index.html", {"-H", "If-None-Match: *"}},
      {"status", "/status", {}},
  };
  return x;
}

// Serves every exchange, then several requests on one kept-alive connection.
std::map<std::string, Response> serve_all(int port) {
  std::map<std::string, Response> got;
  for (const Exchange &e : exchanges()) got[e.name] = fetch(port, e.path, e.options);
  // Two URLs in one curl: one connection, kept alive.
  std::vector<std::string> argv = {curl(), "-sS", "-i", "--max-time", "10",
                                   "http://127.0.0.1:" + std::to_string(port) + "/index.html",
                                   "http://127.0.0.1:" + std::to_string(port) + "/status"};
  RunResult r = run(argv);
  EXPECT_EQ(r.status, 0) << r.err;
  got["keepalive"] = parse(r.out);
  return got;
}

void check_contents(std::map<std::string, Response> &got, const Prefix &p) {
  const std::string index = read_text(p.path("html/index.html")), big = read_text(p.path("html/big.txt"));
  EXPECT_EQ(got["root"].status, "HTTP/1.1 200 OK");
  EXPECT_TRUE(has_header(got["root"], "Server: nginx/1.22.1")) << got["root"].headers;
  EXPECT_TRUE(has_header(got["root"], "Content-Type: text/html")) << got["root"].headers;
  EXPECT_TRUE(got["root"].body == index) << "/ is not html/index.html";
  EXPECT_EQ(got["index"].body, index);
  EXPECT_EQ(got["big"].status, "HTTP/1.1 200 OK");
  EXPECT_TRUE(has_header(got["big"], "Content-Length: " + std::to_string(big.size()))) << got["big"].headers;
  EXPECT_TRUE(got["big"].body == big) << "big.txt differs (" << got["big"].body.size() << " bytes)";
  EXPECT_TRUE(has_header(got["big_gzip"], "Content-Encoding: gzip")) << got["big_gzip"].headers;
  EXPECT_LT(got["big_gzip"].body.size(), big.size() / 4);
  EXPECT_TRUE(gunzip(got["big_gzip"].body) == big) << "the gzip'd big.txt does not inflate to big.txt";
  EXPECT_EQ(got["range"].status, "HTTP/1.1 206 Partial Content");
  EXPECT_EQ(got["range"].body, big.substr(100, 100));
  EXPECT_EQ(got["head"].status, "HTTP/1.1 200 OK");
  EXPECT_EQ(got["head"].body, "");
  EXPECT_EQ(got["not_found"].status, "HTTP/1.1 404 Not Found");
  EXPECT_EQ(got["post_static"].status, "HTTP/1.1 405 Not Allowed");
  EXPECT_EQ(got["if_modified"].status, "HTTP/1.1 304 Not Modified");
  EXPECT_EQ(got["status"].status, "HTTP/1.1 200 OK");
  EXPECT_EQ(got["status"].body.rfind("Active connections: 1 \n", 0), 0u) << got["status"].body;
  EXPECT_NE(got["keepalive"].raw.find("\r\n\r\n" + index + "HTTP/1.1 200 OK\r\n"), std::string::npos)
      << "two responses on one connection";
}

TEST(Nginx, ServesTheSamePagesEveryWay) {
  UK_REQUIRE_NGINX();
  Prefix p;
  ASSERT_NO_FATAL_FAILURE(make_prefix(p, free_port()));
  std::map<std::string, Response> ref;
  size_t requests = 0;
  for (const Way &w : ways()) {
    SCOPED_TRACE(w.name);
    Nginx n(w, {"-p", p.dir + "/"});
    ASSERT_TRUE(n.wait_ready(p.port));
    std::map<std::string, Response> got = serve_all(p.port);
    // One process, whichever way it runs: the loaders run nginx in their own.
    // (nginx writes its pid file after it starts listening, before its event
    // loop answers the first request: read it once requests were answered.)
    EXPECT_EQ(read_text(p.path("logs/nginx.pid")), std::to_string(n.pid()) + "\n");
    n.signal(SIGQUIT);
    EXPECT_EQ(n.wait(), 0) << n.err();
    EXPECT_EQ(n.out(), "");
    EXPECT_EQ(n.err(), "");
    EXPECT_NE(access(p.path("logs/nginx.pid").c_str(), F_OK), 0) << "pid file left behind";
    check_contents(got, p);
    // Every request is in the access log (shared by the ways, appended).
    requests += exchanges().size() + 2;
    EXPECT_EQ(count_lines(read_text(p.path("logs/access.log"))), requests);
    if (w.name == "direct") {
      ref = got;
      continue;
    }
    for (const auto &[name, r] : ref) {
      EXPECT_TRUE(got[name].raw == r.raw) << name << " differs from the direct run:\n"
                                          << got[name].raw.substr(0, 600) << "\n--- direct:\n"
                                          << r.raw.substr(0, 600);
    }
  }
}

TEST(Nginx, StopsOnSigtermEveryWay) {
  UK_REQUIRE_NGINX();
  Prefix p;
  ASSERT_NO_FATAL_FAILURE(make_prefix(p, free_port()));
  const std::string index = read_text(p.path("html/index.html"));
  for (const Way &w : ways()) {
    SCOPED_TRACE(w.name);
    Nginx n(w, {"-p", p.dir + "/"});
    ASSERT_TRUE(n.wait_ready(p.port));
    Response r = fetch(p.port, "/");
    EXPECT_EQ(r.status, "HTTP/1.1 200 OK");
    EXPECT_TRUE(r.body == index);
    n.signal(SIGTERM);
    EXPECT_EQ(n.wait(), 0) << n.err();
    EXPECT_EQ(n.err(), "");
    EXPECT_FALSE(accepts(p.port));
  }
}

// --- configuration and command-line errors --------------------------------

struct BadCase {
  std::string name;
  std::vector<std::string> args;
  std::function<void(std::string &)> edit; // applied to conf/nginx.conf
  int status;
  std::string expect_err; // a substring of stderr ({port} is the port)
};

void PrintTo(const BadCase &c, std::ostream *os) { *os << c.name; }

class NginxConfig : public ::testing::TestWithParam<BadCase> {};

TEST_P(NginxConfig, SameMessageAndStatusEveryWay) {
  UK_REQUIRE_NGINX();
  const BadCase &c = GetParam();
  Prefix p;
  ASSERT_NO_FATAL_FAILURE(make_prefix(p, free_port(), c.edit));
  std::string expect = c.expect_err;
  replace_all(expect, "{port}", std::to_string(p.port));
  Result ref;
  bool first = true;
  for (const Way &w : ways()) {
    SCOPED_TRACE(w.name);
    Result r = run_nginx(w, p, c.args);
    EXPECT_EQ(r.status, c.status) << r.err;
    EXPECT_EQ(r.out, "");
    EXPECT_NE(r.err.find(expect), std::string::npos) << r.err;
    EXPECT_FALSE(accepts(p.port));
    if (first) {
      ref = r, first = false;
      continue;
    }
    EXPECT_EQ(r.status, ref.status);
    EXPECT_EQ(r.out, ref.out);
    EXPECT_EQ(r.err, ref.err);
  }
}

void insert_after_pid(std::string &conf, const std::string &line) {
  replace_all(conf, "pid logs/nginx.pid;\n", "pid logs/nginx.pid;\n" + line + "\n");
}

INSTANTIATE_TEST_SUITE_P(
    Nginx, NginxConfig,
    ::testing::Values(
        BadCase{"unknown_directive", {}, [](std::string &c) { insert_after_pid(c, "no_such_directive on;"); }, 1,
                "nginx: [emerg] unknown directive \"no_such_directive\" in {dir}/conf/nginx.conf:"},
        BadCase{"unterminated_block", {}, [](std::string &c) { c.erase(c.rfind('}')); }, 1,
                "nginx: [emerg] unexpected end of file, expecting \"}\" in {dir}/conf/nginx.conf:"},
        BadCase{"bad_listen_port", {},
                [](std::string &c) { c = std::regex_replace(c, std::regex("listen 127\\.0\\.0\\.1:[0-9]+;"),
                                                            "listen 127.0.0.1:99999;"); },
                1, "nginx: [emerg] invalid port in \"127.0.0.1:99999\" of the \"listen\" directive"},
        BadCase{"missing_config", {"-c", "conf/missing.conf"}, {}, 1,
                "nginx: [emerg] open() \"{dir}/conf/missing.conf\" failed (2: No such file or directory)"},
        BadCase{"bad_uk_ready_value", {"-g", "uk_ready maybe;"}, {}, 1,
                "nginx: [emerg] invalid value \"maybe\" in \"uk_ready\" directive, it must be \"on\" or \"off\" in "
                "command line"},
        BadCase{"uk_ready_needs_single_process", {"-g", "uk_ready on;"},
                [](std::string &c) { replace_all(c, "master_process off;", "master_process on;"); }, 1,
                "nginx: [emerg] \"uk_ready on\" needs \"master_process off\""},
        BadCase{"unknown_option", {"-Z"}, {}, 1, "nginx: invalid option: \"Z\"\n"},
        BadCase{"config_test_ok", {"-t"}, {}, 0,
                "nginx: the configuration file {dir}/conf/nginx.conf syntax is ok\n"
                "nginx: configuration file {dir}/conf/nginx.conf test is successful\n"},
        BadCase{"version", {"-V"}, {}, 0, "nginx version: nginx/1.22.1\n"}),
    [](const ::testing::TestParamInfo<BadCase> &p) { return p.param.name; });

} // namespace
} // namespace uk::test
