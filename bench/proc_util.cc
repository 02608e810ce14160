#include "proc_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <fmt/format.h>
#include <fstream>

extern char **environ;

namespace ukbench {
namespace {

std::string errno_text() { return std::strerror(errno); }

std::string quote(const std::string &s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_./=:,+%@") ==
                        std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

std::string describe_status(int status) {
  if (WIFEXITED(status)) return fmt::format("exited with status {}", WEXITSTATUS(status));
  if (WIFSIGNALED(status)) return fmt::format("was killed by signal {} ({})", WTERMSIG(status), strsignal(WTERMSIG(status)));
  return fmt::format("ended with wait status {:#x}", status);
}

// Pointers into cmd.args, built before fork (nothing allocates in the child).
std::vector<char *> make_argv(const Command &cmd) {
  std::vector<char *> v;
  for (const std::string &a : cmd.args) v.push_back(const_cast<char *>(a.c_str()));
  v.push_back(nullptr);
  return v;
}

// In the child after fork: only async-signal-safe calls.
[[noreturn]] void exec_child(char *const *argv, const ChildStdio &stdio, bool traced) {
  if (dup2(stdio.in(), 0) < 0 || dup2(stdio.out(), 1) < 0) _exit(126);
  if (traced && ptrace(PTRACE_TRACEME, 0, nullptr, nullptr) != 0) _exit(126);
  execve(argv[0], argv, environ);
  const char *msg = "uk-bench-linuxu: execve failed: ";
  (void)!write(2, msg, std::strlen(msg));
  (void)!write(2, argv[0], std::strlen(argv[0]));
  (void)!write(2, "\n", 1);
  _exit(127);
}

pid_t fork_or_throw() {
  pid_t pid = fork();
  if (pid < 0) throw BenchError("fork: " + errno_text());
  return pid;
}

int wait_for(pid_t pid, struct rusage *ru = nullptr) {
  int status = 0;
  while (wait4(pid, &status, 0, ru) < 0)
    if (errno != EINTR) throw BenchError(fmt::format("wait4({}): {}", pid, errno_text()));
  return status;
}

int64_t now_ns() {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<int64_t>(ts.tv_sec) * 1000000000 + ts.tv_nsec;
}

// The number after the field name (line[0, n)) of a /proc smaps line, KiB.
uint64_t parse_kib(const std::string &path, const std::string &line, size_t n) {
  char *end = nullptr;
  errno = 0;
  uint64_t kib = std::strtoull(line.c_str() + n, &end, 10);
  if (errno != 0 || end == line.c_str() + n) throw BenchError(fmt::format("{}: cannot parse '{}'", path, line));
  return kib;
}

// An smaps mapping line: start-end perms offset dev inode [path] (no path:
// anonymous).
FileMapping parse_mapping(const std::string &smaps, const std::string &line) {
  FileMapping m;
  char perms[8], dev[16];
  unsigned long long start = 0, end = 0, offset = 0, inode = 0;
  int n = -1;
  if (std::sscanf(line.c_str(), "%llx-%llx %7s %llx %15s %llu %n", &start, &end, perms, &offset, dev, &inode, &n) < 6)
    throw BenchError(fmt::format("{}: cannot parse '{}'", smaps, line));
  m.start = start;
  m.end = end;
  m.offset = offset;
  if (n > 0) m.path = line.substr(static_cast<size_t>(n));
  return m;
}

} // namespace

std::string Command::str() const {
  std::string s;
  for (const std::string &a : args) s += (s.empty() ? "" : " ") + quote(a);
  return s;
}

ChildStdio::ChildStdio() {
  in_ = open("/dev/null", O_RDONLY | O_CLOEXEC);
  out_ = open("/dev/null", O_WRONLY | O_CLOEXEC);
  if (in_ < 0 || out_ < 0) throw BenchError("/dev/null: cannot open: " + errno_text());
}

ChildStdio::~ChildStdio() {
  if (in_ >= 0) close(in_);
  if (out_ >= 0) close(out_);
}

TimedRun run_timed(const Command &cmd, const ChildStdio &stdio, int expected_status) {
  std::vector<char *> argv = make_argv(cmd);
  struct rusage ru {};
  int64_t t0 = now_ns();
  pid_t pid = fork_or_throw();
  if (pid == 0) exec_child(argv.data(), stdio, false);
  int status = wait_for(pid, &ru);
  int64_t t1 = now_ns();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != expected_status)
    throw BenchError(fmt::format("`{}` {}", cmd.str(), describe_status(status)));
  return {static_cast<double>(t1 - t0) / 1e6, ru.ru_minflt};
}

MemUsage &MemUsage::operator+=(const MemUsage &o) {
  rss += o.rss;
  pss += o.pss;
  shared_clean += o.shared_clean;
  shared_dirty += o.shared_dirty;
  private_clean += o.private_clean;
  private_dirty += o.private_dirty;
  return *this;
}

MemUsage read_smaps_rollup(pid_t pid) {
  std::string path = fmt::format("/proc/{}/smaps_rollup", pid);
  std::ifstream in(path);
  if (!in) throw BenchError(path + ": cannot open (kernel without smaps_rollup?)");
  struct Field {
    const char *key;
    uint64_t MemUsage::*member;
  };
  static const Field fields[] = {{"Rss:", &MemUsage::rss},
                                 {"Pss:", &MemUsage::pss},
                                 {"Shared_Clean:", &MemUsage::shared_clean},
                                 {"Shared_Dirty:", &MemUsage::shared_dirty},
                                 {"Private_Clean:", &MemUsage::private_clean},
                                 {"Private_Dirty:", &MemUsage::private_dirty}};
  MemUsage m;
  size_t seen = 0;
  std::string line;
  while (std::getline(in, line)) {
    for (const Field &f : fields) {
      size_t n = std::strlen(f.key);
      if (line.compare(0, n, f.key) != 0) continue;
      m.*f.member = parse_kib(path, line, n);
      seen++;
    }
  }
  if (seen != std::size(fields)) throw BenchError(path + ": missing fields (process gone?)");
  return m;
}

MappedUnder read_smaps_mapped_under(pid_t pid, const std::string &dir) {
  std::string path = fmt::format("/proc/{}/smaps", pid);
  std::ifstream in(path);
  if (!in) throw BenchError(path + ": cannot open: " + errno_text());
  const std::string prefix = dir + "/";
  MappedUnder m;
  bool in_mapping = false, inside = false, pss_seen = false;
  std::string line;
  while (std::getline(in, line)) {
    std::string key = line.substr(0, line.find(' '));
    if (key.empty()) throw BenchError(fmt::format("{}: cannot parse '{}'", path, line));
    if (key.back() != ':') { // a mapping's first line; its fields follow
      if (in_mapping && !pss_seen) throw BenchError(path + ": a mapping without Pss");
      in_mapping = true;
      pss_seen = false;
      FileMapping fm = parse_mapping(path, line);
      inside = fm.path.starts_with(prefix);
      if (inside) m.mappings.push_back(std::move(fm));
    } else if (key == "Pss:") {
      if (!in_mapping || pss_seen) throw BenchError(fmt::format("{}: unexpected '{}'", path, line));
      pss_seen = true;
      uint64_t kib = parse_kib(path, line, key.size());
      if (inside) m.pss += kib;
    }
  }
  if (!in_mapping) throw BenchError(path + ": no mappings (process gone?)");
  if (!pss_seen) throw BenchError(path + ": a mapping without Pss");
  return m;
}

void add_present_pages(pid_t pid, const std::vector<FileMapping> &maps, std::set<FilePage> &pages) {
  std::string path = fmt::format("/proc/{}/pagemap", pid);
  int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw BenchError(path + ": cannot open: " + errno_text());
  const uint64_t page = static_cast<uint64_t>(sysconf(_SC_PAGESIZE));
  std::vector<uint64_t> entries;
  for (const FileMapping &m : maps) {
    entries.resize((m.end - m.start) / page);
    size_t want = entries.size() * sizeof(uint64_t);
    ssize_t got = pread(fd, entries.data(), want, static_cast<off_t>(m.start / page * sizeof(uint64_t)));
    if (got != static_cast<ssize_t>(want)) {
      std::string why = got < 0 ? errno_text() : "short read";
      close(fd);
      throw BenchError(fmt::format("{}: cannot read the entries of {:#x}-{:#x}: {}", path, m.start, m.end, why));
    }
    for (size_t i = 0; i < entries.size(); i++)
      if (entries[i] >> 63) pages.emplace(m.path, m.offset / page + i); // bit 63: present in RAM
  }
  close(fd);
}

HeldGroup::~HeldGroup() {
  // A tracee held at its exit event ignores SIGKILL and its stop has been
  // reported already: resume it, or waitpid would block for ever.
  for (pid_t pid : pids_) {
    kill(pid, SIGKILL);
    ptrace(PTRACE_CONT, pid, nullptr, nullptr);
    for (;;) {
      int status = 0;
      if (waitpid(pid, &status, 0) < 0) {
        if (errno == EINTR) continue;
        break;
      }
      if (WIFEXITED(status) || WIFSIGNALED(status)) break;
      ptrace(PTRACE_CONT, pid, nullptr, nullptr);
    }
  }
}

void HeldGroup::start_and_hold(const Command &cmd, const ChildStdio &stdio) {
  std::vector<char *> argv = make_argv(cmd);
  pid_t pid = fork_or_throw();
  if (pid == 0) exec_child(argv.data(), stdio, true);
  bool options_set = false;
  for (;;) {
    int status = wait_for(pid);
    if (WIFEXITED(status) || WIFSIGNALED(status)) {
      if (options_set) pids_.pop_back(); // reaped: never signal that pid again
      throw BenchError(fmt::format("`{}` {} before it could be held at exit", cmd.str(), describe_status(status)));
    }
    if (!options_set) { // first stop: the SIGTRAP after execve (or an exec failure's exit, above)
      pids_.push_back(pid);
      options_set = true;
      if (ptrace(PTRACE_SETOPTIONS, pid, nullptr, PTRACE_O_TRACEEXIT | PTRACE_O_EXITKILL) != 0)
        throw BenchError(fmt::format("ptrace(SETOPTIONS, {}): {}", pid, errno_text()));
      if (WSTOPSIG(status) == SIGTRAP) status = 0;
    } else if ((status >> 8) == (SIGTRAP | (PTRACE_EVENT_EXIT << 8))) {
      unsigned long exit_status = 0;
      if (ptrace(PTRACE_GETEVENTMSG, pid, nullptr, &exit_status) != 0)
        throw BenchError(fmt::format("ptrace(GETEVENTMSG, {}): {}", pid, errno_text()));
      int st = static_cast<int>(exit_status);
      if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) throw BenchError(fmt::format("`{}` {}", cmd.str(), describe_status(st)));
      return; // held: stopped with its whole address space
    }
    int forward = WIFSTOPPED(status) ? WSTOPSIG(status) : 0;
    if (forward == SIGTRAP) forward = 0;
    if (ptrace(PTRACE_CONT, pid, nullptr, reinterpret_cast<void *>(static_cast<long>(forward))) != 0)
      throw BenchError(fmt::format("ptrace(CONT, {}): {}", pid, errno_text()));
  }
}

