#include "platform_libs.h"

#include <limits.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "fs_util.h"
#include "pack.h"

namespace uk {
namespace {

constexpr const char *kHint = " (or give the platform libraries yourself with --no-platform)";

bool is_file(const std::string &p) { return access(p.c_str(), R_OK) == 0; }

// The first of `dirs` (relative to `base`) that holds `file`.
Result<std::string> find_in(const std::string &base, const std::vector<std::string> &dirs, const std::string &file,
                            const char *what, const char *hint) {
  std::string looked;
  for (const std::string &d : dirs) {
    std::string p = base + d + "/" + file;
    if (is_file(p)) {
      char *abs = realpath(p.c_str(), nullptr); // <prefix>/lib/..., not <prefix>/bin/../lib/...
      std::string found = abs ? abs : p;
      std::free(abs);
      return found;
    }
    looked += (looked.empty() ? "" : " and ") + base + d;
  }
  return Error::fmt("pack: %s %s not found (looked in %s): is uk-slt installed completely?%s", what, file.c_str(),
                    looked.c_str(), hint);
}

std::string exe_dir_or(const std::string &given) {
  if (!given.empty()) return given.back() == '/' ? given : given + "/";
  auto d = own_exe_dir();
  return d ? *d : std::string("./");
}

} // namespace

Result<std::string> own_exe_dir() {
  char exe[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n < 0) return Error::fmt("cannot find uk-slt's own directory (/proc/self/exe): %s", std::strerror(errno));
  exe[n] = '\0';
  return dirname_of(exe) + "/";
}

Result<PlatformLibs> find_platform_libs(const std::string &platform, const std::string &exe_dir) {
  const std::string base = exe_dir_or(exe_dir);
  const std::string what = "platform library (" + platform + ")";
  PlatformLibs p;
  for (const char *lib : {"boot.o", "musl.o", "gccrt.o"}) {
    auto f = find_in(base, {"../lib/uk-slt/linuxu", "../unikernels/libs"}, lib, what.c_str(), kHint);
    if (!f) return f.error();
    p.before.push_back(*f);
  }
  if (platform == "kvm") {
    auto f = find_in(base, {"../lib/uk-slt/kvm", "../unikernels/libs"}, "kvmplat.o", what.c_str(), kHint);
    if (!f) return f.error();
    p.after.push_back(*f);
  } else if (platform != "linuxu") {
    return Error::fmt("pack: unknown platform '%s' (linuxu or kvm)", platform.c_str());
  }
  return p;
}

Result<std::string> add_platform_libs(const std::string &spec, const PlatformLibs &p) {
  auto s = parse_app_spec(spec);
  if (!s) return s.error();
  for (const std::string &lib : s->libs)
    for (const auto *list : {&p.before, &p.after})
      for (const std::string &plat : *list)
        if (stem_of(lib) == stem_of(plat))
          return Error::fmt("pack: %s: %s is a platform library, which pack adds itself: leave it out, or give "
                            "them all by hand with --no-platform",
                            s->app.c_str(), lib.c_str());
  std::string out = s->app + "=";
  auto add = [&](const std::string &l) { out += (out.back() == '=' ? "" : ",") + l; };
  for (const std::string &l : p.before) add(l);
  for (const std::string &l : s->libs) add(l);
  for (const std::string &l : p.after) add(l);
  return out;
}

Result<DynamicPlatform> find_dynamic_platform(const std::string &exe_dir) {
  const std::string base = exe_dir_or(exe_dir);
  const char *what = "dynamic platform library";
  DynamicPlatform d;
  auto musl = find_in(base, {"../lib/uk-slt/dynamic", "../dynlib"}, "libmusl.so", what, "");
  if (!musl) return musl.error();
  auto boot = find_in(base, {"../lib/uk-slt/dynamic", "../dynlib"}, "libboot.so", what, "");
  if (!boot) return boot.error();
  auto crt = find_in(base, {"../lib/uk-slt/dynamic", "../unikernels/obj/dynamic"}, "crt-dyn.o", what, "");
  if (!crt) return crt.error();
  d.libmusl = *musl, d.libboot = *boot, d.crt = *crt;
  return d;
}

} // namespace uk
