// One name rule for apps and libraries (common/names.h): what pack accepts
// is exactly what the desc parser accepts.
#include <gtest/gtest.h>

#include <memory>
#include <string>

#include "corpus.h"
#include "desc.h"
#include "names.h"
#include "process_util.h"

namespace uk {
namespace {

std::string desc_with_app(const std::string &name) {
  std::string text = test::read_text(test::desc_of("exitcode"));
  size_t p = text.find("\napp exitcode\n");
  EXPECT_NE(p, std::string::npos);
  return text.replace(p + 5, 8, name);
}

TEST(Names, DescParserRefusesNamesThatEscapeOrHide) {
  auto d = std::make_unique<Desc>();
  for (const char *bad : {"..", ".", ".hidden", "-x", "+x"}) {
    std::string text = desc_with_app(bad);
    Status s = parse_desc(text.data(), text.size(), "t.desc", d.get());
    ASSERT_FALSE(s.is_ok()) << bad;
    EXPECT_NE(std::string(s.error().what()).find("t.desc:2: app name '" + std::string(bad) + "' is not a valid name"),
              std::string::npos)
        << s.error().what();
  }
  std::string text = desc_with_app("my-app+1.x_y");
  EXPECT_TRUE(parse_desc(text.data(), text.size(), "t.desc", d.get()).is_ok());
}

TEST(Names, OneRuleForAppsAndLibraries) {
  for (const char *ok : {"a", "musl", "lambda-perf", "my_app+1.2", "_x", "9lives"}) EXPECT_TRUE(is_valid_name(ok)) << ok;
  EXPECT_TRUE(is_valid_name(std::string(63, 'z')));
  EXPECT_FALSE(is_valid_name(std::string(64, 'z')));
  for (const char *bad : {"", "a b", "x$y", "caf\xc3\xa9", "a/b", "..", ".", ".x", "-x", "+x", "a\nb", "a\\b",
                          "a\"b", "a'b", "a*b"})
    EXPECT_FALSE(is_valid_name(bad)) << bad;
  EXPECT_EQ(std::string(check_name("a\x1b[31mb", "app name").error().what()),
            "app name 'a\\x1b[31mb' is not a valid name: byte 0x1b is not one of A-Z a-z 0-9 _ . + -");
  EXPECT_EQ(std::string(check_name("..", "app name").error().what()),
            "app name '..' is not a valid name: must start with a letter, a digit or '_'");
  EXPECT_TRUE(check_name("ok", "app name").is_ok());
}

} // namespace
} // namespace uk
