// SHA-256 (FIPS 180-4): library identities, pool object names and image
// hashes are content hashes. One implementation for the toolchain (glibc)
// and the loaders (musl static PIEs, which cannot link OpenSSL), so the
// loaders can verify what they map. No allocation, no exceptions.
#pragma once

#include <cstddef>
#include <cstdint>

namespace uk {

inline constexpr size_t kSha256Size = 32;
inline constexpr size_t kSha256HexLen = 2 * kSha256Size; // lowercase hex, no NUL

class Sha256 {
public:
  Sha256();
  void update(const void *data, size_t len);
  // Finishes the hash; the object must not be updated afterwards.
  void final(uint8_t out[kSha256Size]);
  // Lowercase hex of the digest, NUL-terminated (kSha256HexLen + 1 bytes).
  void final_hex(char out[kSha256HexLen + 1]);

private:
  void block(const uint8_t *p);
  uint32_t h_[8];
  uint64_t bytes_ = 0;
  uint8_t buf_[64];
  size_t used_ = 0;
};

// One-shot hex digest of [data, data + len).
void sha256_hex(const void *data, size_t len, char out[kSha256HexLen + 1]);

} // namespace uk
