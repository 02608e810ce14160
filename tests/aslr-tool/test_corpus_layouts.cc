// SLT [ASLR] layouts of the corpus as packed by the default build, under
// uk-slt-run:
// - every block of every corpus app (boot and .app included) has at least
//   28 bits of entropy (--stats): no block is pinned to another one;
// - 200 seeds of helloworld and 200 of mandelbrot each give the direct ELF's
//   output, files and exit status;
// - two instances alive at once (held at their exit by ptrace) have a
//   different base for every block, yet map the same pool files (inodes),
//   and so does another app for the libraries they share.
#include <gtest/gtest.h>
#include <sys/stat.h>

#include <climits>
#include <cstdlib>
#include <map>
#include <memory>
#include <regex>
#include <set>
#include <sstream>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

constexpr int kMinBits = 28; // issue 8: at least Linux's own mmap randomisation, per block

std::string aslr_desc_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".aslr.desc"; }

std::vector<std::string> corpus_apps() {
  std::vector<std::string> v;
  std::stringstream ss(UK_ASLR_APPS);
  for (std::string a; std::getline(ss, a, ',');) v.push_back(a);
  return v;
}

std::unique_ptr<Desc> desc_copy(const std::string &path) {
  Desc *d = load_desc(path);
  return d ? std::make_unique<Desc>(*d) : nullptr;
}

struct Placed {
  uint64_t base = 0;
  int bits = -1;
};

// Block name -> base and bits of entropy, from the line --stats prints:
// "uk-slt-run: aslr: bases (/bits of entropy) .app=0x.../34 boot=0x.../34 ...".
std::map<std::string, Placed> stats_bases(const std::string &err) {
  std::map<std::string, Placed> out;
  size_t p = err.find("uk-slt-run: aslr: bases (/bits of entropy)");
  if (p == std::string::npos) return out;
  std::string line = err.substr(p, err.find('\n', p) - p);
  std::regex one(" ([^ =]+)=0x([0-9a-f]+)/([0-9]+)");
  for (auto it = std::sregex_iterator(line.begin(), line.end(), one); it != std::sregex_iterator(); ++it)
    out[(*it)[1]] = Placed{std::stoull((*it)[2], nullptr, 16), std::stoi((*it)[3])};
  return out;
}

// stderr without the loader's own --stats lines.
std::string app_stderr(const std::string &err) {
  std::string out;
  std::stringstream ss(err);
  for (std::string line; std::getline(ss, line);)
    if (line.rfind("uk-slt-run: stats: ", 0) != 0 && line.rfind("uk-slt-run: aslr: ", 0) != 0) out += line + "\n";
  return out;
}

// Arguments with which each app stops at once (the stats are printed before
// it starts; nginx must not start serving, speedtest1 not run its tests).
std::vector<std::string> quick_args(const std::string &app) {
  static const std::map<std::string, std::vector<std::string>> args = {
      {"mandelbrot", {"x"}}, {"zlib-perf", {"0"}},     {"sqlite-speed", {"--help"}}, {"nginx", {"-V"}},
      {"matrix-perf", {"0"}}, {"exitcode", {"0"}}, {"lua", {"-v"}}};
  auto it = args.find(app);
  return it == args.end() ? std::vector<std::string>{} : it->second;
}

TEST(AslrLayouts, EveryBlockOfEveryCorpusAppHasAtLeast28Bits) {
  std::vector<std::string> apps = corpus_apps();
  ASSERT_GE(apps.size(), 9u);
  for (const std::string &app : apps) {
    SCOPED_TRACE(app);
    auto d = desc_copy(aslr_desc_of(app));
    ASSERT_NE(d, nullptr);
    std::vector<std::string> argv = {kLoader, "--pool", kPool, "--stats", aslr_desc_of(app)};
    for (const std::string &a : quick_args(app)) argv.push_back(a);
    RunResult r = run(argv);
    EXPECT_NE(r.status, 127) << r.err;
    auto placed = stats_bases(r.err);
    ASSERT_EQ(placed.size(), d->nblocks) << r.err;
    for (uint32_t i = 0; i < d->nblocks; i++) {
      auto it = placed.find(d->blocks[i].name);
      ASSERT_NE(it, placed.end()) << d->blocks[i].name << " missing in: " << r.err;
      EXPECT_GE(it->second.bits, kMinBits) << app << ": block " << d->blocks[i].name;
      EXPECT_EQ(it->second.base % 4096, 0u) << d->blocks[i].name;
    }
  }
}

// The direct ELF's result, then `seeds` layouts of the ASLR desc (--seed 1..N):
// the same status, stdout, stderr and output file every time, and a layout
// of its own for every seed.
void expect_every_seed_like_direct(const std::string &app, const std::vector<std::string> &args, int seeds) {
  std::string dir = make_temp_dir();
  auto with_out = [&](std::vector<std::string> argv, const std::string &out) {
    for (const std::string &a : args) argv.push_back(a == "OUT" ? dir + "/" + out : a);
    return argv;
  };
  RunResult direct = run(with_out({elf_of(app)}, "direct.out"));
  ASSERT_EQ(direct.status, 0) << direct.err;
  std::string direct_file = read_text(dir + "/direct.out");
  std::map<std::string, std::set<uint64_t>> bases; // block -> bases seen
  for (int seed = 1; seed <= seeds; seed++) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::remove((dir + "/aslr.out").c_str());
    RunResult r = run(with_out({kLoader, "--pool", kPool, "--stats", "--seed", std::to_string(seed), aslr_desc_of(app)},
                               "aslr.out"));
    ASSERT_EQ(r.status, direct.status) << r.err;
    ASSERT_EQ(r.out, direct.out);
    ASSERT_EQ(app_stderr(r.err), direct.err);
    ASSERT_EQ(read_text(dir + "/aslr.out"), direct_file);
    for (const auto &[block, p] : stats_bases(r.err)) bases[block].insert(p.base);
  }
  ASSERT_GE(bases.size(), 4u); // .app, boot, musl, gccrt, the app
  for (const auto &[block, seen] : bases)
    EXPECT_EQ(seen.size(), static_cast<size_t>(seeds)) << block << ": two seeds gave it the same base";
  std::system(("rm -rf " + dir).c_str());
}

