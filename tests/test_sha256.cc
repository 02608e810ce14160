// common/sha256: the FIPS 180-4 examples, and agreement with an independent
// implementation (OpenSSL's) on every length around the block boundaries and
// on split updates.
#include <gtest/gtest.h>
#include <openssl/evp.h>

#include <string>
#include <vector>

#include "sha256.h"

namespace uk {
namespace {

std::string hex_of(const std::string &s) {
  char out[kSha256HexLen + 1];
  sha256_hex(s.data(), s.size(), out);
  return out;
}

std::string openssl_hex(const uint8_t *p, size_t n) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(p, n, md, &len, EVP_sha256(), nullptr);
  std::string s;
  char b[3];
  for (unsigned i = 0; i < len; i++) {
    std::snprintf(b, sizeof b, "%02x", md[i]);
    s += b;
  }
  return s;
}

TEST(Sha256, FipsExamples) {
  EXPECT_EQ(hex_of(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  char empty[kSha256HexLen + 1];
  sha256_hex(nullptr, 0, empty); // no bytes: no pointer needed (UBSan checks it)
  EXPECT_STREQ(empty, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  EXPECT_EQ(hex_of("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(hex_of("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq"),
            "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  EXPECT_EQ(hex_of(std::string(1000000, 'a')), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
}

TEST(Sha256, AgreesWithOpenSslOnEveryLengthAndSplit) {
  std::vector<uint8_t> data(300);
  for (size_t i = 0; i < data.size(); i++) data[i] = static_cast<uint8_t>(i * 131 + 7);
  for (size_t n = 0; n <= data.size(); n++) {
    char one[kSha256HexLen + 1];
    sha256_hex(data.data(), n, one);
    ASSERT_EQ(std::string(one), openssl_hex(data.data(), n)) << "length " << n;
    Sha256 h; // the same bytes in three uneven updates
    size_t a = n / 3, b = n / 2;
    h.update(data.data(), a);
    h.update(data.data() + a, b - a);
    h.update(data.data() + b, n - b);
    char split[kSha256HexLen + 1];
    h.final_hex(split);
    ASSERT_STREQ(split, one) << "length " << n;
  }
}

} // namespace
} // namespace uk
