// Desc format v2: a round trip that compares every field (and a check that
// the comparison itself sees a change of any field), and the rejection of
// each kind of bad input, checking the message, not only the failure.
#include <gtest/gtest.h>

#include <cstring>
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "desc.h"
#include "layout.h"

namespace uk {
namespace {

const std::string kSha(64, 'c');
const std::string kId(64, 'a');
const std::string kObj(64, 'b');

const std::string kGood = "uk-slt-desc 2\n"
                          "# comment lines are allowed\n"
                          "app hello\n"
                          "platform linuxu\n"
                          "layout fixed\n"
                          "elf hello.elf\n"
                          "image hello.img 0x3000 " + kSha + "\n"
                          "block .app 0x2000 0x400000\n"
                          "block musl 0x5000 0x1000000\n"
                          "lib musl " + kId + " " + kObj + " 0x3000\n"
                          "map .app 0x0 0x2000 r-- image 0x0 0x1008\n"
                          "map musl 0x0 0x2000 r-x pool 0x0\n"
                          "map musl 0x2000 0x1000 r-- pool 0x2000\n"
                          "map musl 0x3000 0x2000 rw- image 0x2000 0x10\n"
                          "entry musl 0x10\n"
                          "phdr .app 0x40 4\n"
                          "tls .app 0x1000 0x4 0x8 0x4\n"
                          "end\n";

// The same app with layout aslr: no bases, a relocation table after the maps' image bytes.
const std::string kAslr = "uk-slt-desc 2\n"
                          "app hello\n"
                          "platform linuxu\n"
                          "layout aslr\n"
                          "image hello.img 0x4000 " + kSha + "\n"
                          "block .app 0x2000\n"
                          "block musl 0x5000\n"
                          "lib musl " + kId + " " + kObj + " 0x3000\n"
                          "map .app 0x0 0x2000 r-- image 0x0 0x1008\n"
                          "map musl 0x0 0x2000 r-x pool 0x0\n"
                          "map musl 0x2000 0x1000 r-- pool 0x2000\n"
                          "map musl 0x3000 0x2000 rw- image 0x2000 0x10\n"
                          "entry musl 0x10\n"
                          "phdr .app 0x40 4\n"
                          "relocs 0x3000 2\n"
                          "end\n";

std::unique_ptr<Desc> parse_ok(const std::string &text) {
  auto d = std::make_unique<Desc>();
  Status s = parse_desc(text.data(), text.size(), "t.desc", d.get());
  EXPECT_TRUE(s.is_ok()) << s.error().what() << "\n" << text;
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

// Expects the message of parsing `text` to contain `want`.
#define EXPECT_REFUSED(text, want) EXPECT_NE(parse_err(text).find(want), std::string::npos) << "want: " << (want)

std::string format(const Desc &d) {
  std::string buf(kDescMaxBytes, '\0');
  size_t n = format_desc(d, buf.data(), buf.size());
  EXPECT_GT(n, 0u);
  return buf.substr(0, n);
}

// The first field in which a and b differ ("" if none): every field of the
// format, so a field the writer drops or the parser misreads shows.
std::string first_difference(const Desc &a, const Desc &b) {
#define SAME(x)                                                                                                        \
  if (!(a.x == b.x)) return #x
#define SAME_STR(x)                                                                                                    \
  if (std::strcmp(a.x, b.x) != 0) return #x
  SAME(version);
  SAME_STR(app);
  SAME_STR(platform);
  SAME(layout);
  SAME_STR(elf);
  SAME_STR(image);
  SAME(image_size);
  SAME_STR(image_sha256);
  SAME(entry.block);
  SAME(entry.off);
  SAME(phdr.block);
  SAME(phdr.off);
  SAME(phnum);
  SAME(tls.present);
  SAME(tls.block);
  SAME(tls.off);
  SAME(tls.filesz);
  SAME(tls.memsz);
  SAME(tls.align);
  SAME(relocs.present);
  SAME(relocs.offset);
  SAME(relocs.count);
  SAME(nblocks);
  for (uint32_t i = 0; i < a.nblocks; i++) {
    SAME_STR(blocks[i].name);
    SAME(blocks[i].size);
    SAME(blocks[i].base);
    SAME(blocks[i].has_base);
    SAME(blocks[i].lib);
  }
  SAME(nlibs);
  for (uint32_t i = 0; i < a.nlibs; i++) {
    SAME_STR(libs[i].name);
    SAME_STR(libs[i].id);
    SAME_STR(libs[i].object);
    SAME(libs[i].object_size);
    SAME(libs[i].block);
  }
  SAME(nmaps);
  for (uint32_t i = 0; i < a.nmaps; i++) {
    SAME(maps[i].block);
    SAME(maps[i].off);
    SAME(maps[i].size);
    SAME(maps[i].prot);
    SAME(maps[i].source);
    SAME(maps[i].offset);
    if (a.maps[i].source == MapSource::Pool) {
      SAME(maps[i].lib);
    } else {
      SAME(maps[i].filesz);
    }
  }
  return "";
#undef SAME
#undef SAME_STR
}

TEST(Desc, ParsesAllFields) {
  auto d = parse_ok(kGood);
  EXPECT_STREQ(d->app, "hello");
  EXPECT_STREQ(d->platform, "linuxu");
  EXPECT_EQ(d->layout, Layout::Fixed);
  EXPECT_STREQ(d->elf, "hello.elf");
  EXPECT_STREQ(d->image, "hello.img");
  EXPECT_EQ(d->image_size, 0x3000u);
  EXPECT_EQ(d->image_sha256, kSha);
  ASSERT_EQ(d->nblocks, 2u);
  EXPECT_STREQ(d->blocks[0].name, ".app");
  EXPECT_EQ(d->blocks[0].base, 0x400000u);
  EXPECT_EQ(d->blocks[0].size, 0x2000u);
  EXPECT_EQ(d->blocks[0].lib, -1);
  EXPECT_EQ(d->blocks[1].lib, 0);
  EXPECT_EQ(d->entry.block, 1u);
  EXPECT_EQ(d->entry.off, 0x10u);
  EXPECT_EQ(d->entry_addr(), 0x1000010u);
  EXPECT_EQ(d->phdr_addr(), 0x400040u);
  EXPECT_EQ(d->phnum, 4u);
  EXPECT_TRUE(d->tls.present);
  EXPECT_EQ(d->tls_addr(), 0x401000u);
  EXPECT_EQ(d->tls.memsz, 8u);
  EXPECT_FALSE(d->relocs.present);
  ASSERT_EQ(d->nlibs, 1u);
  EXPECT_EQ(d->libs[0].object_size, 0x3000u);
  EXPECT_EQ(d->libs[0].block, 1u);
  EXPECT_EQ(d->libs[0].id, kId);
  EXPECT_EQ(d->libs[0].object, kObj);
  ASSERT_EQ(d->nmaps, 4u);
  EXPECT_EQ(d->maps[1].source, MapSource::Pool);
  EXPECT_EQ(d->maps[1].prot, kProtR | kProtX);
  EXPECT_EQ(d->map_addr(d->maps[2]), 0x1002000u);
  EXPECT_EQ(d->maps[2].offset, 0x2000u);
  EXPECT_EQ(d->maps[3].filesz, 0x10u);
  EXPECT_EQ(d->maps[3].offset, 0x2000u);
  EXPECT_EQ(d->find_block("musl"), 1);
  EXPECT_EQ(d->find_block("zlib"), -1);
}

TEST(Desc, ParsesAslrLayout) {
  auto d = parse_ok(kAslr);
  EXPECT_EQ(d->layout, Layout::Aslr);
  EXPECT_FALSE(d->blocks[0].has_base);
  EXPECT_FALSE(d->blocks[1].has_base);
  EXPECT_TRUE(d->relocs.present);
  EXPECT_EQ(d->relocs.offset, 0x3000u);
  EXPECT_EQ(d->relocs.count, 2u);
}

TEST(Desc, RoundTripKeepsEveryField) {
  for (const std::string &text : {kGood, kAslr}) {
    auto d = parse_ok(text);
    std::string out = format(*d);
    auto again = parse_ok(out);
    EXPECT_EQ(first_difference(*d, *again), "") << out;
    EXPECT_EQ(format(*again), out);
  }
}

// The comparison above must see a change of any single field, or the round
// trip could not see a dropped one.
TEST(Desc, ComparisonSeesEveryField) {
  auto base = parse_ok(kGood);
  auto aslr = parse_ok(kAslr);
  std::vector<std::pair<const char *, std::function<void(Desc &)>>> edits = {
      {"app", [](Desc &d) { d.app[0] = 'j'; }},
      {"platform", [](Desc &d) { std::strcpy(d.platform, "kvm"); }},
      {"layout", [](Desc &d) { d.layout = Layout::Aslr; }},
      {"elf", [](Desc &d) { d.elf[0] = '\0'; }},
      {"image", [](Desc &d) { d.image[0] = 'j'; }},
      {"image_size", [](Desc &d) { d.image_size += 0x1000; }},
      {"image_sha256", [](Desc &d) { d.image_sha256[5] = 'd'; }},
      {"entry.block", [](Desc &d) { d.entry.block = 0; }},
      {"entry.off", [](Desc &d) { d.entry.off++; }},
      {"phdr.block", [](Desc &d) { d.phdr.block = 1; }},
      {"phdr.off", [](Desc &d) { d.phdr.off += 8; }},
      {"phnum", [](Desc &d) { d.phnum++; }},
      {"tls.present", [](Desc &d) { d.tls.present = false; }},
      {"tls.block", [](Desc &d) { d.tls.block = 1; }},
      {"tls.off", [](Desc &d) { d.tls.off++; }},
      {"tls.filesz", [](Desc &d) { d.tls.filesz++; }},
      {"tls.memsz", [](Desc &d) { d.tls.memsz++; }},
      {"tls.align", [](Desc &d) { d.tls.align = 8; }},
      {"relocs.present", [](Desc &d) { d.relocs.present = true; }},
      {"nblocks", [](Desc &d) { d.nblocks--; }},
      {"blocks[i].name", [](Desc &d) { d.blocks[1].name[0] = 'n'; }},
      {"blocks[i].size", [](Desc &d) { d.blocks[1].size += 0x1000; }},
      {"blocks[i].base", [](Desc &d) { d.blocks[1].base += 0x1000; }},
      {"blocks[i].has_base", [](Desc &d) { d.blocks[1].has_base = false; }},
      {"blocks[i].lib", [](Desc &d) { d.blocks[1].lib = -1; }},
      {"nlibs", [](Desc &d) { d.nlibs = 0; }},
      {"libs[i].name", [](Desc &d) { d.libs[0].name[0] = 'n'; }},
      {"libs[i].id", [](Desc &d) { d.libs[0].id[0] = 'f'; }},
      {"libs[i].object", [](Desc &d) { d.libs[0].object[0] = 'f'; }},
      {"libs[i].object_size", [](Desc &d) { d.libs[0].object_size += 0x1000; }},
      {"libs[i].block", [](Desc &d) { d.libs[0].block = 0; }},
      {"nmaps", [](Desc &d) { d.nmaps--; }},
      {"maps[i].block", [](Desc &d) { d.maps[3].block = 0; }},
      {"maps[i].off", [](Desc &d) { d.maps[3].off += 0x1000; }},
      {"maps[i].size", [](Desc &d) { d.maps[3].size += 0x1000; }},
      {"maps[i].prot", [](Desc &d) { d.maps[3].prot = kProtR; }},
      {"maps[i].source", [](Desc &d) { d.maps[3].source = MapSource::Pool; }},
      {"maps[i].offset", [](Desc &d) { d.maps[3].offset += 0x1000; }},
      {"maps[i].lib", [](Desc &d) { d.maps[1].lib = 1; }},
      {"maps[i].filesz", [](Desc &d) { d.maps[3].filesz++; }},
  };
  for (auto &[field, edit] : edits) {
    auto d = std::make_unique<Desc>(*base);
    edit(*d);
    EXPECT_NE(first_difference(*base, *d), "") << field;
  }
  for (auto edit : std::vector<std::function<void(Desc &)>>{[](Desc &d) { d.relocs.offset += 8; },
                                                            [](Desc &d) { d.relocs.count++; }}) {
    auto d = std::make_unique<Desc>(*aslr);
    edit(*d);
    EXPECT_NE(first_difference(*aslr, *d), "");
  }
}

TEST(Desc, FormatReportsSmallBuffer) {
  auto d = parse_ok(kGood);
  char small[64];
  EXPECT_EQ(format_desc(*d, small, sizeof small), 0u);
}

TEST(Desc, RejectsEmptyForeignAndElf) {
  EXPECT_REFUSED("", "t.desc: empty file");
  EXPECT_REFUSED("hello world\n", "not a uk-slt description file");
  EXPECT_REFUSED(std::string("\x7f" "ELF\x02\x01\x01\0\0\0", 10), "t.desc: is an ELF file, not a uk-slt desc");
  // Also when the ELF is too large to be read whole (the real file size is given).
  std::string head("\x7f" "ELF\x02\x01", 6);
  Status s = check_desc_file(head.data(), head.size(), 900000, "big.so");
  ASSERT_FALSE(s.is_ok());
  EXPECT_STREQ(s.error().what(), "big.so: is an ELF file, not a uk-slt desc");
}

TEST(Desc, RejectsOldAndUnknownVersions) {
  EXPECT_REFUSED(replace(kGood, "uk-slt-desc 2", "uk-slt-desc 1"), "desc version 1 is no longer read: re-pack");
  EXPECT_REFUSED(replace(kGood, "uk-slt-desc 2", "uk-slt-desc 7"), "unsupported desc version 7");
}

TEST(Desc, RejectsTruncation) {
  EXPECT_REFUSED(kGood.substr(0, kGood.size() - 1), "truncated (last line has no newline)");
  EXPECT_REFUSED(kGood.substr(0, kGood.size() - 4), "truncated (no 'end' line)");
  EXPECT_REFUSED(kGood.substr(0, kGood.find("map musl 0x3000")), "truncated");
  EXPECT_REFUSED(kGood + "app again\n", "data after 'end'");
}

TEST(Desc, RejectsOversizedWithItsRealSize) {
  std::string big(kDescMaxBytes + 1, '#');
  EXPECT_REFUSED(big, "t.desc: 65537 bytes, larger than the 65536-byte limit");
  Status s = check_desc_file("#", 1, 1 << 20, "huge.desc");
  ASSERT_FALSE(s.is_ok());
  EXPECT_STREQ(s.error().what(), "huge.desc: 1048576 bytes, larger than the 65536-byte limit");
}

TEST(Desc, RejectsMalformedFields) {
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10", "entry musl 10"), "expected a hex number");
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10", "entry musl 0x1g"), "bad hex digit 'g'");
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10", "entry  musl 0x10"), "empty field");
  EXPECT_REFUSED(replace(kGood, "app hello", "app hello extra"), "'app' takes 1 fields, got 2");
  EXPECT_REFUSED(replace(kGood, "app hello", "app hello\napp again"), "duplicate 'app'");
  EXPECT_REFUSED(replace(kGood, "app hello", "color blue"), "unknown record 'color'");
  EXPECT_REFUSED(replace(kGood, "r-x pool", "rxw pool"), "protection must look like r-x");
  EXPECT_REFUSED(replace(kGood, "image hello.img", "image ../hello.img"), "'..' component");
  EXPECT_REFUSED(replace(kGood, "image hello.img", "image /etc/passwd"), "must be relative");
  EXPECT_REFUSED(replace(kGood, "lib musl aaaa", "lib musl Aaaa"), "library id must be lowercase hex");
  EXPECT_REFUSED(replace(kGood, " 0x3000 " + kSha, " 0x3000 " + kSha.substr(1)), "image sha256 must be 64 hex digits");
  EXPECT_REFUSED(replace(kGood, "layout fixed", "layout random"), "layout must be 'fixed' or 'aslr'");
  EXPECT_REFUSED(replace(kGood, "platform linuxu", "platform solo5"), "platform must be 'linuxu' or 'kvm'");
  EXPECT_REFUSED(replace(kGood, "block .app 0x2000 0x400000", "block .app"), "'block' takes NAME SIZE [BASE]");
  EXPECT_REFUSED(replace(kGood, "phdr .app 0x40 4", "phdr .app 0x40"), "'phdr' takes 3 fields, got 2");
  EXPECT_REFUSED(replace(kGood, "0x2000 0x10\n", "0x2000\n"), "'map' takes 7 fields, got 6");
  EXPECT_REFUSED(replace(kGood, "pool 0x2000", "pool musl 0x2000"), "'map' takes 6 fields, got 7");
  EXPECT_REFUSED(replace(kGood, "r-- pool 0x2000", "r-- file 0x2000"), "map source must be 'pool' or 'image'");
}

TEST(Desc, RejectsMissingRecords) {
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10\n", ""), "missing 'entry'");
  EXPECT_REFUSED(replace(kGood, "phdr .app 0x40 4\n", ""), "missing 'phdr'");
  EXPECT_REFUSED(replace(kGood, "app hello\n", ""), "missing 'app'");
  EXPECT_REFUSED(replace(kGood, "layout fixed\n", ""), "missing 'layout'");
  EXPECT_REFUSED(replace(kGood, "platform linuxu\n", ""), "missing 'platform'");
  EXPECT_REFUSED(replace(kGood, "image hello.img 0x3000 " + kSha + "\n", ""), "missing 'image'");
}

TEST(Desc, RejectsBadBlocks) {
  EXPECT_REFUSED(replace(kGood, "block musl", "block .musl"), "block name '.musl': names starting with '.' are reserved");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000 0x1000000\n", "block musl 0x5000 0x1000000\nblock musl 0x1000 0x0\n"),
                 "block 'musl' listed twice");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000 0x1000000", "block musl 0x5000"),
                 "block 'musl' has no base, which layout fixed requires");
  EXPECT_REFUSED(replace(kAslr, "block musl 0x5000", "block musl 0x5000 0x1000000"),
                 "block 'musl' has a base, but with layout aslr the loader chooses it");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000 0x1000000", "block musl 0x5000 0x1000800"),
                 "block 'musl': base 0x1000800 is not page-aligned");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000", "block musl 0x5800"), "size 0x5800 is not a non-zero page multiple");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000", "block musl 0x0"), "size 0x0 is not a non-zero page multiple");
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000 0x1000000", "block musl 0x5000 0x401000"),
                 "block 'musl' [0x401000, 0x406000) overlaps block '.app' [0x400000, 0x402000)");
  EXPECT_REFUSED(replace(kGood, "block .app 0x2000 0x400000", "block .app 0x2000 0x0"),
                 "block '.app' [0x0, +0x2000) is outside user address space");
  EXPECT_REFUSED(replace(kGood, "block .app 0x2000 0x400000", "block .app 0x2000 0xfffffffffffff000"),
                 "outside user address space");
}

