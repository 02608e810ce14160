// Desc format: round trip and rejection of each kind of bad input, checking
// the message, not only the failure.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "desc.h"

namespace uk {
namespace {

const char *kGood = R"(uk-slt-desc 1
# comment lines are allowed
app hello
platform linuxu
elf hello.elf
image hello.img 0x2000
entry 0x1000010
phdr 0x400040 4
tls 0x401000 0x4 0x8 0x4
lib musl aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb 0x3000
map 0x400000 0x2000 r-- image 0x0 0x1008
map 0x1000000 0x2000 r-x pool musl 0x0
map 0x1002000 0x1000 r-- pool musl 0x2000
map 0x1003000 0x3000 rw- image 0x1000 0x10
end
)";

std::unique_ptr<Desc> parse_ok(const std::string &text) {
  auto d = std::make_unique<Desc>();
  Status s = parse_desc(text.data(), text.size(), "t.desc", d.get());
  EXPECT_TRUE(s.is_ok()) << s.error().what();
  return d;
}

std::string parse_err(const std::string &text) {
  auto d = std::make_unique<Desc>();
  Status s = parse_desc(text.data(), text.size(), "t.desc", d.get());
  EXPECT_FALSE(s.is_ok()) << "accepted:\n" << text;
  return s.is_ok() ? "" : s.error().what();
}

std::string replace(std::string s, const std::string &from, const std::string &to) {
  size_t p = s.find(from);
  EXPECT_NE(p, std::string::npos) << from;
  return p == std::string::npos ? s : s.replace(p, from.size(), to);
}

TEST(Desc, ParsesAllFields) {
  auto d = parse_ok(kGood);
  EXPECT_STREQ(d->app, "hello");
  EXPECT_STREQ(d->platform, "linuxu");
  EXPECT_STREQ(d->image, "hello.img");
  EXPECT_EQ(d->image_size, 0x2000u);
  EXPECT_EQ(d->entry, 0x1000010u);
  EXPECT_EQ(d->phnum, 4u);
  EXPECT_TRUE(d->tls.present);
  EXPECT_EQ(d->tls.memsz, 8u);
  ASSERT_EQ(d->nlibs, 1u);
  EXPECT_EQ(d->libs[0].object_size, 0x3000u);
  ASSERT_EQ(d->nmaps, 4u);
  EXPECT_EQ(d->maps[1].source, MapSource::Pool);
  EXPECT_EQ(d->maps[1].prot, kProtR | kProtX);
  EXPECT_EQ(d->maps[3].filesz, 0x10u);
}

TEST(Desc, RoundTrip) {
  auto d = parse_ok(kGood);
  std::string buf(kDescMaxBytes, '\0');
  size_t n = format_desc(*d, buf.data(), buf.size());
  ASSERT_GT(n, 0u);
  auto again = parse_ok(buf.substr(0, n));
  std::string buf2(kDescMaxBytes, '\0');
  size_t n2 = format_desc(*again, buf2.data(), buf2.size());
  EXPECT_EQ(buf.substr(0, n), buf2.substr(0, n2));
}

TEST(Desc, FormatReportsSmallBuffer) {
  auto d = parse_ok(kGood);
  char small[64];
  EXPECT_EQ(format_desc(*d, small, sizeof small), 0u);
}

TEST(Desc, RejectsEmptyAndForeign) {
  EXPECT_NE(parse_err("").find("empty file"), std::string::npos);
  EXPECT_NE(parse_err("hello world\n").find("not a uk-slt description file"), std::string::npos);
  EXPECT_NE(parse_err("\x7f" "ELF\x02\x01\n").find("invalid character"), std::string::npos);
}

TEST(Desc, RejectsUnknownVersion) {
  EXPECT_NE(parse_err(replace(kGood, "uk-slt-desc 1", "uk-slt-desc 7")).find("unsupported desc version 7"),
            std::string::npos);
}

TEST(Desc, RejectsTruncation) {
  std::string g = kGood;
  EXPECT_NE(parse_err(g.substr(0, g.size() - 1)).find("truncated (last line has no newline)"), std::string::npos);
  EXPECT_NE(parse_err(g.substr(0, g.size() - 4)).find("truncated (no 'end' line)"), std::string::npos);
  EXPECT_NE(parse_err(g.substr(0, g.find("map 0x1003000"))).find("truncated"), std::string::npos);
  EXPECT_NE(parse_err(g + "app again\n").find("data after 'end'"), std::string::npos);
}

TEST(Desc, RejectsOversized) {
  std::string big(kDescMaxBytes + 1, '#');
  EXPECT_NE(parse_err(big).find("larger than"), std::string::npos);
}

TEST(Desc, RejectsOverlappingMaps) {
  std::string t = replace(kGood, "map 0x1002000 0x1000 r-- pool musl 0x2000",
                          "map 0x1001000 0x1000 r-- pool musl 0x2000");
  EXPECT_NE(parse_err(t).find("overlaps map 1"), std::string::npos);
}

TEST(Desc, RejectsMalformedFields) {
  EXPECT_NE(parse_err(replace(kGood, "entry 0x1000010", "entry 1000010")).find("expected a hex number"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "entry 0x1000010", "entry 0x10000g0")).find("bad hex digit 'g'"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "entry 0x1000010", "entry  0x1000010")).find("empty field"), std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "app hello", "app hello extra")).find("'app' takes 1 fields, got 2"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "app hello", "app hello\napp again")).find("duplicate 'app'"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "app hello", "color blue")).find("unknown record 'color'"), std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "r-x pool", "rxw pool")).find("protection must look like r-x"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "image hello.img", "image ../hello.img")).find("'..' component"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "image hello.img", "image /etc/passwd")).find("must be relative"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "pool musl 0x0", "pool zlib 0x0")).find("library 'zlib' not listed"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "lib musl aaaa", "lib musl Aaaa")).find("lowercase hex"), std::string::npos);
}

TEST(Desc, RejectsMissingRecords) {
  EXPECT_NE(parse_err(replace(kGood, "entry 0x1000010\n", "")).find("missing 'entry'"), std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "app hello\n", "")).find("missing 'app'"), std::string::npos);
}

TEST(Desc, RejectsUnsafeMappings) {
  EXPECT_NE(parse_err(replace(kGood, "0x3000 rw- image", "0x3000 rwx image")).find("W^X"), std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "0x1000 r-- pool musl", "0x1000 rw- pool musl")).find("pool pages are read-only"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "pool musl 0x2000", "pool musl 0x3000")).find("outside object of 'musl'"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "image 0x1000 0x10", "image 0x2000 0x10")).find("outside the image"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "map 0x400000 0x2000", "map 0x400800 0x2000")).find("page-aligned"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "map 0x400000 0x2000", "map 0x0 0x2000")).find("outside user address space"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "map 0x1003000 0x3000", "map 0xfffffffffffff000 0x3000"))
                .find("outside user address space"),
            std::string::npos);
}

TEST(Desc, RejectsEntryPhdrTlsOutsideMaps) {
  EXPECT_NE(parse_err(replace(kGood, "entry 0x1000010", "entry 0x1003010")).find("not inside an executable map"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "phdr 0x400040 4", "phdr 0x401fe0 4")).find("program headers"),
            std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "tls 0x401000", "tls 0x900000")).find("TLS template"), std::string::npos);
  EXPECT_NE(parse_err(replace(kGood, "0x8 0x4\n", "0x8 0x3\n")).find("inconsistent"), std::string::npos);
}

} // namespace
} // namespace uk
