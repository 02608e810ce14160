#include "library.h"

#include <elf.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <cstring>

#include "elf_view.h"
#include "content_hash.h"
#include "layout.h"
#include "names.h"
#include "unikraft_profile.h"

namespace uk {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

// Names the linker script can spell without quoting or wildcards.
bool plain_section_name(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
          c == '-' || c == '$'))
      return false;
  return true;
}

void add_unique(std::vector<std::string> &v, std::string_view s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.emplace_back(s);
}

} // namespace

const char *part_name(Part p) {
  switch (p) {
  case Part::Text: return "text";
  case Part::Rodata: return "rodata";
  case Part::Data: return "data";
  case Part::Bss: return "bss";
  case Part::AppInit: return "app-init";
  case Part::Tls: return "tls";
  case Part::Discard: return "discard";
  }
  return "?";
}

Part classify_section(std::string_view name, uint32_t type, uint64_t flags) {
  if (!(flags & SHF_ALLOC)) return Part::Discard;
  if (flags & SHF_TLS) return Part::Tls;
  if (type == SHT_INIT_ARRAY || type == SHT_FINI_ARRAY || type == SHT_PREINIT_ARRAY || starts_with(name, ".ctors") ||
      starts_with(name, ".dtors") || starts_with(name, ".init_array") || starts_with(name, ".fini_array") ||
      starts_with(name, ".preinit_array"))
    return Part::AppInit;
  // Unwind tables and notes are not needed by C unikernels; they would also
  // tie a library's pages to the layout of the others (.eh_frame_hdr).
  if (type == SHT_X86_64_UNWIND || name == ".eh_frame" || type == SHT_NOTE) return Part::Discard;
  if (flags & SHF_EXECINSTR) return Part::Text;
  if (type == SHT_NOBITS) return Part::Bss;
  // In a fixed-address static link nothing writes .data.rel.ro after the
  // link, so it is read-only data and shares like rodata.
  if ((flags & SHF_WRITE) && !starts_with(name, ".data.rel.ro")) return Part::Data;
  return Part::Rodata;
}

Result<Library> load_library(const std::string &path, Profile profile) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  char *abs = realpath(path.c_str(), nullptr);
  std::string full = abs ? abs : path;
  free(abs);
  return load_library_bytes(*bytes, path, full, profile);
}

