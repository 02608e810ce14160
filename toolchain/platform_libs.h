// The platform libraries every app links, found where uk-slt is: `pack`
// adds them to an app's own libraries unless --no-platform.
//
//   linuxu: boot, musl, gccrt before the app's libraries
//   kvm:    the same, and kvmplat (the KVM guest platform) after them
//
// Searched relative to the directory of the uk-slt executable (like
// uk-dyn-run's libraries, nothing of the build machine compiled in):
//   installed:  <bin>/../lib/uk-slt/linuxu/{boot,musl,gccrt}.o
//               <bin>/../lib/uk-slt/kvm/kvmplat.o
//   build tree: <build>/bin/../unikernels/libs/{boot,musl,gccrt,kvmplat}.o
// boot, musl and gccrt are the same objects (and pool objects) for both
// platforms, so they are installed once, under linuxu/.
//
// The dynamic form (pack --dynamic) needs libmusl.so, libboot.so and the
// start file crt-dyn.o:
//   installed:  <bin>/../lib/uk-slt/dynamic/
//   build tree: <build>/dynlib/{libmusl.so,libboot.so}, <build>/unikernels/obj/dynamic/crt-dyn.o
#pragma once

#include <string>
#include <vector>

#include "error.h"

namespace uk {

struct PlatformLibs {
  std::vector<std::string> before; // boot.o musl.o gccrt.o
  std::vector<std::string> after;  // kvm: kvmplat.o
};

// `exe_dir`: the directory of the uk-slt executable ("" = find it from
// /proc/self/exe). A missing library is one line naming it and where it
// was looked for.
Result<PlatformLibs> find_platform_libs(const std::string &platform, const std::string &exe_dir = "");

// Adds the platform libraries to APP=LIB.o,... (before and after the app's
// own); refuses a spec that names a platform library itself (use --no-platform).
Result<std::string> add_platform_libs(const std::string &spec, const PlatformLibs &p);

struct DynamicPlatform {
  std::string libmusl, libboot, crt; // paths of libmusl.so, libboot.so, crt-dyn.o
};
Result<DynamicPlatform> find_dynamic_platform(const std::string &exe_dir = "");

// The directory of the running executable, with a trailing '/'.
Result<std::string> own_exe_dir();

} // namespace uk
