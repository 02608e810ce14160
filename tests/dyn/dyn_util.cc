#include "dyn_util.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <sstream>

namespace uk::test {

RunResult dyn_run(const std::vector<std::string> &args, const std::string &stdin_data,
                  const std::vector<std::string> &env) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "LD_BIND_NOW", "-u", "UK_DYN_LIBRARY_PATH"};
  argv.insert(argv.end(), env.begin(), env.end());
  argv.push_back(kDynRun);
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, stdin_data);
}

std::string expect_load_error(const RunResult &r) {
  EXPECT_EQ(r.status, 127) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.rfind("uk-dyn-run: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  return r.err;
}

long smaps_field(pid_t pid, uint64_t start, const std::string &field) {
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/smaps"));
  std::string line;
  bool in_mapping = false;
  while (std::getline(in, line)) {
    if (!line.empty() && std::isxdigit(static_cast<unsigned char>(line[0])) && line.find('-') != std::string::npos &&
        line.find(':') > line.find('-')) {
      in_mapping = std::stoull(line.substr(0, line.find('-')), nullptr, 16) == start;
      continue;
    }
    if (in_mapping && line.rfind(field + ":", 0) == 0) return std::stol(line.substr(field.size() + 1));
  }
  return -1;
}

std::vector<std::string> split(const std::string &s, char sep) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == sep) {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur.push_back(c);
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

} // namespace uk::test
