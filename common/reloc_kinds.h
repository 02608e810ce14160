// x86-64 relocation types as target-neutral kinds (lld's RelExpr idea): the
// ASLR relocation scan (toolchain/reloc_scan.*) and the dynamic loader
// (dyn-loader/) both look an ELF type up here and then only reason about the
// kind and the width of the field. One table for both, header-only, no
// allocation (usable from the musl-built loaders).
#pragma once

#include <elf.h>

#include <cstdint>

namespace uk {

enum class RelocKind : uint8_t {
  kUnknown,    // a type this table does not know
  kNone,       // R_X86_64_NONE
  kAbs,        // S + A, absolute address (64, 32, 32S, 16, 8)
  kPc,         // S + A - P, PC-relative (PC32, PC64, PC16, PC8)
  kPlt,        // L + A - P, a call through the PLT (PLT32): PC-relative in a static link
  kGotPc,      // G + GOT + A - P: reads a GOT entry PC-relatively (GOTPCREL[X]), may be relaxed to lea
  kGotBasePc,  // GOT + A - P (GOTPC32/64): address of the GOT
  kGotOff,     // S + A - GOT (GOTOFF64, GOT32/64, PLTOFF64): large code model
  kRelative,   // B + A (dynamic RELATIVE)
  kGlobDat,    // S + A in a GOT entry (dynamic)
  kJumpSlot,   // S + A in a PLT slot (dynamic)
  kCopy,       // copy the definition's bytes (dynamic)
  kIRelative,  // (B + A)(): ifunc result (dynamic)
  kTpOff,      // offset from the thread pointer (TPOFF32/64): a constant, no address
  kDtpMod,     // TLS module id (dynamic)
  kDtpOff,     // offset in the module's TLS block (DTPOFF32/64)
  kTlsGot,     // GOTTPOFF, TLSGD, TLSLD, TLSDESC: TLS through the GOT, relaxed in a static link
  kSize,       // symbol size (SIZE32/64): a constant
};

struct RelocType {
  const char *name;
  RelocKind kind;
  uint8_t size; // bytes of the field
};

inline const RelocType &reloc_type(uint32_t type) {
  static const RelocType kUnknownType{"unknown", RelocKind::kUnknown, 0};
  static const RelocType kTable[] = {
      /*  0 */ {"R_X86_64_NONE", RelocKind::kNone, 0},
      /*  1 */ {"R_X86_64_64", RelocKind::kAbs, 8},
      /*  2 */ {"R_X86_64_PC32", RelocKind::kPc, 4},
      /*  3 */ {"R_X86_64_GOT32", RelocKind::kGotOff, 4},
      /*  4 */ {"R_X86_64_PLT32", RelocKind::kPlt, 4},
      /*  5 */ {"R_X86_64_COPY", RelocKind::kCopy, 0},
      /*  6 */ {"R_X86_64_GLOB_DAT", RelocKind::kGlobDat, 8},
      /*  7 */ {"R_X86_64_JUMP_SLOT", RelocKind::kJumpSlot, 8},
      /*  8 */ {"R_X86_64_RELATIVE", RelocKind::kRelative, 8},
      /*  9 */ {"R_X86_64_GOTPCREL", RelocKind::kGotPc, 4},
      /* 10 */ {"R_X86_64_32", RelocKind::kAbs, 4},
      /* 11 */ {"R_X86_64_32S", RelocKind::kAbs, 4},
      /* 12 */ {"R_X86_64_16", RelocKind::kAbs, 2},
      /* 13 */ {"R_X86_64_PC16", RelocKind::kPc, 2},
      /* 14 */ {"R_X86_64_8", RelocKind::kAbs, 1},
      /* 15 */ {"R_X86_64_PC8", RelocKind::kPc, 1},
      /* 16 */ {"R_X86_64_DTPMOD64", RelocKind::kDtpMod, 8},
      /* 17 */ {"R_X86_64_DTPOFF64", RelocKind::kDtpOff, 8},
      /* 18 */ {"R_X86_64_TPOFF64", RelocKind::kTpOff, 8},
      /* 19 */ {"R_X86_64_TLSGD", RelocKind::kTlsGot, 4},
      /* 20 */ {"R_X86_64_TLSLD", RelocKind::kTlsGot, 4},
      /* 21 */ {"R_X86_64_DTPOFF32", RelocKind::kDtpOff, 4},
      /* 22 */ {"R_X86_64_GOTTPOFF", RelocKind::kTlsGot, 4},
      /* 23 */ {"R_X86_64_TPOFF32", RelocKind::kTpOff, 4},
      /* 24 */ {"R_X86_64_PC64", RelocKind::kPc, 8},
      /* 25 */ {"R_X86_64_GOTOFF64", RelocKind::kGotOff, 8},
      /* 26 */ {"R_X86_64_GOTPC32", RelocKind::kGotBasePc, 4},
      /* 27 */ {"R_X86_64_GOT64", RelocKind::kGotOff, 8},
      /* 28 */ {"R_X86_64_GOTPCREL64", RelocKind::kGotPc, 8},
      /* 29 */ {"R_X86_64_GOTPC64", RelocKind::kGotBasePc, 8},
      /* 30 */ {"R_X86_64_GOTPLT64", RelocKind::kGotOff, 8},
      /* 31 */ {"R_X86_64_PLTOFF64", RelocKind::kGotOff, 8},
      /* 32 */ {"R_X86_64_SIZE32", RelocKind::kSize, 4},
      /* 33 */ {"R_X86_64_SIZE64", RelocKind::kSize, 8},
      /* 34 */ {"R_X86_64_GOTPC32_TLSDESC", RelocKind::kTlsGot, 4},
      /* 35 */ {"R_X86_64_TLSDESC_CALL", RelocKind::kTlsGot, 0},
      /* 36 */ {"R_X86_64_TLSDESC", RelocKind::kTlsGot, 16},
      /* 37 */ {"R_X86_64_IRELATIVE", RelocKind::kIRelative, 8},
      /* 38 */ {"R_X86_64_RELATIVE64", RelocKind::kRelative, 8},
      /* 39 */ {"type 39", RelocKind::kUnknown, 0},
      /* 40 */ {"type 40", RelocKind::kUnknown, 0},
      /* 41 */ {"R_X86_64_GOTPCRELX", RelocKind::kGotPc, 4},
      /* 42 */ {"R_X86_64_REX_GOTPCRELX", RelocKind::kGotPc, 4},
  };
  return type < sizeof kTable / sizeof kTable[0] ? kTable[type] : kUnknownType;
}

// PC-relative kinds: the field holds a displacement from the place.
constexpr bool reloc_is_pc_relative(RelocKind k) {
  return k == RelocKind::kPc || k == RelocKind::kPlt || k == RelocKind::kGotPc || k == RelocKind::kGotBasePc;
}

} // namespace uk
