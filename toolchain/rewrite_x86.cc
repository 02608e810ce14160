#include "rewrite_x86.h"

#include <Zydis/Zydis.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <map>

#include "layout.h"

namespace uk {
namespace {

// x86-64 encodings the rewriter emits (each use below says what it is).
constexpr uint8_t kJmpRel32 = 0xe9;   // e9 rel32: jmp rel32
constexpr uint8_t kInt3 = 0xcc;       // cc: int3, fills bytes that are never executed
constexpr uint8_t kLeaOpcode = 0x8d;  // 8d /r: lea r, m
constexpr uint8_t kMovLoad = 0x8b;    // 8b /r: mov r, r/m (load)
constexpr uint64_t kEntrySize = 8;    // trampoline entry: ff 25 rel32 (6 bytes) + 2 x int3

struct Insn {
  uint64_t start = 0; // content offset
  ZydisDecodedInstruction d;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
};

bool has_rip_operand(const Insn &i) {
  for (unsigned k = 0; k < i.d.operand_count_visible; k++)
    if (i.ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY && i.ops[k].mem.base == ZYDIS_REGISTER_RIP) return true;
  return false;
}

void put32(uint8_t *p, int64_t v) {
  int32_t x = static_cast<int32_t>(v);
  std::memcpy(p, &x, 4);
}

bool fits32(int64_t v) { return v >= INT32_MIN && v <= INT32_MAX; }

std::string key_of(const CodeRef &r, uint64_t target_link) {
  int64_t off = static_cast<int64_t>(target_link - r.sym_value);
  if (off == 0) return r.sym;
  return off > 0 ? fmt::format("{}+{:#x}", r.sym, off) : fmt::format("{}-{:#x}", r.sym, -off);
}

bool same_target(const RefTarget &a, const RefTarget &b) {
  return a.constant == b.constant && (a.constant ? a.value == b.value : a.block == b.block && a.off == b.off);
}

struct Use {
  const Insn *insn;
  RewriteClass cls;
  std::string key;
  RefTarget target;
};

} // namespace

const char *rewrite_class_name(RewriteClass c) {
  switch (c) {
  case RewriteClass::kCall: return "call";
  case RewriteClass::kJmp: return "jmp";
  case RewriteClass::kJcc: return "jcc";
  case RewriteClass::kLea: return "lea";
  case RewriteClass::kGotRead: return "got-read";
  case RewriteClass::kStub: return "stub";
  case RewriteClass::kCount: break;
  }
  return "?";
}

void RewriteStats::add(const RewriteStats &o) {
  for (size_t i = 0; i < n.size(); i++) n[i] += o.n[i];
  in_block += o.in_block, tls += o.tls, entries += o.entries, slots += o.slots;
}

std::string format_instruction(const uint8_t *code, size_t len, uint64_t address) {
  ZydisDecoder dec;
  ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  ZydisDecodedInstruction d;
  ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
  if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, code, len, &d, ops))) return "(undecodable)";
  ZydisFormatter f;
  ZydisFormatterInit(&f, ZYDIS_FORMATTER_STYLE_ATT);
  char buf[128];
  if (!ZYAN_SUCCESS(ZydisFormatterFormatInstruction(&f, &d, ops, d.operand_count_visible, buf, sizeof buf, address,
                                                    nullptr)))
    return "(unformattable)";
  return buf;
}

