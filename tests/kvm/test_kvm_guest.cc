// The guest misbehaving on purpose (unikernels/kvm/testapp/kvmtest.c) and
// bad inputs to uk-kvm-run: each gets its one expected line, the VMM never
// crashes.
#include <gtest/gtest.h>

#include <regex>

#include "kvm_util.h"

namespace uk::test::kvm {
namespace {

RunResult vmm(const std::vector<std::string> &args, const std::string &in = "") {
  std::vector<std::string> argv = {kVmm, "--pool", kPool};
  argv.insert(argv.end(), args.begin(), args.end());
  return run(argv, in);
}

TEST(KvmGuest, WriteToAPoolPageStopsTheVm) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({kvm_desc_of("kvmtest"), "pool-write"});
  EXPECT_EQ(r.status, 139); // as a process killed by SIGSEGV
  EXPECT_EQ(r.out, "");
  EXPECT_TRUE(std::regex_match(r.err, std::regex("uk-kvm-run: kvmtest: guest write to pool page 0x[0-9a-f]+ of library "
                                                 "musl \\(read-only, shared\\) at rip 0x[0-9a-f]+ \\(kvmtest\\)\n")))
      << r.err;
}

TEST(KvmGuest, WriteToReadOnlyCodeInTheElfStopsTheVm) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({kvm_elf_of("kvmtest"), "pool-write"});
  EXPECT_EQ(r.status, 139);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("uk-kvm-run: kvmtest: guest page fault: write of 0x[0-9a-f]+ \\(ELF "
                                                 "segment, protection\\) at rip 0x[0-9a-f]+ \\(ELF segment\\)\n")))
      << r.err;
}

TEST(KvmGuest, HostileHypercallsAreRefusedAndTheVmmSurvives) {
  UK_REQUIRE_KVM();
  for (const std::string &app : {kvm_desc_of("kvmtest"), kvm_elf_of("kvmtest")}) {
    SCOPED_TRACE(app);
    RunResult r = vmm({"--stats", app, "hostile"});
    EXPECT_EQ(r.status, 0) << r.err;
    EXPECT_EQ(r.out, "direct hypercall\n"
                     "good write: 17\n"
                     "buffer out of range: -14\n"
                     "buffer overflowing: -14\n"
                     "buffer in page tables: -14\n"
                     "buffer in system pages: -14\n"
                     "buffer at the doorbell: -14\n"
                     "read into pool page: -14\n"
                     "write to fd 7: -9\n"
                     "iovec lengths overflowing: -22\n"
                     "iovec count huge: -22\n"
                     "iovec array unmapped: -14\n"
                     "mprotect of a system page: -12\n"
                     "munmap outside guest RAM: -22\n"
                     "mprotect unaligned: -22\n"
                     "non-canonical FS base: -1\n"
                     "survived\n");
    // The ignored ones are counted: 4 bad (number 0, unknown number, 4-byte
    // store, unaligned slot), 4 refused (unaligned, page tables, overflowing,
    // read-only structure).
    EXPECT_NE(r.err.find(" hypercall bad 4,"), std::string::npos) << r.err;
    EXPECT_NE(r.err.find(" hypercall refused 4,"), std::string::npos) << r.err;
  }
}

TEST(KvmGuest, SystemCallsServedInTheGuest) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({"--stats", kvm_desc_of("kvmtest"), "syscalls"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "monotonic: ok\n"
                   "realtime after 2020: ok\n"
                   "getrandom: 32 ok\n"
                   "mmap zeroed after reuse: ok\n"
                   "mprotect read-only: 0\n"
                   "brk grows: ok\n"
                   "unknown system call: -1 errno 38\n");
  // Time, random bytes, mmap, brk and an unknown call (-ENOSYS from the
  // guest) cost no exit: only FS base, mprotect, the writes, exit, munmap
  // and mapping the unmapped pages again (one mprotect) do.
  EXPECT_NE(r.err.find("exits 7: hypercall exit 1, hypercall mprotect 2, hypercall munmap 1, hypercall set_fs 1, "
                       "hypercall writev 2,"),
            std::string::npos)
      << r.err;
}

