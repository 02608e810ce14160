// uk-dyn-run's parsing, symbol lookup and relocation code built for the
// host libc (ukdyn_host), on the real objects of the corpus laid out in
// ordinary memory: runs in the normal and the ASan build, where the
// musl-built loader itself cannot be instrumented.
#include <gtest/gtest.h>

#include <dirent.h>

#include <map>
#include <memory>

#include "corpus.h"
#include "dyn_util.h"
#include "elf_patch.h"
#include "hash.h"
#include "host_image.h"
#include "printable.h"
#include "reloc_kinds.h"
#include "relocate.h"
#include "scope.h"
#include "tls.h"

namespace uk::test {
namespace {

using namespace uk::dyn;

// One object of the corpus in host memory (the file's bytes stay alive:
// the object's name points into the arena, its tables into the image).
struct Loaded {
  std::string bytes;
  HostImage img;
  DynObject *o = nullptr;
};

std::unique_ptr<Loaded> load(const std::string &path, bool is_main, Arena &arena) {
  auto l = std::make_unique<Loaded>();
  l->bytes = read_text(path);
  auto o = load_host_object(reinterpret_cast<const uint8_t *>(l->bytes.data()), l->bytes.size(), path.c_str(), is_main,
                            arena, l->img);
  EXPECT_TRUE(o) << (o ? "" : o.error().what());
  if (o) l->o = *o;
  return l;
}

std::vector<std::string> corpus_objects() {
  std::vector<std::string> out;
  DIR *d = opendir(kDynLib.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d)) {
    std::string n = e->d_name;
    if (n.size() > 3 && n.compare(n.size() - 3, 3, ".so") == 0) out.push_back(kDynLib + "/" + n);
  }
  closedir(d);
  return out;
}

TEST(DynHost, EveryLibraryOfTheCorpusParses) {
  std::vector<std::string> libs = corpus_objects();
  ASSERT_GE(libs.size(), 5u);
  for (const std::string &p : libs) {
    Arena arena;
    auto l = load(p, false, arena);
    ASSERT_NE(l->o, nullptr) << p;
    EXPECT_GT(l->o->nsyms, 1u) << p;
    EXPECT_NE(l->o->soname, nullptr) << p;
    arena.release();
  }
}

// Every exported definition of libmusl.so is found through the GNU hash
// table and through the SysV one, as itself; both tables give the same
// answer for every name, and names that are not there are not found.
TEST(DynHost, GnuAndSysvHashFindEveryDefinition) {
  Arena arena;
  auto l = load(kDynLib + "/libmusl.so", false, arena);
  ASSERT_NE(l->o, nullptr);
  const DynObject &o = *l->o;
  ASSERT_TRUE(o.gnu.present && o.sysv.present);
  DynObject sysv = o;
  sysv.gnu.present = false;
  size_t found = 0;
  for (uint32_t i = 1; i < o.nsyms; i++) {
    const Elf64_Sym &s = o.symtab[i];
    auto name = o.sym_name(i);
    ASSERT_TRUE(name);
    SymbolName a(*name), b(*name);
    const Elf64_Sym *g = find_definition(o, a), *v = find_definition(sysv, b);
    EXPECT_EQ(g, v) << *name;
    bool exported = s.st_shndx != SHN_UNDEF && ELF64_ST_BIND(s.st_info) != STB_LOCAL &&
                    ELF64_ST_VISIBILITY(s.st_other) == STV_DEFAULT && !(o.versym && (o.versym[i] & 0x8000));
    if (exported) {
      ASSERT_NE(g, nullptr) << *name;
      EXPECT_STREQ(o.str(g->st_name), *name);
      found++;
    }
  }
  EXPECT_GT(found, 1000u);
  for (const char *absent : {"no_such_symbol_anywhere", "", "printf_", "_printf"}) {
    SymbolName a(absent), b(absent);
    EXPECT_EQ(find_definition(o, a), nullptr) << absent;
    EXPECT_EQ(find_definition(sysv, b), nullptr) << absent;
  }
  arena.release();
}

// helloworld, libboot.so and libmusl.so in host memory, relocated (bound
// now, no resolver run) exactly as the loader relocates them: every
// relocation of the files counted by type, RELATIVE targets = base +
// addend, the app's printf slot = libmusl.so's printf.
TEST(DynHost, HelloworldSetIsRelocatedLikeTheLoaderDoes) {
  Arena arena;
  std::vector<std::string> paths = {so_of("helloworld"), kDynLib + "/libboot.so", kDynLib + "/libmusl.so"};
  std::vector<std::unique_ptr<Loaded>> objs;
  for (size_t i = 0; i < paths.size(); i++) {
    objs.push_back(load(paths[i], i == 0, arena));
    ASSERT_NE(objs.back()->o, nullptr);
    objs.back()->o->index = static_cast<unsigned>(i);
    if (i) objs[i - 1]->o->next = objs[i]->o;
  }
  std::map<uint32_t, uint64_t> want; // relocations of each type in the files
  for (const std::string &p : paths) {
    ElfPatch e(p);
    for (bool plt : {false, true})
      for (size_t i = 0; i < e.rela_count(plt); i++) want[static_cast<uint32_t>(ELF64_R_TYPE(e.rela(i, plt)->r_info))]++;
  }
  DynObject *head = objs[0]->o;
  TlsLayout tls;
  ASSERT_TRUE(layout_tls(head, &tls));
  Stats stats;
  RelocOptions ro;
  ro.bind_now = true;
  ro.run_resolvers = false;
  Status s = relocate_all(head, objs.size(), tls, ro, arena, stats);
  ASSERT_TRUE(s) << s.error().what();
  for (auto [type, n] : want) EXPECT_EQ(stats.relocs[type], n) << reloc_type(type).name;
  EXPECT_GT(want[R_X86_64_RELATIVE], 50u);

  ElfPatch musl(paths[2]);
  const DynObject &m = *objs[2]->o;
  size_t checked = 0;
  for (size_t i = 0; i < musl.rela_count(); i++) {
    const Elf64_Rela &r = *musl.rela(i);
    if (ELF64_R_TYPE(r.r_info) != R_X86_64_RELATIVE) continue;
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const void *>(m.base + r.r_offset), 8);
    EXPECT_EQ(v, m.base + static_cast<uint64_t>(r.r_addend)) << std::hex << r.r_offset;
    checked++;
  }
  EXPECT_GT(checked, 50u);
  ElfPatch hello(paths[0]);
  bool saw_printf = false;
  for (size_t i = 0; i < hello.rela_count(true); i++) {
    const Elf64_Rela &r = *hello.rela(i, true);
    uint32_t si = static_cast<uint32_t>(ELF64_R_SYM(r.r_info));
    if (std::strcmp(head->str(head->symtab[si].st_name), "printf") != 0) continue;
    uint64_t v;
    std::memcpy(&v, reinterpret_cast<const void *>(head->base + r.r_offset), 8);
    EXPECT_EQ(v, m.base + musl.sym("printf")->st_value);
    saw_printf = true;
  }
  EXPECT_TRUE(saw_printf);
  arena.release();
}

TEST(DynHost, EscapedNames) {
  char out[kShownCap];
  EXPECT_EQ(escape_name("libc.so.6", out), 9u);
  EXPECT_STREQ(out, "libc.so.6");
  escape_name("a\\b\x1b[2J\n\x7f\xff", out);
  EXPECT_STREQ(out, "a\\\\b\\x1b[2J\\x0a\\x7f\\xff");
  escape_name(nullptr, out);
  EXPECT_STREQ(out, "(null)");
  std::string longname(kMaxShownBytes + 1, 'n');
  EXPECT_EQ(escape_name(longname.c_str(), out), kMaxShownBytes + 3);
  EXPECT_EQ(std::string(out), std::string(kMaxShownBytes, 'n') + "...");
  std::string exact(kMaxShownBytes, '\x01'); // the worst case fits
  EXPECT_EQ(escape_name(exact.c_str(), out), 4 * kMaxShownBytes);
}

} // namespace
} // namespace uk::test
