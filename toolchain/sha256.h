// SHA-256 through OpenSSL's EVP interface: library identities and pool object
// names are content hashes.
#pragma once

#include <cstddef>
#include <string>

namespace uk {

std::string sha256_hex(const void *data, size_t len);

} // namespace uk
