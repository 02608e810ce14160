// x86-64 relocation types as target-neutral kinds (lld's RelExpr idea): the
// ASLR relocation scan (toolchain/reloc_scan.*) and the dynamic loader
// (dyn-loader/) both look an ELF type up here and then only reason about the
// kind and the width of the field. One table for both, header-only, no
// allocation (usable from the musl-built loaders).
#pragma once

#include <elf.h>

#include <cstdint>

namespace uk {

enum class RelocExpr : uint8_t {
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
  RelocExpr kind;
  uint8_t size; // bytes of the field
};

inline const RelocType &reloc_type(uint32_t type) {
  static const RelocType kUnknownType{"unknown", RelocExpr::kUnknown, 0};
  static const RelocType kTable[] = {
      /*  0 */ {"R_X86_64_NONE", RelocExpr::kNone, 0},
      /*  1 */ {"R_X86_64_64", RelocExpr::kAbs, 8},
      /*  2 */ {"R_X86_64_PC32", RelocExpr::kPc, 4},
      /*  3 */ {"R_X86_64_GOT32", RelocExpr::kGotOff, 4},
      /*  4 */ {"R_X86_64_PLT32", RelocExpr::kPlt, 4},
      /*  5 */ {"R_X86_64_COPY", RelocExpr::kCopy, 0},
      /*  6 */ {"R_X86_64_GLOB_DAT", RelocExpr::kGlobDat, 8},
      /*  7 */ {"R_X86_64_JUMP_SLOT", RelocExpr::kJumpSlot, 8},
      /*  8 */ {"R_X86_64_RELATIVE", RelocExpr::kRelative, 8},
      /*  9 */ {"R_X86_64_GOTPCREL", RelocExpr::kGotPc, 4},
      /* 10 */ {"R_X86_64_32", RelocExpr::kAbs, 4},
      /* 11 */ {"R_X86_64_32S", RelocExpr::kAbs, 4},
      /* 12 */ {"R_X86_64_16", RelocExpr::kAbs, 2},
      /* 13 */ {"R_X86_64_PC16", RelocExpr::kPc, 2},
      /* 14 */ {"R_X86_64_8", RelocExpr::kAbs, 1},
      /* 15 */ {"R_X86_64_PC8", RelocExpr::kPc, 1},
      /* 16 */ {"R_X86_64_DTPMOD64", RelocExpr::kDtpMod, 8},
      /* 17 */ {"R_X86_64_DTPOFF64", RelocExpr::kDtpOff, 8},
      /* 18 */ {"R_X86_64_TPOFF64", RelocExpr::kTpOff, 8},
      /* 19 */ {"R_X86_64_TLSGD", RelocExpr::kTlsGot, 4},
      /* 20 */ {"R_X86_64_TLSLD", RelocExpr::kTlsGot, 4},
      /* 21 */ {"R_X86_64_DTPOFF32", RelocExpr::kDtpOff, 4},
      /* 22 */ {"R_X86_64_GOTTPOFF", RelocExpr::kTlsGot, 4},
      /* 23 */ {"R_X86_64_TPOFF32", RelocExpr::kTpOff, 4},
      /* 24 */ {"R_X86_64_PC64", RelocExpr::kPc, 8},
      /* 25 */ {"R_X86_64_GOTOFF64", RelocExpr::kGotOff, 8},
      /* 26 */ {"R_X86_64_GOTPC32", RelocExpr::kGotBasePc, 4},
      /* 27 */ {"R_X86_64_GOT64", RelocExpr::kGotOff, 8},
      /* 28 */ {"R_X86_64_GOTPCREL64", RelocExpr::kGotPc, 8},
      /* 29 */ {"R_X86_64_GOTPC64", RelocExpr::kGotBasePc, 8},
      /* 30 */ {"R_X86_64_GOTPLT64", RelocExpr::kGotOff, 8},
      /* 31 */ {"R_X86_64_PLTOFF64", RelocExpr::kGotOff, 8},
      /* 32 */ {"R_X86_64_SIZE32", RelocExpr::kSize, 4},
      /* 33 */ {"R_X86_64_SIZE64", RelocExpr::kSize, 8},
      /* 34 */ {"R_X86_64_GOTPC32_TLSDESC", RelocExpr::kTlsGot, 4},
      /* 35 */ {"R_X86_64_TLSDESC_CALL", RelocExpr::kTlsGot, 0},
      /* 36 */ {"R_X86_64_TLSDESC", RelocExpr::kTlsGot, 16},
      /* 37 */ {"R_X86_64_IRELATIVE", RelocExpr::kIRelative, 8},
      /* 38 */ {"R_X86_64_RELATIVE64", RelocExpr::kRelative, 8},
      /* 39 */ {"type 39", RelocExpr::kUnknown, 0},
      /* 40 */ {"type 40", RelocExpr::kUnknown, 0},
      /* 41 */ {"R_X86_64_GOTPCRELX", RelocExpr::kGotPc, 4},
      /* 42 */ {"R_X86_64_REX_GOTPCRELX", RelocExpr::kGotPc, 4},
  };
  return type < sizeof kTable / sizeof kTable[0] ? kTable[type] : kUnknownType;
}

// PC-relative kinds: the field holds a displacement from the place.
constexpr bool reloc_is_pc_relative(RelocExpr k) {
  return k == RelocExpr::kPc || k == RelocExpr::kPlt || k == RelocExpr::kGotPc || k == RelocExpr::kGotBasePc;
}

} // namespace uk
