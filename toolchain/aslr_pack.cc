#include "aslr_pack.h"

#include <memory>

#include "aslr_link.h"
#include "fs_util.h"
#include "content_hash.h"
#include "stages.h"
#include "verify.h"

namespace uk {
namespace {

// The error with every temp path in it replaced by the final path it stands
// for: messages name the files as the user will see them.
Error named_finally(const Error &e, const std::vector<std::pair<std::string, std::string>> &names) {
  std::string s = e.what();
  for (const auto &[tmp, final_path] : names)
    for (size_t p = 0; (p = s.find(tmp, p)) != std::string::npos; p += final_path.size())
      s.replace(p, tmp.size(), final_path);
  return Error::fmt("%s", s.c_str());
}

Status stage_files(const std::string &app, const std::vector<std::string> &lib_paths, const std::string &pool_dir,
                   bool immutable, Staging *out, AslrPackResult *res,
                   std::vector<std::pair<std::string, std::string>> *names) {
  const std::string base = app + ".aslr";
  auto stage = [&](const std::string &name) {
    std::string tmp = out->add(name);
    names->push_back({tmp, out->dir() + "/" + name});
    return tmp;
  };
  AslrLinkOptions lo;
  lo.libs = lib_paths;
  lo.script_out = stage(base + ".ld");
  lo.out_elf = stage(base + ".elf");
  std::vector<Library> libs;
  UK_TRY(aslr_link_app(lo, &libs));                         // PIE link, relocations kept
  std::vector<std::pair<std::string, std::string>> ids;
  for (const Library &l : libs) ids.push_back({l.name, l.id});
  auto plan = std::make_unique<Result<AslrPlan>>(plan_aslr(lo.out_elf, ids)); // scan + rewrite + plan
  if (!*plan) return plan->error();
  AslrPlan &p = plan->value();
  p.app = app; // the ELF's temp name is no app name
  auto problems = verify_plan(p, {});                       // prove the shared parts stay inside
  if (!problems.empty())
    return Error::fmt("%s: verify: %s (%zu problems)", lo.out_elf.c_str(), problems.front().c_str(), problems.size());
  auto desc = std::make_unique<Desc>();
  UK_TRY(make_aslr_desc(p, base + ".elf", base + ".img", desc.get()));                 // desc v2, validated
  std::string text(kDescMaxBytes, '\0');
  size_t n = format_desc(*desc, text.data(), text.size());
  if (n == 0) return Error::fmt("%s/%s.desc: description larger than %zu bytes", out->dir().c_str(), base.c_str(),
                                kDescMaxBytes);
  UK_TRY(make_dirs(pool_dir));
  ExtractStats st;
  for (const AslrBlock &b : p.blocks)
    if (!b.shared.empty()) UK_TRY(put_pool_object(pool_dir, b.object, b.shared, &st, immutable)); // pool objects
  UK_TRY(write_file_atomic(stage(base + ".img"), p.image.data(), p.image.size(), 0644));          // private image
  UK_TRY(write_file_atomic(stage(base + ".desc"), text.data(), n, 0644));
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

} // namespace

Status stage_aslr_app(const std::string &app, const std::vector<std::string> &lib_paths, const std::string &pool_dir,
                      bool immutable, Staging *out, AslrPackResult *res) {
  std::vector<std::pair<std::string, std::string>> names; // temp path -> final path
  Status s = stage_files(app, lib_paths, pool_dir, immutable, out, res, &names);
  return s ? s : Status(named_finally(s.error(), names));
}

Status pack_aslr_app(const std::string &app, const std::vector<std::string> &lib_paths, const std::string &dir,
                     const std::string &pool_dir, AslrPackResult *res) {
  UK_TRY(make_dirs(dir));
  auto lock = lock_app_dir(dir, app);
  if (!lock) return lock.error();
  Staging out(dir);
  UK_TRY(stage_aslr_app(app, lib_paths, pool_dir, false, &out, res));
  return out.commit(); // script, ELF, image, then the desc
}

} // namespace uk