// munmap really unmaps (a later access stops the VM as a SIGSEGV would stop
// the process); mmap prefers pages never unmapped (no exit to map them
// again); unmapped pages handed out again read as zero.
TEST(KvmGuest, MunmapUnmapsAndReusedPagesAreZero) {
  UK_REQUIRE_KVM();
  for (const std::string &app : {kvm_desc_of("kvmtest"), kvm_elf_of("kvmtest")}) {
    SCOPED_TRACE(app);
    RunResult r = vmm({app, "munmap"});
    EXPECT_EQ(r.status, 139);
    EXPECT_EQ(r.out, "munmap: 0\n"
                     "next mmap avoids the unmapped pages: yes\n"
                     "reused: yes, zeroed: ok\n"
                     "mprotect of the unmapped page: -1 errno 12\n");
    EXPECT_TRUE(std::regex_match(r.err, std::regex("uk-kvm-run: kvmtest: guest page fault: read of 0x1[0-9a-f]{8} "
                                                   "\\(guest RAM, not mapped\\) at rip 0x[0-9a-f]+ \\((kvmtest|ELF "
                                                   "segment)\\)\n")))
        << r.err;
  }
}

// mprotect beyond guest RAM as Linux answers it: a pool page (a shared
// mapping of a read-only file) cannot become writable (EACCES, what Linux
// says to uk-slt-run's mapping of the same object), the ELF's copy can;
// holes and the system pages are not mapped (ENOMEM); the app's own data
// page changes and a write to it, made read-only, stops the VM.
TEST(KvmGuest, MprotectBeyondGuestRamAsLinux) {
  UK_REQUIRE_KVM();
  for (const std::string &app : {kvm_desc_of("kvmtest"), kvm_elf_of("kvmtest")}) {
    SCOPED_TRACE(app);
    bool desc = app == kvm_desc_of("kvmtest");
    RunResult r = vmm({app, "mprotect"});
    EXPECT_EQ(r.status, 139);
    EXPECT_EQ(r.out, std::string(desc ? "text read-write-exec: -1 errno 13\n" : "text read-write-exec: 0 errno 0\n") +
                         "text read-exec: 0 errno 0\n"
                         "unmapped gap: -1 errno 12\n"
                         "system pages: -1 errno 12\n"
                         "unaligned: -1 errno 22\n"
                         "empty: 0 errno 0\n"
                         "wrapping: -1 errno 12\n"
                         "data read-only: 0 errno 0\n"
                         "data still readable: 1\n"
                         "data read-write: 0 errno 0\n"
                         "data read-only again: 0 errno 0\n");
    EXPECT_TRUE(std::regex_match(r.err, std::regex("uk-kvm-run: kvmtest: guest page fault: write of 0x[0-9a-f]+ \\([a-zA-Z "
                                                   "]+, protection\\) at rip 0x[0-9a-f]+ \\((kvmtest|ELF segment)\\)\n")))
        << r.err;
  }
}

// Every KVM_SET_USER_MEMORY_REGION costs (milliseconds on a loaded nested
// host): a VM has two memslots from a desc (private, pool) and one from an
// ELF, however many libraries the app has.
TEST(KvmGuest, TwoMemslotsFromADescOneFromAnElf) {
  UK_REQUIRE_KVM();
  for (const char *app : {"helloworld", "sqlite-speed", "lua"}) {
    SCOPED_TRACE(app);
    RunResult d = vmm({"--stats", kvm_desc_of(app), "--version"}, "");
    RunResult e = vmm({"--stats", kvm_elf_of(app), "--version"}, "");
    EXPECT_NE(d.err.find(", memslots 2, "), std::string::npos) << d.err;
    EXPECT_NE(e.err.find(", memslots 1, "), std::string::npos) << e.err;
  }
}

TEST(KvmGuest, SocketStopsTheVmWithOneLine) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({kvm_desc_of("kvmtest"), "socket"});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(r.err, "uk-kvm-run: kvmtest: system call 41 (socket): the app needs a network, and uk-kvm-run gives VMs "
                   "none yet (nginx: a separate issue)\n");
}

TEST(KvmBadInput, LinuxuDescIsRefused) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({desc_of("helloworld")});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "uk-kvm-run: " + desc_of("helloworld") +
                       ": platform 'linuxu' is not kvm (run it with uk-slt-run, or pack the app with --platform kvm)\n");
}

TEST(KvmBadInput, LinuxuElfWithoutThePlatformIsRefused) {
  UK_REQUIRE_KVM();
  RunResult r = vmm({elf_of("helloworld")});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "uk-kvm-run: " + elf_of("helloworld") +
                       ": no KVM platform library (symbol kvmplat_header); pack it with --platform kvm\n");
}

