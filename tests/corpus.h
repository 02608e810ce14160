// Where the build put the tools and the corpus (set by tests/CMakeLists.txt).
#pragma once

#include <string>

#include "desc.h"

namespace uk::test {

inline const std::string kBin = UK_BIN_DIR;
inline const std::string kCorpus = UK_CORPUS_DIR;
inline const std::string kPool = UK_POOL_DIR;
inline const std::string kLoader = kBin + "/uk-slt-run";
inline const std::string kTool = kBin + "/uk-slt";

inline std::string elf_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".elf"; }
inline std::string desc_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".desc"; }

// Copies the pool objects and the app's desc + image into a fresh directory
// (pool in <dir>/pool) so a test can damage them.
std::string copy_fixture(const std::string &app);
Desc *load_desc(const std::string &path); // parsed, or nullptr (with a gtest failure)

} // namespace uk::test
