// pack --dynamic: the uk-dyn-run form of an app, linked the way the corpus
// links it (unikernels/dynamic/mode.cmake) with the flags of the one
// definition (cmake/package/UkSltFlags.cmake, generated object_flags.h):
//
//   <dir>/lib<NAME>.so  each of the app's libraries but its own and the
//                       platform ones (NAME.so if NAME starts with "lib"),
//                       DT_NEEDED libmusl.so
//   <dir>/<app>.so      PIE: crt-dyn.o + the app's own library (the one
//                       named like the app, else the last), DT_NEEDED
//                       libboot.so, its libraries in order, libmusl.so
//
// uk-dyn-run looks for needed objects in the app's directory, then in its
// own ../lib/uk-slt/dynamic: nothing else to set up.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "error.h"
#include "platform_libs.h"

namespace uk {

struct DynamicLink {
  std::string app;
  std::vector<std::string> libs; // the pack's libraries, platform ones included (skipped here)
  DynamicPlatform platform;
  std::string linker = "ld";
};

// `stage(name)` gives the temp path for final file `name` in the app's
// directory (pack's staging: renamed into place with the rest, or removed).
Status link_dynamic(const DynamicLink &d, const std::function<std::string(const std::string &)> &stage,
                    bool verbose);

} // namespace uk
