#include "kvm_util.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <regex>

namespace uk::test::kvm {
namespace {

void replace_all(std::string &s, const std::string &from, const std::string &to) {
  if (from.empty()) return;
  for (size_t p = s.find(from); p != std::string::npos; p = s.find(from, p + to.size())) s.replace(p, from.size(), to);
}

std::map<std::string, std::string> files_in(const std::string &dir) {
  std::map<std::string, std::string> files;
  if (DIR *d = opendir(dir.c_str())) {
    while (dirent *e = readdir(d)) {
      std::string path = dir + "/" + e->d_name;
      struct stat st;
      if (stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode)) files[e->d_name] = read_text(path);
    }
    closedir(d);
  }
  return files;
}

Outcome run_in(const std::vector<std::string> &cmd, const std::string &files_dir, const std::string &dir,
               const std::vector<std::string> &args, const std::string &stdin_data,
               const std::map<std::string, std::string> &inputs) {
  std::system(("mkdir -p '" + files_dir + "'").c_str());
  for (const auto &[name, text] : inputs) write_text(files_dir + "/" + name, text);
  std::vector<std::string> argv = cmd;
  const std::string argv0 = argv.back();
  for (std::string a : args) {
    replace_all(a, "{dir}", dir);
    argv.push_back(a);
  }
  std::string in = stdin_data;
  replace_all(in, "{dir}", dir);
  RunResult r = run(argv, in);
  Outcome o{r.status, r.out, r.err, files_in(files_dir)};
  for (std::string *s : {&o.out, &o.err}) {
    replace_all(*s, dir, "{dir}");
    replace_all(*s, argv0, "{argv0}");
  }
  return o;
}

} // namespace

std::string kvm_missing() {
  int fd = open("/dev/kvm", O_RDWR | O_CLOEXEC);
  if (fd < 0) return std::string("/dev/kvm cannot be opened (") + std::strerror(errno) + "): KVM tests need it";
  close(fd);
  return "";
}

Outcome run_direct(const std::string &app, const std::vector<std::string> &args, const std::string &stdin_data,
                   const std::map<std::string, std::string> &inputs) {
  std::string dir = make_temp_dir();
  Outcome o = run_in({elf_of(app)}, dir, dir, args, stdin_data, inputs);
  std::system(("rm -rf '" + dir + "'").c_str());
  return o;
}

Outcome run_kvm(KvmMode m, const std::string &app, const std::vector<std::string> &args,
                const std::string &stdin_data, const std::map<std::string, std::string> &inputs) {
  std::string root = make_temp_dir(), dir = make_temp_dir(); // the guest sees root/<dir> as <dir>
  std::vector<std::string> cmd = {kVmm, "--pool", kPool, "--share", root,
                                  m == KvmMode::Desc ? kvm_desc_of(app) : kvm_elf_of(app)};
  Outcome o = run_in(cmd, root + dir, dir, args, stdin_data, inputs);
  std::system(("rm -rf '" + root + "' '" + dir + "'").c_str());
  return o;
}

std::string strip_times(const std::string &s) {
  static const std::regex time(R"(\b[0-9]+\.[0-9]{3}s\b)");
  return std::regex_replace(s, time, "#.###s");
}

} // namespace uk::test::kvm
