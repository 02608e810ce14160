// The x86-64 relocation vocabulary, one table for every user (lld's RelExpr
// idea): the toolchain's relocation scan and rewriter (toolchain/reloc_scan.*,
// rewrite_x86.*), `uk-slt report`, and the dynamic loader (dyn-loader/
// relocate.cc) look an ELF type up here and then reason only about its kind,
// the width of its field, and whether a dynamic loader applies it.
// Header-only and constexpr, no allocation, no exceptions: usable from the
// musl-built loaders.
#pragma once

#include <elf.h>

#include <cstddef>
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
  uint8_t size;  // bytes of the field
  bool dynamic;  // uk-dyn-run applies it when a shared object's .rela.dyn or DT_JMPREL holds it
};

// Indexed by ELF type. Types 39 and 40 are unassigned in the x86-64 psABI.
inline constexpr RelocType kRelocTypes[] = {
    /*  0 */ {"R_X86_64_NONE", RelocExpr::kNone, 0, true},
    /*  1 */ {"R_X86_64_64", RelocExpr::kAbs, 8, true},
    /*  2 */ {"R_X86_64_PC32", RelocExpr::kPc, 4, true},
    /*  3 */ {"R_X86_64_GOT32", RelocExpr::kGotOff, 4, false},
    /*  4 */ {"R_X86_64_PLT32", RelocExpr::kPlt, 4, false},
    /*  5 */ {"R_X86_64_COPY", RelocExpr::kCopy, 0, true},
    /*  6 */ {"R_X86_64_GLOB_DAT", RelocExpr::kGlobDat, 8, true},
    /*  7 */ {"R_X86_64_JUMP_SLOT", RelocExpr::kJumpSlot, 8, true},
    /*  8 */ {"R_X86_64_RELATIVE", RelocExpr::kRelative, 8, true},
    /*  9 */ {"R_X86_64_GOTPCREL", RelocExpr::kGotPc, 4, false},
    /* 10 */ {"R_X86_64_32", RelocExpr::kAbs, 4, false},
    /* 11 */ {"R_X86_64_32S", RelocExpr::kAbs, 4, false},
    /* 12 */ {"R_X86_64_16", RelocExpr::kAbs, 2, false},
    /* 13 */ {"R_X86_64_PC16", RelocExpr::kPc, 2, false},
    /* 14 */ {"R_X86_64_8", RelocExpr::kAbs, 1, false},
    /* 15 */ {"R_X86_64_PC8", RelocExpr::kPc, 1, false},
    /* 16 */ {"R_X86_64_DTPMOD64", RelocExpr::kDtpMod, 8, true},
    /* 17 */ {"R_X86_64_DTPOFF64", RelocExpr::kDtpOff, 8, true},
    /* 18 */ {"R_X86_64_TPOFF64", RelocExpr::kTpOff, 8, true},
    /* 19 */ {"R_X86_64_TLSGD", RelocExpr::kTlsGot, 4, false},
    /* 20 */ {"R_X86_64_TLSLD", RelocExpr::kTlsGot, 4, false},
    /* 21 */ {"R_X86_64_DTPOFF32", RelocExpr::kDtpOff, 4, true},
    /* 22 */ {"R_X86_64_GOTTPOFF", RelocExpr::kTlsGot, 4, false},
    /* 23 */ {"R_X86_64_TPOFF32", RelocExpr::kTpOff, 4, true},
    /* 24 */ {"R_X86_64_PC64", RelocExpr::kPc, 8, false},
    /* 25 */ {"R_X86_64_GOTOFF64", RelocExpr::kGotOff, 8, false},
    /* 26 */ {"R_X86_64_GOTPC32", RelocExpr::kGotBasePc, 4, false},
    /* 27 */ {"R_X86_64_GOT64", RelocExpr::kGotOff, 8, false},
    /* 28 */ {"R_X86_64_GOTPCREL64", RelocExpr::kGotPc, 8, false},
    /* 29 */ {"R_X86_64_GOTPC64", RelocExpr::kGotBasePc, 8, false},
    /* 30 */ {"R_X86_64_GOTPLT64", RelocExpr::kGotOff, 8, false},
    /* 31 */ {"R_X86_64_PLTOFF64", RelocExpr::kGotOff, 8, false},
    /* 32 */ {"R_X86_64_SIZE32", RelocExpr::kSize, 4, false},
    /* 33 */ {"R_X86_64_SIZE64", RelocExpr::kSize, 8, false},
    /* 34 */ {"R_X86_64_GOTPC32_TLSDESC", RelocExpr::kTlsGot, 4, false},
    /* 35 */ {"R_X86_64_TLSDESC_CALL", RelocExpr::kTlsGot, 0, false},
    /* 36 */ {"R_X86_64_TLSDESC", RelocExpr::kTlsGot, 16, false}, // not implemented by uk-dyn-run
    /* 37 */ {"R_X86_64_IRELATIVE", RelocExpr::kIRelative, 8, true},
    /* 38 */ {"R_X86_64_RELATIVE64", RelocExpr::kRelative, 8, false}, // x32 only
    /* 39 */ {"unknown", RelocExpr::kUnknown, 0, false},
    /* 40 */ {"unknown", RelocExpr::kUnknown, 0, false},
    /* 41 */ {"R_X86_64_GOTPCRELX", RelocExpr::kGotPc, 4, false},
    /* 42 */ {"R_X86_64_REX_GOTPCRELX", RelocExpr::kGotPc, 4, false},
};
inline constexpr size_t kRelocTypeCount = sizeof kRelocTypes / sizeof kRelocTypes[0];
inline constexpr RelocType kUnknownRelocType{"unknown", RelocExpr::kUnknown, 0, false};

// The entry of ELF type `type`; kUnknownRelocType (kind kUnknown, name
// "unknown") for every type the table does not know. Callers refuse those
// naming the number: "relocation type 99 (unknown)".
constexpr const RelocType &reloc_type(uint32_t type) {
  return type < kRelocTypeCount ? kRelocTypes[type] : kUnknownRelocType;
}

// PC-relative kinds: the field holds a displacement from the place.
constexpr bool reloc_is_pc_relative(RelocExpr k) {
  return k == RelocExpr::kPc || k == RelocExpr::kPlt || k == RelocExpr::kGotPc || k == RelocExpr::kGotBasePc;
}

// TLS kinds whose value is an offset (module, thread pointer), not an address.
constexpr bool reloc_is_tls(RelocExpr k) {
  return k == RelocExpr::kTpOff || k == RelocExpr::kDtpMod || k == RelocExpr::kDtpOff || k == RelocExpr::kTlsGot;
}

static_assert(kRelocTypeCount == R_X86_64_REX_GOTPCRELX + 1, "one entry per ELF type up to the last one known");
static_assert(reloc_type(R_X86_64_JUMP_SLOT).kind == RelocExpr::kJumpSlot && reloc_type(1000).kind == RelocExpr::kUnknown);

} // namespace uk
