#include "pack_dynamic.h"

#include <cstdio>

#include "fs_util.h"
#include "link_diagnostics.h"
#include "object_flags.h"
#include "run_command.h"

namespace uk {
namespace {

bool is_platform(const std::string &stem) {
  return stem == "boot" || stem == "musl" || stem == "gccrt" || stem == "kvmplat";
}

Status run_link(std::vector<std::string> argv, const std::string &shown, const char *entry, bool verbose) {
  if (verbose) {
    std::string line;
    for (const std::string &a : argv) line += (line.empty() ? "" : " ") + a;
    std::fprintf(stderr, "pack --dynamic: %s\n", line.c_str());
  }
  std::string linker = argv[0];
  auto r = run_command(argv);
  if (!r) return r.error();
  if (r->status != 0) return link_error(shown, linker, r->status, r->output, entry);
  return {};
}

} // namespace

Status link_dynamic(const DynamicLink &d, const std::function<std::string(const std::string &)> &stage,
                    bool verbose) {
  std::vector<std::string> own;
  for (const std::string &l : d.libs)
    if (!is_platform(stem_of(l))) own.push_back(l);
  if (own.empty()) return Error::fmt("pack --dynamic: %s: no library of the app's own", d.app.c_str());
  size_t main_lib = own.size() - 1;
  for (size_t i = 0; i < own.size(); i++)
    if (stem_of(own[i]) == d.app) main_lib = i;

  std::vector<std::string> needed; // staged lib*.so, in link order
  for (size_t i = 0; i < own.size(); i++) {
    if (i == main_lib) continue;
    std::string stem = stem_of(own[i]);
    std::string so = (stem.rfind("lib", 0) == 0 ? stem : "lib" + stem) + ".so";
    std::string tmp = stage(so);
    std::vector<std::string> argv = {d.linker, "-shared", "-soname", so};
    for (const char *f : kDynLdflags) argv.push_back(f);
    argv.insert(argv.end(), {"-o", tmp, own[i], d.platform.libmusl});
    UK_TRY(run_link(argv, dirname_of(tmp) + "/" + so, "", verbose));
    needed.push_back(tmp);
  }
  std::string tmp = stage(d.app + ".so");
  std::vector<std::string> argv = {d.linker, "-pie", "--no-dynamic-linker", "-E"};
  for (const char *f : kDynLdflags) argv.push_back(f);
  argv.insert(argv.end(), {"-o", tmp, d.platform.crt, own[main_lib], d.platform.libboot});
  argv.insert(argv.end(), needed.begin(), needed.end());
  argv.push_back(d.platform.libmusl);
  return run_link(argv, dirname_of(tmp) + "/" + d.app + ".so", "", verbose);
}

} // namespace uk