Result<RewrittenBlock> rewrite_block(const RewriteInput &in) {
  const char *lib = in.lib.c_str();
  if (!page_aligned(in.content.size()) || in.shared_size > in.content.size() || in.text_size > in.shared_size)
    return Error::fmt("%s: rewrite: inconsistent part sizes", lib);
  ZydisDecoder dec;
  ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);

  // 1. Instruction index: decode from every start up to the next one.
  std::vector<Insn> insns;
  for (size_t i = 0; i < in.starts.size(); i++) {
    uint64_t end = i + 1 < in.starts.size() ? in.starts[i + 1] : in.text_size;
    for (uint64_t pc = in.starts[i]; pc < end;) {
      Insn x;
      x.start = pc;
      if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, in.content.data() + pc, end - pc, &x.d, x.ops))) break;
      insns.push_back(x);
      pc += x.d.length;
    }
  }
  auto insn_at = [&](uint64_t field) -> const Insn * {
    auto it = std::upper_bound(insns.begin(), insns.end(), field, [](uint64_t f, const Insn &x) { return f < x.start; });
    if (it == insns.begin()) return nullptr;
    --it;
    return field < it->start + it->d.length ? &*it : nullptr;
  };

  RewrittenBlock out;
  out.content = in.content;
  std::vector<std::string> errors;
  auto refuse = [&](uint64_t off, const std::string &text, const std::string &why) {
    errors.push_back(fmt::format("{}: text+{:#x}: {}: {}", in.lib, off, text, why));
  };
  uint64_t own_end = in.link_base + in.content.size();

  // 2. Classify every relocation record of the shared parts.
  std::vector<Use> uses;
  std::map<std::string, RefTarget> slot_targets;
  std::vector<std::string> entry_keys;
  for (const CodeRef &r : in.refs) {
    const RelocType &rt = reloc_type(r.type);
    uint64_t f = r.place - in.link_base;
    if (r.place < in.link_base || f + rt.size > in.shared_size) {
      refuse(f, rt.name, "relocation outside the shared parts");
      continue;
    }
    switch (r.kind) {
    case RelocExpr::kNone:
    case RelocExpr::kSize: continue;
    case RelocExpr::kTpOff:
    case RelocExpr::kDtpOff: out.stats.tls++; continue;
    case RelocExpr::kAbs:
      refuse(f, fmt::format("{} against {}", rt.name, r.sym),
             "absolute address in a shared page: rebuild position-independent (-fPIC)");
      continue;
    default: break;
    }
    if (!reloc_is_pc_relative(r.kind) && r.kind != RelocExpr::kTlsGot) {
      refuse(f, fmt::format("{} against {}", rt.name, r.sym), "relocation kind the ASLR layout cannot express");
      continue;
    }
    if (f >= in.text_size) { // PC-relative datum in rodata (jump tables)
      uint64_t target = r.sym_value + static_cast<uint64_t>(r.addend);
      if (target >= in.link_base && target <= own_end) out.stats.in_block++;
      else refuse(f, fmt::format("{} against {} in rodata", rt.name, r.sym), "PC-relative datum reaching another block");
      continue;
    }
    const Insn *x = insn_at(f);
    if (!x) {
      refuse(f, fmt::format("{} against {}", rt.name, r.sym), "not inside a decoded instruction (no function symbol?)");
      continue;
    }
    std::string text = format_instruction(in.content.data() + x->start, x->d.length, in.link_base + x->start);
    uint64_t field_in_insn = f - x->start;
    bool rip = has_rip_operand(*x);
    bool rel_imm = (x->d.attributes & ZYDIS_ATTRIB_IS_RELATIVE) && !rip;
    int64_t disp;
    if (rip && x->d.raw.disp.offset == field_in_insn && x->d.raw.disp.size == 32) {
      disp = x->d.raw.disp.value;
    } else if (rel_imm && x->d.raw.imm[0].offset == field_in_insn && x->d.raw.imm[0].size == 32) {
      disp = x->d.raw.imm[0].value.s;
    } else if (r.sym == "__tls_get_addr") {
      // The call of a general/local-dynamic TLS sequence, which the static
      // link relaxed into a thread-pointer read: no address left.
      out.stats.tls++;
      continue;
    } else if (r.kind == RelocExpr::kTlsGot || r.kind == RelocExpr::kGotPc) {
      // Relaxed by the linker into an immediate (TLS offset, or a GOT load
      // turned into mov $imm): a constant, but in a PIE link only TLS gets here.
      if (r.kind == RelocExpr::kTlsGot) {
        out.stats.tls++;
        continue;
      }
      refuse(f, text, "GOT reference relaxed into an absolute immediate: rebuild position-independent");
      continue;
    } else {
      refuse(f, text, "relocated field is not the instruction's rel32 or RIP displacement");
      continue;
    }
    uint64_t target = in.link_base + x->start + x->d.length + static_cast<uint64_t>(disp);
    if (target >= in.link_base && target <= own_end) {
      out.stats.in_block++;
      continue;
    }
    Use u{x, RewriteClass::kStub, {}, {}};
    if (rel_imm) {
      switch (x->d.mnemonic) {
      case ZYDIS_MNEMONIC_CALL: u.cls = RewriteClass::kCall; break;
      case ZYDIS_MNEMONIC_JMP: u.cls = RewriteClass::kJmp; break;
      default:
        if (x->d.meta.category != ZYDIS_CATEGORY_COND_BR) {
          refuse(f, text, "relative branch of a kind the rewriter does not know");
          continue;
        }
        u.cls = RewriteClass::kJcc;
      }
      u.key = key_of(r, target);
      u.target = in.resolve(target);
    } else if (RefTarget t; in.got(target, &t)) {
      u.cls = RewriteClass::kGotRead;
      u.key = r.sym;
      u.target = t;
    } else {
      u.cls = x->d.mnemonic == ZYDIS_MNEMONIC_LEA ? RewriteClass::kLea : RewriteClass::kStub;
      u.key = key_of(r, target);
      u.target = in.resolve(target);
      if (u.cls == RewriteClass::kLea && in.content[x->start + x->d.length - 6] != kLeaOpcode) {
        refuse(f, text, "lea whose opcode is not 8d right before its ModRM and rel32");
        continue;
      }
      if (u.cls == RewriteClass::kStub && x->d.length < 5) {
        refuse(f, text, "instruction shorter than the 5-byte jmp to its stub");
        continue;
      }
      if (u.cls == RewriteClass::kStub && u.target.constant) {
        refuse(f, text, "RIP-relative access to an undefined symbol");
        continue;
      }
    }
    if (!u.target.constant && u.target.block < 0) {
      refuse(f, text, fmt::format("target 0x{:x} is in no block", target));
      continue;
    }
    if (u.cls != RewriteClass::kStub) {
      auto [it, fresh] = slot_targets.emplace(u.key, u.target);
      if (!fresh && !same_target(it->second, u.target)) {
        refuse(f, text, fmt::format("import {} reaches two different targets", u.key));
        continue;
      }
      if (u.cls == RewriteClass::kCall || u.cls == RewriteClass::kJmp || u.cls == RewriteClass::kJcc)
        entry_keys.push_back(u.key);
    }
    uses.push_back(std::move(u));
  }
  if (!errors.empty()) {
    std::string more = errors.size() > 1 ? fmt::format(" (and {} more)", errors.size() - 1) : std::string();
    return Error::fmt("%s%s", errors.front().c_str(), more.c_str());
  }

  // 3. Layout: table entries and slots sorted by import key.
  std::sort(entry_keys.begin(), entry_keys.end());
  entry_keys.erase(std::unique(entry_keys.begin(), entry_keys.end()), entry_keys.end());
  out.table_size = page_up(entry_keys.size() * kEntrySize);
  const uint64_t T = out.table_size;
  std::map<std::string, uint64_t> slot_off, entry_off;
  out.slots_off = T + in.content.size();
  for (const auto &[key, target] : slot_targets) {
    slot_off[key] = out.slots_off + out.slots.size() * 8;
    out.slots.push_back({key, target});
  }
  out.slots_size = page_up(out.slots.size() * 8);
  out.stubs_off = out.slots_off + out.slots_size;
  out.stats.entries = entry_keys.size();
  out.stats.slots = out.slots.size();

  // 4. Emit.
  Bytes table(T, kInt3);
  for (size_t i = 0; i < entry_keys.size(); i++) {
    uint64_t e = i * kEntrySize;
    entry_off[entry_keys[i]] = e;
    table[e] = 0xff;     // ff 25 rel32: jmp *rel32(%rip), the entry's slot
    table[e + 1] = 0x25;
    put32(&table[e + 2], static_cast<int64_t>(slot_off[entry_keys[i]]) - static_cast<int64_t>(e + 6));
    // table[e + 6], table[e + 7]: int3 padding (never reached)
  }
  for (const Use &u : uses) {
    const Insn &x = *u.insn;
    uint8_t *p = out.content.data() + x.start;
    int64_t next = static_cast<int64_t>(T + x.start + x.d.length); // block offset after the instruction
    out.stats.n[static_cast<size_t>(u.cls)]++;
    switch (u.cls) {
    case RewriteClass::kCall:
    case RewriteClass::kJmp:
    case RewriteClass::kJcc:
      // Same call/jmp/jcc (prefixes kept), rel32 -> the trampoline entry.
      put32(p + x.d.raw.imm[0].offset, static_cast<int64_t>(entry_off[u.key]) - next);
      break;
    case RewriteClass::kLea:
      // [REX] 8d /r rel32 (lea X(%rip), r) -> [REX] 8b /r rel32 (mov slot(%rip), r)
      p[x.d.length - 6] = kMovLoad;
      put32(p + x.d.raw.disp.offset, static_cast<int64_t>(slot_off[u.key]) - next);
      break;
    case RewriteClass::kGotRead:
      // Same instruction, reading the slot instead of the GOT entry.
      put32(p + x.d.raw.disp.offset, static_cast<int64_t>(slot_off[u.key]) - next);
      break;
    case RewriteClass::kStub: {
      uint64_t s = out.stubs_off + out.stubs.size(); // block offset of the stub
      // Stub: the instruction itself, its rel32 displacement written by the
      // loader (pc32) so that it reaches the real target from here...
      out.stubs.insert(out.stubs.end(), p, p + x.d.length);
      uint64_t disp_at = s + x.d.raw.disp.offset;
      std::memset(&out.stubs[disp_at - out.stubs_off], 0, 4);
      out.stub_fixups.push_back(
          {disp_at, u.target, static_cast<int64_t>(u.target.off) - static_cast<int64_t>(x.d.length - x.d.raw.disp.offset)});
      // ...then e9 rel32: jmp back to the instruction after the original.
      uint64_t j = s + x.d.length;
      out.stubs.push_back(kJmpRel32);
      out.stubs.resize(out.stubs.size() + 4);
      put32(&out.stubs[j + 1 - out.stubs_off], next - static_cast<int64_t>(j + 5));
      // Original site: e9 rel32 (jmp to the stub), then int3 up to the
      // instruction's end (never executed: the stub jumps past them).
      p[0] = kJmpRel32;
      put32(p + 1, static_cast<int64_t>(s) - static_cast<int64_t>(T + x.start + 5));
      std::memset(p + 5, kInt3, x.d.length - 5);
      break;
    }
    case RewriteClass::kCount: break;
    }
  }
  out.stubs_size = page_up(out.stubs.size());
  out.stubs.resize(out.stubs_size, kInt3);
  out.size = out.stubs_off + out.stubs_size;
  if (!fits32(static_cast<int64_t>(out.size))) return Error::fmt("%s: block of 0x%lx bytes is beyond rel32 reach", lib,
                                                                 static_cast<unsigned long>(out.size));
  out.shared = table;
  out.shared.insert(out.shared.end(), out.content.begin(), out.content.begin() + static_cast<long>(in.shared_size));
  return out;
}

} // namespace uk
