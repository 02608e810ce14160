// The corpus as packed by the default build in ASLR mode: every app's desc
// passes verify, and each library (musl above all) is one pool object for
// every app that uses it.
#include <gtest/gtest.h>

#include <map>
#include <set>
#include <sstream>
#include <string>

#include "fs_util.h"
#include "verify.h"

namespace {

using namespace uk;

std::vector<std::string> apps() {
  std::vector<std::string> v;
  std::stringstream ss(UK_ASLR_APPS);
  for (std::string a; std::getline(ss, a, ',');) v.push_back(a);
  return v;
}

std::string desc_of(const std::string &app) { return std::string(UK_CORPUS_DIR) + "/" + app + "/" + app + ".aslr.desc"; }

TEST(AslrCorpus, EveryLibraryIsOnePoolObjectForEveryApp) {
  std::map<std::string, std::set<std::string>> objects; // library -> pool objects
  std::map<std::string, size_t> users;
  for (const std::string &app : apps()) {
    auto text = read_file(desc_of(app));
    ASSERT_TRUE(text) << text.error().what();
    std::stringstream ss(std::string(text->begin(), text->end()));
    for (std::string line; std::getline(ss, line);) {
      std::stringstream ls(line);
      std::string rec, name, id, object;
      ls >> rec >> name >> id >> object;
      if (rec == "lib") objects[name].insert(object), users[name]++;
    }
  }
  ASSERT_EQ(users["musl"], apps().size());
  for (const auto &[name, objs] : objects) EXPECT_EQ(objs.size(), 1u) << name << " has several ASLR pool objects";
}

TEST(AslrCorpus, VerifyAcceptsEveryApp) {
  VerifyOptions o;
  for (const std::string &app : apps()) o.descs.push_back(desc_of(app));
  o.pool_dir = UK_POOL_DIR;
  Status s = run_verify(o);
  EXPECT_TRUE(s) << (s ? "" : s.error().what());
}

} // namespace
