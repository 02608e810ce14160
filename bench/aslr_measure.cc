#include "aslr_measure.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fmt/format.h>
#include <fstream>
#include <map>
#include <memory>
#include <set>
#include <sstream>

#include "desc.h"

namespace ukbench {
namespace {

// A FaaS-style lua handler: recursion, a sort, string building; arg[1] sets
// the amount of recursion.
const char *const kLuaScript = R"(local function fib(n) if n < 2 then return n end return fib(n - 1) + fib(n - 2) end
local t = {}
for i = 1, 100000 do t[i] = (i * 7919) % 100003 end
table.sort(t)
local parts = {}
for i = 1, 20000 do parts[#parts + 1] = string.format("%d:%d", i, t[i]) end
local s = table.concat(parts, ",")
print(("fib(%d) = %d, sorted %d, text %d bytes"):format(arg[1], fib(tonumber(arg[1])), #t, #s))
)";

std::string app_file(const AslrSetup &s, const std::string &app, const char *ext) {
  return s.corpus + "/" + app + "/" + app + ext;
}

std::string lua_script(const AslrSetup &s) { return fmt::format("{}/uk-bench-aslr-{}.lua", s.tmp_dir, getpid()); }

std::string mandel_image(const AslrSetup &s) {
  return fmt::format("{}/uk-bench-aslr-{}-mandel.ppm", s.tmp_dir, getpid());
}

bool is_file(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string &p) {
  struct stat st;
  return stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

void require(bool ok, const std::string &what) {
  if (!ok) throw BenchError(what);
}

std::string canonical_dir(const std::string &dir) {
  char buf[PATH_MAX];
  if (!realpath(dir.c_str(), buf)) throw BenchError(dir + ": cannot resolve the path");
  return buf;
}

std::string read_file(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw BenchError(path + ": cannot open");
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) throw BenchError(path + ": read error");
  return ss.str();
}

// A desc, parsed with the loaders' own parser.
std::unique_ptr<uk::Desc> load_desc(const std::string &path) {
  auto d = std::make_unique<uk::Desc>();
  std::string text = read_file(path);
  if (uk::Status st = uk::parse_desc(text.data(), text.size(), path.c_str(), d.get()); !st)
    throw BenchError(st.error().what());
  return d;
}

// The desc of app in mode m (Slt or Aslr).
std::string desc_path(const AslrSetup &s, Mode m, const std::string &app) {
  return app_file(s, app, m == Mode::Aslr ? ".aslr.desc" : ".desc");
}

// VmPTE of /proc/PID/status, KiB: the page tables, which Pss leaves out.
uint64_t page_tables_kib(pid_t pid) {
  std::string path = fmt::format("/proc/{}/status", pid);
  std::ifstream in(path);
  std::string line;
  while (std::getline(in, line))
    if (line.starts_with("VmPTE:")) return std::strtoull(line.c_str() + 6, nullptr, 10);
  throw BenchError(path + ": no VmPTE line (process gone?)");
}

// stderr of the children goes into a temporary file while it lives.
class StderrCapture {
 public:
  StderrCapture() {
    char name[] = "/tmp/uk-bench-aslr-stderr-XXXXXX";
    fd_ = mkstemp(name);
    if (fd_ < 0) throw BenchError(std::string("mkstemp: ") + std::strerror(errno));
    unlink(name);
    std::fflush(stderr);
    saved_ = dup(2);
    if (saved_ < 0 || dup2(fd_, 2) < 0) throw BenchError(std::string("dup2: ") + std::strerror(errno));
  }
  ~StderrCapture() {
    std::fflush(stderr);
    if (saved_ >= 0) {
      dup2(saved_, 2);
      close(saved_);
    }
    close(fd_);
  }
  StderrCapture(const StderrCapture &) = delete;
  StderrCapture &operator=(const StderrCapture &) = delete;
  // What the children wrote since the last take(); empties the file.
  std::string take() {
    std::string text;
    char buf[4096];
    off_t off = 0;
    for (ssize_t n; (n = pread(fd_, buf, sizeof buf, off)) > 0; off += n) text.append(buf, static_cast<size_t>(n));
    if (ftruncate(fd_, 0) != 0) throw BenchError(std::string("ftruncate: ") + std::strerror(errno));
    return text;
  }

 private:
  int fd_ = -1, saved_ = -1;
};

} // namespace

const char *mode_label(Mode m) {
  switch (m) {
  case Mode::Direct: return "direct ELF";
  case Mode::Slt: return "SLT";
  case Mode::Aslr: return "SLT [ASLR]";
  }
  return "?";
}

void check_setup(const AslrSetup &s) {
  require(is_dir(s.corpus), s.corpus + ": corpus directory not found");
  std::set<std::string> apps(s.exec_apps.begin(), s.exec_apps.end());
  apps.insert("helloworld");
  apps.insert(s.entropy_apps.begin(), s.entropy_apps.end());
  apps.insert(s.memory_apps.begin(), s.memory_apps.end());
  for (const std::string &app : apps) {
    std::string elf = app_file(s, app, ".elf");
    require(is_file(elf) && access(elf.c_str(), X_OK) == 0, elf + ": missing or not executable");
    for (Mode m : {Mode::Slt, Mode::Aslr}) {
      std::string desc = desc_path(s, m, app);
      require(is_file(desc) && access(desc.c_str(), R_OK) == 0, desc + ": missing or unreadable");
    }
    (void)workload(s, app, Input::Small); // an app the bench has no workload for is named here
  }
  require(is_file(s.loader) && access(s.loader.c_str(), X_OK) == 0, s.loader + ": loader missing or not executable");
  require(is_dir(s.pool), s.pool + ": pool directory not found");
  require(on_tmpfs(s.pool), s.pool + ": pool is not on tmpfs; the memory comparison counts its tmpfs bytes");
  require(is_dir(s.tmp_dir) && access(s.tmp_dir.c_str(), W_OK) == 0, s.tmp_dir + ": not a writable directory");
  require(s.instances >= 1 && s.instances <= 1000, "--instances must be between 1 and 1000");
  std::ofstream lua(lua_script(s));
  lua << kLuaScript;
  require(static_cast<bool>(lua.flush()), lua_script(s) + ": cannot write");
}

Workload workload(const AslrSetup &s, const std::string &app, Input in) {
  const bool big = in == Input::Exec && s.long_inputs;
  const bool small = in != Input::Exec;
  if (app == "helloworld") return {{}, ""};
  if (app == "mandelbrot") {
    std::string size = in == Input::Start ? "8 6 10" : small ? "120 90 100" : big ? "1280 960 1000" : "640 480 500";
    Workload w{{}, size};
    std::istringstream ss(size);
    for (std::string a; ss >> a;) w.args.push_back(a);
    w.args.push_back(mandel_image(s));
    return w;
  }
  if (app == "zlib-perf") {
    std::string size = in == Input::Start ? "1K" : small ? "64K" : big ? "32M" : "4M";
    return {{size}, size};
  }
  if (app == "sqlite-speed") {
    if (in == Input::Start) return {{"--help"}, "--help"}; // prints its usage, exits 0
    std::string size = small ? "1" : big ? "50" : "10";
    return {{"--size", size, "--memdb"}, "--size " + size + " --memdb"};
  }
  if (app == "lua") {
    if (in == Input::Start) return {{"-e", ""}, "-e ''"};
    std::string n = small ? "12" : big ? "30" : "27";
    return {{lua_script(s), n}, "fib(" + n + "), sort, strings"};
  }
  throw BenchError(app + ": uk-bench-aslr has no workload for this app (helloworld, mandelbrot, zlib-perf, "
                         "sqlite-speed, lua)");
}

Command command(const AslrSetup &s, Mode m, const std::string &app, const Workload &w, bool stats) {
  Command c;
  if (m == Mode::Direct) c.args = {app_file(s, app, ".elf")};
  else {
    c.args = {s.loader, "--pool", s.pool};
    if (stats) c.args.push_back("--stats");
    c.args.push_back(desc_path(s, m, app));
  }
  c.args.insert(c.args.end(), w.args.begin(), w.args.end());
  return c;
}

Sides measure_exec(const AslrSetup &s, const ChildStdio &stdio, const std::string &app, const Workload &w, int runs,
                   int warmup) {
  Sides r;
  r.modes = {Mode::Direct, Mode::Slt, Mode::Aslr};
  r.ms.resize(r.modes.size());
  std::vector<Command> cmds;
  for (Mode m : r.modes) cmds.push_back(command(s, m, app, w));
  for (int round = 0; round < warmup + runs; round++)
    for (size_t k = 0; k < cmds.size(); k++) { // rotated: no side always first
      size_t i = (k + static_cast<size_t>(round)) % cmds.size();
      TimedRun t = run_timed(cmds[i], stdio);
      if (round >= warmup) r.ms[i].push_back(t.wall_ms);
    }
  std::remove(mandel_image(s).c_str());
  return r;
}

std::vector<std::vector<BlockBase>> sample_layouts(const AslrSetup &s, const ChildStdio &stdio,
                                                   const std::string &app) {
  const Command cmd = command(s, Mode::Aslr, app, workload(s, app, Input::Start), true);
  std::vector<std::vector<BlockBase>> starts;
  StderrCapture capture;
  for (int i = 0; i < s.entropy_starts; i++) {
    try {
      run_timed(cmd, stdio);
    } catch (const BenchError &e) {
      throw BenchError(std::string(e.what()) + ": " + capture.take());
    }
    starts.push_back(parse_aslr_bases(capture.take(), cmd.str()));
  }
  std::remove(mandel_image(s).c_str());
  return starts;
}

GroupMemory measure_group(const AslrSetup &s, const ChildStdio &stdio, Mode m, const std::vector<std::string> &apps,
                          int count) {
  GroupMemory g;
  const std::string pool_dir = canonical_dir(s.pool);
  std::set<std::string> objects;
  for (const std::string &app : apps) {
    std::unique_ptr<uk::Desc> d = load_desc(desc_path(s, m, app));
    for (uint32_t i = 0; i < d->nlibs; i++) objects.insert(d->libs[i].object);
  }
  for (const std::string &o : objects) {
    struct stat st;
    std::string path = s.pool + "/" + o;
    if (stat(path.c_str(), &st) != 0) throw BenchError(path + ": pool object missing");
    g.pool_tmpfs += static_cast<uint64_t>(st.st_blocks) * 512 / 1024;
  }
  g.pool_objects = objects.size();
  std::set<FilePage> present;
  {
    HeldGroup held;
    for (int i = 0; i < count; i++) {
      const std::string &app = apps[static_cast<size_t>(i) % apps.size()];
      held.start_and_hold(command(s, m, app, workload(s, app, Input::Small)), stdio);
    }
    for (pid_t pid : held.pids()) {
      MemUsage u = read_smaps_rollup(pid);
      g.pss += u.pss;
      g.private_kib += u.private_total();
      g.page_tables += page_tables_kib(pid);
      add_present_pages(pid, read_smaps_mapped_under(pid, pool_dir).mappings, present);
    }
    held.release_all();
  }
  g.pool_present = present.size() * static_cast<uint64_t>(sysconf(_SC_PAGESIZE)) / 1024;
  std::remove(mandel_image(s).c_str());
  return g;
}

PoolBytes pool_bytes(const AslrSetup &s) {
  PoolBytes p;
  std::map<std::string, uint64_t> slt, aslr;
  DIR *dir = opendir(s.corpus.c_str());
  if (!dir) throw BenchError(s.corpus + ": cannot open directory");
  std::vector<std::string> apps;
  while (struct dirent *e = readdir(dir)) {
    std::string app = e->d_name;
    if (app != "." && app != ".." && is_file(desc_path(s, Mode::Slt, app)) && is_file(desc_path(s, Mode::Aslr, app)))
      apps.push_back(app);
  }
  closedir(dir);
  for (const std::string &app : apps) {
    for (Mode m : {Mode::Slt, Mode::Aslr}) {
      std::unique_ptr<uk::Desc> d = load_desc(desc_path(s, m, app));
      auto &objects = m == Mode::Slt ? slt : aslr;
      for (uint32_t i = 0; i < d->nlibs; i++) objects[d->libs[i].object] = d->libs[i].object_size;
      (m == Mode::Slt ? p.slt_image_bytes : p.aslr_image_bytes) += d->image_size;
    }
  }
  p.apps = apps.size();
  p.slt_objects = slt.size();
  p.aslr_objects = aslr.size();
  for (const auto &[o, size] : slt) {
    p.slt_bytes += size;
    p.common_objects += aslr.count(o);
  }
  for (const auto &[o, size] : aslr) p.aslr_bytes += size;
  return p;
}

} // namespace ukbench
