// uk-dyn-run's handling of one ELF object on arbitrary bytes, in ordinary
// memory (ukdyn_host, dyn-loader/host_image.h): headers and program
// headers, the segments laid out, the dynamic section, the GNU and SysV
// hash tables, symbol lookups (a few well-known names and the object's own
// symbols, through each hash table), the TLS layout and the combined
// start-up headers, relocation planning (bound at load or prepared for
// lazy binding, never running a resolver), init/fini lists, main and the
// app table. Every input is accepted or refused with a message naming the
// file; never a crash, never an access outside the image (ASan).
#include <elf.h>

#include <cstdint>
#include <cstdlib>
#include <cstring>

#include "host_image.h"
#include "init_fini.h"
#include "relocate.h"
#include "scope.h"
#include "tls.h"

namespace {

using namespace uk::dyn;

constexpr char kName[] = "fuzz.so";

void check_message(const uk::Error &e) {
  if (std::strncmp(e.what(), kName, sizeof kName - 1) != 0) std::abort(); // every message names the file
  for (const char *p = e.what(); *p; p++)
    if (*p == '\n') std::abort(); // one line
}

void lookups(const DynObject &o, Stats &stats) {
  static const char *const kNames[] = {"main", "__uk_app", "printf", "environ", "malloc", "abort", "", "x"};
  for (const char *n : kNames) {
    SymbolName sn(n);
    (void)lookup(&o, sn, nullptr, false, stats);
  }
  // The object's own first symbols, through each table it has.
  DynObject sysv_only = o;
  sysv_only.gnu.present = false;
  for (uint32_t i = 1; i < o.nsyms && i < 24; i++) {
    auto name = o.sym_name(i);
    if (!name) continue;
    SymbolName a(*name), b(*name);
    (void)find_definition(o, a);
    if (o.sysv.present) (void)find_definition(sysv_only, b);
  }
}

} // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  // An aligned copy of exactly `size` bytes, as the loader reads a file.
  uint8_t *file = static_cast<uint8_t *>(std::malloc(size ? size : 1));
  if (!file) return 0;
  if (size) std::memcpy(file, data, size);
  bool is_main = false, bind_now = false;
  if (size >= sizeof(Elf64_Ehdr)) {
    Elf64_Ehdr eh;
    std::memcpy(&eh, file, sizeof eh);
    is_main = eh.e_entry != 0; // ld leaves e_entry 0 in shared libraries
    bind_now = eh.e_ident[EI_PAD] & 1;
  }
  {
    Arena arena;
    HostImage img;
    Stats stats;
    auto o = load_host_object(file, size, kName, is_main, arena, img);
    if (!o) {
      check_message(o.error());
    } else {
      DynObject *obj = *o;
      lookups(*obj, stats);
      TlsLayout tls;
      uk::Status s = layout_tls(obj, &tls);
      if (s) {
        RelocOptions ro;
        ro.bind_now = bind_now;
        ro.run_resolvers = false;
        // One object alone has undefined symbols (a library's references to
        // the others): that error comes after every relocation was applied,
        // so the later stages still run on a relocated image.
        uk::Status r = relocate_all(obj, 1, tls, ro, arena, stats);
        if (!r) check_message(r.error());
        auto lists = build_init_fini(obj, 1, nullptr, arena, false);
        if (lists) {
          uint64_t bytes = startup_headers_bytes(*obj, tls);
          uint8_t *area = static_cast<uint8_t *>(std::calloc(1, bytes ? bytes : 1));
          if (area) (void)write_startup_headers(*obj, obj, tls, area, false);
          std::free(area);
          auto m = is_main ? find_main(*obj) : uk::Result<MainFn>(nullptr);
          if (m) s = fill_app_table(obj, *m, *lists, stats);
          else check_message(m.error());
        } else {
          s = lists.error();
        }
      }
      if (!s) check_message(s.error());
    }
    arena.release();
  }
  std::free(file);
  return 0;
}
