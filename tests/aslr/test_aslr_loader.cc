// uk-slt-run on layout-aslr descs (see aslr_fixture.h for what the fixture
// is): every block at its own random base, relocations applied, the same
// output as expected from the app; --seed reproduces a layout; inconsistent
// ASLR data is refused with one line naming the desc.
#include <gtest/gtest.h>

#include <cstdlib>
#include <map>
#include <regex>

#include "aslr_fixture.h"
#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

const std::string kExpected = "abs64 pointers tls 6 lib 42 42 constructed 1 argc 2 hi\n";

class Aslr : public ::testing::Test {
protected:
  void SetUp() override { dir = make_temp_dir(); }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }

  RunResult load(const AslrFixture &f, std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kLoader, "--pool", f.pool};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(f.desc);
    argv.push_back("hi");
    return run(argv);
  }
  // The bases --stats reports, by block name.
  static std::map<std::string, uint64_t> bases(const std::string &err) {
    std::map<std::string, uint64_t> out;
    size_t p = err.find("uk-slt-run: aslr: bases");
    EXPECT_NE(p, std::string::npos) << err;
    if (p == std::string::npos) return out;
    std::string line = err.substr(p, err.find('\n', p) - p);
    std::regex one(" ([^ =]+)=0x([0-9a-f]+)");
    for (auto it = std::sregex_iterator(line.begin(), line.end(), one); it != std::sregex_iterator(); ++it)
      out[(*it)[1]] = std::stoull((*it)[2], nullptr, 16);
    return out;
  }
  // Expects a load error: exit 127, one line naming the desc, containing want.
  void refused(const AslrFixture &f, const std::string &want, std::vector<std::string> extra = {}) {
    RunResult r = load(f, extra);
    EXPECT_EQ(r.status, 127) << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("uk-slt-run: " + f.desc + ": ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    EXPECT_NE(r.err.find(want), std::string::npos) << r.err;
  }
  std::string dir;
};

TEST_F(Aslr, FixtureDescIsValidAslr) {
  AslrFixture f = make_aslr_fixture(dir);
  Desc *d = load_desc(f.desc);
  ASSERT_NE(d, nullptr);
  EXPECT_EQ(d->layout, Layout::Aslr);
  EXPECT_EQ(d->nblocks, 2u);
  EXPECT_TRUE(d->relocs.present);
  EXPECT_GT(d->relocs.count, 2u); // the PIE's own RELATIVE ones and the two to lib
}

