// --config-file: the seeds' Firecracker JSON accepted; every bad-input class
// refused with the file name and the field's JSON path.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <string>

#include "config_file.h"

namespace uk::kvmhost {
namespace {

// Parses text as the file "cfg.json" in directory /base.
Result<VmConfig> parse(const std::string &text) { return parse_config(text, "cfg.json", "/base"); }

std::string error_of(const std::string &text) {
  auto r = parse(text);
  if (r) return "(parsed)";
  return r.error().what();
}

// A config of the seeds' shape with `mc` as machine-config.
std::string with_machine(const std::string &mc) {
  return R"({"boot-source": {"kernel_image_path": "app.desc"}, "machine-config": )" + mc + "}";
}

TEST(ConfigFile, SeedShapeParses) {
  auto r = parse(R"({
    "boot-source": {"kernel_image_path": "apps/helloworld.desc", "boot_args": "hello  world", "initrd_path": null},
    "drives": [],
    "machine-config": {"vcpu_count": 1, "mem_size_mib": 128, "smt": false},
    "network-interfaces": [],
    "logger": null
  })");
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->kernel_image_path, "/base/apps/helloworld.desc");
  EXPECT_EQ(r->args, (std::vector<std::string>{"hello", "world"}));
  EXPECT_TRUE(r->kernel_params.empty());
  EXPECT_EQ(r->vcpu_count, 1u);
  ASSERT_TRUE(r->mem_size_mib.has_value());
  EXPECT_EQ(*r->mem_size_mib, 128u);
  EXPECT_TRUE(r->warnings.empty()) << r->warnings[0];
}

TEST(ConfigFile, MinimalAndAbsolutePath) {
  auto r = parse(R"({"boot-source": {"kernel_image_path": "/abs/app.elf"}})");
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->kernel_image_path, "/abs/app.elf");
  EXPECT_TRUE(r->args.empty());
  EXPECT_FALSE(r->mem_size_mib.has_value());
  auto rel = parse_config(R"({"boot-source": {"kernel_image_path": "app.elf"}})", "cfg.json", "");
  ASSERT_TRUE(rel);
  EXPECT_EQ(rel->kernel_image_path, "app.elf");
}

TEST(ConfigFile, KernelParamsBeforeDoubleDash) {
  auto r = parse(R"({"boot-source": {"kernel_image_path": "a", "boot_args": "console=ttyS0 reboot=k -- -n 3 x"}})");
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->kernel_params, (std::vector<std::string>{"console=ttyS0", "reboot=k"}));
  EXPECT_EQ(r->args, (std::vector<std::string>{"-n", "3", "x"}));
}

TEST(ConfigFile, IgnoredFieldsWarnWithTheirPath) {
  auto r = parse(R"({
    "boot-source": {"kernel_image_path": "a", "extra": 1},
    "drives": [{"drive_id": "rootfs", "path_on_host": "/x.ext4", "is_read_only": false}],
    "machine-config": {"vcpu_count": 1, "mem_size_mib": 8, "smt": true, "foo": "bar"},
    "metrics": {"metrics_path": "/m"},
    "no-such-section": 3
  })");
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->warnings, (std::vector<std::string>{
                             "boot-source.extra: unknown field, ignored",
                             "machine-config.foo: unknown field, ignored",
                             "machine-config.smt: ignored",
                             "drives[0].drive_id: ignored",
                             "drives[0].path_on_host: ignored",
                             "metrics.metrics_path: ignored",
                             "no-such-section: unknown field, ignored",
                         }));
}

TEST(ConfigFile, WrongTypesNameTheField) {
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": "64"})")),
            "cfg.json: machine-config.mem_size_mib: expected an integer, got a string");
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": 64.5})")),
            "cfg.json: machine-config.mem_size_mib: expected an integer, got a number");
  EXPECT_EQ(error_of(with_machine(R"({"vcpu_count": true})")),
            "cfg.json: machine-config.vcpu_count: expected an integer, got a boolean");
  EXPECT_EQ(error_of(with_machine("[]")), "cfg.json: machine-config: expected an object, got an array");
  EXPECT_EQ(error_of(R"({"boot-source": "app.desc"})"), "cfg.json: boot-source: expected an object, got a string");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": 7}})"),
            "cfg.json: boot-source.kernel_image_path: expected a string, got a number");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a", "boot_args": ["x"]}})"),
            "cfg.json: boot-source.boot_args: expected a string, got an array");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a", "initrd_path": {}}})"),
            "cfg.json: boot-source.initrd_path: expected a string, got an object");
}

