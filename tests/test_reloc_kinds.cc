// The one relocation table (common/reloc_kinds.h) classifies every type its
// two users handle: the dynamic loader (uk-dyn-run applies exactly the types
// marked dynamic) and the toolchain's scan and rewriter of ASLR links; every
// other number is unknown, refused by its users naming the number (the
// messages: tests/dyn RelocationTypesAndSymbols, tests/report
// ScanRefusesAnUnknownRelocationTypeByNumber).
#include <gtest/gtest.h>

#include <elf.h>

#include <cstdint>
#include <cstring>
#include <set>

#include "reloc_kinds.h"

namespace {

using uk::reloc_type;
using uk::RelocExpr;

struct Want {
  uint32_t type;
  const char *name;
  RelocExpr kind;
  uint8_t size;
};

#define W(t, k, s) Want{t, #t, RelocExpr::k, s}

// What uk-dyn-run applies (dyn-loader/relocate.cc's switch).
const Want kDynamic[] = {
    W(R_X86_64_NONE, kNone, 0),         W(R_X86_64_64, kAbs, 8),           W(R_X86_64_PC32, kPc, 4),
    W(R_X86_64_COPY, kCopy, 0),         W(R_X86_64_GLOB_DAT, kGlobDat, 8), W(R_X86_64_JUMP_SLOT, kJumpSlot, 8),
    W(R_X86_64_RELATIVE, kRelative, 8), W(R_X86_64_DTPMOD64, kDtpMod, 8),  W(R_X86_64_DTPOFF64, kDtpOff, 8),
    W(R_X86_64_TPOFF64, kTpOff, 8),     W(R_X86_64_DTPOFF32, kDtpOff, 4),  W(R_X86_64_TPOFF32, kTpOff, 4),
    W(R_X86_64_IRELATIVE, kIRelative, 8),
};

// What the scan and the rewriter of an ASLR link meet in text and rodata
// (toolchain/rewrite_x86.cc) and refuse by kind (absolute, large model).
const Want kStatic[] = {
    W(R_X86_64_PC32, kPc, 4),           W(R_X86_64_PLT32, kPlt, 4),
    W(R_X86_64_GOTPCREL, kGotPc, 4),    W(R_X86_64_GOTPCRELX, kGotPc, 4),
    W(R_X86_64_REX_GOTPCRELX, kGotPc, 4), W(R_X86_64_PC64, kPc, 8),
    W(R_X86_64_PC16, kPc, 2),           W(R_X86_64_PC8, kPc, 1),
    W(R_X86_64_64, kAbs, 8),            W(R_X86_64_32, kAbs, 4),
    W(R_X86_64_32S, kAbs, 4),           W(R_X86_64_16, kAbs, 2),
    W(R_X86_64_8, kAbs, 1),             W(R_X86_64_TPOFF32, kTpOff, 4),
    W(R_X86_64_DTPOFF32, kDtpOff, 4),   W(R_X86_64_GOTTPOFF, kTlsGot, 4),
    W(R_X86_64_TLSGD, kTlsGot, 4),      W(R_X86_64_TLSLD, kTlsGot, 4),
    W(R_X86_64_GOTPC32_TLSDESC, kTlsGot, 4), W(R_X86_64_TLSDESC_CALL, kTlsGot, 0),
    W(R_X86_64_SIZE32, kSize, 4),       W(R_X86_64_SIZE64, kSize, 8),
    W(R_X86_64_GOTPC32, kGotBasePc, 4), W(R_X86_64_GOTPC64, kGotBasePc, 8),
    W(R_X86_64_GOTOFF64, kGotOff, 8),   W(R_X86_64_GOT32, kGotOff, 4),
    W(R_X86_64_GOT64, kGotOff, 8),      W(R_X86_64_GOTPCREL64, kGotPc, 8),
    W(R_X86_64_GOTPLT64, kGotOff, 8),   W(R_X86_64_PLTOFF64, kGotOff, 8),
    W(R_X86_64_NONE, kNone, 0),         W(R_X86_64_RELATIVE, kRelative, 8), // .rela.dyn of the PIE link
};

#undef W

TEST(RelocKinds, DynamicLoaderTypes) {
  std::set<uint32_t> dynamic;
  for (const Want &w : kDynamic) {
    const uk::RelocType &t = reloc_type(w.type);
    EXPECT_STREQ(t.name, w.name);
    EXPECT_EQ(t.kind, w.kind) << w.name;
    EXPECT_EQ(t.size, w.size) << w.name;
    EXPECT_TRUE(t.dynamic) << w.name;
    dynamic.insert(w.type);
  }
  // Every other known type is refused by uk-dyn-run (TLSDESC, the static-link ones, RELATIVE64).
  for (uint32_t type = 0; type < uk::kRelocTypeCount; type++)
    if (!dynamic.count(type)) {
      EXPECT_FALSE(reloc_type(type).dynamic) << reloc_type(type).name;
    }
  EXPECT_FALSE(reloc_type(R_X86_64_TLSDESC).dynamic);
}

TEST(RelocKinds, ScanAndRewriterTypes) {
  for (const Want &w : kStatic) {
    const uk::RelocType &t = reloc_type(w.type);
    EXPECT_STREQ(t.name, w.name);
    EXPECT_EQ(t.kind, w.kind) << w.name;
    EXPECT_EQ(t.size, w.size) << w.name;
  }
  // The kinds the rewriter redirects through its tables are the PC-relative ones.
  EXPECT_TRUE(uk::reloc_is_pc_relative(reloc_type(R_X86_64_PLT32).kind));
  EXPECT_TRUE(uk::reloc_is_pc_relative(reloc_type(R_X86_64_REX_GOTPCRELX).kind));
  EXPECT_FALSE(uk::reloc_is_pc_relative(reloc_type(R_X86_64_64).kind));
  EXPECT_FALSE(uk::reloc_is_pc_relative(reloc_type(R_X86_64_GOTTPOFF).kind));
  EXPECT_TRUE(uk::reloc_is_tls(reloc_type(R_X86_64_GOTTPOFF).kind));
  EXPECT_TRUE(uk::reloc_is_tls(reloc_type(R_X86_64_DTPMOD64).kind));
  EXPECT_FALSE(uk::reloc_is_tls(reloc_type(R_X86_64_64).kind));
}

TEST(RelocKinds, EveryKnownTypeHasItsElfName) {
  // Names follow the index: R_X86_64_* for every assigned number, one entry each.
  std::set<std::string> names;
  for (uint32_t type = 0; type < uk::kRelocTypeCount; type++) {
    const uk::RelocType &t = reloc_type(type);
    if (t.kind == RelocExpr::kUnknown) continue;
    EXPECT_EQ(std::strncmp(t.name, "R_X86_64_", 9), 0) << type;
    EXPECT_TRUE(names.insert(t.name).second) << t.name;
  }
  EXPECT_EQ(names.size(), uk::kRelocTypeCount - 2); // 39 and 40 are unassigned
}

TEST(RelocKinds, UnknownTypesAreUnknown) {
  for (uint32_t type : {39u, 40u, 43u, 99u, 200u, 0xffffffffu}) {
    const uk::RelocType &t = reloc_type(type);
    EXPECT_EQ(t.kind, RelocExpr::kUnknown) << type;
    EXPECT_STREQ(t.name, "unknown") << type;
    EXPECT_EQ(t.size, 0) << type;
    EXPECT_FALSE(t.dynamic) << type;
  }
  // constexpr: usable where the loaders need it at compile time.
  static_assert(reloc_type(R_X86_64_PC32).size == 4);
  static_assert(reloc_type(12345).kind == RelocExpr::kUnknown);
}

} // namespace
