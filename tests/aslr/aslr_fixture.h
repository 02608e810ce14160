// A layout-aslr desc made from the static-PIE test app (pie_app.c), with
// the project's own desc writer, until `uk-slt pack --aslr` makes them from
// the corpus: block ".app" is the whole PIE (every segment from the image,
// its R_X86_64_RELATIVE relocations as abs64 DescRelocs), block "lib" one
// pool page with a function (`mov $42, %eax; ret`) that the app reaches
// through a slot64 and a pc32 relocation. `edit` may change the relocations
// or the desc before they are written, to make inconsistent descs.
#pragma once

#include <functional>
#include <string>
#include <vector>

#include "desc.h"

namespace uk::test {

inline const std::string kPieApp = UK_ASLR_PIE_APP;

struct AslrFixture {
  std::string dir, desc, image, pool;
};

using FixtureEdit = std::function<void(Desc &, std::vector<DescReloc> &)>;

// Writes <dir>/pie.desc, <dir>/pie.img and <dir>/pool/; gtest failures on error.
AslrFixture make_aslr_fixture(const std::string &dir, const FixtureEdit &edit = {});

} // namespace uk::test
