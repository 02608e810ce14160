// SLT [ASLR], stage 3: the x86-64 rewriter (Zydis 4 decoder). Makes the shared
// bytes of a library block (trampoline table, text, rodata) reach nothing
// outside the block, so they are the same for every base and every app:
//
//   call/jmp/jcc rel32 out of the block -> rel32 to the block's own trampoline
//       entry `jmp *slot(%rip)`; the slot (private) holds the real target.
//       Tail calls stay jumps, calls push exactly what they pushed before.
//   lea X(%rip),%reg out of the block   -> mov slot(%rip),%reg (same length)
//   a read of a GOT entry (not relaxed) -> the same instruction, reading the
//       slot that holds what the GOT entry held
//   any other RIP-relative instruction  -> jmp to an out-of-line stub in the
//       block's private executable page: the same instruction, displacement
//       written at load time (pc32), then jmp back. Nothing touches the stack.
//   anything else                       -> refused (library, offset, text, why)
//
// The table and the slots are sorted by import key (symbol, offset), which is
// a function of the library object alone, never of the app.
//
// Block layout (offsets from the block base; each piece page-aligned):
//   [0, T)                       trampoline table, 8 bytes an entry
//   [T, T + content)             the linked parts: text, rodata | data, relro, bss
//   [slots, slots + 8*nslots)    the table's slots (private)
//   [stubs, ...)                 out-of-line stubs (private, executable)
#pragma once

#include <array>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "error.h"
#include "fs_util.h"
#include "reloc_scan.h"

namespace uk {

// Where a reference really goes: block `block` at offset `off` (offsets in the
// target's block coordinates), or a constant (an undefined weak symbol).
struct RefTarget {
  int block = -1;
  uint64_t off = 0;
  bool constant = false;
  uint64_t value = 0;
};

enum class RewriteClass : uint8_t { kCall, kJmp, kJcc, kLea, kGotRead, kStub, kCount };
const char *rewrite_class_name(RewriteClass c);

struct RewriteStats {
  std::array<size_t, static_cast<size_t>(RewriteClass::kCount)> n{};
  size_t in_block = 0; // PC-relative references that stay inside the block
  size_t tls = 0;      // TLS offsets (constants)
  size_t entries = 0, slots = 0;
  void add(const RewriteStats &o);
};

struct BlockSlot {
  std::string key;
  RefTarget target;
};

// A pc32 field of a stub: *(i32*)(B+off) = target + addend - (B+off).
struct StubFixup {
  uint64_t off = 0; // block offset of the field
  RefTarget target;
  int64_t addend = 0;
};

struct RewriteInput {
  std::string lib;
  uint64_t link_base = 0;     // link address of content offset 0
  Bytes content;              // the linked parts, page multiple (bss as zeros)
  uint64_t text_size = 0;     // text is content[0, text_size)
  uint64_t shared_size = 0;   // text + rodata, page multiple
  std::vector<uint64_t> starts; // instruction starts (content offsets)
  std::vector<CodeRef> refs;    // relocation records in the shared parts
  // Where link address a goes; block < 0 if nowhere. Also asked for GOT
  // entries: got(a) says whether a is a GOT entry and what it holds.
  std::function<RefTarget(uint64_t)> resolve;
  std::function<bool(uint64_t, RefTarget *)> got;
};

struct RewrittenBlock {
  uint64_t table_size = 0;  // T
  uint64_t size = 0;        // whole block, page multiple
  uint64_t slots_off = 0, slots_size = 0;
  uint64_t stubs_off = 0, stubs_size = 0;
  Bytes shared;             // [0, T + shared_size): table, text, rodata
  Bytes content;            // rewritten content (shared + private parts)
  Bytes stubs;              // stub page(s)
  std::vector<BlockSlot> slots;
  std::vector<StubFixup> stub_fixups;
  RewriteStats stats;
};

Result<RewrittenBlock> rewrite_block(const RewriteInput &in);

// "lea 0x10(%rip), %rax"-style text of the instruction at code[0, len).
std::string format_instruction(const uint8_t *code, size_t len, uint64_t address);

} // namespace uk
