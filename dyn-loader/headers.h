// The ELF header and program headers of an object, checked (common/
// elf_view.h against the file's size, then every value the loader uses:
// PT_LOAD order, congruence and W^X, PT_DYNAMIC, PT_TLS, PT_GNU_RELRO, the
// entry point) into a new DynObject, without mapping anything: shared by
// map_object (image.cc, the loader) and load_host_object (host_image.cc,
// the host-libc build for tests and fuzzers).
#pragma once

#include <cstddef>
#include <cstdint>

#include "arena.h"
#include "error.h"
#include "object.h"

namespace uk::dyn {

inline constexpr uint64_t kMaxHeaderBytes = 64 * 1024;         // program headers must be within the first 64 KiB
inline constexpr uint64_t kMaxImageSpan = uint64_t{1} << 36;   // 64 GiB of address space per object

// `hdr` holds the first `have` bytes (at least min(file size, 4096)) of a
// file of `file_size` bytes: how many of its first bytes the headers need
// (`have` or more, at most kMaxHeaderBytes), or an error.
Result<uint64_t> header_bytes_needed(const uint8_t *hdr, size_t have, uint64_t file_size, const char *name);

// `hdr`: the first `have` bytes, at least header_bytes_needed() of them
// (its e_shoff is cleared: the section headers are never read). The object
// is allocated in `arena`, nothing mapped yet (base 0).
Result<DynObject *> read_object_headers(uint8_t *hdr, size_t have, uint64_t file_size, const char *path,
                                        const char *name, bool is_main, Arena &arena);

} // namespace uk::dyn
