#include "reloc_scan.h"

#include <elf.h>

#include <algorithm>

#include "layout.h"

namespace uk {
namespace {

bool starts_with(std::string_view s, std::string_view p) { return s.substr(0, p.size()) == p; }

} // namespace

int LinkScan::block_of(uint64_t a) const {
  for (size_t i = 0; i < blocks.size(); i++)
    if (a >= blocks[i].start && a < blocks[i].end) return static_cast<int>(i);
  for (size_t i = 0; i < blocks.size(); i++)
    if (a == blocks[i].end) return static_cast<int>(i);
  return -1;
}

const LinkSymbol *LinkScan::symbol_at(uint64_t a) const {
  auto it = std::upper_bound(symbols.begin(), symbols.end(), a,
                             [](uint64_t x, const LinkSymbol &s) { return x < s.addr; });
  // Symbols may nest or overlap: look back as far as the largest one reaches.
  while (it != symbols.begin()) {
    --it;
    if (a - it->addr < it->size) return &*it;
    if (a - it->addr >= max_symbol_size) break;
  }
  return nullptr;
}

const uint8_t *LinkScan::at(uint64_t a, uint64_t len) const {
  for (const LinkBlock &b : blocks)
    for (const LinkPart &p : b.parts) {
      uint64_t end;
      if (p.nobits || a < p.addr || add_overflows(a, len, &end) || end > p.addr + p.size) continue;
      uint64_t off = p.file_off + (a - p.addr);
      if (off + len > file.size()) return nullptr;
      return file.data() + off;
    }
  return nullptr;
}

Result<LinkScan> scan_link(const std::string &elf_path) {
  LinkScan scan;
  auto bytes = read_file(elf_path);
  if (!bytes) return bytes.error();
  scan.file = std::move(*bytes);
  const char *path = elf_path.c_str();
  auto elfr = ElfView::parse(scan.file.data(), scan.file.size(), path, ET_DYN);
  if (!elfr) return elfr.error();
  const ElfView &elf = *elfr;
  scan.entry = elf.ehdr().e_entry;
  scan.phnum = elf.phnum();
  for (size_t i = 0; i < elf.phnum(); i++) {
    const Elf64_Phdr &p = elf.phdr(i);
    if (p.p_type == PT_PHDR) scan.phdr = p.p_vaddr;
    if (p.p_type == PT_TLS && p.p_memsz != 0) {
      scan.tls = true;
      scan.tls_vaddr = p.p_vaddr, scan.tls_filesz = p.p_filesz, scan.tls_memsz = p.p_memsz;
      scan.tls_align = p.p_align ? p.p_align : 1;
    }
  }
  if (!scan.phdr) return Error::fmt("%s: no PT_PHDR program header", path);

  // Blocks: ".app" is every allocated section below the first library part;
  // a library is the run of its .uk.NAME.PART output sections.
  LinkBlock app;
  app.name = ".app";
  // The ELF and program headers head the app region (FILEHDR PHDRS), in the
  // header area below the app table (the linker puts them in its last
  // pages): musl's start-up reads the program headers through AT_PHDR.
  uint64_t headers = elf.ehdr().e_phoff + uint64_t{elf.ehdr().e_phentsize} * elf.phnum();
  uint64_t header_base = scan.phdr - elf.ehdr().e_phoff;
  if (scan.phdr < elf.ehdr().e_phoff || !page_aligned(header_base) || header_base < kAppRegionBase ||
      header_base + headers > kAppTableAddr)
    return Error::fmt("%s: program headers are not at the start of the app region", path);
  app.start = header_base;
  app.parts.push_back({"headers", 0, header_base, headers, 0, false});
  std::vector<LinkBlock> libs;
  size_t symtab = 0;
  for (size_t i = 1; i < elf.shnum(); i++) {
    const Elf64_Shdr &s = elf.shdr(i);
    std::string_view name = elf.section_name(i);
    if (s.sh_type == SHT_SYMTAB) symtab = i;
    if (!(s.sh_flags & SHF_ALLOC) || s.sh_size == 0) continue;
    LinkPart part{std::string(), i, s.sh_addr, s.sh_size, s.sh_offset, s.sh_type == SHT_NOBITS};
    if (s.sh_flags & SHF_TLS) part.nobits = part.nobits || s.sh_type == SHT_NOBITS;
    if (starts_with(name, ".uk.") && name != ".uk.app") {
      std::string_view rest = name.substr(4);
      size_t dot = rest.rfind('.');
      if (dot == std::string_view::npos) return Error::fmt("%s: section %.*s is not .uk.LIB.PART", path,
                                                           static_cast<int>(name.size()), name.data());
      std::string lib(rest.substr(0, dot));
      part.name = std::string(rest.substr(dot + 1));
      if (!page_aligned(s.sh_addr)) return Error::fmt("%s: section %.*s is not page-aligned", path,
                                                      static_cast<int>(name.size()), name.data());
      if (libs.empty() || libs.back().name != lib) {
        for (const LinkBlock &b : libs)
          if (b.name == lib) return Error::fmt("%s: parts of library %s are not contiguous", path, lib.c_str());
        libs.push_back({});
        libs.back().name = lib;
        libs.back().start = s.sh_addr;
      }
      LinkBlock &b = libs.back();
      b.end = page_up(s.sh_addr + s.sh_size);
      if (part.name == "text" || part.name == "rodata") {
        if (b.shared_end != 0 && b.shared_end != s.sh_addr && part.name == "rodata" && b.text_end == 0)
          return Error::fmt("%s: %s: rodata does not follow text", path, lib.c_str());
        if (part.name == "text") b.text_end = s.sh_addr + s.sh_size;
        b.shared_end = b.end;
      } else if (b.shared_end == 0) {
        b.shared_end = b.start; // no shared part at all
      }
      b.parts.push_back(part);
    } else {
      if (!libs.empty() && s.sh_addr >= libs.front().start)
        return Error::fmt("%s: section %.*s at 0x%lx is not in the app region", path, static_cast<int>(name.size()),
                          name.data(), static_cast<unsigned long>(s.sh_addr));
      if (s.sh_flags & SHF_TLS && s.sh_type == SHT_NOBITS) continue; // .tbss takes no address space
      part.name = std::string(name);
      app.parts.push_back(part);
      app.end = std::max(app.end, page_up(s.sh_addr + s.sh_size));
      if (name == ".got") scan.got_start = s.sh_addr, scan.got_end = s.sh_addr + s.sh_size;
      if (name == ".uk.app") scan.app_table = s.sh_addr;
    }
  }
  if (libs.empty()) return Error::fmt("%s: no library parts (.uk.LIB.PART sections): not an ASLR link", path);
  if (!scan.app_table) return Error::fmt("%s: no .uk.app section", path);
  app.end = std::max(app.end, page_up(scan.phdr + 1));
  if (app.end > libs.front().start) return Error::fmt("%s: app region overlaps library %s", path, libs.front().name.c_str());
  scan.blocks.push_back(std::move(app));
  for (LinkBlock &b : libs) scan.blocks.push_back(std::move(b));

  // Symbols: instruction starts of each library's text.
  if (!symtab) return Error::fmt("%s: no symbol table (the ASLR link keeps it)", path);
  const Elf64_Shdr &st = elf.shdr(symtab);
  if (st.sh_entsize != sizeof(Elf64_Sym)) return Error::fmt("%s: bad symbol table entry size", path);
  auto symr = elf.section_bytes(symtab);
  if (!symr) return symr.error();
  const Elf64_Sym *syms = reinterpret_cast<const Elf64_Sym *>(*symr);
  size_t nsyms = st.sh_size / sizeof(Elf64_Sym);
  for (size_t j = 1; j < nsyms; j++) {
    const Elf64_Sym &sy = syms[j];
    unsigned t = ELF64_ST_TYPE(sy.st_info);
    if ((t != STT_FUNC && t != STT_OBJECT) || sy.st_size == 0 || sy.st_shndx == SHN_UNDEF || sy.st_shndx >= SHN_LORESERVE)
      continue;
    scan.symbols.push_back({sy.st_value, sy.st_size, std::string(elf.string_at(st.sh_link, sy.st_name))});
    scan.max_symbol_size = std::max(scan.max_symbol_size, sy.st_size);
  }
  std::sort(scan.symbols.begin(), scan.symbols.end(),
            [](const LinkSymbol &a, const LinkSymbol &b) { return a.addr < b.addr || (a.addr == b.addr && a.name < b.name); });
  for (LinkBlock &b : scan.blocks) {
    if (b.name == ".app") continue;
    const LinkPart *text = nullptr;
    for (const LinkPart &p : b.parts)
      if (p.name == "text") text = &p;
    if (!text) continue;
    b.starts.push_back(text->addr);
    for (size_t j = 1; j < nsyms; j++) {
      const Elf64_Sym &sy = syms[j];
      unsigned t = ELF64_ST_TYPE(sy.st_info);
      if (sy.st_shndx != text->shndx || (t != STT_FUNC && t != STT_NOTYPE)) continue;
      if (sy.st_value >= text->addr && sy.st_value < text->addr + text->size) b.starts.push_back(sy.st_value);
    }
    std::sort(b.starts.begin(), b.starts.end());
    b.starts.erase(std::unique(b.starts.begin(), b.starts.end()), b.starts.end());
  }

  // Relocation records: emitted ones (sh_info = the section they apply to)
  // and the PIE link's dynamic ones (.rela.dyn).
  for (size_t i = 1; i < elf.shnum(); i++) {
    const Elf64_Shdr &s = elf.shdr(i);
    if (s.sh_type != SHT_RELA) continue;
    if (s.sh_entsize != sizeof(Elf64_Rela)) return Error::fmt("%s: section %zu: bad RELA entry size", path, i);
    auto rr = elf.section_bytes(i);
    if (!rr) return rr.error();
    const Elf64_Rela *rel = reinterpret_cast<const Elf64_Rela *>(*rr);
    size_t n = s.sh_size / sizeof(Elf64_Rela);
    if (s.sh_flags & SHF_ALLOC) { // .rela.dyn
      for (size_t j = 0; j < n; j++) {
        uint32_t type = ELF64_R_TYPE(rel[j].r_info);
        RelocExpr k = reloc_type(type).kind;
        if (k == RelocExpr::kNone) continue;
        if (k != RelocExpr::kRelative)
          return Error::fmt("%s: dynamic relocation type %u (%s) at 0x%lx: an ASLR unikernel can only have RELATIVE ones",
                            path, type, reloc_type(type).name, static_cast<unsigned long>(rel[j].r_offset));
        scan.relative[rel[j].r_offset] = static_cast<uint64_t>(rel[j].r_addend);
      }
      continue;
    }
    size_t target = s.sh_info;
    LinkBlock *blk = nullptr;
    bool relro = false;
    for (LinkBlock &b : scan.blocks)
      for (const LinkPart &p : b.parts)
        if (p.shndx == target && b.name != ".app" && (p.name == "text" || p.name == "rodata" || p.name == "relro")) {
          blk = &b;
          relro = p.name == "relro";
        }
    if (!blk) continue; // other private parts: their absolute pointers are in .rela.dyn
    if (s.sh_link != symtab) return Error::fmt("%s: section %zu: relocations not against the symbol table", path, i);
    for (size_t j = 0; j < n; j++) {
      CodeRef r;
      r.place = rel[j].r_offset;
      r.type = ELF64_R_TYPE(rel[j].r_info);
      r.kind = reloc_type(r.type).kind;
      if (r.kind == RelocExpr::kUnknown)
        return Error::fmt("%s: %s: relocation type %u (unknown) at 0x%lx: not an x86-64 relocation type uk-slt knows",
                          path, blk->name.c_str(), r.type, static_cast<unsigned long>(r.place));
      size_t si = ELF64_R_SYM(rel[j].r_info);
      if (si >= nsyms) return Error::fmt("%s: relocation at 0x%lx names symbol %zu of %zu", path,
                                         static_cast<unsigned long>(r.place), si, nsyms);
      const Elf64_Sym &sy = syms[si];
      if (ELF64_ST_TYPE(sy.st_info) == STT_SECTION) {
        r.sym = "section " + std::string(sy.st_shndx < elf.shnum() ? elf.section_name(sy.st_shndx) : "?");
      } else {
        r.sym = std::string(elf.string_at(st.sh_link, sy.st_name));
      }
      r.sym_value = sy.st_value;
      r.addend = rel[j].r_addend;
      (relro ? blk->relro_refs : blk->refs).push_back(std::move(r));
    }
  }
  auto by_place = [](const CodeRef &a, const CodeRef &c) { return a.place < c.place; };
  for (LinkBlock &b : scan.blocks) {
    std::sort(b.refs.begin(), b.refs.end(), by_place);
    std::sort(b.relro_refs.begin(), b.relro_refs.end(), by_place);
  }
  return scan;
}

} // namespace uk
