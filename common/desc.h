// The description file (".desc"): everything uk-slt-run needs to start a
// unikernel from the library pool and its private image. Versioned text, one
// record per line, parsed strictly (see README, "Description file format").
// Fixed capacities and no allocation: the parser runs inside the musl-built
// loader as well as in the toolchain and the tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.h"

namespace uk {

inline constexpr int kDescVersion = 1;
inline constexpr size_t kDescMaxLibs = 64;
inline constexpr size_t kDescMaxMaps = 256;
inline constexpr size_t kDescNameMax = 64;  // including NUL
inline constexpr size_t kDescPathMax = 256; // including NUL
inline constexpr size_t kObjectNameLen = 64; // SHA-256, lowercase hex
inline constexpr size_t kDescMaxBytes = 64 * 1024;

enum ProtBits : uint8_t { kProtR = 1, kProtW = 2, kProtX = 4 };

struct DescLib {
  char name[kDescNameMax];
  char id[kObjectNameLen + 1];     // library identity (content hash of its object)
  char object[kObjectNameLen + 1]; // pool object holding its text + rodata
  uint64_t object_size;
};

enum class MapSource : uint8_t { Pool, Image };

struct DescMap {
  uint64_t vaddr = 0;
  uint64_t size = 0; // bytes of address space, page multiple
  uint8_t prot = 0;  // ProtBits
  MapSource source = MapSource::Image;
  uint16_t lib = 0;    // Pool: index into Desc::libs
  uint64_t offset = 0; // Pool: offset in the object; Image: offset in the image
  uint64_t filesz = 0; // Image: bytes from the image, the rest is zero
};

struct DescTls {
  bool present = false;
  uint64_t vaddr = 0, filesz = 0, memsz = 0, align = 0;
};

struct Desc {
  int version = kDescVersion;
  char app[kDescNameMax] = {};
  char platform[16] = {};
  char elf[kDescPathMax] = {};   // optional: the aligned ELF, relative to the desc
  char image[kDescPathMax] = {}; // the private image, relative to the desc
  uint64_t image_size = 0;
  uint64_t entry = 0;
  uint64_t phdr = 0;
  uint32_t phnum = 0;
  DescTls tls;
  uint32_t nlibs = 0;
  DescLib libs[kDescMaxLibs];
  uint32_t nmaps = 0;
  DescMap maps[kDescMaxMaps];

  // Clears every field except the arrays' unused entries, without touching
  // all 30 KiB (each touched page is a page fault in the loader).
  void reset() {
    version = kDescVersion;
    app[0] = platform[0] = elf[0] = image[0] = '\0';
    image_size = entry = phdr = 0;
    phnum = 0;
    tls = DescTls{};
    nlibs = nmaps = 0;
  }
};

// Parses and validates. `source` names the input in error messages.
Status parse_desc(const char *text, size_t len, const char *source, Desc *out);

// Semantic checks shared by the parser and the writer: alignment, overlaps,
// references, entry/phdr/TLS inside mapped memory, W^X.
Status validate_desc(const Desc &d, const char *source);

// Writes the text form into buf. Returns the length, or 0 if cap is too small.
size_t format_desc(const Desc &d, char *buf, size_t cap);

// "r-x" style protection string; buf must hold 4 bytes.
void prot_string(uint8_t prot, char buf[4]);

} // namespace uk
