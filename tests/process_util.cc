#include "process_util.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace uk::test {
namespace {

std::vector<char *> cargv(const std::vector<std::string> &argv) {
  std::vector<char *> v;
  for (const std::string &a : argv) v.push_back(const_cast<char *>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

int decode(int st) { return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st); }

} // namespace

RunResult run(const std::vector<std::string> &argv, const std::string &stdin_data) {
  int in[2], out[2], err[2];
  if (pipe2(in, O_CLOEXEC) || pipe2(out, O_CLOEXEC) || pipe2(err, O_CLOEXEC)) throw std::runtime_error("pipe");
  auto args = cargv(argv);
  pid_t pid = fork();
  if (pid == 0) {
    dup2(in[0], 0);
    dup2(out[1], 1);
    dup2(err[1], 2);
    execv(args[0], args.data());
    _exit(126);
  }
  close(in[0]);
  close(out[1]);
  close(err[1]);
  RunResult r;
  size_t written = 0;
  if (stdin_data.empty()) close(in[1]), in[1] = -1;
  else fcntl(in[1], F_SETFL, O_NONBLOCK); // a big write must not block the reads
  struct pollfd fds[3] = {{out[0], POLLIN, 0}, {err[0], POLLIN, 0}, {in[1], POLLOUT, 0}};
  int open_reads = 2;
  while (open_reads > 0 || fds[2].fd >= 0) {
    if (poll(fds, 3, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; i++) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[65536];
      ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        open_reads--;
      } else {
        (i == 0 ? r.out : r.err).append(buf, static_cast<size_t>(n));
      }
    }
    if (fds[2].fd >= 0 && (fds[2].revents & (POLLOUT | POLLERR | POLLHUP))) {
      ssize_t n = (fds[2].revents & POLLOUT)
                      ? write(fds[2].fd, stdin_data.data() + written, stdin_data.size() - written)
                      : -1;
      if (n > 0) written += static_cast<size_t>(n);
      if ((n < 0 && errno != EAGAIN) || n == 0 || written == stdin_data.size()) {
        close(fds[2].fd);
        fds[2].fd = -1;
      }
    }
  }
  int st;
  while (waitpid(pid, &st, 0) < 0 && errno == EINTR) {
  }
  r.status = decode(st);
  return r;
}

HeldProcess::HeldProcess(const std::vector<std::string> &argv) {
  auto args = cargv(argv);
  pid_ = fork();
  if (pid_ == 0) {
    int devnull = open("/dev/null", O_RDWR);
    dup2(devnull, 0);
    dup2(devnull, 1);
    ptrace(PTRACE_TRACEME, 0, nullptr, nullptr);
    raise(SIGSTOP);
    execv(args[0], args.data());
    _exit(126);
  }
  int st;
  if (waitpid(pid_, &st, 0) < 0 || !WIFSTOPPED(st)) return;
  ptrace(PTRACE_SETOPTIONS, pid_, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL | PTRACE_O_TRACEEXEC);
  ptrace(PTRACE_CONT, pid_, nullptr, nullptr);
  for (;;) {
    if (waitpid(pid_, &st, 0) < 0) return;
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      done_ = true;
      status_ = decode(st);
      return;
    }
    if (WIFSTOPPED(st) && (st >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      held_ = true;
      return;
    }
    int sig = WSTOPSIG(st);
    bool event = (st >> 16) != 0 || sig == SIGTRAP;
    ptrace(PTRACE_CONT, pid_, nullptr, event ? 0 : sig);
  }
}

int HeldProcess::release() {
  if (done_) return status_;
  int st;
  ptrace(PTRACE_CONT, pid_, nullptr, nullptr);
  while (waitpid(pid_, &st, 0) >= 0) {
    if (WIFEXITED(st) || WIFSIGNALED(st)) {
      done_ = true;
      status_ = decode(st);
      break;
    }
    ptrace(PTRACE_CONT, pid_, nullptr, nullptr);
  }
  return status_;
}

HeldProcess::~HeldProcess() {
  if (pid_ > 0 && !done_) {
    kill(pid_, SIGKILL);
    release();
  }
}

std::vector<Mapping> maps_of(pid_t pid) {
  std::vector<Mapping> out;
  std::istringstream in(read_text("/proc/" + std::to_string(pid) + "/maps"));
  std::string line;
  while (std::getline(in, line)) {
    std::istringstream ls(line);
    Mapping m;
    std::string range, offset;
    ls >> range >> m.perms >> offset >> m.dev >> m.inode;
    std::getline(ls >> std::ws, m.path);
    size_t dash = range.find('-');
    m.start = std::stoull(range.substr(0, dash), nullptr, 16);
    m.end = std::stoull(range.substr(dash + 1), nullptr, 16);
    m.offset = std::stoull(offset, nullptr, 16);
    out.push_back(m);
  }
  return out;
}

std::string read_text(const std::string &path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_text(const std::string &path, const std::string &text) {
  std::ofstream f(path, std::ios::binary | std::ios::trunc);
  f << text;
}

std::string make_temp_dir() {
  char tmpl[] = "/tmp/uk-slt-test-XXXXXX";
  char *d = mkdtemp(tmpl);
  if (!d) throw std::runtime_error("mkdtemp");
  return d;
}

} // namespace uk::test