TEST_F(Aslr, RunsAtRandomBasesWithRelocations) {
  AslrFixture f = make_aslr_fixture(dir);
  Desc *d = load_desc(f.desc);
  ASSERT_NE(d, nullptr);
  RunResult r = load(f, {"--stats"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kExpected);
  auto b = bases(r.err);
  ASSERT_EQ(b.size(), 2u) << r.err;
  for (const auto &[name, base] : b) {
    EXPECT_EQ(base % 4096, 0u) << name;
    EXPECT_GE(base, uint64_t{1} << 32) << name;
  }
  // lib is reached through a pc32 relocation: within rel32 reach of .app.
  int64_t distance = static_cast<int64_t>(b["lib"] - b[".app"]);
  EXPECT_LT(std::llabs(distance), int64_t{1} << 31);
  std::smatch m;
  ASSERT_TRUE(std::regex_search(r.err, m, std::regex("\\((\\d+) bits per block\\), collisions \\d+, relocations "
                                                     "(\\d+), slots (\\d+)")))
      << r.err;
  EXPECT_GE(std::stoi(m[1]), 28);
  EXPECT_EQ(std::stoul(m[2]), d->relocs.count - 1); // all but the slot
  EXPECT_EQ(std::stoul(m[3]), 1u);
}

TEST_F(Aslr, EveryRunHasItsOwnBasesForEveryBlock) {
  AslrFixture f = make_aslr_fixture(dir);
  RunResult a = load(f, {"--stats"}), b = load(f, {"--stats"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  EXPECT_EQ(a.out, kExpected);
  EXPECT_EQ(b.out, kExpected);
  auto ba = bases(a.err), bb = bases(b.err);
  ASSERT_EQ(ba.size(), 2u);
  for (const auto &[name, base] : ba) EXPECT_NE(base, bb[name]) << name; // equal with probability < 2^-20
  // Independent per block: the distance between the blocks changes too.
  EXPECT_NE(ba["lib"] - ba[".app"], bb["lib"] - bb[".app"]);
}

TEST_F(Aslr, SeedReproducesALayout) {
  AslrFixture f = make_aslr_fixture(dir);
  RunResult a = load(f, {"--stats", "--seed", "42"}), b = load(f, {"--stats", "--seed=42"}),
            c = load(f, {"--stats", "--seed", "43"});
  ASSERT_EQ(a.status, 0) << a.err;
  ASSERT_EQ(b.status, 0) << b.err;
  ASSERT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(c.out, kExpected);
  EXPECT_EQ(bases(a.err), bases(b.err));
  EXPECT_NE(bases(a.err)[".app"], bases(c.err)[".app"]);
}

TEST_F(Aslr, ManySeedsAllRun) {
  AslrFixture f = make_aslr_fixture(dir);
  for (int seed = 1; seed <= 50; seed++) {
    RunResult r = load(f, {"--seed", std::to_string(seed)});
    ASSERT_EQ(r.status, 0) << "seed " << seed << ": " << r.err;
    ASSERT_EQ(r.out, kExpected) << "seed " << seed;
  }
}

TEST_F(Aslr, PoolPagesSharedReadOnlyAndNothingWritableAndExecutable) {
  AslrFixture f = make_aslr_fixture(dir);
  Desc *d = load_desc(f.desc);
  ASSERT_NE(d, nullptr);
  std::string object = f.pool + "/" + d->libs[0].object;
  HeldProcess p({kLoader, "--pool", f.pool, f.desc, "hi"});
  ASSERT_TRUE(p.held());
  int pool_maps = 0;
  for (const Mapping &m : maps_of(p.pid())) {
    EXPECT_FALSE(m.perms[1] == 'w' && m.perms[2] == 'x') << "W+X mapping at " << std::hex << m.start;
    if (m.path == object) {
      pool_maps++;
      EXPECT_EQ(m.perms, "r-xs");
    }
  }
  EXPECT_EQ(pool_maps, 1);
  EXPECT_EQ(p.release(), 0);
}

TEST_F(Aslr, VerifyChecksTheImageHash) {
  AslrFixture f = make_aslr_fixture(dir);
  RunResult ok = load(f, {"--verify"});
  EXPECT_EQ(ok.status, 0) << ok.err;
  std::string img = read_text(f.image);
  img[img.size() - 1] ^= 1; // a byte after the relocation table: harmless without --verify
  write_text(f.image, img);
  EXPECT_EQ(load(f).status, 0);
  RunResult r = load(f, {"--verify"});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "uk-slt-run: " + f.image + ": private image content does not match the desc's sha256 (tampered or "
                                              "stale image?)\n");
}

TEST_F(Aslr, RefusesARelocationIntoASharedPage) {
  AslrFixture f = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) {
    r.push_back(DescReloc{0x10, 1, 0, kRelocAbs64, 0, 0});
  });
  refused(f, "writes lib+0x10 (8 bytes), outside the private (image-backed) maps of its block");
}

TEST_F(Aslr, RefusesARelocationOutsideEveryMap) {
  AslrFixture f = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) {
    r.push_back(DescReloc{0x1ffc, 1, 0, kRelocPc32, 0, 0}); // lib's spare page: reserved, never mapped
  });
  refused(f, "writes lib+0x1ffc (4 bytes), outside the private");
}

TEST_F(Aslr, RefusesAnUnknownBlock) {
  AslrFixture f = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) {
    r.push_back(DescReloc{0, 0, 5, kRelocSlot64, 0, 0});
  });
  refused(f, "block 0 / target 5, but the desc has 2 blocks");
}

TEST_F(Aslr, RefusesAnUnknownKindAndReservedBits) {
  AslrFixture a = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) { r[0].kind = 9; });
  refused(a, "relocation 0: unknown kind 9");
  AslrFixture b = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) { r[0].zero = 2; });
  refused(b, "relocation 0: reserved byte is 0x02, must be 0");
}

TEST_F(Aslr, RefusesPc32ThatNoPlacementCanReach) {
  AslrFixture f = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) {
    r.back().addend = int64_t{1} << 47; // lib would have to lie 128 TiB above .app
  });
  refused(f, "block 'lib' (0x2000 bytes) has no base in [0x100000000, ");
  AslrFixture g = make_aslr_fixture(dir, [](Desc &, std::vector<DescReloc> &r) {
    r.back().target = 0; // inside .app, independent of placement
    r.back().addend = int64_t{1} << 40;
  });
  refused(g, "pc32 at .app+0x");
  refused(g, "is out of rel32 reach");
}

// Issue 7 item 13: the desc's tls record is what musl gets, and must agree
// with the program headers.
TEST_F(Aslr, RefusesATlsRecordThatDisagreesWithPtTls) {
  AslrFixture f = make_aslr_fixture(dir, [](Desc &d, std::vector<DescReloc> &) { d.tls.memsz += 8; });
  refused(f, "the desc's 'tls' record (0x");
  refused(f, "does not match the PT_TLS of the program headers");
}

} // namespace
} // namespace uk::test
