#include "pack.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <vector>

#include "align.h"
#include "fs_util.h"
#include "image_plan.h"
#include "names.h"
#include "pack_dynamic.h"
#include "registry.h"
#include "stages.h"

namespace uk {

Result<AppSpec> parse_app_spec(const std::string &spec) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    return Error::fmt("pack: '%s' is not of the form APP=LIB.o,LIB.o,...", spec.c_str());
  AppSpec s;
  s.app = spec.substr(0, eq);
  if (Status ok = check_name(s.app, "app name"); !ok) return Error(ok.error()).prefix("pack: ");
  for (size_t pos = eq + 1; pos <= spec.size();) {
    size_t c = spec.find(',', pos);
    if (c == std::string::npos) c = spec.size();
    if (c > pos) s.libs.push_back(spec.substr(pos, c - pos));
    pos = c + 1;
  }
  return s;
}

Status pack_app(const PackOptions &opt) {
  auto spec = parse_app_spec(opt.spec);
  if (!spec) return spec.error();
  const std::string &app = spec->app;
  std::string dir = opt.out_dir + "/" + app;
  UK_TRY(make_dirs(dir));
  auto lock = lock_app_dir(dir, app);
  if (!lock) return lock.error();

  Staging out(dir);
  if (opt.aslr) // SLT [ASLR] first: a library it refuses gets no registry slot
    UK_TRY(stage_aslr_app(app, spec->libs, opt.pool_dir, opt.immutable, &out, opt.aslr));
  // linuxu: <app>.elf ...; another platform: <app>.<platform>.elf ... beside them.
  const std::string base = app + (opt.platform == "linuxu" ? "" : "." + opt.platform);
  std::string elf = dir + "/" + base + ".elf";
  AlignOptions a;
  a.registry = opt.registry;
  a.profile = opt.profile;
  a.unikraft_tree = opt.unikraft_tree;
  a.libs = spec->libs;
  a.script_out = out.add(base + ".ld");
  a.out_elf = out.add(base + ".elf");
  a.report_as = elf;
  a.verbose = opt.verbose;
  UK_TRY(align_app(a)); // slots + aligned link
  if (opt.dynamic) { // the uk-dyn-run form from the same objects
    DynamicLink d{app, spec->libs, opt.dynamic_platform, a.linker};
    UK_TRY(link_dynamic(d, [&](const std::string &name) { return out.add(name); }, opt.verbose));
  }
  auto reg = Registry::load(opt.registry);
  if (!reg) return reg.error();
  auto linked = read_file(a.out_elf);
  if (!linked) return linked.error();
  auto plan = plan_image_bytes(*linked, elf, *reg); // shared vs private split, named as it will be
  if (!plan) return plan.error();
  plan->platform = opt.platform;
  plan->app = app; // helloworld, not helloworld.kvm
  ExtractStats st;
  UK_TRY(extract_objects(*plan, opt.pool_dir, &st, opt.immutable));       // pool objects
  UK_TRY(write_image(*plan, out.add(base + ".img")));       // private image
  UK_TRY(write_desc_rel(*plan, out.add(base + ".desc"), base + ".elf", base + ".img"));
  UK_TRY(out.commit()); // script, ELF, image, then the desc
  if (opt.verbose)
    std::fprintf(stderr, "pack: %s: %zu pool objects written, %zu reused, image %zu bytes\n", app.c_str(), st.written,
                 st.reused, plan->image.size());
  return {};
}

} // namespace uk