// Issue 7 item 12: the last user page (0x7ffffffff000) can never be mapped,
// so a desc that needs it is refused by the validator; the page below it is fine.
TEST(Desc, RejectsTheLastUserPage) {
  EXPECT_REFUSED(replace(kGood, "block musl 0x5000 0x1000000", "block musl 0x5000 0x7fffffffb000"),
                 "block 'musl' [0x7fffffffb000, +0x5000) is outside user address space [0x10000, 0x7ffffffff000)");
  parse_ok(replace(kGood, "block musl 0x5000 0x1000000", "block musl 0x5000 0x7fffffffa000"));
}

TEST(Desc, RejectsBadLibs) {
  EXPECT_REFUSED(replace(kGood, "lib musl", "lib zlib"), "lib refers to block 'zlib' not listed before it");
  EXPECT_REFUSED(replace(kGood, "lib musl", "lib .app"), "library name '.app' starts with '.'");
  EXPECT_REFUSED(replace(kGood, "lib musl " + kId, "lib musl " + kId + " " + kObj + " 0x3000\nlib musl " + kId),
                 "library 'musl' listed twice");
  EXPECT_REFUSED(replace(kGood, kObj + " 0x3000", kObj + " 0x3800"), "object size 0x3800 is not a non-zero page multiple");
  // A pool map in a block without a lib.
  EXPECT_REFUSED(replace(kGood, "map .app 0x0 0x2000 r-- image 0x0 0x1008", "map .app 0x0 0x2000 r-- pool 0x0"),
                 "map from the pool in block '.app', which has no 'lib' line before it");
}