Result<Library> load_library_bytes(const Bytes &bytes, const std::string &path, const std::string &abs_path,
                                   Profile profile) {
  auto view = ElfView::parse(bytes.data(), bytes.size(), path.c_str(), ET_REL);
  if (!view) return view.error();
  Library lib;
  lib.path = abs_path;
  // The library's name is its file name without the extension, kept as it
  // is (never rewritten): it must follow the one name rule (common/names.h).
  lib.name = stem_of(path);
  if (Status ok = check_name(lib.name, "library name"); !ok) return Error(ok.error()).prefix("%s: ", path.c_str());
  lib.id = sha256_hex(bytes.data(), bytes.size());
  if (lib.path.find('"') != std::string::npos)
    return Error::fmt("%s: path contains a double quote, which a linker script cannot name", path.c_str());

  std::array<uint64_t, kSlotParts> raw{};
  bool has_symtab = false;
  for (size_t i = 1; i < view->shnum(); i++) {
    const Elf64_Shdr &s = view->shdr(i);
    std::string_view name = view->section_name(i);
    if (s.sh_type == SHT_SYMTAB) has_symtab = true;
    if (s.sh_type == SHT_NULL || s.sh_type == SHT_SYMTAB || s.sh_type == SHT_STRTAB || s.sh_type == SHT_RELA ||
        s.sh_type == SHT_REL || s.sh_type == SHT_GROUP || s.sh_type == SHT_SYMTAB_SHNDX)
      continue;
    if (profile == Profile::Unikraft && (s.sh_flags & SHF_ALLOC)) {
      UkSection u = classify_unikraft_section(name);
      if (u == UkSection::Unknown)
        return Error::fmt("%s: unknown Unikraft table section '%.*s' (the unikraft profile places only "
                          "uk_ctortab, uk_inittab, uk_thread_inittab, uk_event, uk_libinfo and uk_bootinfo)",
                          path.c_str(), static_cast<int>(name.size()), name.data());
      if (u == UkSection::Table) {
        add_unique(lib.table_sections, name);
        continue;
      }
      if (u == UkSection::Bootinfo) lib.has_bootinfo = true;
    }
    if (!plain_section_name(name))
      return Error::fmt("%s: section %zu has a name the linker script cannot spell", path.c_str(), i);
    Part p = classify_section(name, s.sh_type, s.sh_flags);
    switch (p) {
    case Part::Text:
    case Part::Rodata:
    case Part::Data:
    case Part::Bss: {
      size_t k = static_cast<size_t>(p);
      uint64_t align = s.sh_addralign ? s.sh_addralign : 1;
      if (align > kPageSize)
        return Error::fmt("%s: section %.*s wants alignment 0x%lx, more than a page", path.c_str(),
                          static_cast<int>(name.size()), name.data(), static_cast<unsigned long>(align));
      // Upper bound whatever order the linker picks: every section may need
      // up to align-1 bytes of padding before it.
      if (add_overflows(raw[k], s.sh_size, &raw[k]) || add_overflows(raw[k], align - 1, &raw[k]))
        return Error::fmt("%s: section %zu (%.*s, size 0x%lx): size overflows the %s part of the slot", path.c_str(), i,
                          static_cast<int>(name.size()), name.data(), static_cast<unsigned long>(s.sh_size),
                          part_name(p));
      add_unique(lib.sections[k], name);
      break;
    }
    case Part::AppInit: add_unique(lib.app_sections, name); break;
    case Part::Tls: add_unique(lib.tls_sections, name); break;
    case Part::Discard: add_unique(lib.discard_sections, name); break;
    }
  }
  if (!has_symtab) return Error::fmt("%s: relocatable object has no symbol table", path.c_str());
  // COMMON symbols land in bss.
  for (size_t i = 1; i < view->shnum(); i++) {
    const Elf64_Shdr &s = view->shdr(i);
    if (s.sh_type != SHT_SYMTAB || s.sh_entsize != sizeof(Elf64_Sym)) continue;
    auto syms = view->section_bytes(i);
    if (!syms) return syms.error();
    size_t n = s.sh_size / sizeof(Elf64_Sym);
    for (size_t j = 0; j < n; j++) {
      // The table's offset need not be aligned: copy each entry out.
      Elf64_Sym entry;
      std::memcpy(&entry, *syms + j * sizeof(Elf64_Sym), sizeof entry);
      const Elf64_Sym *sym = &entry;
      if (sym->st_shndx != SHN_COMMON) continue;
      // A COMMON symbol's st_value is its alignment.
      uint64_t align = sym->st_value ? sym->st_value : 1;
      if ((align & (align - 1)) || align > kPageSize)
        return Error::fmt("%s: COMMON symbol %zu wants alignment 0x%lx, not a power of two up to a page", path.c_str(),
                          j, static_cast<unsigned long>(align));
      if (add_overflows(raw[3], sym->st_size, &raw[3]) || add_overflows(raw[3], align - 1, &raw[3]))
        return Error::fmt("%s: COMMON symbol %zu (size 0x%lx, alignment 0x%lx): size overflows the bss part of the slot",
                          path.c_str(), j, static_cast<unsigned long>(sym->st_size), static_cast<unsigned long>(align));
      add_unique(lib.sections[3], "COMMON");
    }
  }
  for (size_t k = 0; k < kSlotParts; k++)
    if (page_end_overflows(0, raw[k], &lib.bound[k]))
      return Error::fmt("%s: the %s part (0x%lx bytes) overflows when rounded to a page", path.c_str(),
                        part_name(static_cast<Part>(k)), static_cast<unsigned long>(raw[k]));
  return lib;
}

} // namespace uk
