// `uk-slt pack --aslr`: the SLT [ASLR] pipeline for one app, next to the SLT
// files: link (aslr_link.h) -> scan (reloc_scan.h) -> rewrite (rewrite_x86.h)
// -> plan (aslr_plan.h) -> verify (verify.h) -> pool objects, image, desc:
//   DIR/<app>.aslr.elf  the position-independent link (symbols for verify)
//   DIR/<app>.aslr.ld   its linker script
//   DIR/<app>.aslr.img  private image (app region, data, slots, stubs, relocations)
//   DIR/<app>.aslr.desc desc format v2, layout aslr
// All four go through pack's staging (staging.h): written under temp names,
// renamed into place by the commit, the desc after the files it names; a
// failure leaves none of them (pool objects are content-addressed and only
// written once every check has passed).
#pragma once

#include <string>
#include <vector>

#include "aslr_plan.h"
#include "error.h"
#include "staging.h"

namespace uk {

struct AslrPackResult {
  size_t written = 0, reused = 0;
  RewriteStats stats;
  size_t abs64 = 0, slot64 = 0, pc32 = 0;
  std::vector<std::pair<std::string, RewriteStats>> per_lib; // the libraries of the apps packed
};

// Writes the four files of `app` under temp names of `out` (which the caller
// commits with its other files, under the app's lock) and the pool objects;
// adds the counts to *res.
Status stage_aslr_app(const std::string &app, const std::vector<std::string> &libs, const std::string &pool_dir,
                      bool immutable, Staging *out, AslrPackResult *res);

// The same alone, into directory `dir`: takes the app's lock, stages, commits.
Status pack_aslr_app(const std::string &app, const std::vector<std::string> &libs, const std::string &dir,
                     const std::string &pool_dir, AslrPackResult *res);

} // namespace uk
