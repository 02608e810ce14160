#include "dyn_util.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

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

RunResult dyn_run_rss(const std::vector<std::string> &args, const std::string &scratch, long *max_rss_kib) {
  std::vector<std::string> argv = {"/usr/bin/env", "-u", "LD_BIND_NOW", "-u", "UK_DYN_LIBRARY_PATH", kDynRun};
  argv.insert(argv.end(), args.begin(), args.end());
  std::vector<char *> cargv;
  for (std::string &a : argv) cargv.push_back(a.data());
  cargv.push_back(nullptr);
  std::string out = scratch + "/rss.out", err = scratch + "/rss.err";
  pid_t pid = fork();
  if (pid == 0) {
    int o = open(out.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600), e = open(err.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    int n = open("/dev/null", O_RDONLY);
    if (o < 0 || e < 0 || n < 0) _exit(126);
    dup2(n, 0);
    dup2(o, 1);
    dup2(e, 2);
    execv(cargv[0], cargv.data());
    _exit(126);
  }
  RunResult r;
  int st = 0;
  struct rusage ru {};
  if (pid < 0 || wait4(pid, &st, 0, &ru) != pid) {
    ADD_FAILURE() << "fork/wait4 failed";
    return r;
  }
  r.status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  r.out = read_text(out);
  r.err = read_text(err);
  *max_rss_kib = ru.ru_maxrss;
  return r;
}

RunResult dyn_run_bounded(const std::vector<std::string> &args) {
  std::vector<std::string> argv = {"/usr/bin/timeout", "-s", "KILL", "30", "/usr/bin/env", "-u", "LD_BIND_NOW",
                                   "-u", "UK_DYN_LIBRARY_PATH", kDynRun};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv);
}

std::string expect_load_error(const RunResult &r) {
  EXPECT_EQ(r.status, 127) << "stdout: " << r.out << "\nstderr: " << r.err;
  EXPECT_TRUE(r.out.empty()) << r.out;
  EXPECT_EQ(r.err.rfind("uk-dyn-run: ", 0), 0u) << r.err;
  EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
  return r.err;
}

std::string expect_usage_error(const RunResult &r) {
  EXPECT_EQ(r.status, 125) << "stdout: " << r.out << "\nstderr: " << r.err;
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
