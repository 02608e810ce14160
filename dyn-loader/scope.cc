#include "scope.h"

namespace uk::dyn {

Definition lookup(const DynObject *head, SymbolName &name, const DynObject *requester, bool skip_main, Stats &stats) {
  if (requester && requester->symbolic && !(skip_main && requester->is_main)) {
    stats.lookups++;
    if (const Elf64_Sym *s = find_definition(*requester, name)) return {requester, s};
  }
  for (const DynObject *o = head; o; o = o->next) {
    if (skip_main && o->is_main) continue;
    stats.lookups++;
    if (const Elf64_Sym *s = find_definition(*o, name)) return {o, s};
  }
  return {};
}

} // namespace uk::dyn
