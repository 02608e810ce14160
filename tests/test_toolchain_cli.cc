// uk-slt end to end: pack into a fresh pool, content addressing, tamper
// detection, registry stability across packs, report.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>
#include <nlohmann/json.hpp>

#include "corpus.h"
#include "fs_util.h"
#include "process_util.h"
#include "content_hash.h"

namespace uk::test {
namespace {

std::string spec(const std::string &app) {
  std::string l = kCorpus + "/libs/";
  return app + "=" + l + "boot.o," + l + "musl.o," + l + "gccrt.o," + l + app + ".o";
}

class Toolchain : public ::testing::Test {
protected:
  void SetUp() override { dir = make_temp_dir(); pool = dir + "/pool"; }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }
  RunResult pack(const std::vector<std::string> &apps) {
    std::vector<std::string> argv = {kTool, "--pool", pool, "pack", "--no-platform", "--out-dir", dir + "/out"};
    for (const std::string &a : apps) argv.push_back(spec(a));
    return run(argv);
  }
  std::string dir, pool;
};

TEST_F(Toolchain, PackWritesContentAddressedReadOnlyObjects) {
  RunResult r = pack({"helloworld", "exitcode"});
  ASSERT_EQ(r.status, 0) << r.err;
  Desc *d = load_desc(dir + "/out/helloworld/helloworld.desc");
  ASSERT_NE(d, nullptr);
  for (uint32_t i = 0; i < d->nlibs; i++) {
    std::string path = pool + "/" + d->libs[i].object;
    struct stat st;
    ASSERT_EQ(stat(path.c_str(), &st), 0) << path;
    EXPECT_EQ(st.st_mode & 07777, 0444u);
    std::string bytes = read_text(path);
    EXPECT_EQ(sha256_hex(bytes.data(), bytes.size()), d->libs[i].object);
    EXPECT_EQ(bytes.size(), d->libs[i].object_size);
  }
  // The packed app runs from this pool.
  RunResult h = run({kLoader, "--pool", pool, dir + "/out/helloworld/helloworld.desc", "x"});
  EXPECT_EQ(h.status, 0) << h.err;
  EXPECT_NE(h.out.find("arg 1: x"), std::string::npos);
}

TEST_F(Toolchain, AddingAppsKeepsLayoutsAndDescsStable) {
  ASSERT_EQ(pack({"helloworld"}).status, 0);
  std::string before = read_text(dir + "/out/helloworld/helloworld.desc");
  std::string elf_before = read_text(dir + "/out/helloworld/helloworld.elf");
  RunResult r = pack({"mandelbrot", "cat", "helloworld"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(dir + "/out/helloworld/helloworld.desc"), before);
  EXPECT_EQ(read_text(dir + "/out/helloworld/helloworld.elf"), elf_before);
}

TEST_F(Toolchain, ExistingObjectIsVerifiedNeverOverwritten) {
  ASSERT_EQ(pack({"exitcode"}).status, 0);
  Desc *d = load_desc(dir + "/out/exitcode/exitcode.desc");
  ASSERT_NE(d, nullptr);
  std::string obj = pool + "/" + d->libs[0].object;
  std::string bytes = read_text(obj);
  bytes[100] ^= 1;
  chmod(obj.c_str(), 0644);
  write_text(obj, bytes);
  chmod(obj.c_str(), 0444);
  RunResult r = run({kTool, "--pool", pool, "extract", dir + "/out/exitcode/exitcode.elf"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + obj + ": pool object content does not match its name (tampered or corrupt pool)\n");
  EXPECT_EQ(read_text(obj), bytes); // left as found
  chmod(obj.c_str(), 0644);
  r = run({kTool, "--pool", pool, "extract", dir + "/out/exitcode/exitcode.elf"});
  EXPECT_NE(r.err.find("pool object is writable (mode 0644)"), std::string::npos) << r.err;
}

TEST_F(Toolchain, StagesRunAlone) {
  std::string l = kCorpus + "/libs/";
  std::string elf = dir + "/solo/cat.elf";
  RunResult a = run({kTool, "--pool", pool, "align", "-o", elf, l + "boot.o", l + "musl.o", l + "gccrt.o", l + "cat.o"});
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_EQ(run({kTool, "--pool", pool, "extract", elf}).status, 0);
  EXPECT_EQ(run({kTool, "--pool", pool, "minify", elf}).status, 0);
  EXPECT_EQ(run({kTool, "--pool", pool, "desc", elf}).status, 0);
  RunResult c = run({kLoader, "--pool", pool, dir + "/solo/cat.desc"}, "through the pool\n");
  EXPECT_EQ(c.status, 0) << c.err;
  EXPECT_EQ(c.out, "through the pool\n");
  struct stat st;
  EXPECT_EQ(stat((dir + "/solo/cat.elf.ld").c_str(), &st), 0);
}

TEST_F(Toolchain, BadInputsGiveOneLine) {
  write_text(dir + "/junk.o", "junk");
  RunResult r = run({kTool, "--pool", pool, "align", "-o", dir + "/x.elf", dir + "/junk.o"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + dir + "/junk.o: truncated ELF header (4 bytes)\n");
  r = run({kTool, "--pool", pool, "align", "-o", dir + "/x.elf", kCorpus + "/libs/musl.o"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("link failed"), std::string::npos) << r.err;
  r = run({kTool, "--pool", pool, "extract", dir + "/junk.o"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("junk.o: truncated ELF header"), std::string::npos);
  r = run({kTool, "--pool", pool, "pack", "noequals"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("not of the form APP=LIB.o"), std::string::npos);
  write_text(dir + "/bad.desc", "uk-slt-desc 2\n");
  r = run({kTool, "--pool", pool, "report", dir + "/bad.desc"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("bad.desc: truncated (no 'end' line)"), std::string::npos);
  write_text(dir + "/old.desc", "uk-slt-desc 1\napp x\nend\n");
  r = run({kTool, "--pool", pool, "report", dir + "/old.desc"});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("old.desc:1: desc version 1 is no longer read: re-pack"), std::string::npos) << r.err;
  r = run({kTool, "--pool", pool, "report", kLoader});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + kLoader + ": is an ELF file, not a uk-slt desc\n");
  // A slot registry that is not ours.
  write_text(dir + "/reg.json", "[]");
  r = run({kTool, "--registry", dir + "/reg.json", "--pool", pool, "extract", elf_of("cat")});
  EXPECT_EQ(r.status, 1);
  EXPECT_NE(r.err.find("reg.json: not a JSON object"), std::string::npos);
}

TEST_F(Toolchain, HelpAndVersion) {
  RunResult h = run({kTool, "--help"});
  EXPECT_EQ(h.status, 0);
  EXPECT_NE(h.out.find("pack"), std::string::npos);
  RunResult v = run({kTool, "--version"});
  EXPECT_EQ(v.status, 0);
  EXPECT_EQ(v.out.rfind("uk-slt ", 0), 0u);
  RunResult u = run({kTool, "pack"});
  EXPECT_EQ(u.status, 2);
  EXPECT_EQ(u.err, "uk-slt: pack: apps is required (see --help)\n");
  RunResult b = run({kTool, "frobnicate"});
  EXPECT_EQ(b.status, 2);
  EXPECT_EQ(b.err.rfind("uk-slt: ", 0), 0u);
  EXPECT_EQ(std::count(b.err.begin(), b.err.end(), '\n'), 1);
}

TEST_F(Toolchain, ReportExplainsWhyALibraryIsNotShared) {
  // Another build of boot (same name, different bytes): a second slot, so a
  // second pool object that the two apps cannot share.
  std::string l = kCorpus + "/libs/";
  ASSERT_EQ(std::system(("mkdir -p " + dir + "/other && cp " + l + "boot.o " + dir + "/other/boot.o && " +
                         "printf 'x' >> " + dir + "/other/boot.o").c_str()), 0);
  ASSERT_EQ(pack({"helloworld"}).status, 0);
  RunResult p = run({kTool, "--pool", pool, "pack", "--no-platform", "--out-dir", dir + "/out",
                     "exitcode=" + dir + "/other/boot.o," + l + "musl.o," + l + "gccrt.o," + l + "exitcode.o"});
  ASSERT_EQ(p.status, 0) << p.err;
  RunResult r = run({kTool, "--pool", pool, "report", "--json", dir + "/out/helloworld/helloworld.desc",
                     dir + "/out/exitcode/exitcode.desc"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  for (const auto &lib : j["libraries"]) {
    if (lib["name"] == "boot") {
      EXPECT_EQ(lib["variants"], 2);
      EXPECT_EQ(lib["pages_shared_by_all"], 0);
      EXPECT_NE(lib["note"].get<std::string>().find("2 different builds"), std::string::npos) << lib["note"];
    }
    if (lib["name"] == "musl") {
      // musl calls into boot (the init/fini array symbols): with boot
      // elsewhere, the same musl build has other bytes in those pages.
      EXPECT_EQ(lib["variants"], 2);
      EXPECT_NE(lib["note"].get<std::string>().find("same library, different bytes"), std::string::npos)
          << lib["note"];
    }
  }
}

TEST(Report, ShowsMuslSharedByEveryApp) {
  std::vector<std::string> argv = {kTool, "--pool", kPool, "report", "--json"};
  for (const char *a : {"helloworld", "mandelbrot", "cat", "exitcode"}) argv.push_back(desc_of(a));
  RunResult r = run(argv);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  bool saw_musl = false;
  for (const auto &l : j["libraries"]) {
    if (l["name"] == "musl") {
      saw_musl = true;
      EXPECT_EQ(l["apps"], 4);
      EXPECT_EQ(l["variants"], 1);
      EXPECT_EQ(l["pages_shared_by_all"], l["pages"]);
      EXPECT_EQ(l["note"], "");
    }
    if (l["name"] == "helloworld") {
      EXPECT_EQ(l["apps"], 1);
      EXPECT_EQ(l["note"], "only used by helloworld");
    }
  }
  EXPECT_TRUE(saw_musl);
  EXPECT_LT(j["pages"]["unique"].get<uint64_t>(), j["pages"]["total"].get<uint64_t>());
  EXPECT_LT(j["bytes"]["ratio"].get<double>(), 1.0);
  argv.erase(argv.begin() + 4); // human table
  RunResult t = run(argv);
  ASSERT_EQ(t.status, 0);
  EXPECT_NE(t.out.find("library"), std::string::npos);
  EXPECT_NE(t.out.find("files: pool"), std::string::npos);
}

} // namespace
} // namespace uk::test
