#include "corpus.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <memory>

#include "process_util.h"

namespace uk::test {

std::string copy_fixture(const std::string &app) {
  std::string dir = make_temp_dir();
  std::string cmd = "mkdir -p " + dir + "/pool && cp -p " + kPool + "/[0-9a-f]* " + dir + "/pool/ && cp " + kCorpus +
                    "/" + app + "/" + app + ".desc " + kCorpus + "/" + app + "/" + app + ".img " + dir + "/";
  EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;
  return dir;
}

Desc *load_desc(const std::string &path) {
  static std::unique_ptr<Desc> d;
  d = std::make_unique<Desc>();
  std::string text = read_text(path);
  Status s = parse_desc(text.data(), text.size(), path.c_str(), d.get());
  EXPECT_TRUE(s.is_ok()) << s.error().what();
  return s.is_ok() ? d.get() : nullptr;
}

} // namespace uk::test
