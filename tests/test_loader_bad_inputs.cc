// uk-slt-run on damaged inputs: one line naming the file and the problem,
// exit status 127, never a crash.
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdlib>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

class BadInput : public ::testing::Test {
protected:
  void SetUp() override {
    dir = copy_fixture("helloworld");
    desc = dir + "/helloworld.desc";
    text = read_text(desc);
    Desc *d = load_desc(desc);
    ASSERT_NE(d, nullptr);
    for (uint32_t i = 0; i < d->nlibs; i++)
      if (std::string(d->libs[i].name) == "musl") musl = dir + "/pool/" + d->libs[i].object;
    ASSERT_FALSE(musl.empty());
  }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }

  // Runs the loader, expects a load error, returns its one line.
  std::string fails(std::vector<std::string> extra = {}) {
    std::vector<std::string> argv = {kLoader, "--pool", dir + "/pool"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    argv.push_back(desc);
    RunResult r = run(argv);
    EXPECT_EQ(r.status, 127) << r.out << r.err;
    EXPECT_TRUE(r.out.empty()) << r.out;
    EXPECT_EQ(r.err.rfind("uk-slt-run: ", 0), 0u) << r.err;
    EXPECT_EQ(std::count(r.err.begin(), r.err.end(), '\n'), 1) << r.err;
    return r.err;
  }
  void edit(const std::string &from, const std::string &to) {
    size_t p = text.find(from);
    ASSERT_NE(p, std::string::npos) << from;
    write_text(desc, text.replace(p, from.size(), to));
  }
  std::string dir, desc, text, musl;
};

TEST_F(BadInput, FixtureRuns) {
  RunResult r = run({kLoader, "--pool", dir + "/pool", desc, "ok"});
  EXPECT_EQ(r.status, 0) << r.err;
}

TEST_F(BadInput, MissingDesc) {
  desc = dir + "/nope.desc";
  EXPECT_NE(fails().find("nope.desc: cannot open: No such file"), std::string::npos);
}

TEST_F(BadInput, DescIsADirectory) {
  desc = dir + "/pool";
  EXPECT_NE(fails().find("not a regular file"), std::string::npos);
}

TEST_F(BadInput, MalformedDesc) {
  write_text(desc, "this is not a desc\n");
  EXPECT_NE(fails().find("helloworld.desc:1: not a uk-slt description file"), std::string::npos);
  write_text(desc, read_text(elf_of("helloworld")));
  EXPECT_NE(fails().find("helloworld.desc"), std::string::npos);
}

TEST_F(BadInput, UnknownVersion) {
  edit("uk-slt-desc 1", "uk-slt-desc 2");
  EXPECT_NE(fails().find("unsupported desc version 2"), std::string::npos);
}

TEST_F(BadInput, TruncatedDesc) {
  write_text(desc, text.substr(0, text.size() / 2));
  EXPECT_NE(fails().find("truncated"), std::string::npos);
}

TEST_F(BadInput, OverlappingSegments) {
  // Move boot's text map (wherever its slot is) onto the app region.
  size_t p = text.find(" r-x pool boot ");
  ASSERT_NE(p, std::string::npos);
  size_t line = text.rfind("map 0x", p);
  size_t size_at = text.find(' ', line + 4);
  ASSERT_NE(size_at, std::string::npos);
  // onto the app region's map (the first one; it starts where the linker put
  // the headers, below the app table)
  size_t app = text.find("\nmap 0x") + 1;
  edit(text.substr(line, size_at - line), text.substr(app, text.find(' ', app + 4) - app));
  EXPECT_NE(fails().find("overlaps map"), std::string::npos);
}

TEST_F(BadInput, MissingPoolObject) {
  ASSERT_EQ(unlink(musl.c_str()), 0);
  EXPECT_NE(fails().find(musl + ": missing pool object"), std::string::npos);
}

TEST_F(BadInput, PoolObjectOfWrongSize) {
  chmod(musl.c_str(), 0644);
  ASSERT_EQ(truncate(musl.c_str(), 4096), 0);
  chmod(musl.c_str(), 0444);
  EXPECT_NE(fails().find(musl + ": pool object has 4096 bytes, the desc expects"), std::string::npos);
}

TEST_F(BadInput, PoolObjectNotARegularFile) {
  ASSERT_EQ(unlink(musl.c_str()), 0);
  ASSERT_EQ(mkdir(musl.c_str(), 0555), 0);
  EXPECT_NE(fails().find(musl + ": pool object is not a regular file"), std::string::npos);
  ASSERT_EQ(rmdir(musl.c_str()), 0);
  ASSERT_EQ(mkfifo(musl.c_str(), 0444), 0);
  EXPECT_NE(fails().find(musl + ": pool object is not a regular file"), std::string::npos);
}

TEST_F(BadInput, PoolObjectWritableByGroupOrOthers) {
  chmod(musl.c_str(), 0664);
  EXPECT_NE(fails().find(musl + ": pool object is writable (mode 0664)"), std::string::npos);
  chmod(musl.c_str(), 0446);
  EXPECT_NE(fails().find("pool object is writable (mode 0446)"), std::string::npos);
}

TEST_F(BadInput, TruncatedImage) {
  ASSERT_EQ(truncate((dir + "/helloworld.img").c_str(), 4096), 0);
  EXPECT_NE(fails().find("helloworld.img: private image has 4096 bytes"), std::string::npos);
}

TEST_F(BadInput, MissingImage) {
  ASSERT_EQ(unlink((dir + "/helloworld.img").c_str()), 0);
  EXPECT_NE(fails().find("helloworld.img: cannot open private image"), std::string::npos);
}

TEST_F(BadInput, PlatformForAnotherLoader) {
  edit("platform linuxu", "platform kvm");
  EXPECT_NE(fails().find("platform 'kvm' cannot run in Linux userspace"), std::string::npos);
}

TEST_F(BadInput, CollisionWithTheLoaderIsAnError) {
  // Without address randomisation the top page of the loader's stack is at
  // 0x7fffffffe000; a desc that wants it must get a clear error, not
  // overwrite it.
  edit("end\n", "");
  write_text(desc, text + "map 0x7fffffffe000 0x1000 rw- image 0x0 0x0\nend\n");
  RunResult r = run({"/usr/bin/setarch", "x86_64", "-R", kLoader, "--pool", dir + "/pool", desc});
  EXPECT_EQ(r.status, 127);
  EXPECT_NE(r.err.find("[0x7fffffffe000, 0x7ffffffff000) collides with memory already mapped in the loader"),
            std::string::npos)
      << r.err;
}

} // namespace
} // namespace uk::test