TEST(Desc, RejectsBadMaps) {
  EXPECT_REFUSED(replace(kGood, "map musl 0x0 0x2000", "map zlib 0x0 0x2000"), "map refers to block 'zlib'");
  EXPECT_REFUSED(replace(kGood, "map musl 0x2000 0x1000 r--", "map musl 0x1000 0x1000 r--"),
                 "map 2 (block musl [+0x1000, +0x2000)) overlaps map 1 [+0x0, +0x2000)");
  EXPECT_REFUSED(replace(kGood, "map musl 0x3000 0x2000 rw-", "map musl 0x3000 0x3000 rw-"),
                 "map 3 (block musl +0x3000 size 0x3000) runs outside its block (size 0x5000)");
  EXPECT_REFUSED(replace(kGood, "map musl 0x3000 0x2000 rw-", "map musl 0x3800 0x2000 rw-"), "page-aligned and non-zero");
  EXPECT_REFUSED(replace(kGood, "map musl 0x3000 0x2000 rw-", "map musl 0x3000 0x0 rw-"), "page-aligned and non-zero");
  EXPECT_REFUSED(replace(kGood, "0x2000 rw- image", "0x2000 rwx image"), "map 3 (block musl +0x3000) is writable and executable (W^X)");
  EXPECT_REFUSED(replace(kGood, "0x1000 r-- pool", "0x1000 rw- pool"), "maps the pool object writable; pool pages are read-only");
  EXPECT_REFUSED(replace(kGood, "r-- pool 0x2000", "r-- pool 0x3000"), "outside object of 'musl'");
  EXPECT_REFUSED(replace(kGood, "r-- pool 0x2000", "r-- pool 0x2800"), "outside object of 'musl'");
  EXPECT_REFUSED(replace(kGood, "image 0x2000 0x10", "image 0x3000 0x10"), "outside the image (size 0x3000)");
  EXPECT_REFUSED(replace(kGood, "image 0x2000 0x10", "image 0x2000 0x2001"), "image bytes 0x2001 exceed map size 0x2000");
  EXPECT_REFUSED(replace(kGood, "image 0x2000 0x10", "image 0x2800 0x10"), "outside the image");
  EXPECT_REFUSED(replace(kGood, "image hello.img 0x3000", "image hello.img 0x3001"), "image size 0x3001 is not a page multiple");
}