TEST(ConfigFile, VcpuCountMustBeOne) {
  EXPECT_EQ(error_of(with_machine(R"({"vcpu_count": 2})")),
            "cfg.json: machine-config.vcpu_count: 2 requested, but uk-kvm-run runs exactly one vCPU (set it to 1)");
  EXPECT_EQ(error_of(with_machine(R"({"vcpu_count": 0})")),
            "cfg.json: machine-config.vcpu_count: 0 requested, but uk-kvm-run runs exactly one vCPU (set it to 1)");
  EXPECT_EQ(error_of(with_machine(R"({"vcpu_count": -1})")),
            "cfg.json: machine-config.vcpu_count: -1 requested, but uk-kvm-run runs exactly one vCPU (set it to 1)");
}

TEST(ConfigFile, MemoryOutOfRange) {
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": -1})")),
            "cfg.json: machine-config.mem_size_mib: out of range: -1 (expected 1..65536)");
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": 0})")),
            "cfg.json: machine-config.mem_size_mib: out of range: 0 (expected 1..65536)");
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": 18446744073709551615})")),
            "cfg.json: machine-config.mem_size_mib: out of range: 18446744073709551615 (expected 1..65536)");
  // Beyond 64 bits JSON numbers become floating point: still refused.
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": 1e30})")),
            "cfg.json: machine-config.mem_size_mib: expected an integer, got a number");
  EXPECT_EQ(error_of(with_machine(R"({"mem_size_mib": 65537})")),
            "cfg.json: machine-config.mem_size_mib: out of range: 65537 (expected 1..65536)");
  auto ok = parse(with_machine(R"({"mem_size_mib": 65536})"));
  ASSERT_TRUE(ok) << ok.error().what();
}

TEST(ConfigFile, MissingKernelPath) {
  EXPECT_EQ(error_of("{}"), "cfg.json: boot-source: missing (the kernel_image_path to boot)");
  EXPECT_EQ(error_of(R"({"boot-source": {"boot_args": "x"}})"),
            "cfg.json: boot-source.kernel_image_path: missing (the desc or ELF to boot)");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": null}})"),
            "cfg.json: boot-source.kernel_image_path: missing (the desc or ELF to boot)");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": ""}})"), "cfg.json: boot-source.kernel_image_path: empty");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a\u0000b"}})"),
            "cfg.json: boot-source.kernel_image_path: contains a NUL byte");
}

TEST(ConfigFile, InitrdRefused) {
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a", "initrd_path": "/initrd"}})"),
            "cfg.json: boot-source.initrd_path: not supported (a unikernel has no initrd)");
}

TEST(ConfigFile, NotJsonOrNotObject) {
  EXPECT_EQ(error_of("{\n  \"boot-source\": {,\n}"), "cfg.json: not valid JSON: syntax error at line 2, column 19");
  EXPECT_EQ(error_of(""), "cfg.json: not valid JSON: syntax error at line 1, column 1");
  EXPECT_EQ(error_of("kernel=app.desc"), "cfg.json: not valid JSON: syntax error at line 1, column 1");
  EXPECT_EQ(error_of("[1, 2]"), "cfg.json: top level: expected an object, got an array");
  EXPECT_EQ(error_of("\"x\""), "cfg.json: top level: expected an object, got a string");
  EXPECT_EQ(error_of("{\"boot-source\": {\"kernel_image_path\": \"a\"}, \"boot-source\": {}}"),
            "cfg.json: field 'boot-source' appears twice in one object");
}

TEST(ConfigFile, BootArgsQuoting) {
  auto split = [](const char *s) {
    auto r = split_boot_args(s);
    EXPECT_TRUE(r) << s << ": " << r.error().what();
    return r ? *r : std::vector<std::string>{};
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(split(""), V{});
  EXPECT_EQ(split("  \t\n "), V{});
  EXPECT_EQ(split("a  b\tc"), (V{"a", "b", "c"}));
  EXPECT_EQ(split("'a b' \"c d\""), (V{"a b", "c d"}));
  EXPECT_EQ(split("a'b c'd"), (V{"ab cd"}));
  EXPECT_EQ(split("'' x \"\""), (V{"", "x", ""}));
  EXPECT_EQ(split(R"('\n' "\"q\" \\ \n")"), (V{"\\n", "\"q\" \\ \\n"}));
  EXPECT_EQ(split(R"(a\ b \' c)"), (V{"a b", "'", "c"}));

  auto bad = [](const char *s) {
    auto r = split_boot_args(s);
    return r ? std::string("(split)") : std::string(r.error().what());
  };
  EXPECT_EQ(bad("ab 'cd"), "unterminated ' quote starting at byte 3");
  EXPECT_EQ(bad("\"x"), "unterminated \" quote starting at byte 0");
  EXPECT_EQ(bad("x \\"), "trailing backslash at byte 2");
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a", "boot_args": "say 'hi"}})"),
            "cfg.json: boot-source.boot_args: unterminated ' quote starting at byte 4");
}