void HeldGroup::release_all() {
  while (!pids_.empty()) {
    pid_t pid = pids_.back();
    if (ptrace(PTRACE_CONT, pid, nullptr, nullptr) != 0)
      throw BenchError(fmt::format("ptrace(CONT, {}): {}", pid, errno_text()));
    int status = wait_for(pid);
    if (!WIFEXITED(status) && !WIFSIGNALED(status)) throw BenchError(fmt::format("process {} did not exit", pid));
    pids_.pop_back();
  }
}

DirUsage dir_usage(const std::string &dir, const std::set<std::string> &exclude) {
  DIR *d = opendir(dir.c_str());
  if (!d) throw BenchError(dir + ": cannot open directory: " + errno_text());
  DirUsage u;
  while (struct dirent *e = readdir(d)) {
    struct stat st;
    if (exclude.count(e->d_name) != 0) continue;
    if (fstatat(dirfd(d), e->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0 || !S_ISREG(st.st_mode)) continue;
    u.files++;
    u.allocated_bytes += static_cast<uint64_t>(st.st_blocks) * 512;
    u.size_bytes += static_cast<uint64_t>(st.st_size);
  }
  closedir(d);
  return u;
}

bool on_tmpfs(const std::string &path) {
  struct statfs sf;
  return statfs(path.c_str(), &sf) == 0 && sf.f_type == TMPFS_MAGIC;
}

} // namespace ukbench
