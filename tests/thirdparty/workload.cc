#include "workload.h"

#include <dirent.h>
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <cstdlib>
#include <regex>
#include <sstream>

#include "corpus.h"

namespace uk::test::tp {
namespace {

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, sep))
    if (!item.empty()) v.push_back(item);
  return v;
}

bool contains(const std::vector<std::string> &v, const std::string &s) {
  for (const std::string &x : v)
    if (x == s) return true;
  return false;
}

// The Debian source packages each third-party app is built from.
std::vector<std::string> sources_of(const std::string &app) {
  if (app == "zlib-perf") return {"zlib"};
  if (app == "sqlite-speed") return {"sqlite3"};
  if (app == "sqlite-shell") return {"sqlite3", "zlib"};
  if (app == "lua") return {"lua5.4"};
  return {};
}

void replace_all(std::string &s, const std::string &from, const std::string &to) {
  if (from.empty()) return;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

} // namespace

const char *mode_name(Mode m) {
  return m == Mode::Direct ? "direct" : m == Mode::Loader ? "uk-slt-run" : "uk-dyn-run";
}

std::vector<std::string> command(Mode m, const std::string &app) {
  if (m == Mode::Direct) return {elf_of(app)};
  if (m == Mode::Loader) return {kLoader, "--pool", kPool, desc_of(app)};
  return {kBin + "/uk-dyn-run", kCorpus + "/" + app + "/" + app + ".so"};
}

bool built(const std::string &app, std::string *skip_reason) {
  skip_reason->clear();
  if (contains(split(UK_TP_APPS, ','), app)) return true;
  std::vector<std::string> missing, not_fetched = split(UK_TP_MISSING_SOURCES, ',');
  for (const std::string &p : sources_of(app))
    if (contains(not_fetched, p)) missing.push_back(p);
  if (missing.empty()) {
    ADD_FAILURE() << app << " was not built, yet its sources were found at configure time";
    return false;
  }
  std::string names;
  for (const std::string &p : missing) names += (names.empty() ? "" : ", ") + p;
  *skip_reason = app + " skipped: the Debian sources of " + names + " were not fetched into " UK_TP_SOURCE_DIR
                 "; run scripts/fetch-sources.sh (scripts/setup.sh does), then configure and build again";
  return false;
}

Outcome run_in_dir(Mode m, const std::string &app, const std::vector<std::string> &args, const std::string &stdin_data,
                   const std::map<std::string, std::string> &inputs) {
  std::string dir = make_temp_dir();
  for (const auto &[name, text] : inputs) write_text(dir + "/" + name, text);
  std::vector<std::string> argv = command(m, app);
  const std::string argv0 = argv.back(); // what the app sees as argv[0]: the ELF, the desc or the .so
  for (std::string a : args) {
    replace_all(a, "{dir}", dir);
    argv.push_back(a);
  }
  std::string in = stdin_data;
  replace_all(in, "{dir}", dir);
  RunResult r = run(argv, in);
  Outcome o{r.status, r.out, r.err, {}};
  for (std::string *s : {&o.out, &o.err}) {
    replace_all(*s, dir, "{dir}");
    replace_all(*s, argv0, "{argv0}");
  }
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string path = dir + "/" + e->d_name;
      struct stat st;
      if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) o.files[e->d_name] = read_text(path);
    }
    closedir(d);
  }
  std::system(("rm -rf '" + dir + "'").c_str());
  return o;
}

std::string strip_times(const std::string &s) {
  // speedtest1 prints " %4d.%03ds": the spaces before a time are part of its
  // width (a 46 s TOTAL has one fewer than a 0.5 s one), so they go too.
  static const std::regex padded(R"( +[0-9]+\.[0-9]{3}s\b)");
  static const std::regex bare(R"(\b[0-9]+\.[0-9]{3}s\b)");
  return std::regex_replace(std::regex_replace(s, padded, " #.###s"), bare, "#.###s");
}

std::string sample_bytes(size_t n, unsigned seed) {
  static const char *const words[] = {"select", "insert", "page", "slot", "zlib", "pool", "lua", "\n"};
  std::string s;
  s.reserve(n);
  uint64_t x = 0x9e3779b97f4a7c15ull ^ seed;
  while (s.size() < n) {
    x ^= x << 13, x ^= x >> 7, x ^= x << 17;
    if ((x & 7) == 0) {
      for (int i = 0; i < 24 && s.size() < n; i++) s.push_back(static_cast<char>(x >> (i % 8 * 8)));
    } else {
      s += words[(x >> 8) % 8];
      s.push_back(' ');
    }
  }
  s.resize(n);
  return s;
}

std::string host_tool(const std::string &name) {
  static const std::map<std::string, std::pair<std::string, std::string>> tools = {
      {"sqlite3", {UK_TP_HOST_SQLITE3, "sqlite3"}},
      {"lua5.4", {UK_TP_HOST_LUA, "lua5.4"}},
      {"speedtest1", {UK_TP_HOST_SPEEDTEST1, "libsqlite3-dev"}},
  };
  auto it = tools.find(name);
  if (it == tools.end() || it->second.first.empty()) {
    ADD_FAILURE() << "host " << name << " for the reference test not found: install the Debian package '"
                  << (it == tools.end() ? name : it->second.second) << "' (scripts/setup.sh does) and configure again";
    return "";
  }
  return it->second.first;
}

} // namespace uk::test::tp
