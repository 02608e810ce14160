// pack: align, extract, minify and desc one app, all or nothing. Under a
// per-app lock (<out-dir>/<app>/.pack.lock; a second pack of the same app
// into the same directory fails "busy"), every output is written under a
// temp name and renamed into place only when all of them exist, the desc
// last: a pack that reports success leaves the ELF, image, script and desc
// of that one run, and a failed pack leaves the previous set untouched and
// no file of its own (staging.h). With `aslr` set, the SLT [ASLR] files are
// part of the same run (aslr_pack.h).
#pragma once

#include <string>
#include <vector>

#include "aslr_pack.h"
#include "error.h"
#include "library.h"
#include "platform_libs.h"
#include "staging.h"

namespace uk {

struct PackOptions {
  std::string spec;    // APP=LIB.o,LIB.o,...
  std::string out_dir; // the app goes to <out_dir>/<app>/
  std::string registry;
  std::string pool_dir;
  bool verbose = false;
  bool immutable = false; // FS_IMMUTABLE_FL on the pool objects (stages.h)
  Profile profile = Profile::Corpus; // align's profile (library.h)
  std::string unikraft_tree;         // unikraft profile: see align.h
  std::string platform = "linuxu";   // the desc's platform; kvm files are <app>.kvm.{elf,ld,img,desc}
  bool dynamic = false;              // also <app>.so + lib<NAME>.so for uk-dyn-run (pack_dynamic.h)
  DynamicPlatform dynamic_platform;  // where libmusl.so, libboot.so, crt-dyn.o are
  AslrPackResult *aslr = nullptr;    // set: also the SLT [ASLR] files, <app>.aslr.* (aslr_pack.h), counts here
};

// APP=LIB.o,... split and the app name checked (common/names.h).
struct AppSpec {
  std::string app;
  std::vector<std::string> libs;
};
Result<AppSpec> parse_app_spec(const std::string &spec);

Status pack_app(const PackOptions &opt);

} // namespace uk
