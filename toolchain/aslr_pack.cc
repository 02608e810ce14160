#include "aslr_pack.h"

#include <memory>

#include "aslr_link.h"
#include "fs_util.h"
#include "content_hash.h"
#include "stages.h"
#include "verify.h"

namespace uk {

Status pack_aslr_app(const std::string &app, const std::vector<std::string> &lib_paths, const std::string &dir,
                     const std::string &pool_dir, AslrPackResult *res) {
  std::string base = dir + "/" + app + ".aslr";
  AslrLinkOptions lo;
  lo.libs = lib_paths;
  lo.out_elf = base + ".elf";
  lo.script_out = base + ".ld";
  std::vector<Library> libs;
  UK_TRY(aslr_link_app(lo, &libs));                         // PIE link, relocations kept
  std::vector<std::pair<std::string, std::string>> ids;
  for (const Library &l : libs) ids.push_back({l.name, l.id});
  auto plan = std::make_unique<Result<AslrPlan>>(plan_aslr(lo.out_elf, ids)); // scan + rewrite + plan
  if (!*plan) return plan->error();
  const AslrPlan &p = plan->value();
  auto problems = verify_plan(p, {});                       // prove the shared parts stay inside
  if (!problems.empty())
    return Error::fmt("%s: verify: %s (%zu problems)", lo.out_elf.c_str(), problems.front().c_str(), problems.size());
  UK_TRY(make_dirs(pool_dir));
  ExtractStats st;
  for (const AslrBlock &b : p.blocks)
    if (!b.shared.empty()) UK_TRY(put_pool_object(pool_dir, b.object, b.shared, &st)); // pool objects
  UK_TRY(write_file_atomic(base + ".img", p.image.data(), p.image.size(), 0644));      // private image
  auto desc = std::make_unique<Desc>();
  UK_TRY(make_aslr_desc(p, app + ".aslr.elf", app + ".aslr.img", desc.get()));         // desc v2, validated
  std::string text(kDescMaxBytes, '\0');
  size_t n = format_desc(*desc, text.data(), text.size());
  if (n == 0) return Error::fmt("%s.desc: description larger than %zu bytes", base.c_str(), kDescMaxBytes);
  UK_TRY(write_file_atomic(base + ".desc", text.data(), n, 0644));
  res->written += st.written;
  res->reused += st.reused;
  res->stats.add(p.stats);
  for (const AslrBlock &b : p.blocks)
    if (!b.shared.empty()) res->per_lib.push_back({b.name, b.stats});
  res->abs64 += p.count(kAslrAbs64);
  res->slot64 += p.count(kAslrSlot64);
  res->pc32 += p.count(kAslrPc32);
  return {};
}

} // namespace uk
