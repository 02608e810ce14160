#include "bench_util.h"

#include <unistd.h>

#include <climits>
#include <cstdio>
#include <cstdlib>
#include <fmt/format.h>
#include <fstream>
#include <sstream>

#include "proc_util.h"

namespace ukbench {

bool g_verbose = false;

void progress(const char *tool, const std::string &what) {
  if (g_verbose || isatty(2)) std::fprintf(stderr, "%s: %s\n", tool, what.c_str());
}

std::string loadavg() {
  std::ifstream in("/proc/loadavg");
  std::string a, b, c;
  if (!(in >> a >> b >> c)) return "unknown";
  return a + " " + b + " " + c;
}

void check_file(const std::string &path, const char *what) {
  if (access(path.c_str(), R_OK) != 0) throw BenchError(fmt::format("{} {}: not found or not readable", what, path));
}

std::string canonical_dir(const std::string &dir) {
  char buf[PATH_MAX];
  if (!realpath(dir.c_str(), buf)) throw BenchError(dir + ": cannot resolve the path");
  return buf;
}

std::set<std::string> desc_pool_objects(const std::string &desc) {
  std::ifstream in(desc);
  if (!in) throw BenchError(desc + ": cannot open");
  std::set<std::string> objects;
  std::string line;
  for (int n = 1; std::getline(in, line); n++) {
    if (!line.starts_with("lib ")) continue;
    std::istringstream fields(line);
    std::string rec, name, id, object;
    if (!(fields >> rec >> name >> id >> object))
      throw BenchError(fmt::format("{}:{}: cannot parse '{}'", desc, n, line));
    objects.insert(object);
  }
  if (in.bad()) throw BenchError(desc + ": read error");
  return objects;
}

} // namespace ukbench
