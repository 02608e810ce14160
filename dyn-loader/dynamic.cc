#include "dynamic.h"

#include <cstring>

#include "hash.h"

// musl 1.2.3's <elf.h> predates DT_RELR (generic ABI values).
#ifndef DT_RELRSZ
#define DT_RELRSZ 35
#define DT_RELR 36
#define DT_RELRENT 37
#endif

namespace uk::dyn {
namespace {

struct Tags {
  uint64_t strtab = 0, strsz = 0, symtab = 0, syment = 0, hash = 0, gnu_hash = 0, versym = 0;
  uint64_t rela = 0, relasz = 0, relaent = 0, jmprel = 0, pltrelsz = 0, pltrel = 0, relr = 0, relrsz = 0, relrent = 0;
  uint64_t init_array = 0, init_arraysz = 0, fini_array = 0, fini_arraysz = 0, preinit_array = 0, preinit_arraysz = 0;
  uint64_t flags = 0, flags_1 = 0, soname = 0, runpath = 0, rpath = 0;
  bool have_runpath = false, have_rpath = false;
  bool have_strtab = false, have_symtab = false, have_rela = false, have_jmprel = false, have_relr = false,
       have_soname = false, rel = false, textrel = false, bind_now = false, symbolic = false;
};

// A table of `count` entries of `size` bytes at `vaddr`, inside one segment.
Result<uint64_t> table(const DynObject &o, uint64_t vaddr, uint64_t bytes, uint64_t entsize, const char *what) {
  if (bytes % entsize)
    return Error::fmt("%s: %s size 0x%lx is not a multiple of its entry size %lu", o.name, what,
                      static_cast<unsigned long>(bytes), static_cast<unsigned long>(entsize));
  if (vaddr % 8) return Error::fmt("%s: %s at 0x%lx is misaligned", o.name, what, static_cast<unsigned long>(vaddr));
  return o.at(vaddr, bytes, PF_R, what);
}

} // namespace

Status parse_dynamic(DynObject &o, Arena &arena) {
  const Elf64_Dyn *dyn = reinterpret_cast<const Elf64_Dyn *>(o.base + o.dyn_vaddr); // checked in image.cc
  size_t max = o.dyn_size / sizeof(Elf64_Dyn), n = 0;
  Tags t;
  size_t nneeded = 0;
  for (; n < max && dyn[n].d_tag != DT_NULL; n++) {
    uint64_t v = dyn[n].d_un.d_val;
    switch (dyn[n].d_tag) {
    case DT_NEEDED: nneeded++; break;
    case DT_STRTAB: t.strtab = v, t.have_strtab = true; break;
    case DT_STRSZ: t.strsz = v; break;
    case DT_SYMTAB: t.symtab = v, t.have_symtab = true; break;
    case DT_SYMENT: t.syment = v; break;
    case DT_HASH: t.hash = v; break;
    case DT_GNU_HASH: t.gnu_hash = v; break;
    case DT_VERSYM: t.versym = v; break;
    case DT_RELA: t.rela = v, t.have_rela = true; break;
    case DT_RELASZ: t.relasz = v; break;
    case DT_RELAENT: t.relaent = v; break;
    case DT_JMPREL: t.jmprel = v, t.have_jmprel = true; break;
    case DT_PLTRELSZ: t.pltrelsz = v; break;
    case DT_PLTREL: t.pltrel = v; break;
    case DT_RELR: t.relr = v, t.have_relr = true; break;
    case DT_RELRSZ: t.relrsz = v; break;
    case DT_RELRENT: t.relrent = v; break;
    case DT_REL: case DT_RELSZ: t.rel = true; break;
    case DT_TEXTREL: t.textrel = true; break;
    case DT_BIND_NOW: t.bind_now = true; break;
    case DT_SYMBOLIC: t.symbolic = true; break;
    case DT_FLAGS: t.flags = v; break;
    case DT_FLAGS_1: t.flags_1 = v; break;
    case DT_SONAME: t.soname = v, t.have_soname = true; break;
    case DT_RUNPATH: t.runpath = v, t.have_runpath = true; break;
    case DT_RPATH: t.rpath = v, t.have_rpath = true; break;
    case DT_PLTGOT: o.pltgot = v; break;
    case DT_INIT: o.init = v; break;
    case DT_FINI: o.fini = v; break;
    case DT_INIT_ARRAY: t.init_array = v; break;
    case DT_INIT_ARRAYSZ: t.init_arraysz = v; break;
    case DT_FINI_ARRAY: t.fini_array = v; break;
    case DT_FINI_ARRAYSZ: t.fini_arraysz = v; break;
    case DT_PREINIT_ARRAY: t.preinit_array = v; break;
    case DT_PREINIT_ARRAYSZ: t.preinit_arraysz = v; break;
    default: break; // DT_DEBUG, DT_VERNEED...: not used
    }
  }
  if (n == max) return Error::fmt("%s: dynamic section has no DT_NULL terminator", o.name);

  if (t.rel) return Error::fmt("%s: has DT_REL relocations; x86-64 objects use RELA", o.name);
  if (t.textrel || (t.flags & DF_TEXTREL))
    return Error::fmt("%s: has text relocations (DT_TEXTREL); code pages must stay read-only (W^X)", o.name);
  o.bind_now = t.bind_now || (t.flags & DF_BIND_NOW) || (t.flags_1 & DF_1_NOW);
  o.symbolic = t.symbolic || (t.flags & DF_SYMBOLIC);

  // Strings and symbols.
  if (!t.have_strtab || !t.have_symtab) return Error::fmt("%s: no DT_STRTAB or DT_SYMTAB", o.name);
  auto strtab = o.at(t.strtab, t.strsz, PF_R, "DT_STRTAB");
  if (!strtab) return strtab.error();
  o.strtab = reinterpret_cast<const char *>(*strtab);
  o.strsz = t.strsz;
  if (t.syment && t.syment != sizeof(Elf64_Sym))
    return Error::fmt("%s: DT_SYMENT is %lu, expected %zu", o.name, static_cast<unsigned long>(t.syment),
                      sizeof(Elf64_Sym));
  if (!t.hash && !t.gnu_hash) return Error::fmt("%s: has no symbol hash table (DT_HASH or DT_GNU_HASH)", o.name);
  UK_TRY(validate_hash_tables(o, t.hash, t.gnu_hash));
  auto symtab = table(o, t.symtab, uint64_t{o.nsyms} * sizeof(Elf64_Sym), sizeof(Elf64_Sym), "DT_SYMTAB");
  if (!symtab) return symtab.error();
  o.symtab = reinterpret_cast<const Elf64_Sym *>(*symtab);
  if (t.versym) {
    if (t.versym & 1)
      return Error::fmt("%s: DT_VERSYM at 0x%lx is misaligned", o.name, static_cast<unsigned long>(t.versym));
    auto vs = o.at(t.versym, uint64_t{o.nsyms} * 2, PF_R, "DT_VERSYM");
    if (!vs) return vs.error();
    o.versym = reinterpret_cast<const uint16_t *>(*vs);
  }

  // Relocations.
  if (t.have_rela) {
    if (t.relaent && t.relaent != sizeof(Elf64_Rela))
      return Error::fmt("%s: DT_RELAENT is %lu, expected %zu", o.name, static_cast<unsigned long>(t.relaent),
                        sizeof(Elf64_Rela));
    auto r = table(o, t.rela, t.relasz, sizeof(Elf64_Rela), "DT_RELA");
    if (!r) return r.error();
    o.rela = reinterpret_cast<const Elf64_Rela *>(*r);
    o.nrela = t.relasz / sizeof(Elf64_Rela);
  }
  if (t.have_jmprel) {
    if (t.pltrel != DT_RELA)
      return Error::fmt("%s: DT_PLTREL is %lu, expected DT_RELA", o.name, static_cast<unsigned long>(t.pltrel));
    auto r = table(o, t.jmprel, t.pltrelsz, sizeof(Elf64_Rela), "DT_JMPREL");
    if (!r) return r.error();
    o.jmprel = reinterpret_cast<const Elf64_Rela *>(*r);
    o.njmprel = t.pltrelsz / sizeof(Elf64_Rela);
  }
  if (t.have_relr) {
    if (t.relrent && t.relrent != 8)
      return Error::fmt("%s: DT_RELRENT is %lu, expected 8", o.name, static_cast<unsigned long>(t.relrent));
    auto r = table(o, t.relr, t.relrsz, 8, "DT_RELR");
    if (!r) return r.error();
    o.relr = reinterpret_cast<const uint64_t *>(*r);
    o.nrelr = t.relrsz / 8;
  }

  // Initialisers and finalisers (their entries are checked once relocated).
  auto arr = [&](uint64_t vaddr, uint64_t bytes, const char *what, uint64_t *addr, uint64_t *count) -> Status {
    if (!bytes) return {};
    auto a = table(o, vaddr, bytes, 8, what);
    if (!a) return a.error();
    *addr = vaddr;
    *count = bytes / 8;
    return {};
  };
  UK_TRY(arr(t.init_array, t.init_arraysz, "DT_INIT_ARRAY", &o.init_array, &o.init_count));
  UK_TRY(arr(t.fini_array, t.fini_arraysz, "DT_FINI_ARRAY", &o.fini_array, &o.fini_count));
  UK_TRY(arr(t.preinit_array, t.preinit_arraysz, "DT_PREINIT_ARRAY", &o.preinit_array, &o.preinit_count));
  if (o.preinit_count && !o.is_main)
    return Error::fmt("%s: DT_PREINIT_ARRAY in a shared library (only executables may have one)", o.name);
  if (o.init) UK_TRY(o.at(o.init, 1, PF_X, "DT_INIT"));
  if (o.fini) UK_TRY(o.at(o.fini, 1, PF_X, "DT_FINI"));

  // Names.
  if (t.have_soname) {
    o.soname = o.str(t.soname);
    if (!o.soname) return Error::fmt("%s: DT_SONAME is outside DT_STRTAB", o.name);
  }
  if (t.have_runpath) {
    o.runpath = o.str(t.runpath);
    if (!o.runpath) return Error::fmt("%s: DT_RUNPATH is outside DT_STRTAB", o.name);
  }
  if (t.have_rpath) {
    o.rpath = o.str(t.rpath);
    if (!o.rpath) return Error::fmt("%s: DT_RPATH is outside DT_STRTAB", o.name);
  }
  if (nneeded) {
    auto needed = arena.make<uint64_t>(nneeded);
    if (!needed) return needed.error();
    size_t k = 0;
    for (size_t i = 0; i < n; i++)
      if (dyn[i].d_tag == DT_NEEDED) {
        if (!o.str(dyn[i].d_un.d_val) || !*o.str(dyn[i].d_un.d_val))
          return Error::fmt("%s: DT_NEEDED entry %zu has a bad name offset 0x%lx", o.name, k,
                            static_cast<unsigned long>(dyn[i].d_un.d_val));
        (*needed)[k++] = dyn[i].d_un.d_val;
      }
    o.needed = *needed;
    o.nneeded = nneeded;
  }
  return {};
}

} // namespace uk::dyn
