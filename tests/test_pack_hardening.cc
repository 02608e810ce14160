// uk-slt pack against hostile or unlucky surroundings (issue 7, items 4-8):
// a pool directory someone else controls, planted symlinks, two packs of one
// app at once, link errors, bad names, failed and killed packs, and the
// `gc` / `ls` commands that reclaim and show what is left.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <dirent.h>
#include <nlohmann/json.hpp>
#include <set>

#include "corpus.h"
#include "process_util.h"

namespace uk::test {
namespace {

const std::string kLibs = kCorpus + "/libs/";

std::string spec(const std::string &app, const std::string &platform = "boot.o,musl.o,gccrt.o,") {
  std::string s = app + "=";
  for (size_t pos = 0; pos < platform.size();) {
    size_t c = platform.find(',', pos);
    s += kLibs + platform.substr(pos, c - pos) + ",";
    pos = c + 1;
  }
  return s + kLibs + app + ".o";
}

bool exists(const std::string &p) {
  struct stat st;
  return lstat(p.c_str(), &st) == 0;
}

std::set<std::string> entries(const std::string &dir) {
  std::set<std::string> out;
  DIR *d = opendir(dir.c_str());
  if (!d) return out;
  while (dirent *e = readdir(d))
    if (std::string(e->d_name) != "." && std::string(e->d_name) != "..") out.insert(e->d_name);
  closedir(d);
  return out;
}

size_t count_lines(const std::string &s) { return static_cast<size_t>(std::count(s.begin(), s.end(), '\n')); }

// Holds an flock on a file, as a running uk-slt would.
class HeldLock {
public:
  HeldLock(const std::string &path, int op) {
    fd_ = open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
    EXPECT_GE(fd_, 0) << path;
    EXPECT_EQ(flock(fd_, op | LOCK_NB), 0) << path;
  }
  ~HeldLock() {
    if (fd_ >= 0) close(fd_);
  }

private:
  int fd_ = -1;
};

class PackHardening : public ::testing::Test {
protected:
  void SetUp() override {
    dir = make_temp_dir();
    pool = dir + "/pool";
    out = dir + "/out";
  }
  void TearDown() override { std::system(("chmod -R u+w " + dir + "; rm -rf " + dir).c_str()); }
  RunResult pack(const std::vector<std::string> &specs) {
    std::vector<std::string> argv = {kTool, "--pool", pool, "pack", "--no-platform", "--out-dir", out};
    argv.insert(argv.end(), specs.begin(), specs.end());
    return run(argv);
  }
  RunResult tool(std::vector<std::string> args) {
    args.insert(args.begin(), {kTool, "--pool", pool});
    return run(args);
  }
  std::string dir, pool, out;
};

// ---- item 4: pool directory trust -----------------------------------------

TEST_F(PackHardening, PoolDirWritableByOthersIsRefusedByToolAndLoader) {
  ASSERT_EQ(mkdir(pool.c_str(), 0755), 0);
  ASSERT_EQ(chmod(pool.c_str(), 0777), 0);
  RunResult r = pack({spec("exitcode")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + pool +
                       ": pool directory is writable by group or others (mode 0777) without the sticky bit\n");
  EXPECT_FALSE(exists(pool + "/layout-registry.json"));
  // The loader applies the same rule to the pool it maps from.
  std::string fixture = copy_fixture("exitcode");
  ASSERT_EQ(chmod((fixture + "/pool").c_str(), 0775), 0);
  RunResult l = run({kLoader, "--pool", fixture + "/pool", fixture + "/exitcode.desc"});
  EXPECT_NE(l.err.find(fixture + "/pool: pool directory is writable by group or others (mode 0775) without the "
                                 "sticky bit"),
            std::string::npos)
      << l.err;
  EXPECT_NE(l.status, 0);
  // With the sticky bit (as /dev/shm and /tmp have) it is accepted.
  ASSERT_EQ(chmod(pool.c_str(), 01777), 0);
  r = pack({spec("exitcode")});
  EXPECT_EQ(r.status, 0) << r.err;
  std::system(("rm -rf " + fixture).c_str());
}

TEST_F(PackHardening, PoolDirOwnedByAnotherUserIsRefused) {
  if (geteuid() != 0) GTEST_SKIP() << "needs root (to chown a pool directory to another user)";
  ASSERT_EQ(mkdir(pool.c_str(), 0755), 0);
  ASSERT_EQ(chown(pool.c_str(), 65534, 65534), 0);
  RunResult r = pack({spec("exitcode")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + pool + ": pool directory is owned by uid 65534, not by you (uid 0) or root\n");
  EXPECT_TRUE(entries(pool).empty());
  std::string fixture = copy_fixture("exitcode");
  ASSERT_EQ(chown((fixture + "/pool").c_str(), 65534, 65534), 0);
  RunResult l = run({kLoader, "--pool", fixture + "/pool", fixture + "/exitcode.desc"});
  EXPECT_NE(l.err.find(fixture + "/pool: pool directory is owned by uid 65534, not by you (uid 0) or root"),
            std::string::npos)
      << l.err;
  EXPECT_NE(l.status, 0);
  std::system(("rm -rf " + fixture).c_str());
}

// A symlink planted at the name of the lock file, and at the temp name the
// registry save of a given pid would use: neither is followed.
TEST_F(PackHardening, PlantedSymlinksAreNotFollowed) {
  ASSERT_EQ(mkdir(pool.c_str(), 0755), 0);
  std::string victim = dir + "/victim";
  write_text(victim, "precious\n");
  ASSERT_EQ(chmod(victim.c_str(), 0600), 0);
  int go[2];
  ASSERT_EQ(pipe(go), 0);
  std::vector<std::string> argv = {kTool, "--pool", pool, "pack", "--no-platform", "--out-dir", out, spec("exitcode")};
  pid_t pid = fork();
  if (pid == 0) {
    char c;
    close(go[1]);
    if (read(go[0], &c, 1) != 1) _exit(125);
    std::vector<char *> a;
    for (std::string &s : argv) a.push_back(s.data());
    a.push_back(nullptr);
    int null = open("/dev/null", O_WRONLY);
    dup2(null, 2);
    execv(a[0], a.data());
    _exit(126);
  }
  close(go[0]);
  // The names today's code would use for this pid.
  std::string p = std::to_string(pid);
  ASSERT_EQ(symlink(victim.c_str(), (pool + "/.tmp.layout-registry.json." + p).c_str()), 0);
  ASSERT_EQ(write(go[1], "x", 1), 1);
  close(go[1]);
  int st;
  ASSERT_EQ(waitpid(pid, &st, 0), pid);
  EXPECT_TRUE(WIFEXITED(st) && WEXITSTATUS(st) == 0) << st;
  EXPECT_EQ(read_text(victim), "precious\n");
  struct stat vs, rs;
  ASSERT_EQ(stat(victim.c_str(), &vs), 0);
  EXPECT_EQ(vs.st_mode & 07777, 0600u);
  ASSERT_EQ(lstat((pool + "/layout-registry.json").c_str(), &rs), 0);
  EXPECT_TRUE(S_ISREG(rs.st_mode));

  // The registry lock as a symlink: refused, the target not created.
  std::string pool2 = dir + "/pool2";
  ASSERT_EQ(mkdir(pool2.c_str(), 0755), 0);
  ASSERT_EQ(symlink((dir + "/created").c_str(), (pool2 + "/layout-registry.json.lock").c_str()), 0);
  RunResult r = run({kTool, "--pool", pool2, "pack", "--no-platform", "--out-dir", out, spec("exitcode")});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + pool2 + "/layout-registry.json.lock: lock file is a symbolic link\n");
  EXPECT_FALSE(exists(dir + "/created"));
}

// ---- item 5: two packs of one app into one out-dir ------------------------

TEST_F(PackHardening, SecondPackOfTheSameAppIsBusy) {
  ASSERT_EQ(pack({spec("exitcode")}).status, 0);
  std::string app = out + "/exitcode";
  std::string desc = read_text(app + "/exitcode.desc");
  std::set<std::string> after_first = entries(app);
  EXPECT_EQ(after_first, (std::set<std::string>{".pack.lock", "exitcode.desc", "exitcode.elf", "exitcode.img",
                                                "exitcode.ld"}));
  {
    HeldLock running(app + "/.pack.lock", LOCK_EX); // another pack of exitcode, mid-way
    RunResult r = pack({spec("exitcode")});
    EXPECT_EQ(r.status, 1);
    EXPECT_EQ(r.err, "uk-slt: " + app + ": busy: another uk-slt pack of exitcode into this directory is running\n");
    EXPECT_EQ(entries(app), after_first);
  }
  RunResult r = pack({spec("exitcode")});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(read_text(app + "/exitcode.desc"), desc);
  EXPECT_EQ(entries(app), after_first);
}

// ---- item 6: link errors ----------------------------------------------------

TEST_F(PackHardening, MissingBootIsNamedAndLeavesNoElf) {
  RunResult r = pack({spec("helloworld", "musl.o,gccrt.o,")});
  EXPECT_EQ(r.status, 1);
  std::string elf = out + "/helloworld/helloworld.elf";
  EXPECT_EQ(r.err.substr(0, r.err.find('\n') + 1),
            "uk-slt: " + elf +
                ": link failed: no library defines the entry point _start (is the platform library boot.o missing?)\n")
      << r.err;
  EXPECT_FALSE(exists(elf));
}

TEST_F(PackHardening, UndefinedSymbolsAreListedWithTheWholeDiagnostic) {
  RunResult r = pack({spec("helloworld", "boot.o,gccrt.o,")});
  EXPECT_EQ(r.status, 1);
  std::string first = r.err.substr(0, r.err.find('\n'));
  EXPECT_EQ(first.rfind("uk-slt: " + out + "/helloworld/helloworld.elf: link failed (ld exited 1): undefined "
                                           "symbols: ",
                        0),
            0u)
      << r.err;
  EXPECT_NE(first.find("printf"), std::string::npos) << first;
  EXPECT_NE(first.find("(is the platform library musl.o missing?)"), std::string::npos) << first;
  // ld's own lines follow, indented, including where each reference is.
  EXPECT_NE(r.err.find("\n  ld: "), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("undefined reference to `printf'"), std::string::npos) << r.err;
  EXPECT_FALSE(exists(out + "/helloworld/helloworld.elf"));
}

TEST_F(PackHardening, LongLinkDiagnosticIsBounded) {
  // An app with 60 undefined references: ld prints a line for each.
  std::string src = "\t.text\n\t.globl main\nmain:\n";
  for (int i = 0; i < 60; i++) src += "\tcall missing_" + std::to_string(i) + "\n";
  src += "\tret\n\t.section .note.GNU-stack,\"\",@progbits\n";
  write_text(dir + "/many.s", src);
  RunResult as = run({"/usr/bin/as", "--64", "-o", dir + "/many.o", dir + "/many.s"});
  ASSERT_EQ(as.status, 0) << as.err;
  RunResult r = pack({"many=" + kLibs + "boot.o," + kLibs + "musl.o," + kLibs + "gccrt.o," + dir + "/many.o"});
  EXPECT_EQ(r.status, 1);
  EXPECT_LE(count_lines(r.err), 22u) << r.err;
  EXPECT_LE(r.err.size(), 5000u);
  EXPECT_NE(r.err.find("more lines of linker output"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("missing_0"), std::string::npos);
}

// ---- item 7: one name rule --------------------------------------------------

TEST_F(PackHardening, BadAppNamesAreRefused) {
  // name, as the message shows it (bytes that are not printable ASCII escaped)
  for (auto [name, shown] : std::vector<std::pair<std::string, std::string>>{
           {"a b", "a b"}, {"x$y", "x$y"}, {"caf\xc3\xa9", "caf\\xc3\\xa9"}, {"../escape", "../escape"},
           {"a/b", "a/b"}, {"..", ".."}, {".hidden", ".hidden"}, {"+x", "+x"}, {"tab\tx", "tab\\x09x"}}) {
    std::string s = name + "=" + kLibs + "boot.o," + kLibs + "musl.o," + kLibs + "gccrt.o," + kLibs + "exitcode.o";
    RunResult r = pack({s});
    EXPECT_EQ(r.status, 1) << name;
    EXPECT_EQ(r.err.rfind("uk-slt: pack: app name '" + shown + "' is not a valid name: ", 0), 0u) << r.err;
    EXPECT_EQ(count_lines(r.err), 1u);
  }
  EXPECT_FALSE(exists(dir + "/escape"));
  EXPECT_FALSE(exists(out + "/a"));
  EXPECT_FALSE(exists(pool + "/layout-registry.json"));
}

TEST_F(PackHardening, LibraryNamesAreKeptOrRefusedNeverRewritten) {
  ASSERT_EQ(mkdir((dir + "/l").c_str(), 0755), 0);
  ASSERT_EQ(std::system(("cp " + kLibs + "exitcode.o '" + dir + "/l/my-app+1.o' && cp " + kLibs + "exitcode.o '" +
                         dir + "/l/bad name.o'").c_str()),
            0);
  std::string plat = kLibs + "boot.o," + kLibs + "musl.o," + kLibs + "gccrt.o,";
  RunResult r = pack({"x=" + plat + dir + "/l/bad name.o"});
  EXPECT_EQ(r.status, 1);
  EXPECT_EQ(r.err, "uk-slt: " + dir + "/l/bad name.o: library name 'bad name' is not a valid name: "
                   "character ' ' is not one of A-Z a-z 0-9 _ . + -\n");
  r = pack({"x=" + plat + dir + "/l/my-app+1.o"});
  ASSERT_EQ(r.status, 0) << r.err;
  auto reg = nlohmann::json::parse(read_text(pool + "/layout-registry.json"));
  std::set<std::string> names;
  for (const auto &s : reg["slots"]) names.insert(s["name"].get<std::string>());
  EXPECT_EQ(names, (std::set<std::string>{"boot", "musl", "gccrt", "my-app+1"}));
  EXPECT_NE(read_text(out + "/x/x.desc").find("\nlib my-app+1 "), std::string::npos);
  // The corpus' lambda-perf keeps its name (it used to become lambda_perf).
  ASSERT_EQ(pack({spec("lambda-perf")}).status, 0);
  EXPECT_NE(read_text(pool + "/layout-registry.json").find("\"name\": \"lambda-perf\""), std::string::npos);
  EXPECT_NE(read_text(out + "/lambda-perf/lambda-perf.desc").find("\nlib lambda-perf "), std::string::npos);
}

// ---- item 8: failed and killed packs, gc, ls -------------------------------

TEST_F(PackHardening, FailedPackLeavesNothingAndBurnsNoSlots) {
  RunResult r = pack({spec("helloworld", "boot.o,gccrt.o,")}); // musl missing: link fails
  ASSERT_EQ(r.status, 1);
  std::set<std::string> left = entries(out + "/helloworld");
  left.erase(".pack.lock");
  EXPECT_TRUE(left.empty()) << *left.begin();
  if (exists(pool + "/layout-registry.json")) {
    auto reg = nlohmann::json::parse(read_text(pool + "/layout-registry.json"));
    EXPECT_TRUE(reg["slots"].empty()) << reg.dump();
  }
  for (const std::string &e : entries(pool)) EXPECT_EQ(e.rfind(".tmp.", 0), std::string::npos) << e;
}

TEST_F(PackHardening, GcRemovesWhatNoDescUsesAndLsShowsUsers) {
  ASSERT_EQ(pack({spec("helloworld"), spec("exitcode")}).status, 0);
  std::string keep = read_text(out + "/helloworld/helloworld.desc");
  std::string gone = read_text(out + "/exitcode/exitcode.desc");
  // The object and slot only exitcode uses: the last "lib exitcode" record.
  size_t at = gone.find("\nlib exitcode ");
  ASSERT_NE(at, std::string::npos);
  std::string rec = gone.substr(at + 1, gone.find('\n', at + 1) - at - 1);
  std::string id = rec.substr(13, 64), object = rec.substr(13 + 65, 64);
  // Leftovers of a pack killed with -9.
  write_text(pool + "/.tmp." + object + ".4242", "partial");
  write_text(out + "/helloworld/.tmp.helloworld.img.4242.1", "partial");

  RunResult ls = tool({"ls", out});
  ASSERT_EQ(ls.status, 0) << ls.err;
  EXPECT_NE(ls.out.find(object + " "), std::string::npos) << ls.out;
  std::string musl_line;
  for (size_t p = 0; p < ls.out.size();) {
    size_t e = ls.out.find('\n', p);
    std::string line = ls.out.substr(p, e - p);
    if (line.find(" musl ") != std::string::npos) musl_line = line;
    p = e + 1;
  }
  EXPECT_NE(musl_line.find("exitcode,helloworld"), std::string::npos) << ls.out;

  std::system(("rm -rf " + out + "/exitcode").c_str());
  RunResult dry = tool({"gc", "--dry-run", out});
  ASSERT_EQ(dry.status, 0) << dry.err;
  EXPECT_NE(dry.out.find("would remove object " + object), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("would remove slot exitcode " + id.substr(0, 12)), std::string::npos) << dry.out;
  EXPECT_NE(dry.out.find("would remove temp file " + pool + "/.tmp." + object + ".4242"), std::string::npos)
      << dry.out;
  EXPECT_TRUE(exists(pool + "/" + object));
  EXPECT_TRUE(exists(pool + "/.tmp." + object + ".4242"));

  {
    HeldLock running(pool + "/.pool.lock", LOCK_SH); // a pack in progress
    RunResult busy = tool({"gc", out});
    EXPECT_EQ(busy.status, 1);
    EXPECT_EQ(busy.err, "uk-slt: " + pool + ": busy: a uk-slt pack or extract is using this pool; gc needs it idle\n");
    EXPECT_TRUE(exists(pool + "/" + object));
  }
  RunResult gc = tool({"gc", out});
  ASSERT_EQ(gc.status, 0) << gc.err;
  EXPECT_NE(gc.out.find("removed object " + object), std::string::npos) << gc.out;
  EXPECT_FALSE(exists(pool + "/" + object));
  EXPECT_FALSE(exists(pool + "/.tmp." + object + ".4242"));
  EXPECT_FALSE(exists(out + "/helloworld/.tmp.helloworld.img.4242.1"));
  auto reg = nlohmann::json::parse(read_text(pool + "/layout-registry.json"));
  for (const auto &s : reg["slots"]) EXPECT_NE(s["id"], id);
  EXPECT_EQ(reg["slots"].size(), 4u); // boot, musl, gccrt, helloworld
  // What is in use is untouched: helloworld still runs from this pool.
  EXPECT_EQ(read_text(out + "/helloworld/helloworld.desc"), keep);
  RunResult h = run({kLoader, "--pool", pool, out + "/helloworld/helloworld.desc"});
  EXPECT_EQ(h.status, 0) << h.err;
  // Nothing left to collect.
  RunResult again = tool({"gc", out});
  EXPECT_EQ(again.status, 0);
  EXPECT_EQ(again.out, "gc: removed 0 objects (0 bytes), 0 slots, 0 temp files\n");
}

TEST_F(PackHardening, GcRefusesADescItCannotRead) {
  ASSERT_EQ(pack({spec("exitcode")}).status, 0);
  write_text(out + "/broken.desc", "uk-slt-desc 2\n");
  RunResult gc = tool({"gc", out});
  EXPECT_EQ(gc.status, 1);
  EXPECT_EQ(gc.err, "uk-slt: " + out + "/broken.desc: truncated (no 'end' line); gc cannot tell what it uses\n");
  RunResult u = tool({"gc"});
  EXPECT_EQ(u.status, 2);
}

} // namespace
} // namespace uk::test