TEST(KvmBadInput, KvmDescIsRefusedByUkSltRun) {
  RunResult r = run({kLoader, "--pool", kPool, kvm_desc_of("helloworld")});
  EXPECT_EQ(r.status, 127);
  EXPECT_EQ(r.err, "uk-slt-run: " + kvm_desc_of("helloworld") +
                       ": platform 'kvm' cannot run in Linux userspace (use uk-kvm-run)\n");
}

TEST(KvmBadInput, MissingPoolObject) {
  UK_REQUIRE_KVM();
  std::string empty = make_temp_dir();
  RunResult r = run({kVmm, "--pool", empty, kvm_desc_of("helloworld")});
  EXPECT_EQ(r.status, 127);
  EXPECT_TRUE(std::regex_match(r.err, std::regex("uk-kvm-run: " + empty +
                                                 "/[0-9a-f]{64}: missing pool object: not in pool " + empty +
                                                 ": use --pool or UK_SLT_POOL\n")))
      << r.err;
  std::system(("rm -rf " + empty).c_str());
}

TEST(KvmBadInput, Options) {
  struct {
    std::vector<std::string> args;
    std::string err;
    int status; // 125 usage error, 127 the VM could not be set up
  } cases[] = {
      {{"--mem", "0", "x"}, "uk-kvm-run: --mem '0': expected MiB from 1 to 1024\n", 125},
      {{"--mem", "4096", "x"}, "uk-kvm-run: --mem '4096': expected MiB from 1 to 1024\n", 125},
      {{"--frobnicate"}, "uk-kvm-run: unknown option '--frobnicate' (see --help)\n", 125},
      {{}, "uk-kvm-run: no unikernel given (usage: uk-kvm-run [options] APP.desc|APP.elf [ARGS...])\n", 125},
      {{"/nonexistent.desc"}, "uk-kvm-run: /nonexistent.desc: cannot open: No such file or directory\n", 127},
  };
  for (const auto &c : cases) {
    std::vector<std::string> argv = {kVmm};
    argv.insert(argv.end(), c.args.begin(), c.args.end());
    RunResult r = run(argv);
    EXPECT_EQ(r.status, c.status) << c.err;
    EXPECT_EQ(r.err, c.err);
  }
}

TEST(KvmPack, PlatformOptionIsCheckedAndWrittenToTheDesc) {
  RunResult r = run({kTool, "--pool", "/nonexistent", "pack", "--platform", "vmware", "--out-dir", "/nonexistent",
                     "a=b.o"});
  EXPECT_EQ(r.status, 2);
  EXPECT_EQ(r.err, "uk-slt: --platform: vmware not in {linuxu,kvm} (see --help)\n");
  Desc *l = load_desc(desc_of("helloworld")); // one static Desc: copy what is compared
  ASSERT_NE(l, nullptr);
  EXPECT_STREQ(l->platform, "linuxu");
  uint32_t linuxu_libs = l->nlibs;
  Desc *k = load_desc(kvm_desc_of("helloworld"));
  ASSERT_NE(k, nullptr);
  EXPECT_STREQ(k->platform, "kvm");
  EXPECT_STREQ(k->app, "helloworld");
  EXPECT_EQ(k->nlibs, linuxu_libs + 1); // kvmplat, after the others
  EXPECT_STREQ(k->libs[k->nlibs - 1].name, "kvmplat");
}

TEST(KvmConfigFile, FirecrackerConfigBootsTheApp) {
  UK_REQUIRE_KVM();
  std::string dir = make_temp_dir();
  write_text(dir + "/uk_config.json", R"({
  "boot-source": {"kernel_image_path": ")" + kvm_desc_of("helloworld") + R"(", "boot_args": "one 'two words'"},
  "machine-config": {"vcpu_count": 1, "mem_size_mib": 32},
  "drives": [{"drive_id": "rootfs", "path_on_host": "/x"}]
})");
  RunResult r = run({kVmm, "--no-api", "--pool", kPool, "--config-file", dir + "/uk_config.json"});
  RunResult d = run({elf_of("helloworld"), "one", "two words"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, d.out);
  EXPECT_NE(r.err.find("uk-kvm-run: " + dir + "/uk_config.json: drives"), std::string::npos) << r.err;
  std::system(("rm -rf " + dir).c_str());
}

} // namespace
} // namespace uk::test::kvm