TEST(Desc, RejectsEntryPhdrTlsOutsideMaps) {
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10", "entry musl 0x3010"), "entry musl+0x3010 is not inside an executable map");
  EXPECT_REFUSED(replace(kGood, "entry musl 0x10", "entry zlib 0x10"), "entry refers to block 'zlib'");
  EXPECT_REFUSED(replace(kGood, "phdr .app 0x40 4", "phdr .app 0x1fe0 4"),
                 "program headers at .app+0x1fe0 (4 entries) are not inside one readable map");
  EXPECT_REFUSED(replace(kGood, "phdr .app 0x40 4", "phdr .app 0x44 4"), "program headers at .app+0x44");
  EXPECT_REFUSED(replace(kGood, "phdr .app 0x40 4", "phdr .app 0x40 0"), "phdr count 0 out of range 1..512");
  EXPECT_REFUSED(replace(kGood, "tls .app 0x1000", "tls musl 0x4ffe"), "TLS template at musl+0x4ffe (0x4 bytes) is not inside a readable map");
  EXPECT_REFUSED(replace(kGood, "0x8 0x4\n", "0x8 0x3\n"), "inconsistent");
  EXPECT_REFUSED(replace(kGood, "0x4 0x8 0x4\n", "0x9 0x8 0x4\n"), "inconsistent");
}

