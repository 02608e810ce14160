// uk-dyn-run on damaged ELF files: every one gives one line naming the file
// and what is wrong, exit status 127, and never a crash of the loader.
// Each test damages a copy of a real object of the corpus (the app, or a
// library found first through --library-path).
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <algorithm>
#include <cstdlib>
#include <random>

#include "dyn_util.h"
#include "elf_patch.h"

namespace uk::test {
namespace {

class Hostile : public ::testing::Test {
protected:
  void SetUp() override {
    dir = make_temp_dir();
    app = dir + "/helloworld.so";
    ASSERT_EQ(std::system(("cp " + so_of("helloworld") + " " + dir + "/").c_str()), 0);
  }
  void TearDown() override { std::system(("rm -rf " + dir).c_str()); }

  // The damaged app fails to load; returns the message.
  std::string fails(ElfPatch &e, const std::vector<std::string> &opts = {}) {
    e.save(app);
    std::vector<std::string> args = opts;
    args.push_back(app);
    return expect_load_error(dyn_run(args));
  }
  // A damaged copy of a library in dir, found before the real one.
  std::string lib_fails(const std::string &lib, ElfPatch &e) {
    e.save(dir + "/" + lib);
    return expect_load_error(dyn_run({"-L", dir, so_of("helloworld")}));
  }
  ElfPatch fresh() { return ElfPatch(so_of("helloworld")); }
  std::string dir, app;
};

#define EXPECT_HAS(msg, part) EXPECT_NE((msg).find(part), std::string::npos) << (msg)

TEST_F(Hostile, Baseline) {
  RunResult r = dyn_run({app, "x"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(Hostile, MissingEmptyDirectoryNotElf) {
  EXPECT_HAS(expect_load_error(dyn_run({dir + "/nope.so"})), dir + "/nope.so: cannot open: No such file or directory");
  EXPECT_HAS(expect_load_error(dyn_run({dir})), dir + ": not a regular file");
  write_text(app, "");
  EXPECT_HAS(expect_load_error(dyn_run({app})), app + ": truncated ELF header (0 bytes)");
  write_text(app, std::string(200, 'x'));
  EXPECT_HAS(expect_load_error(dyn_run({app})), app + ": not an ELF file (bad magic)");
}

TEST_F(Hostile, Truncated) {
  ElfPatch e = fresh();
  e.bytes().resize(40);
  EXPECT_HAS(fails(e), app + ": truncated ELF header (40 bytes)");
  ElfPatch half = fresh();
  half.bytes().resize(0x1800); // headers intact, segments cut
  EXPECT_HAS(fails(half), ") is outside the file");
}

TEST_F(Hostile, ElfHeader) {
  ElfPatch e = fresh();
  e.ehdr().e_machine = EM_AARCH64;
  EXPECT_HAS(fails(e), "machine 183 is not x86-64");
  ElfPatch x = fresh();
  x.ehdr().e_type = ET_EXEC;
  EXPECT_HAS(fails(x), "is a fixed-address executable (ET_EXEC)");
  EXPECT_HAS(expect_load_error(dyn_run({elf_of("helloworld")})), "is a fixed-address executable (ET_EXEC)");
  ElfPatch r = fresh();
  r.ehdr().e_type = ET_REL;
  EXPECT_HAS(fails(r), "is not a shared object or position-independent executable");
}

TEST_F(Hostile, ProgramHeadersOutOfBounds) {
  ElfPatch e = fresh();
  e.ehdr().e_phoff = e.bytes().size() - 16;
  EXPECT_HAS(fails(e), "program headers (offset 0x");
  EXPECT_HAS(fails(e), ") are outside the file");
  ElfPatch n = fresh();
  n.ehdr().e_phnum = 0xffff;
  EXPECT_HAS(fails(n), "are outside the file");
  ElfPatch z = fresh();
  z.ehdr().e_phnum = 0;
  EXPECT_HAS(fails(z), app + ": has no program headers");
  ElfPatch s = fresh();
  s.ehdr().e_phentsize = 32;
  EXPECT_HAS(fails(s), "bad program header entry size 32");
}

TEST_F(Hostile, SegmentsOutsideTheFileOverlappingOrWritableAndExecutable) {
  ElfPatch e = fresh();
  e.phdr(static_cast<size_t>(e.find_phdr(PT_LOAD))).p_offset = 1ull << 40;
  EXPECT_HAS(fails(e), "is outside the file");
  ElfPatch o = fresh();
  int first = o.find_phdr(PT_LOAD);
  o.phdr(static_cast<size_t>(first + 1)).p_vaddr = o.phdr(static_cast<size_t>(first)).p_vaddr;
  o.phdr(static_cast<size_t>(first + 1)).p_offset = o.phdr(static_cast<size_t>(first)).p_offset;
  EXPECT_HAS(fails(o), "overlaps or shares a page with the previous one");
  ElfPatch w = fresh();
  for (size_t i = 0; i < w.phnum(); i++)
    if (w.phdr(i).p_type == PT_LOAD && (w.phdr(i).p_flags & PF_X)) w.phdr(i).p_flags |= PF_W;
  EXPECT_HAS(fails(w), "is writable and executable (W^X)");
  ElfPatch a = fresh();
  a.phdr(static_cast<size_t>(a.find_phdr(PT_LOAD))).p_offset += 8;
  EXPECT_HAS(fails(a), "differ modulo the page size");
}

TEST_F(Hostile, DynamicSectionOutsideEverySegment) {
  ElfPatch p = fresh();
  p.phdr(static_cast<size_t>(p.find_phdr(PT_DYNAMIC))).p_vaddr = 0x7fff0000;
  EXPECT_HAS(fails(p), app + ": PT_DYNAMIC at 0x7fff0000 (0x");
  EXPECT_HAS(fails(p), "is outside every loadable segment");
  ElfPatch s = fresh();
  s.dyn(DT_STRTAB)->d_un.d_val = 0x7fff0000;
  EXPECT_HAS(fails(s), app + ": DT_STRTAB at 0x7fff0000 (0x");
  ElfPatch y = fresh();
  y.dyn(DT_SYMTAB)->d_un.d_val = 0xfffffffffff00000ull;
  EXPECT_HAS(fails(y), "DT_SYMTAB at 0xfffffffffff00000");
  EXPECT_HAS(fails(y), "is outside every loadable segment");
  ElfPatch r = fresh();
  r.dyn(DT_RELASZ)->d_un.d_val = 24ull << 28;
  EXPECT_HAS(fails(r), "DT_RELA at 0x");
  EXPECT_HAS(fails(r), "is outside every loadable segment");
  ElfPatch j = fresh();
  j.dyn(DT_JMPREL)->d_un.d_val = 0x10;
  j.dyn(DT_PLTRELSZ)->d_un.d_val = 0x180000;
  EXPECT_HAS(fails(j), "DT_JMPREL at 0x10 (0x180000 bytes) is outside every loadable segment");
  ElfPatch m = fresh();
  m.dyn(DT_RELASZ)->d_un.d_val = 25;
  EXPECT_HAS(fails(m), app + ": DT_RELA size 0x19 is not a multiple of its entry size 24");
  ElfPatch i = fresh();
  i.dyn(DT_INIT_ARRAYSZ)->d_un.d_val = 0x1000000;
  EXPECT_HAS(fails(i), "DT_INIT_ARRAY at 0x");
  ElfPatch n = fresh();
  n.dyn(DT_NEEDED)->d_un.d_val = 0x7fffffff;
  EXPECT_HAS(fails(n), app + ": DT_NEEDED entry 0 has a bad name offset 0x7fffffff");
  ElfPatch t = fresh();
  for (int64_t *tag = &t.dyn(DT_NULL)->d_tag; tag;) { // every terminator gone
    *tag = DT_DEBUG;
    Elf64_Dyn *d = t.dyn(DT_NULL);
    tag = d ? &d->d_tag : nullptr;
  }
  EXPECT_HAS(fails(t), app + ": dynamic section has no DT_NULL terminator");
}

TEST_F(Hostile, DynamicTagsTheLoaderRefuses) {
  ElfPatch t = fresh();
  t.dyn(DT_DEBUG)->d_tag = DT_TEXTREL;
  EXPECT_HAS(fails(t), app + ": has text relocations (DT_TEXTREL)");
  ElfPatch r = fresh();
  r.dyn(DT_DEBUG)->d_tag = DT_REL;
  EXPECT_HAS(fails(r), app + ": has DT_REL relocations");
  ElfPatch e = fresh();
  e.dyn(DT_SYMENT)->d_un.d_val = 16;
  EXPECT_HAS(fails(e), app + ": DT_SYMENT is 16, expected 24");
  ElfPatch h = fresh();
  h.dyn(DT_HASH)->d_tag = DT_DEBUG;
  h.dyn(DT_GNU_HASH)->d_tag = DT_DEBUG;
  EXPECT_HAS(fails(h), app + ": has no symbol hash table (DT_HASH or DT_GNU_HASH)");
}

TEST_F(Hostile, BadGnuHashTable) {
  auto gnu = [](ElfPatch &e) { return &e.at<uint32_t>(e.offset_of(e.dyn_value(DT_GNU_HASH))); };
  ElfPatch b = fresh();
  gnu(b)[2] = 3; // Bloom filter size
  EXPECT_HAS(fails(b), app + ": DT_GNU_HASH Bloom filter size 3 is not a power of two");
  ElfPatch s = fresh();
  gnu(s)[3] = 64; // Bloom shift
  EXPECT_HAS(fails(s), "DT_GNU_HASH Bloom shift 64 is not below 64");
  ElfPatch n = fresh();
  gnu(n)[0] = 0x10000000; // buckets
  EXPECT_HAS(fails(n), "DT_GNU_HASH table at 0x");
  EXPECT_HAS(fails(n), "is outside every loadable segment");
  ElfPatch c = fresh(); // a chain with no end marker
  uint32_t *g = gnu(c);
  uint32_t nb = g[0], bloom = g[2], *buckets = g + 4 + 2 * bloom, *chains = buckets + nb;
  uint32_t max = 0;
  for (uint32_t i = 0; i < nb; i++) max = std::max(max, buckets[i]);
  ASSERT_GT(max, 0u);
  uint32_t *p = chains + (max - g[1]);
  while (!(*p & 1)) p++;
  *p &= ~1u; // the last chain now runs into whatever follows the table
  EXPECT_HAS(fails(c), "DT_GNU_HASH chain runs past the ");
}

TEST_F(Hostile, BadSysvHashTable) {
  auto sysv = [](ElfPatch &e) { return &e.at<uint32_t>(e.offset_of(e.dyn_value(DT_HASH))); };
  ElfPatch c = fresh();
  uint32_t *h = sysv(c);
  h[2 + h[0] + 1] = 0x1000; // chain entry 1
  EXPECT_HAS(fails(c), app + ": DT_HASH chain entry 1 is 4096, beyond the ");
  ElfPatch b = fresh();
  h = sysv(b);
  h[2] = 0xffff; // bucket 0
  EXPECT_HAS(fails(b), "DT_HASH bucket 0 is 65535, beyond the ");
  ElfPatch n = fresh();
  sysv(n)[1] = 0x40000000; // nchain
  EXPECT_HAS(fails(n), "DT_HASH table at 0x");
  EXPECT_HAS(fails(n), "is outside every loadable segment");
}

TEST_F(Hostile, RelocationsOutsideWritableSegments) {
  ElfPatch e = fresh();
  e.rela(0)->r_offset = e.ehdr().e_entry; // into the code
  std::string m = fails(e);
  EXPECT_HAS(m, app + ": R_X86_64_RELATIVE relocation at offset 0x");
  EXPECT_HAS(m, " is outside every writable segment");
  ElfPatch far = fresh();
  far.rela(0)->r_offset = 0xfffffffffffffff0ull;
  EXPECT_HAS(fails(far), "relocation at offset 0xfffffffffffffff0 is outside every writable segment");
  for (bool eager : {false, true}) {
    ElfPatch j = fresh();
    j.rela(0, true)->r_offset = 0; // the ELF header
    EXPECT_HAS(fails(j, eager ? std::vector<std::string>{"--bind-now"} : std::vector<std::string>{}),
               app + ": R_X86_64_JUMP_SLOT relocation at offset 0x0 is outside every writable segment");
  }
}

TEST_F(Hostile, RelocationTypesAndSymbols) {
  ElfPatch t = fresh();
  Elf64_Rela *r = t.rela(0);
  r->r_info = ELF64_R_INFO(0, R_X86_64_TLSDESC);
  std::string m = fails(t);
  EXPECT_HAS(m, app + ": relocation type 36 (R_X86_64_TLSDESC) at offset 0x");
  EXPECT_HAS(m, " is not supported");
  ElfPatch u = fresh();
  u.rela(0)->r_info = ELF64_R_INFO(0, 200);
  EXPECT_HAS(fails(u), "relocation type 200 (unknown) at offset 0x");
  ElfPatch s = fresh();
  s.rela(0, true)->r_info = ELF64_R_INFO(0xffff, R_X86_64_JUMP_SLOT);
  EXPECT_HAS(fails(s, {"--bind-now"}), app + ": symbol index 65535 is beyond the ");
  ElfPatch p = fresh(); // lazy: a PLT slot that does not point at the PLT
  uint64_t slot = p.offset_of(p.rela(0, true)->r_offset);
  p.at<uint64_t>(slot) = 0x10;
  EXPECT_HAS(fails(p), ": PLT entry 0x10 is outside every executable segment");
}

TEST_F(Hostile, LazySymbolIndexBeyondTheTableFailsAtTheFirstCall) {
  ElfPatch s = fresh();
  for (size_t i = 0; i < s.rela_count(true); i++)
    s.rela(i, true)->r_info = ELF64_R_INFO(0xffff, R_X86_64_JUMP_SLOT);
  s.save(app);
  RunResult r = dyn_run({app});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err.rfind("uk-dyn-run: " + app + ": lazy binding: DT_JMPREL entry ", 0), 0u) << r.err;
  EXPECT_HAS(r.err, "is not a valid R_X86_64_JUMP_SLOT");
}

TEST_F(Hostile, InitArrayEntryOutsideTheCode) {
  ElfPatch e = fresh();
  uint64_t init = e.dyn_value(DT_INIT_ARRAY);
  bool patched = false;
  for (size_t i = 0; i < e.rela_count(); i++)
    if (e.rela(i)->r_offset == init) {
      e.rela(i)->r_addend = static_cast<int64_t>(e.dyn_value(DT_STRTAB)); // data, not code
      patched = true;
    }
  ASSERT_TRUE(patched);
  EXPECT_HAS(fails(e), app + ": DT_INIT_ARRAY entry 0 (0x");
  EXPECT_HAS(fails(e), ") is outside every executable segment");
}

TEST_F(Hostile, DamagedLibrary) {
  ElfPatch m(kDynLib + "/libmusl.so");
  uint32_t *g = &m.at<uint32_t>(m.offset_of(m.dyn_value(DT_GNU_HASH)));
  g[2] = 6;
  EXPECT_HAS(lib_fails("libmusl.so", m), "uk-dyn-run: " + dir + "/libmusl.so: DT_GNU_HASH Bloom filter size 6");
  ElfPatch b(kDynLib + "/libboot.so");
  b.bytes().resize(100);
  EXPECT_HAS(lib_fails("libboot.so", b), "uk-dyn-run: " + dir + "/libboot.so: program headers (offset 0x40");
  ElfPatch x(elf_of("exitcode")); // an executable where a library should be
  EXPECT_HAS(lib_fails("libboot.so", x), dir + "/libboot.so: is a fixed-address executable (ET_EXEC)");
}

// Random damage (issue 7 item 22: in 89k random --dry-run mutations the
// loader once died 16 times of SIGSEGV and once of SIGILL). Deterministic
// (fixed seeds) and bounded: UK_DYN_MUTATIONS rounds per region (default
// 500; set it higher for a long run), alternately on the app and on
// libmusl.so, each round 1-4 damaged bytes inside one region of the file:
// the ELF and program headers with the dynamic section, the symbol and
// hash tables, or the relocation tables. Whatever the bytes, the loader
// reports one line and exit status 127, or loads the objects (--dry-run,
// every symbol bound), and never dies of a signal.
enum class Region { kHeaders, kSymbols, kRelocations };

struct Span {
  uint64_t off, len;
};

std::vector<Span> spans_of(ElfPatch &e, Region r) {
  std::vector<Span> out;
  auto table = [&](int64_t addr_tag, uint64_t len) {
    if (e.dyn_value(addr_tag) && len) out.push_back({e.offset_of(e.dyn_value(addr_tag)), len});
  };
  uint32_t nsyms = e.at<uint32_t>(e.offset_of(e.dyn_value(DT_HASH)) + 4);
  switch (r) {
  case Region::kHeaders: {
    out.push_back({0, e.ehdr().e_phoff + e.phnum() * sizeof(Elf64_Phdr)});
    const Elf64_Phdr &d = e.phdr(static_cast<size_t>(e.find_phdr(PT_DYNAMIC)));
    out.push_back({d.p_offset, d.p_filesz});
    break;
  }
  case Region::kSymbols:
    table(DT_HASH, 4 * (2 + uint64_t{e.at<uint32_t>(e.offset_of(e.dyn_value(DT_HASH)))} + nsyms));
    table(DT_GNU_HASH, 4096);
    table(DT_SYMTAB, uint64_t{nsyms} * sizeof(Elf64_Sym));
    break;
  case Region::kRelocations:
    table(DT_RELA, e.dyn_value(DT_RELASZ));
    table(DT_JMPREL, e.dyn_value(DT_PLTRELSZ));
    break;
  }
  std::vector<Span> in_file;
  for (Span s : out) {
    if (s.off >= e.bytes().size()) continue;
    s.len = std::min<uint64_t>(s.len, e.bytes().size() - s.off);
    if (s.len) in_file.push_back(s);
  }
  return in_file;
}

class RandomDamage : public Hostile, public ::testing::WithParamInterface<Region> {};

TEST_P(RandomDamage, NeverCrashesTheLoader) {
  const char *env = std::getenv("UK_DYN_MUTATIONS");
  const int rounds = env ? std::atoi(env) : 500;
  std::mt19937_64 rng(20240611 + static_cast<unsigned>(GetParam()));
  const std::string lib = kDynLib + "/libmusl.so";
  const ElfPatch pristine[2] = {fresh(), ElfPatch(lib)};
  int errors = 0, loads = 0;
  for (int round = 0; round < rounds; round++) {
    bool on_lib = round % 2;
    ElfPatch e = pristine[on_lib];
    std::vector<Span> spans = spans_of(e, GetParam());
    ASSERT_FALSE(spans.empty());
    int flips = 1 + static_cast<int>(rng() % 4);
    for (int f = 0; f < flips; f++) {
      const Span &s = spans[rng() % spans.size()];
      uint64_t off = s.off + rng() % s.len;
      uint8_t v = static_cast<uint8_t>(rng());
      e.bytes()[off] = static_cast<char>(rng() % 3 ? v : e.bytes()[off] ^ (1 << (v % 8)));
    }
    std::vector<std::string> args = {"--dry-run", "--bind-now"};
    if (on_lib) {
      e.save(dir + "/libmusl.so");
      args.insert(args.end(), {"-L", dir, so_of("helloworld")});
    } else {
      e.save(app);
      args.push_back(app);
    }
    RunResult r = dyn_run(args);
    ASSERT_TRUE(r.status == 0 || r.status == 127) << "round " << round << ": status " << r.status << "\n" << r.err;
    if (r.status == 127) {
      errors++;
      EXPECT_EQ(r.err.rfind("uk-dyn-run: ", 0), 0u) << r.err;
      EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    } else {
      loads++;
    }
  }
  // Both outcomes occur: the damage reaches the checks and the loads.
  EXPECT_GT(errors, rounds / 10);
  EXPECT_GT(loads, rounds / 50);
}

INSTANTIATE_TEST_SUITE_P(Regions, RandomDamage,
                         ::testing::Values(Region::kHeaders, Region::kSymbols, Region::kRelocations),
                         [](const ::testing::TestParamInfo<Region> &i) {
                           return std::string(i.param == Region::kHeaders   ? "HeadersAndDynamic"
                                              : i.param == Region::kSymbols ? "SymbolsAndHashTables"
                                                                            : "Relocations");
                         });

} // namespace
} // namespace uk::test