TEST(AslrLayouts, TwoHundredSeedsOfHelloworldGiveTheDirectOutput) {
  expect_every_seed_like_direct("helloworld", {"one", "two words"}, 200);
}

TEST(AslrLayouts, TwoHundredSeedsOfMandelbrotGiveTheDirectOutput) {
  expect_every_seed_like_direct("mandelbrot", {"48", "32", "60", "OUT"}, 200);
}

std::string real(const std::string &p) {
  char buf[PATH_MAX];
  return realpath(p.c_str(), buf) ? buf : p;
}

// What a running instance has mapped, from the kernel's view alone: each
// block's base (every file-backed map of the desc, pool object or image,
// found by file and file offset in /proc/PID/maps; all maps of a block must
// agree) and the inode each library's pool object is mapped from.
struct Instance {
  std::map<std::string, uint64_t> base;        // block -> base
  std::map<std::string, unsigned long> inode;  // library -> inode of its pool mapping
};

Instance instance_of(pid_t pid, const Desc &d, const std::string &desc_dir) {
  Instance in;
  std::vector<Mapping> ms = maps_of(pid);
  const std::string image = real(desc_dir + "/" + d.image);
  for (uint32_t i = 0; i < d.nmaps; i++) {
    const DescMap &dm = d.maps[i];
    const DescBlock &blk = d.blocks[dm.block];
    bool pool = dm.source == MapSource::Pool;
    if (!pool && dm.filesz == 0) continue; // anonymous zero pages: no file to find them by
    std::string path = pool ? real(kPool + "/" + d.libs[dm.lib].object) : image;
    auto it = std::find_if(ms.begin(), ms.end(), [&](const Mapping &m) {
      return m.path == path && m.offset <= dm.offset && dm.offset < m.offset + (m.end - m.start);
    });
    if (it == ms.end()) {
      ADD_FAILURE() << "block " << blk.name << ": " << path << "+0x" << std::hex << dm.offset << " is not mapped";
      continue;
    }
    uint64_t base = it->start + (dm.offset - it->offset) - dm.off;
    auto [b, fresh] = in.base.emplace(blk.name, base);
    EXPECT_TRUE(fresh || b->second == base) << "block " << blk.name << ": its maps disagree on its base";
    if (pool) {
      struct stat st;
      EXPECT_EQ(stat(path.c_str(), &st), 0) << path;
      EXPECT_EQ(it->inode, static_cast<unsigned long>(st.st_ino)) << path;
      EXPECT_EQ(it->perms[1], '-') << "pool mapping is writable: " << it->perms;
      EXPECT_EQ(it->perms[3], 's') << "pool mapping is not MAP_SHARED: " << it->perms;
      in.inode[d.libs[dm.lib].name] = it->inode;
    }
  }
  return in;
}

TEST(AslrLayouts, TwoInstancesDifferInEveryBaseAndMapTheSamePoolFiles) {
  auto hello = desc_copy(aslr_desc_of("helloworld"));
  auto mandel = desc_copy(aslr_desc_of("mandelbrot"));
  ASSERT_TRUE(hello && mandel);
  HeldProcess a({kLoader, "--pool", kPool, aslr_desc_of("helloworld"), "a"});
  HeldProcess b({kLoader, "--pool", kPool, aslr_desc_of("helloworld"), "b"});
  HeldProcess m({kLoader, "--pool", kPool, aslr_desc_of("mandelbrot"), "16", "8", "10", "/dev/null"});
  ASSERT_TRUE(a.held() && b.held() && m.held());
  Instance ia = instance_of(a.pid(), *hello, kCorpus + "/helloworld");
  Instance ib = instance_of(b.pid(), *hello, kCorpus + "/helloworld");
  Instance im = instance_of(m.pid(), *mandel, kCorpus + "/mandelbrot");
  ASSERT_EQ(ia.base.size(), hello->nblocks);
  ASSERT_EQ(ib.base.size(), hello->nblocks);
  for (const auto &[block, base] : ia.base) {
    EXPECT_NE(base, ib.base[block]) << block << " is at the same base in both instances"; // p < 2^-28
    EXPECT_EQ(base % 4096, 0u) << block;
  }
  ASSERT_EQ(ia.inode.size(), hello->nlibs);
  EXPECT_EQ(ia.inode, ib.inode); // every library from the same pool file
  for (const char *lib : {"boot", "musl", "gccrt"}) {
    SCOPED_TRACE(lib);
    ASSERT_TRUE(ia.inode.count(lib) && im.inode.count(lib));
    EXPECT_EQ(ia.inode[lib], im.inode[lib]) << "helloworld and mandelbrot map different files";
    EXPECT_NE(ia.base[lib], im.base[lib]);
  }
  EXPECT_EQ(a.release(), 0);
  EXPECT_EQ(b.release(), 0);
  EXPECT_EQ(m.release(), 0);
}

} // namespace
} // namespace uk::test