// Issue 7 item 13: a TLS template that no loader could honour is refused.
TEST(Desc, RejectsAbsurdTlsSize) {
  EXPECT_REFUSED(replace(kGood, "0x4 0x8 0x4\n", "0x4 0x7fffffff0000 0x4\n"),
                 "TLS memory size 0x7fffffff0000 is larger than the 0x4000000-byte limit");
  parse_ok(replace(kGood, "0x4 0x8 0x4\n", "0x4 0x4000000 0x4\n"));
}

TEST(Desc, RejectsBadRelocTable) {
  EXPECT_REFUSED(replace(kGood, "end\n", "relocs 0x2000 1\nend\n"), "'relocs' with layout fixed");
  EXPECT_REFUSED(replace(kAslr, "relocs 0x3000 2", "relocs 0x3000 257"), "relocation table at image offset 0x3000 (257 entries) is unaligned or outside the image");
  EXPECT_REFUSED(replace(kAslr, "relocs 0x3000 2", "relocs 0x3004 2"), "unaligned or outside the image");
  EXPECT_REFUSED(replace(kAslr, "relocs 0x3000 2", "relocs 0x2ff0 2"),
                 "relocation table at image offset 0x2ff0 overlaps the image bytes of map 3 (block musl +0x3000)");
  EXPECT_REFUSED(replace(kAslr, "relocs 0x3000 2", "relocs 0x3000 2\nrelocs 0x3000 2"), "duplicate 'relocs'");
}

