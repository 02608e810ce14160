// Static TLS for the app and every loaded library, x86-64 variant II: all
// modules' blocks in one block below the thread pointer, the app's first
// (nearest the thread pointer, where the linker's local-exec offsets put
// it), then each library in load order.
//
// musl's static start-up (__init_libc -> __init_tls, from libc.a inside
// libmusl.so) builds the thread's TLS from the PT_TLS it finds through
// AT_PHDR and points the thread pointer just above it. So the loader gives
// the program a synthesized copy of the app's program headers whose PT_TLS
// describes one combined template holding every module's initialisation
// image at its place in that layout: musl then lays out exactly this block
// (its offset is the combined size rounded to the combined alignment), and
// TPOFF64 = value - module offset, DTPMOD64 = 1 (musl's static dtv has one
// module: the whole block), DTPOFF64 = the module's place in the block +
// value. New threads get the same layout (pthread_create copies the same
// template).
#pragma once

#include <cstdint>

#include "arena.h"
#include "error.h"
#include "object.h"

namespace uk::dyn {

struct TlsLayout {
  bool any = false;
  uint64_t total = 0;  // combined block size (multiple of align)
  uint64_t align = 1;  // combined alignment
  uint64_t filesz = 0; // bytes of the template with initialised data
};

// Assigns o->tls_tp_offset for every module with PT_TLS.
Status layout_tls(DynObject *head, TlsLayout *out);

// Once relocated: the combined template and the program headers musl's
// start-up reads (a copy of the app's with PT_PHDR pointing at the copy,
// PT_TLS describing the combined template and PT_DYNAMIC dropped: musl's
// static code would otherwise take the app's base from libmusl.so's own
// _DYNAMIC). Written into `area` (startup_headers_bytes() bytes, page-aligned,
// zeroed, made read-only by the caller). Returns the address and count of
// the headers for AT_PHDR/AT_PHNUM.
struct StartupHeaders {
  uint64_t phdr = 0, phnum = 0;
};
uint64_t startup_headers_bytes(const DynObject &app, const TlsLayout &tls);
StartupHeaders write_startup_headers(const DynObject &app, const DynObject *head, const TlsLayout &tls, uint8_t *area,
                                     bool verbose);

} // namespace uk::dyn
