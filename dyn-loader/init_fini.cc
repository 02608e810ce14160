#include "init_fini.h"

#include <cstdio>
#include <cstring>

#include "hash.h"
#include "scope.h"

namespace uk::dyn {
namespace {

void visit(DynObject *o, DynObject **order, size_t *n) {
  o->visit = 1;
  for (size_t i = 0; i < o->ndeps; i++)
    if (o->deps[i]->visit == 0) visit(o->deps[i], order, n);
  o->visit = 2;
  order[(*n)++] = o;
}

// Appends the function pointers of an array (relocated) to `out`.
Status add_array(const DynObject &o, uint64_t vaddr, uint64_t count, const char *what, EntryFn *out, uint64_t *n) {
  const uint64_t *a = reinterpret_cast<const uint64_t *>(o.base + vaddr); // checked in dynamic.cc
  for (uint64_t i = 0; i < count; i++) {
    uint64_t f = a[i];
    if (f == 0 || f == ~uint64_t{0}) continue; // legacy markers
    if (f < o.base || !o.contains(f - o.base, 1, PF_X))
      return Error::fmt("%s: %s entry %lu (0x%lx) is outside every executable segment", o.name, what,
                        static_cast<unsigned long>(i), static_cast<unsigned long>(f));
    out[(*n)++] = reinterpret_cast<EntryFn>(f);
  }
  return {};
}

} // namespace

Result<InitFini> build_init_fini(DynObject *head, size_t count, EntryFn first_fini, Arena &arena, bool verbose) {
  auto order = arena.make<DynObject *>(count);
  if (!order) return order.error();
  size_t n = 0;
  visit(head, *order, &n);
  uint64_t ninit = head->preinit_count, nfini = first_fini ? 1 : 0;
  for (size_t i = 0; i < n; i++) {
    const DynObject *o = (*order)[i];
    ninit += (o->init ? 1 : 0) + o->init_count;
    nfini += (o->fini ? 1 : 0) + o->fini_count;
  }
  auto lists = arena.make<EntryFn>(ninit + nfini);
  if (!lists) return lists.error();
  InitFini l;
  l.init = *lists;
  l.fini = l.init + ninit;
  UK_TRY(add_array(*head, head->preinit_array, head->preinit_count, "DT_PREINIT_ARRAY", l.init, &l.ninit));
  if (first_fini) l.fini[l.nfini++] = first_fini;
  for (size_t i = 0; i < n; i++) {
    const DynObject &o = *(*order)[i];
    if (o.init) l.init[l.ninit++] = reinterpret_cast<EntryFn>(o.base + o.init);
    UK_TRY(add_array(o, o.init_array, o.init_count, "DT_INIT_ARRAY", l.init, &l.ninit));
    if (o.fini) l.fini[l.nfini++] = reinterpret_cast<EntryFn>(o.base + o.fini);
    UK_TRY(add_array(o, o.fini_array, o.fini_count, "DT_FINI_ARRAY", l.fini, &l.nfini));
    if (verbose)
      std::fprintf(stderr, "uk-dyn-run: init order %zu: %s (DT_INIT %s, %lu init, %lu fini)\n", i, o.name,
                   o.init ? "yes" : "no", static_cast<unsigned long>(o.init_count),
                   static_cast<unsigned long>(o.fini_count));
  }
  return l;
}

Result<MainFn> find_main(const DynObject &app) {
  SymbolName n("main");
  const Elf64_Sym *s = find_definition(app, n);
  if (!s || ELF64_ST_TYPE(s->st_info) != STT_FUNC || s->st_shndx == SHN_ABS || !app.contains(s->st_value, 1, PF_X))
    return Error::fmt("%s: does not export a function 'main' (link the app with --export-dynamic)", app.name);
  return reinterpret_cast<MainFn>(app.base + s->st_value);
}

Status fill_app_table(const DynObject *head, MainFn main_fn, const InitFini &l, Stats &stats) {
  SymbolName n("__uk_app");
  Definition d = lookup(head, n, nullptr, false, stats);
  if (!d)
    return Error::fmt("%s: no loaded object exports __uk_app: the app must be linked against the dynamic boot "
                      "library (libboot.so)", head->name);
  constexpr uint64_t kTableSize = 40; // struct uk_app_table: five pointers (unikernels/boot/uk_app.h)
  if (d.absolute())
    return Error::fmt("%s: __uk_app is an absolute symbol (SHN_ABS), not a writable %lu-byte object", d.obj->name,
                      static_cast<unsigned long>(kTableSize));
  if (ELF64_ST_TYPE(d.sym->st_info) != STT_OBJECT || d.sym->st_size != kTableSize ||
      !d.obj->contains(d.sym->st_value, kTableSize, PF_W))
    return Error::fmt("%s: __uk_app is not a writable %lu-byte object (not the dynamic boot library?)", d.obj->name,
                      static_cast<unsigned long>(kTableSize));
  uint64_t t[5] = {reinterpret_cast<uint64_t>(main_fn), reinterpret_cast<uint64_t>(l.init),
                   reinterpret_cast<uint64_t>(l.init + l.ninit), reinterpret_cast<uint64_t>(l.fini),
                   reinterpret_cast<uint64_t>(l.fini + l.nfini)};
  std::memcpy(reinterpret_cast<void *>(d.address()), t, sizeof t);
  return {};
}

} // namespace uk::dyn