TEST(Desc, ChecksEachRelocation) {
  auto d = parse_ok(kAslr);
  int map = -1;
  auto err = [&](DescReloc r) {
    Status s = check_reloc(*d, r, 7, "t.desc", &map);
    EXPECT_FALSE(s.is_ok());
    return s.is_ok() ? std::string() : std::string(s.error().what());
  };
  ASSERT_TRUE(check_reloc(*d, DescReloc{0x3008, 1, 0, kRelocAbs64, 0, 16}, 0, "t.desc", &map).is_ok());
  EXPECT_EQ(map, 3);
  ASSERT_TRUE(check_reloc(*d, DescReloc{0x10, 0, 1, kRelocSlot64, 0, 0}, 0, "t.desc", &map).is_ok());
  EXPECT_EQ(map, 0);
  ASSERT_TRUE(check_reloc(*d, DescReloc{0x4ffc, 1, 1, kRelocPc32, 0, -4}, 0, "t.desc", &map).is_ok());
  EXPECT_EQ(err({0x3008, 1, 0, kRelocAbs64, 1, 0}), "t.desc: relocation 7: reserved byte is 0x01, must be 0");
  EXPECT_EQ(err({0x3008, 2, 0, kRelocAbs64, 0, 0}), "t.desc: relocation 7: block 2 / target 0, but the desc has 2 blocks");
  EXPECT_EQ(err({0x3008, 1, 9, kRelocAbs64, 0, 0}), "t.desc: relocation 7: block 1 / target 9, but the desc has 2 blocks");
  EXPECT_EQ(err({0x3008, 1, 0, 4, 0, 0}), "t.desc: relocation 7: unknown kind 4");
  EXPECT_EQ(err({0x10, 1, 0, kRelocAbs64, 0, 0}),
            "t.desc: relocation 7: writes musl+0x10 (8 bytes), outside the private (image-backed) maps of its block");
  EXPECT_NE(err({0x4ffc, 1, 0, kRelocAbs64, 0, 0}).find("writes musl+0x4ffc (8 bytes)"), std::string::npos);
  EXPECT_NE(err({0x2000, 0, 0, kRelocSlot64, 0, 0}).find("writes .app+0x2000"), std::string::npos);
}

TEST(Desc, KvmPlatformAndLargeCapacities) {
  // Unikraft apps: 30+ libraries, 75+ maps.
  std::string t = replace(kGood, "platform linuxu", "platform kvm");
  std::string blocks, maps;
  for (int i = 0; i < 40; i++) {
    char line[200];
    std::snprintf(line, sizeof line, "block lib%d 0x3000 0x%x\n", i, 0x2000000 + i * 0x3000);
    blocks += line;
    std::snprintf(line, sizeof line, "map lib%d 0x0 0x1000 rw- image 0x0 0x0\nmap lib%d 0x1000 0x2000 r-- image 0x0 0x0\n", i, i);
    maps += line;
  }
  t = replace(t, "lib musl ", blocks + "lib musl ");
  t = replace(t, "entry musl", maps + "entry musl");
  auto d = parse_ok(t);
  EXPECT_STREQ(d->platform, "kvm");
  EXPECT_EQ(d->nblocks, 42u);
  EXPECT_EQ(d->nmaps, 84u);
  EXPECT_EQ(first_difference(*d, *parse_ok(format(*d))), "");
}

} // namespace
} // namespace uk
