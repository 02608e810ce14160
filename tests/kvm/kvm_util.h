// Helpers of the KVM tests: where the KVM corpus is, whether /dev/kvm can be
// used, and running an app directly and under uk-kvm-run on the same files.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "corpus.h"
#include "process_util.h"

namespace uk::test::kvm {

inline const std::string kVmm = kBin + "/uk-kvm-run";
inline std::string kvm_desc_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".kvm.desc"; }
inline std::string kvm_elf_of(const std::string &app) { return kCorpus + "/" + app + "/" + app + ".kvm.elf"; }

// "" if /dev/kvm can be opened read-write, else why not (for GTEST_SKIP).
std::string kvm_missing();

#define UK_REQUIRE_KVM()                                                                                      \
  do {                                                                                                        \
    std::string why_ = ::uk::test::kvm::kvm_missing();                                                        \
    if (!why_.empty()) GTEST_SKIP() << why_;                                                                  \
  } while (0)

enum class KvmMode { Desc, Elf };

struct Outcome {
  int status = -1;
  std::string out, err;
  std::map<std::string, std::string> files; // regular files left in the work directory
};

// Runs APP with ARGS ({dir} replaced by a fresh work directory holding
// `inputs`) either directly (its linuxu ELF) or under uk-kvm-run (desc or
// KVM ELF) with --share ROOT, where ROOT/<dir> holds the same files: the
// guest sees the very same paths. argv[0] is replaced by {argv0} in the output.
Outcome run_direct(const std::string &app, const std::vector<std::string> &args, const std::string &stdin_data,
                   const std::map<std::string, std::string> &inputs);
Outcome run_kvm(KvmMode m, const std::string &app, const std::vector<std::string> &args,
                const std::string &stdin_data, const std::map<std::string, std::string> &inputs);

std::string strip_times(const std::string &s); // "0.123s" -> "#.###s"

} // namespace uk::test::kvm
