// loader-common/flags.h, the option loop of the three loaders, on its own:
// every spelling of a value, where options stop, and each refusal's message.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "flags.h"

namespace uk::test {
namespace {

enum Id { kPool, kStats, kLib };
constexpr flags::Flag kTable[] = {
    {"--pool", 0, "a directory", kPool}, {"--stats", 0, nullptr, kStats}, {"--library-path", 'L', "a value", kLib}};

struct Parsed {
  std::string error;        // empty: parsed
  int first = -1;           // index of the first operand
  std::vector<std::string> seen; // "id=value" in order
  flags::Common common;
};

Parsed parse(std::vector<std::string> args) {
  args.insert(args.begin(), "loader");
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  Parsed p;
  auto r = flags::parse(kTable, static_cast<int>(argv.size()), argv.data(), &p.common, [&](int id, const char *v) {
    p.seen.push_back(std::to_string(id) + "=" + (v ? v : "(flag)"));
    return Status{};
  });
  if (r) p.first = *r;
  else p.error = r.error().what();
  return p;
}

TEST(Flags, EverySpellingOfAValue) {
  for (std::vector<std::string> a : {std::vector<std::string>{"--pool", "D", "app"}, {"--pool=D", "app"}}) {
    Parsed p = parse(a);
    EXPECT_EQ(p.error, "");
    EXPECT_EQ(p.seen, std::vector<std::string>{"0=D"});
    EXPECT_EQ(p.first, static_cast<int>(a.size())); // the operand, after "loader"
  }
  EXPECT_EQ(parse({"-LX", "app"}).seen, std::vector<std::string>{"2=X"});
  EXPECT_EQ(parse({"-L", "X", "app"}).seen, std::vector<std::string>{"2=X"});
  EXPECT_EQ(parse({"--library-path=", "app"}).seen, std::vector<std::string>{"2="}); // empty: the handler decides
}

TEST(Flags, OptionsStopAtTheFirstOperandOrAfterDoubleDash) {
  Parsed p = parse({"--stats", "app", "--pool", "--bogus"});
  EXPECT_EQ(p.error, "");
  EXPECT_EQ(p.first, 2);
  EXPECT_EQ(p.seen, std::vector<std::string>{"1=(flag)"});
  Parsed d = parse({"--", "--stats"});
  EXPECT_EQ(d.first, 2);
  EXPECT_TRUE(d.seen.empty());
  EXPECT_EQ(parse({"-", "x"}).first, 1); // "-" is an operand
}

TEST(Flags, HelpVersionVerboseInEveryLoader) {
  Parsed p = parse({"-h", "-V", "-v"});
  EXPECT_TRUE(p.common.help && p.common.version && p.common.verbose);
  Parsed l = parse({"--help", "--version", "--verbose"});
  EXPECT_TRUE(l.common.help && l.common.version && l.common.verbose);
  EXPECT_EQ(l.first, 4);
}

TEST(Flags, RefusalsNameTheOption) {
  EXPECT_EQ(parse({"--bogus"}).error, "unknown option '--bogus' (see --help)");
  EXPECT_EQ(parse({"-Q"}).error, "unknown option '-Q' (see --help)");
  EXPECT_EQ(parse({"--poolx", "D"}).error, "unknown option '--poolx' (see --help)"); // no prefix matching
  EXPECT_EQ(parse({"--stats=1"}).error, "option '--stats' takes no value (see --help)");
  EXPECT_EQ(parse({"--pool"}).error, "--pool needs a directory (see --help)");
  EXPECT_EQ(parse({"-L"}).error, "-L needs a value (see --help)");
  EXPECT_EQ(parse({"-vx"}).error, "unknown option '-vx' (see --help)"); // no bundling
}

TEST(Flags, TheHandlersErrorStopsTheLoop) {
  std::vector<std::string> args = {"loader", "--pool", "D", "--stats"};
  std::vector<char *> argv;
  for (std::string &a : args) argv.push_back(a.data());
  flags::Common c;
  int calls = 0;
  auto r = flags::parse(kTable, 4, argv.data(), &c, [&](int, const char *) -> Status {
    calls++;
    return Error::fmt("bad");
  });
  ASSERT_FALSE(r);
  EXPECT_STREQ(r.error().what(), "bad");
  EXPECT_EQ(calls, 1);
}

} // namespace
} // namespace uk::test
