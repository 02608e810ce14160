#include "relocate.h"

#include <cstdio>
#include <cstring>

#include "hash.h"
#include "lazy.h"
#include "printable.h"
#include "reloc_kinds.h"
#include "scope.h"
#include "tls.h"

namespace uk::dyn {
namespace {

// An ifunc resolver to call once every object is relocated.
struct Deferred {
  uint64_t where, resolver;
  int64_t addend;
  RelocExpr kind;
  uint32_t type;
  const DynObject *obj;
};

constexpr size_t kMaxMissingShown = 8;

struct Ctx {
  DynObject *head;
  const TlsLayout *tls;
  const RelocOptions *opt;
  Arena *arena;
  Stats *stats;
  Deferred *deferred = nullptr;
  size_t ndeferred = 0, capdeferred = 0;
  const char *missing[kMaxMissingShown] = {};
  const char *missing_by[kMaxMissingShown] = {};
  size_t nmissing = 0;
};

void write64(uint64_t where, uint64_t v) { std::memcpy(reinterpret_cast<void *>(where), &v, 8); }
void write32(uint64_t where, uint32_t v) { std::memcpy(reinterpret_cast<void *>(where), &v, 4); }
uint64_t read64(uint64_t where) {
  uint64_t v;
  std::memcpy(&v, reinterpret_cast<const void *>(where), 8);
  return v;
}

Status defer(Ctx &c, const Deferred &d) {
  if (c.ndeferred == c.capdeferred) {
    size_t cap = c.capdeferred ? 2 * c.capdeferred : 64;
    auto a = c.arena->make<Deferred>(cap);
    if (!a) return a.error();
    if (c.ndeferred) std::memcpy(*a, c.deferred, c.ndeferred * sizeof(Deferred));
    c.deferred = *a;
    c.capdeferred = cap;
  }
  c.deferred[c.ndeferred++] = d;
  return {};
}

void note_missing(Ctx &c, const char *sym, const DynObject &by) {
  for (size_t i = 0; i < c.nmissing && i < kMaxMissingShown; i++)
    if (std::strcmp(c.missing[i], sym) == 0) return;
  if (c.nmissing < kMaxMissingShown) {
    c.missing[c.nmissing] = sym;
    c.missing_by[c.nmissing] = by.name;
  }
  c.nmissing++;
}

Status pc32(const DynObject &o, uint32_t type, uint64_t off, uint64_t where, uint64_t v) {
  int64_t d = static_cast<int64_t>(v - where);
  if (d != static_cast<int32_t>(d))
    return Error::fmt("%s: %s at 0x%lx: value 0x%lx is out of 32-bit PC-relative range", o.name,
                      reloc_type(type).name, static_cast<unsigned long>(off), static_cast<unsigned long>(v));
  write32(where, static_cast<uint32_t>(d));
  return {};
}

Status tls32(const DynObject &o, uint32_t type, uint64_t off, uint64_t where, uint64_t v) {
  int64_t s = static_cast<int64_t>(v);
  if (s != static_cast<int32_t>(s))
    return Error::fmt("%s: %s at 0x%lx: TLS offset 0x%lx does not fit in 32 bits", o.name, reloc_type(type).name,
                      static_cast<unsigned long>(off), static_cast<unsigned long>(v));
  write32(where, static_cast<uint32_t>(v));
  return {};
}

// One relocation: the one switch over generic kinds.
Status apply(Ctx &c, DynObject &o, const Elf64_Rela &r) {
  uint32_t type = static_cast<uint32_t>(ELF64_R_TYPE(r.r_info)), si = static_cast<uint32_t>(ELF64_R_SYM(r.r_info));
  const RelocType &rt = reloc_type(type);
  if (!rt.dynamic)
    return Error::fmt("%s: relocation type %u (%s) at offset 0x%lx is not supported", o.name, type, rt.name,
                      static_cast<unsigned long>(r.r_offset));
  if (rt.kind == RelocExpr::kNone) return {};
  if (rt.size && !o.contains(r.r_offset, rt.size, PF_W))
    return Error::fmt("%s: %s relocation at offset 0x%lx is outside every writable segment", o.name, rt.name,
                      static_cast<unsigned long>(r.r_offset));
  uint64_t where = o.base + r.r_offset;
  int64_t addend = r.r_addend;
  if (rt.kind == RelocExpr::kCopy && si == 0) // it copies a symbol's bytes: without one there is nothing to copy
    return Error::fmt("%s: R_X86_64_COPY at 0x%lx has no symbol (index 0)", o.name,
                      static_cast<unsigned long>(r.r_offset));

  // The symbol, if the kind uses one: S (address) or, for TLS kinds, the
  // definition's module and offset.
  uint64_t S = 0;
  const DynObject *def = &o;
  const Elf64_Sym *dsym = nullptr;
  const Elf64_Sym *rsym = nullptr;
  bool ifunc = false;
  if (si && rt.kind != RelocExpr::kRelative && rt.kind != RelocExpr::kIRelative) {
    auto nm = o.sym_name(si);
    if (!nm) return nm.error();
    rsym = &o.symtab[si];
    if (ELF64_ST_BIND(rsym->st_info) == STB_LOCAL) {
      dsym = rsym;
    } else {
      SymbolName n(*nm);
      Definition d = lookup(c.head, n, &o, rt.kind == RelocExpr::kCopy, *c.stats);
      c.stats->symbols_eager++;
      if (!d) {
        if (ELF64_ST_BIND(rsym->st_info) != STB_WEAK || rt.kind == RelocExpr::kCopy) {
          note_missing(c, *nm, o);
          return {};
        }
        def = nullptr; // undefined weak: 0
      } else {
        def = d.obj;
        dsym = d.sym;
      }
    }
    if (dsym) {
      bool is_tls = ELF64_ST_TYPE(dsym->st_info) == STT_TLS;
      bool wants_tls = reloc_is_tls(rt.kind);
      if (is_tls != wants_tls)
        return Error::fmt("%s: %s at 0x%lx refers to '%s', %s TLS symbol", o.name, rt.name,
                          static_cast<unsigned long>(r.r_offset), Shown(*nm).s, is_tls ? "a" : "not a");
      bool absolute = dsym->st_shndx == SHN_ABS;
      S = absolute ? dsym->st_value : def->base + dsym->st_value;
      ifunc = ELF64_ST_TYPE(dsym->st_info) == STT_GNU_IFUNC;
      if (ifunc && (absolute || !def->contains(dsym->st_value, 1, PF_X)))
        return Error::fmt("%s: ifunc '%s' of %s %s", o.name, Shown(*nm).s, def->name,
                          absolute ? "is an absolute symbol (SHN_ABS)" : "is outside every executable segment");
      if (rt.kind == RelocExpr::kCopy && absolute)
        return Error::fmt("%s: R_X86_64_COPY of '%s': its definition in %s is an absolute symbol (SHN_ABS)", o.name,
                          Shown(*nm).s, def->name);
    }
  }
  // The TLS module the symbol lives in (the object itself for symbol 0).
  auto tls_module = [&]() -> Result<const DynObject *> {
    if (!def || !def->has_tls)
      return Error::fmt("%s: %s at 0x%lx: %s has no PT_TLS", o.name, rt.name, static_cast<unsigned long>(r.r_offset),
                        def ? def->name : "undefined symbol");
    return def;
  };
  uint64_t tls_value = (dsym ? dsym->st_value : 0) + static_cast<uint64_t>(addend);

  switch (rt.kind) {
  case RelocExpr::kRelative:
    write64(where, o.base + static_cast<uint64_t>(addend));
    break;
  case RelocExpr::kAbs:
  case RelocExpr::kGlobDat:
  case RelocExpr::kJumpSlot:
  case RelocExpr::kPc:
    if (ifunc) {
      UK_TRY(defer(c, Deferred{where, S, addend, rt.kind, type, &o}));
      break;
    }
    if (rt.kind == RelocExpr::kPc) UK_TRY(pc32(o, type, r.r_offset, where, S + static_cast<uint64_t>(addend)));
    else write64(where, S + static_cast<uint64_t>(addend));
    break;
  case RelocExpr::kCopy: {
    uint64_t size = rsym->st_size;
    if (!o.contains(r.r_offset, size, PF_W))
      return Error::fmt("%s: R_X86_64_COPY at 0x%lx (0x%lx bytes) is outside every writable segment", o.name,
                        static_cast<unsigned long>(r.r_offset), static_cast<unsigned long>(size));
    if (dsym->st_size < size)
      return Error::fmt("%s: R_X86_64_COPY of '%s': %lu bytes wanted, %s defines %lu", o.name,
                        Shown(o.str(rsym->st_name)).s, static_cast<unsigned long>(size), def->name,
                        static_cast<unsigned long>(dsym->st_size));
    if (!def->contains(dsym->st_value, size, PF_R))
      return Error::fmt("%s: R_X86_64_COPY of '%s': its definition in %s is outside every loadable segment", o.name,
                        Shown(o.str(rsym->st_name)).s, def->name);
    std::memmove(reinterpret_cast<void *>(where), reinterpret_cast<const void *>(S), size); // may overlap: a COPY from its own object
    break;
  }
  case RelocExpr::kIRelative:
    if (!o.contains(static_cast<uint64_t>(addend), 1, PF_X))
      return Error::fmt("%s: R_X86_64_IRELATIVE at 0x%lx: resolver 0x%lx is outside every executable segment", o.name,
                        static_cast<unsigned long>(r.r_offset), static_cast<unsigned long>(addend));
    UK_TRY(defer(c, Deferred{where, o.base + static_cast<uint64_t>(addend), 0, rt.kind, type, &o}));
    break;
  case RelocExpr::kDtpMod: {
    auto m = tls_module();
    if (!m) return m.error();
    write64(where, 1); // one static block: musl's static dtv has the single module 1
    break;
  }
  case RelocExpr::kDtpOff: {
    auto m = tls_module();
    if (!m) return m.error();
    uint64_t v = (c.tls->total - (*m)->tls_tp_offset) + tls_value;
    if (rt.size == 8) write64(where, v);
    else UK_TRY(tls32(o, type, r.r_offset, where, v));
    break;
  }
  case RelocExpr::kTpOff: {
    auto m = tls_module();
    if (!m) return m.error();
    uint64_t v = tls_value - (*m)->tls_tp_offset;
    if (rt.size == 8) write64(where, v);
    else UK_TRY(tls32(o, type, r.r_offset, where, v));
    break;
  }
  default: // kNone returned above; every other kind has dynamic == false
    break;
  }
  if (type < kMaxRelocType) c.stats->relocs[type]++;
  return {};
}

// DT_RELR: packed relative relocations (an address, then bitmaps of the
// following 63 words).
Status apply_relr(Ctx &c, DynObject &o) {
  uint64_t next = 0;
  bool have_next = false;
  for (size_t i = 0; i < o.nrelr; i++) {
    uint64_t e = o.relr[i];
    if (!(e & 1)) {
      if (!o.contains(e, 8, PF_W))
        return Error::fmt("%s: DT_RELR address 0x%lx is outside every writable segment", o.name,
                          static_cast<unsigned long>(e));
      write64(o.base + e, read64(o.base + e) + o.base);
      c.stats->relr++;
      next = e + 8;
      have_next = true;
      continue;
    }
    if (!have_next) return Error::fmt("%s: DT_RELR starts with a bitmap entry", o.name);
    for (unsigned b = 1; b < 64; b++) {
      if (!((e >> b) & 1)) continue;
      uint64_t a = next + (b - 1) * 8;
      if (!o.contains(a, 8, PF_W))
        return Error::fmt("%s: DT_RELR address 0x%lx is outside every writable segment", o.name,
                          static_cast<unsigned long>(a));
      write64(o.base + a, read64(o.base + a) + o.base);
      c.stats->relr++;
    }
    next += 63 * 8;
  }
  return {};
}

// Whether DT_JMPREL can be left for the first call: a GOT to hook the
// resolver into and every slot outside RELRO (ld puts the slots in RELRO
// only with -z now, which also sets DF_BIND_NOW). GOT[0..2] themselves may
// be in RELRO (ld's lazy layout ends RELRO just after them): they are
// written here, before RELRO is made read-only, and only read afterwards.
bool can_bind_lazily(const DynObject &o) {
  if (!o.pltgot || !o.contains(o.pltgot, 24, PF_W)) return false;
  for (size_t i = 0; i < o.njmprel; i++) {
    const Elf64_Rela &r = o.jmprel[i];
    if (ELF64_R_TYPE(r.r_info) == R_X86_64_JUMP_SLOT && o.in_relro(r.r_offset, 8)) return false;
  }
  return true;
}

// Lazy binding: every JUMP_SLOT keeps pointing at its PLT entry (moved by
// the load bias); GOT[1] names the object and GOT[2] the resolver.
Status prepare_lazy(Ctx &c, DynObject &o) {
  for (size_t i = 0; i < o.njmprel; i++) {
    const Elf64_Rela &r = o.jmprel[i];
    uint32_t type = static_cast<uint32_t>(ELF64_R_TYPE(r.r_info));
    if (type == R_X86_64_IRELATIVE || type == R_X86_64_NONE) {
      UK_TRY(apply(c, o, r));
      continue;
    }
    if (type != R_X86_64_JUMP_SLOT)
      return Error::fmt("%s: relocation type %u (%s) at offset 0x%lx in DT_JMPREL is not supported", o.name, type,
                        reloc_type(type).name, static_cast<unsigned long>(r.r_offset));
    if (!o.contains(r.r_offset, 8, PF_W))
      return Error::fmt("%s: R_X86_64_JUMP_SLOT relocation at offset 0x%lx is outside every writable segment", o.name,
                        static_cast<unsigned long>(r.r_offset));
    // (The symbol is checked at the first call: the resolver reports a bad
    // index or name like a missing symbol. Not touching the symbol table
    // here keeps its pages out of start-up.)
    uint64_t plt = read64(o.base + r.r_offset);
    if (!o.contains(plt, 1, PF_X))
      return Error::fmt("%s: R_X86_64_JUMP_SLOT at 0x%lx: PLT entry 0x%lx is outside every executable segment",
                        o.name, static_cast<unsigned long>(r.r_offset), static_cast<unsigned long>(plt));
    write64(o.base + r.r_offset, o.base + plt);
    c.stats->lazy_slots++;
  }
  uint64_t got = o.base + o.pltgot;
  write64(got + 8, reinterpret_cast<uint64_t>(&o));
  write64(got + 16, reinterpret_cast<uint64_t>(&uk_dyn_plt_entry));
  o.lazy = true;
  return {};
}

Status relocate(Ctx &c, DynObject &o) {
  UK_TRY(apply_relr(c, o));
  for (size_t i = 0; i < o.nrela; i++) UK_TRY(apply(c, o, o.rela[i]));
  if (!o.njmprel) return {};
  if (!c.opt->bind_now && !o.bind_now && can_bind_lazily(o)) return prepare_lazy(c, o);
  for (size_t i = 0; i < o.njmprel; i++) UK_TRY(apply(c, o, o.jmprel[i]));
  return {};
}

Status run_deferred(Ctx &c) {
  for (size_t i = 0; i < c.ndeferred; i++) {
    const Deferred &d = c.deferred[i];
    uint64_t v = reinterpret_cast<uint64_t (*)()>(d.resolver)(); // the ifunc resolver
    switch (d.kind) {
    case RelocExpr::kPc:
      UK_TRY(pc32(*d.obj, d.type, d.where - d.obj->base, d.where, v + static_cast<uint64_t>(d.addend)));
      break;
    case RelocExpr::kIRelative:
      write64(d.where, v);
      break;
    default:
      write64(d.where, v + static_cast<uint64_t>(d.addend));
      break;
    }
  }
  return {};
}

} // namespace

Status relocate_all(DynObject *head, size_t count, const TlsLayout &tls, const RelocOptions &opt, Arena &arena,
                    Stats &stats) {
  Ctx c{head, &tls, &opt, &arena, &stats};
  auto order = arena.make<DynObject *>(count);
  if (!order) return order.error();
  size_t n = 0;
  for (DynObject *o = head; o && n < count; o = o->next) (*order)[n++] = o;
  for (size_t i = n; i-- > 0;) UK_TRY(relocate(c, *(*order)[i])); // dependencies first, the app last
  if (c.nmissing) {
    char list[1024];
    size_t len = 0;
    for (size_t i = 0; i < c.nmissing && i < kMaxMissingShown; i++) {
      int w = std::snprintf(list + len, sizeof list - len, "%s'%s' (referenced by %s)", i ? ", " : "", Shown(c.missing[i]).s,
                            c.missing_by[i]);
      if (w < 0 || static_cast<size_t>(w) >= sizeof list - len) break;
      len += static_cast<size_t>(w);
    }
    if (c.nmissing > kMaxMissingShown) std::snprintf(list + len, sizeof list - len, " and %zu more",
                                                     c.nmissing - kMaxMissingShown);
    return Error::fmt("%s: undefined symbol%s: %s", head->name, c.nmissing > 1 ? "s" : "", list);
  }
  if (opt.run_resolvers) UK_TRY(run_deferred(c));
  if (opt.verbose)
    for (DynObject *o = head; o; o = o->next)
      std::fprintf(stderr, "uk-dyn-run: %s: %zu RELA, %zu RELR words, %zu JMPREL (%s)\n", o->name, o->nrela, o->nrelr,
                   o->njmprel, o->lazy ? "lazy" : "bound now");
  return {};
}

} // namespace uk::dyn
