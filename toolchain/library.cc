#include "library.h"

#include <elf.h>

#include <algorithm>
#include <climits>
#include <cstdlib>

#include "elf_view.h"
#include "layout.h"
#include "content_hash.h"

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

Result<Library> load_library(const std::string &path) {
  auto bytes = read_file(path);
  if (!bytes) return bytes.error();
  auto view = ElfView::parse(bytes->data(), bytes->size(), path.c_str(), ET_REL);
  if (!view) return view.error();
  Library lib;
  char *abs = realpath(path.c_str(), nullptr);
  lib.path = abs ? abs : path;
  free(abs);
  lib.name = stem_of(path);
  for (char &c : lib.name)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_')) c = '_';
  if (lib.name.empty() || lib.name.size() > 60) return Error::fmt("%s: library name must be 1..60 characters", path.c_str());
  lib.id = sha256_hex(bytes->data(), bytes->size());
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
      raw[k] += s.sh_size + align - 1;
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
      const Elf64_Sym *sym = reinterpret_cast<const Elf64_Sym *>(*syms) + j;
      if (sym->st_shndx == SHN_COMMON) {
        raw[3] += sym->st_size + (sym->st_value ? sym->st_value : 1) - 1;
        add_unique(lib.sections[3], "COMMON");
      }
    }
  }
  for (size_t k = 0; k < kSlotParts; k++) lib.bound[k] = page_up(raw[k]);
  return lib;
}

} // namespace uk
