// The loader's ASLR placement (linuxu-loader/placement.cc) on hand-made
// descs, in the test process: a block no pc32 relocation touches keeps the
// whole range, and blocks that pc32 relocations connect (a library with
// out-of-line stubs) are placed so that every pc32 value is within rel32
// reach, also when the connections form a chain whose ends share nothing.
#include <gtest/gtest.h>
#include <sys/mman.h>

#include <climits>
#include <cstring>
#include <memory>

#include "placement.h"

namespace uk {
namespace {

std::unique_ptr<Desc> blocks_desc(std::initializer_list<const char *> names) {
  auto d = std::make_unique<Desc>();
  d->reset();
  d->layout = Layout::Aslr;
  for (const char *n : names) {
    DescBlock &b = d->blocks[d->nblocks++];
    std::strncpy(b.name, n, sizeof b.name - 1);
    b.size = 0x3000;
    b.lib = -1;
  }
  return d;
}

void release(Desc &d) {
  for (uint32_t i = 0; i < d.nblocks; i++) munmap(reinterpret_cast<void *>(d.blocks[i].base), d.blocks[i].size);
}

int64_t pc32_value(const Desc &d, const DescReloc &r) {
  return static_cast<int64_t>(d.blocks[r.target].base + static_cast<uint64_t>(r.addend) -
                              (d.blocks[r.block].base + r.offset));
}

TEST(AslrPlacement, BlocksWithoutPc32KeepTheWholeRange) {
  auto d = blocks_desc({".app", "boot", "musl"});
  const DescReloc relocs[] = {{0x10, 1, 0, kRelocSlot64, 0, 0x20}, {0x18, 0, 2, kRelocAbs64, 0, 0}};
  Rng rng;
  rng.seed(7);
  PlaceStats st;
  Status s = place_blocks(d.get(), relocs, 2, false, &rng, "t.desc", &st);
  ASSERT_TRUE(s) << s.error().what();
  for (uint32_t i = 0; i < d->nblocks; i++) EXPECT_GE(st.bits[i], 28) << d->blocks[i].name;
  release(*d);
}

TEST(AslrPlacement, Pc32ChainIsPlacedWithinReach) {
  // "stubs" reaches .app and "x" through pc32 (its out-of-line stubs);
  // .app and x share nothing, "free" is reached only through an abs64.
  auto d = blocks_desc({".app", "x", "stubs", "free"});
  const DescReloc relocs[] = {{0x2000, 2, 0, kRelocPc32, 0, 0x1010},
                              {0x2008, 2, 1, kRelocPc32, 0, 0x20},
                              {0x2010, 0, 3, kRelocAbs64, 0, 0}};
  for (uint64_t seed = 1; seed <= 100; seed++) {
    SCOPED_TRACE(seed);
    Rng rng;
    rng.seed(seed);
    PlaceStats st;
    Status s = place_blocks(d.get(), relocs, 3, true, &rng, "t.desc", &st);
    ASSERT_TRUE(s) << s.error().what();
    for (const DescReloc &r : relocs) {
      if (r.kind != kRelocPc32) continue;
      int64_t v = pc32_value(*d, r);
      EXPECT_TRUE(v >= INT32_MIN && v <= INT32_MAX) << d->blocks[r.block].name << " -> " << d->blocks[r.target].name;
    }
    EXPECT_GE(st.bits[0], 28); // placed first, anywhere
    EXPECT_GE(st.bits[3], 28); // no pc32
    EXPECT_LE(st.bits[2], 20); // within rel32 reach of .app: 2^32 bytes of bases
    EXPECT_LE(st.bits[1], 20); // within rel32 reach of stubs
    EXPECT_GE(st.bits[1], 19);
    release(*d);
  }
}

} // namespace
} // namespace uk
