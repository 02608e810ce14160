// std::string form of common/sha256.h for the toolchain: library identities
// and pool object names are content hashes.
#pragma once

#include <cstddef>
#include <string>

#include "sha256.h"

namespace uk {

inline std::string sha256_hex(const void *data, size_t len) {
  char hex[kSha256HexLen + 1];
  sha256_hex(data, len, hex);
  return hex;
}

} // namespace uk