TEST(ConfigFile, HostileNestingAndManyFieldsStayBounded) {
  std::string deep = std::string(100000, '[') + "1" + std::string(100000, ']');
  auto r = parse(R"({"boot-source": {"kernel_image_path": "a"}, "drives": )" + deep + "}");
  ASSERT_TRUE(r) << r.error().what();
  ASSERT_EQ(r->warnings.size(), 1u);
  EXPECT_EQ(r->warnings[0], "drives[0][0][0][0][0][0][0][0]: ignored");
  std::string many = R"({"boot-source": {"kernel_image_path": "a"}, "logger": {)";
  for (int i = 0; i < 1000; i++) many += (i ? "," : "") + std::string("\"k") + std::to_string(i) + "\": 1";
  auto m = parse(many + "}}");
  ASSERT_TRUE(m) << m.error().what();
  ASSERT_EQ(m->warnings.size(), 65u);
  EXPECT_EQ(m->warnings.back(), "... 936 more ignored fields");
}

TEST(ConfigFile, BootArgsTooLong) {
  std::string args(kConfigMaxBootArgsLen + 1, 'x');
  EXPECT_EQ(error_of(R"({"boot-source": {"kernel_image_path": "a", "boot_args": ")" + args + "\"}}"),
            "cfg.json: boot-source.boot_args: too long: 4097 bytes (at most 4096)");
}

class ConfigFileOnDisk : public ::testing::Test {
protected:
  void SetUp() override {
    char tmpl[] = "/tmp/uk-kvmhost-cfg-XXXXXX";
    ASSERT_NE(mkdtemp(tmpl), nullptr);
    dir_ = tmpl;
  }
  void TearDown() override {
    std::string cmd = "rm -rf '" + dir_ + "'";
    ASSERT_EQ(std::system(cmd.c_str()), 0);
  }
  std::string write(const std::string &name, const std::string &text) {
    std::string p = dir_ + "/" + name;
    std::ofstream(p) << text;
    return p;
  }
  std::string dir_;
};

TEST_F(ConfigFileOnDisk, RelativeToTheFilesDirectory) {
  std::string p = write("uk_config.json", R"({"boot-source": {"kernel_image_path": "hello.desc", "boot_args": "a"}})");
  auto r = load_config_file(p);
  ASSERT_TRUE(r) << r.error().what();
  EXPECT_EQ(r->kernel_image_path, dir_ + "/hello.desc");
}

TEST_F(ConfigFileOnDisk, FileErrorsNameTheFile) {
  auto missing = load_config_file(dir_ + "/nope.json");
  ASSERT_FALSE(missing);
  EXPECT_EQ(std::string(missing.error().what()), dir_ + "/nope.json: cannot open: No such file or directory");
  auto d = load_config_file(dir_);
  ASSERT_FALSE(d);
  EXPECT_EQ(std::string(d.error().what()), dir_ + ": not a regular file");
  std::string big = write("big.json", std::string(kConfigMaxFileSize + 1, ' '));
  auto b = load_config_file(big);
  ASSERT_FALSE(b);
  EXPECT_EQ(std::string(b.error().what()), big + ": too large: 1048577 bytes (a config file has at most 1048576)");
  std::string bad = write("bad.json", R"({"machine-config": {"vcpu_count": 4}, "boot-source": {"kernel_image_path": "a"}})");
  auto v = load_config_file(bad);
  ASSERT_FALSE(v);
  EXPECT_EQ(std::string(v.error().what()),
            bad + ": machine-config.vcpu_count: 4 requested, but uk-kvm-run runs exactly one vCPU (set it to 1)");
}

} // namespace
} // namespace uk::kvmhost
