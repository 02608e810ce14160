// Statuses that are not a plain exit code, and the progress line:
//   - uk-slt-run and uk-dyn-run run the unikernel in their own process, so
//     when it dies of a signal the loader's process dies of that signal
//     (a shell shows 128 + N), exactly as the directly executed ELF;
//   - the progress line of long commands is written only to a terminal.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <pty.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

// Runs argv with stdin from `in_file` and stdout a pipe whose reading end is
// already closed, SIGPIPE at its default; returns the raw wait status.
int run_into_closed_pipe(const std::vector<std::string> &argv, const std::string &in_file) {
  int p[2];
  if (pipe(p) != 0) return -1;
  close(p[0]);
  pid_t pid = fork();
  if (pid == 0) {
    signal(SIGPIPE, SIG_DFL);
    int in = open(in_file.c_str(), O_RDONLY);
    int null = open("/dev/null", O_WRONLY);
    if (in < 0 || null < 0) _exit(90);
    dup2(in, 0);
    dup2(p[1], 1);
    dup2(null, 2);
    std::vector<char *> args;
    for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(91);
  }
  close(p[1]);
  int st = -1;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  return st;
}

TEST(Signals, LoadersDieOfTheSignalTheUnikernelDiesOf) {
  // cat writes to a pipe nobody reads: SIGPIPE, in every way it runs.
  std::string dir = make_temp_dir(), in = dir + "/in";
  write_text(in, "hello\n");
  struct Way {
    const char *what;
    std::vector<std::string> argv;
  };
  const Way ways[] = {
      {"direct ELF", {elf_of("cat")}},
      {"uk-slt-run", {kLoader, "--pool", kPool, desc_of("cat")}},
      {"uk-dyn-run", {"/usr/bin/env", "-u", "UK_DYN_LIBRARY_PATH", kBin + "/uk-dyn-run", kCorpus + "/cat/cat.so"}},
  };
  for (const Way &w : ways) {
    int st = run_into_closed_pipe(w.argv, in);
    EXPECT_TRUE(WIFSIGNALED(st)) << w.what << ": wait status 0x" << std::hex << st;
    if (WIFSIGNALED(st)) {
      EXPECT_EQ(WTERMSIG(st), SIGPIPE) << w.what;
    }
  }
  std::system(("rm -rf " + dir).c_str());
}

// Everything the child writes to its terminal, until it exits; *status its
// exit status.
std::string run_on_a_pty(const std::vector<std::string> &argv, int *status) {
  int master = -1;
  pid_t pid = forkpty(&master, nullptr, nullptr, nullptr);
  if (pid < 0) return "forkpty failed";
  if (pid == 0) {
    std::vector<char *> args;
    for (const std::string &a : argv) args.push_back(const_cast<char *>(a.c_str()));
    args.push_back(nullptr);
    execv(args[0], args.data());
    _exit(91);
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = read(master, buf, sizeof buf);
    if (n > 0) out.append(buf, static_cast<size_t>(n));
    else if (n < 0 && errno == EINTR) continue;
    else break; // EIO once the child has closed its side
  }
  close(master);
  int st = 0;
  waitpid(pid, &st, 0);
  *status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
  return out;
}

TEST(Progress, QuietWhenStderrIsNotATerminal) {
  RunResult f = run({kTool, "--pool", kPool, "fsck"});
  EXPECT_EQ(f.status, 0) << f.err;
  EXPECT_EQ(f.err, "");
  EXPECT_EQ(f.out.rfind("fsck: " + kPool + ": ", 0), 0u) << f.out;
  RunResult v = run({kTool, "--pool", kPool, "verify", kCorpus + "/helloworld/helloworld.aslr.desc"});
  EXPECT_EQ(v.status, 0) << v.err;
  EXPECT_EQ(v.err, "");
}

TEST(Progress, ALineOnATerminalErasedBeforeTheResult) {
  int status = -1;
  std::string out = run_on_a_pty({kTool, "--pool", kPool, "fsck"}, &status);
  EXPECT_EQ(status, 0) << out;
  size_t first = out.find("\r\033[K[1/");
  ASSERT_NE(first, std::string::npos) << out;
  EXPECT_NE(out.find("] fsck ", first), std::string::npos) << out;
  // The result line comes after the erased progress line.
  size_t result = out.find("fsck: " + kPool + ": ");
  ASSERT_NE(result, std::string::npos) << out;
  EXPECT_EQ(out.substr(result - 4, 4), "\r\033[K") << out;
}

} // namespace
} // namespace uk::test
