#include <cstdio>

#include "aslr_link.h"
#include "fs_util.h"
#include "run_command.h"

namespace uk {

Status aslr_link_app(const AslrLinkOptions &opt, std::vector<Library> *libs) {
  if (opt.libs.empty()) return Error::fmt("aslr link: no library objects given");
  libs->clear();
  for (const std::string &p : opt.libs) {
    auto lib = load_library(p);
    if (!lib) return lib.error();
    for (const Library &o : *libs)
      if (o.name == lib->name)
        return Error::fmt("%s: a library named '%s' is already in this app (%s)", p.c_str(), o.name.c_str(),
                          o.path.c_str());
    libs->push_back(std::move(*lib));
  }
  std::string script = make_aslr_linker_script(*libs);
  std::string script_path = opt.script_out.empty() ? opt.out_elf + ".ld" : opt.script_out;
  UK_TRY(make_dirs(dirname_of(opt.out_elf)));
  UK_TRY(write_file_atomic(script_path, script.data(), script.size(), 0644));
  std::string tmp_elf = opt.out_elf + ".tmp";
  // -pie: text stays PC-relative; --no-dynamic-linker: no PT_INTERP;
  // --emit-relocs: every input relocation kept for the scan.
  std::vector<std::string> argv = {opt.linker, "-pie", "--no-dynamic-linker", "--emit-relocs", "-nostdlib",
                                   "-z", "noexecstack", "-z", "norelro", "-z", "max-page-size=4096",
                                   "-z", "common-page-size=4096", "--hash-style=gnu", "--build-id=none",
                                   "--orphan-handling=error", "--no-warn-rwx-segments", "-T", script_path,
                                   "-o", tmp_elf};
  for (const Library &l : *libs) argv.push_back(l.path);
  auto r = run_command(argv);
  if (!r) return r.error();
  if (r->status != 0) {
    std::string first = r->output.substr(0, r->output.find('\n'));
    std::remove(tmp_elf.c_str());
    return Error::fmt("%s: ASLR link failed (%s exited %d): %s", opt.out_elf.c_str(), opt.linker.c_str(), r->status,
                      first.c_str());
  }
  if (std::rename(tmp_elf.c_str(), opt.out_elf.c_str()) != 0)
    return Error::fmt("%s: cannot rename the linked ELF into place", opt.out_elf.c_str());
  return {};
}

} // namespace uk
