// x86-64 dynamic relocation types as data: each ELF type maps to one of a
// few generic kinds that relocate.cc applies in one switch (musl's ldso
// style), with the size of the field it writes. Types a linker never leaves
// for the dynamic loader, or that uk-dyn-run does not implement (TLSDESC),
// have no kind: meeting one is an error naming the type.
#pragma once

#include <elf.h>

#include <cstdint>

namespace uk::dyn {

enum class RelKind : uint8_t {
  kUnsupported,
  kNone,      // R_X86_64_NONE
  kRelative,  // B + A
  kAbs64,     // S + A
  kPc32,      // S + A - P, 32 bits
  kGot,       // S + A (GLOB_DAT)
  kPlt,       // S + A (JUMP_SLOT), possibly at the first call
  kCopy,      // copy the definition's bytes into the app
  kIRelative, // (B + A)(): the result of an ifunc resolver
  kDtpMod,    // TLS module id
  kDtpOff,    // offset in the module's TLS block, 64 bits
  kTpOff,     // offset from the thread pointer, 64 bits
  kDtpOff32,  // ... 32 bits
  kTpOff32,   // ... 32 bits
};

struct RelocType {
  const char *name;
  RelKind kind;
  uint8_t size; // bytes written
};

inline const RelocType &reloc_type(uint32_t type) {
  static const RelocType kUnknown{"unknown", RelKind::kUnsupported, 0};
  static const RelocType kTable[] = {
      /*  0 */ {"R_X86_64_NONE", RelKind::kNone, 0},
      /*  1 */ {"R_X86_64_64", RelKind::kAbs64, 8},
      /*  2 */ {"R_X86_64_PC32", RelKind::kPc32, 4},
      /*  3 */ {"R_X86_64_GOT32", RelKind::kUnsupported, 0},
      /*  4 */ {"R_X86_64_PLT32", RelKind::kUnsupported, 0},
      /*  5 */ {"R_X86_64_COPY", RelKind::kCopy, 0},
      /*  6 */ {"R_X86_64_GLOB_DAT", RelKind::kGot, 8},
      /*  7 */ {"R_X86_64_JUMP_SLOT", RelKind::kPlt, 8},
      /*  8 */ {"R_X86_64_RELATIVE", RelKind::kRelative, 8},
      /*  9 */ {"R_X86_64_GOTPCREL", RelKind::kUnsupported, 0},
      /* 10 */ {"R_X86_64_32", RelKind::kUnsupported, 0},
      /* 11 */ {"R_X86_64_32S", RelKind::kUnsupported, 0},
      /* 12 */ {"R_X86_64_16", RelKind::kUnsupported, 0},
      /* 13 */ {"R_X86_64_PC16", RelKind::kUnsupported, 0},
      /* 14 */ {"R_X86_64_8", RelKind::kUnsupported, 0},
      /* 15 */ {"R_X86_64_PC8", RelKind::kUnsupported, 0},
      /* 16 */ {"R_X86_64_DTPMOD64", RelKind::kDtpMod, 8},
      /* 17 */ {"R_X86_64_DTPOFF64", RelKind::kDtpOff, 8},
      /* 18 */ {"R_X86_64_TPOFF64", RelKind::kTpOff, 8},
      /* 19 */ {"R_X86_64_TLSGD", RelKind::kUnsupported, 0},
      /* 20 */ {"R_X86_64_TLSLD", RelKind::kUnsupported, 0},
      /* 21 */ {"R_X86_64_DTPOFF32", RelKind::kDtpOff32, 4},
      /* 22 */ {"R_X86_64_GOTTPOFF", RelKind::kUnsupported, 0},
      /* 23 */ {"R_X86_64_TPOFF32", RelKind::kTpOff32, 4},
      /* 24 */ {"R_X86_64_PC64", RelKind::kUnsupported, 0},
      /* 25 */ {"R_X86_64_GOTOFF64", RelKind::kUnsupported, 0},
      /* 26 */ {"R_X86_64_GOTPC32", RelKind::kUnsupported, 0},
      /* 27 */ {"R_X86_64_GOT64", RelKind::kUnsupported, 0},
      /* 28 */ {"R_X86_64_GOTPCREL64", RelKind::kUnsupported, 0},
      /* 29 */ {"R_X86_64_GOTPC64", RelKind::kUnsupported, 0},
      /* 30 */ {"R_X86_64_GOTPLT64", RelKind::kUnsupported, 0},
      /* 31 */ {"R_X86_64_PLTOFF64", RelKind::kUnsupported, 0},
      /* 32 */ {"R_X86_64_SIZE32", RelKind::kUnsupported, 0},
      /* 33 */ {"R_X86_64_SIZE64", RelKind::kUnsupported, 0},
      /* 34 */ {"R_X86_64_GOTPC32_TLSDESC", RelKind::kUnsupported, 0},
      /* 35 */ {"R_X86_64_TLSDESC_CALL", RelKind::kUnsupported, 0},
      /* 36 */ {"R_X86_64_TLSDESC", RelKind::kUnsupported, 0},
      /* 37 */ {"R_X86_64_IRELATIVE", RelKind::kIRelative, 8},
      /* 38 */ {"R_X86_64_RELATIVE64", RelKind::kUnsupported, 0},
      /* 39 */ {"type 39", RelKind::kUnsupported, 0},
      /* 40 */ {"type 40", RelKind::kUnsupported, 0},
      /* 41 */ {"R_X86_64_GOTPCRELX", RelKind::kUnsupported, 0},
      /* 42 */ {"R_X86_64_REX_GOTPCRELX", RelKind::kUnsupported, 0},
  };
  return type < sizeof kTable / sizeof kTable[0] ? kTable[type] : kUnknown;
}

} // namespace uk::dyn
