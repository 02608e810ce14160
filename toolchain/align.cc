#include "align.h"

#include <cstdio>

#include "fs_util.h"
#include "library.h"
#include "link_diagnostics.h"
#include "linker_script.h"
#include "pic_check.h"
#include "registry.h"
#include "run_command.h"
#include "unikraft_profile.h"

namespace uk {

Status align_app(const AlignOptions &opt) {
  if (opt.libs.empty()) return Error::fmt("align: no library objects given");
  // Load and classify every library (identity = content hash).
  std::vector<Library> libs;
  for (const std::string &p : opt.libs) {
    auto lib = load_library(p, opt.profile);
    if (!lib) return lib.error();
    if (opt.profile == Profile::Corpus) { // Unikraft's objects are built for one fixed address
      auto bytes = read_file(p);
      if (!bytes) return bytes.error();
      UK_TRY(check_position_independent(*bytes, p));
    }
    for (const Library &o : libs)
      if (o.name == lib->name)
        return Error::fmt("%s: a library named '%s' is already in this app (%s)", p.c_str(), o.name.c_str(),
                          o.path.c_str());
    libs.push_back(std::move(*lib));
  }

  // Reserve slots under the registry lock; existing slots never move. The
  // lock is held through the link and new slots are saved only if the link
  // succeeds, so a failed align burns no slots.
  UK_TRY(make_dirs(dirname_of(opt.registry)));
  auto lock = RegistryLock::acquire(opt.registry);
  if (!lock) return lock.error();
  auto reg = Registry::load(opt.registry);
  if (!reg) return reg.error();
  std::vector<Slot> slots;
  size_t before = reg->slots().size();
  for (const Library &l : libs) {
    auto slot = reg->assign(l);
    if (!slot) return slot.error();
    for (size_t k = 0; k < kSlotParts; k++)
      if (slot->size[k] < l.bound[k])
        return Error::fmt("%s: registry slot of %s is smaller than the library (%s part)", opt.registry.c_str(),
                          l.name.c_str(), part_name(static_cast<Part>(k)));
    slots.push_back(*slot);
  }
  if (opt.verbose)
    for (size_t i = 0; i < libs.size(); i++)
      std::fprintf(stderr, "align: %-12s %s slot 0x%lx..0x%lx\n", libs[i].name.c_str(),
                   libs[i].id.substr(0, 12).c_str(), static_cast<unsigned long>(slots[i].base),
                   static_cast<unsigned long>(slots[i].end()));

  // Generate the linker script and link.
  const std::string &shown = opt.report_as.empty() ? opt.out_elf : opt.report_as;
  std::string script =
      opt.profile == Profile::Unikraft ? make_unikraft_script(libs, slots) : make_linker_script(libs, slots);
  const char *entry = opt.profile == Profile::Unikraft ? kUnikraftEntry : kEntrySymbol;
  std::string script_path = opt.script_out.empty() ? opt.out_elf + ".ld" : opt.script_out;
  UK_TRY(make_dirs(dirname_of(opt.out_elf)));
  UK_TRY(write_file_atomic(script_path, script.data(), script.size(), 0644));
  std::string tmp_elf = dirname_of(opt.out_elf) + "/" + temp_name(basename_of(opt.out_elf));
  std::vector<std::string> argv = {opt.linker, "-static", "-nostdlib", "-z", "noexecstack", "-z", "norelro",
                                   "-z", "max-page-size=4096", "-z", "common-page-size=4096", "--build-id=none",
                                   "--orphan-handling=error", "--no-warn-rwx-segments",
                                   std::string("--require-defined=") + entry, "-T", script_path,
                                   "-o", tmp_elf};
  for (const Library &l : libs) argv.push_back(l.path);
  auto r = run_command(argv);
  if (!r) return r.error();
  if (r->status != 0) {
    std::remove(tmp_elf.c_str());
    return link_error(shown, opt.linker, r->status, r->output, entry);
  }
  if (opt.profile == Profile::Unikraft) {
    Status b = fill_unikraft_bootinfo(tmp_elf, opt.unikraft_tree);
    if (!b) {
      std::remove(tmp_elf.c_str());
      return b;
    }
  }
  if (reg->slots().size() != before) {
    Status saved = reg->save(opt.registry);
    if (!saved) {
      std::remove(tmp_elf.c_str());
      return saved;
    }
  }
  if (std::rename(tmp_elf.c_str(), opt.out_elf.c_str()) != 0) {
    std::remove(tmp_elf.c_str());
    return Error::fmt("%s: cannot rename the linked ELF into place", shown.c_str());
  }
  return {};
}

} // namespace uk
