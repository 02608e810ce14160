#include "verify.h"

#include <unistd.h>

#include <Zydis/Zydis.h>
#include <fmt/format.h>

#include <algorithm>
#include <cstdio>
#include <cerrno>
#include <cstring>
#include <memory>

#include "desc.h"
#include "fs_util.h"
#include "pool.h"
#include "progress.h"
#include "rewrite_x86.h"

namespace uk {

std::vector<std::string> verify_shared(const std::string &name, const uint8_t *shared, uint64_t shared_size,
                                       uint64_t exec_size, uint64_t table_size, uint64_t block_size,
                                       const std::vector<uint64_t> &lib_starts) {
  std::vector<std::string> problems;
  if (exec_size > shared_size || table_size > exec_size) {
    problems.push_back(fmt::format("{}: executable range 0x{:x} larger than the shared part 0x{:x}", name, exec_size,
                                   shared_size));
    return problems;
  }
  std::vector<uint64_t> starts;
  for (uint64_t e = 0; e < table_size; e += 8) starts.push_back(e);
  for (uint64_t s : lib_starts)
    if (s >= table_size && s < exec_size) starts.push_back(s);
  std::sort(starts.begin(), starts.end());
  starts.erase(std::unique(starts.begin(), starts.end()), starts.end());
  ZydisDecoder dec;
  ZydisDecoderInit(&dec, ZYDIS_MACHINE_MODE_LONG_64, ZYDIS_STACK_WIDTH_64);
  for (size_t i = 0; i < starts.size(); i++) {
    uint64_t end = i + 1 < starts.size() ? starts[i + 1] : exec_size;
    for (uint64_t pc = starts[i]; pc < end;) {
      ZydisDecodedInstruction d;
      ZydisDecodedOperand ops[ZYDIS_MAX_OPERAND_COUNT];
      if (!ZYAN_SUCCESS(ZydisDecoderDecodeFull(&dec, shared + pc, end - pc, &d, ops))) break; // padding / data
      bool rip = false;
      for (unsigned k = 0; k < d.operand_count_visible; k++)
        if (ops[k].type == ZYDIS_OPERAND_TYPE_MEMORY && ops[k].mem.base == ZYDIS_REGISTER_RIP) rip = true;
      int64_t rel = 0;
      bool has = false;
      if (rip) rel = d.raw.disp.value, has = true;
      else if (d.attributes & ZYDIS_ATTRIB_IS_RELATIVE) rel = d.raw.imm[0].value.s, has = true;
      if (has) {
        int64_t target = static_cast<int64_t>(pc + d.length) + rel;
        if (target < 0 || static_cast<uint64_t>(target) > block_size)
          problems.push_back(fmt::format("{}+0x{:x}: {}: reaches block offset {:#x}, outside the block [0, {:#x})", name,
                                         pc, format_instruction(shared + pc, d.length, pc), target, block_size));
      }
      pc += d.length;
    }
  }
  return problems;
}

std::vector<std::string> verify_plan(const AslrPlan &plan, const std::vector<const Bytes *> &objects) {
  std::vector<std::string> problems;
  for (size_t bi = 1; bi < plan.blocks.size(); bi++) {
    const AslrBlock &b = plan.blocks[bi];
    const Bytes &bytes = bi < objects.size() && objects[bi] ? *objects[bi] : b.shared;
    if (bytes.size() != b.shared.size()) {
      problems.push_back(fmt::format("{}: pool object has 0x{:x} bytes, the block's shared part 0x{:x}", b.name,
                                     bytes.size(), b.shared.size()));
      continue;
    }
    auto p = verify_shared(b.name, bytes.data(), bytes.size(), b.exec_size, b.content_off, b.size, b.starts);
    problems.insert(problems.end(), p.begin(), p.end());
  }
  for (const AslrReloc &r : plan.relocs) {
    if (r.block >= plan.blocks.size()) continue;
    const AslrBlock &b = plan.blocks[r.block];
    if (r.offset < b.shared.size())
      problems.push_back(fmt::format("{}+0x{:x}: a load-time relocation writes into the shared part", b.name, r.offset));
  }
  return problems;
}

namespace {

// What verify needs from a desc (parsed by the one desc parser).
struct DescRefs {
  std::string elf;
  std::vector<std::pair<std::string, std::string>> ids;     // name, id
  std::vector<std::pair<std::string, std::string>> objects; // name, object
};

Result<DescRefs> read_desc_refs(const std::string &path) {
  auto text = read_file(path, kDescMaxBytes);
  if (!text) return text.error();
  auto d = std::make_unique<Desc>();
  UK_TRY(parse_desc(reinterpret_cast<const char *>(text->data()), text->size(), path.c_str(), d.get()));
  if (d->layout != Layout::Aslr) return Error::fmt("%s: not an ASLR description (layout fixed)", path.c_str());
  if (d->elf[0] == '\0') return Error::fmt("%s: no 'elf' record: verify needs the ASLR link for its symbols", path.c_str());
  DescRefs r;
  r.elf = dirname_of(path) + "/" + d->elf;
  for (uint32_t i = 0; i < d->nlibs; i++) {
    r.ids.push_back({d->libs[i].name, d->libs[i].id});
    r.objects.push_back({d->libs[i].name, d->libs[i].object});
  }
  return r;
}

} // namespace

Status run_verify(const VerifyOptions &opt) {
  size_t bad = 0;
  Progress progress("verify", opt.descs.size());
  for (const std::string &d : opt.descs) {
    progress.step(d);
    auto refs = read_desc_refs(d);
    if (!refs) return refs.error();
    auto plan = std::make_unique<Result<AslrPlan>>(plan_aslr(refs->elf, refs->ids));
    if (!*plan) return plan->error();
    std::vector<Bytes> held(plan->value().blocks.size());
    std::vector<const Bytes *> objects(held.size(), nullptr);
    for (size_t bi = 1; bi < held.size(); bi++) {
      const AslrBlock &b = plan->value().blocks[bi];
      for (const auto &[name, object] : refs->objects)
        if (name == b.name) {
          std::string path = opt.pool_dir + "/" + object;
          if (access(path.c_str(), F_OK) != 0 && errno == ENOENT)
            return Error::fmt("%s: missing pool object (needed by %s): " UK_POOL_HINT_FMT, path.c_str(), d.c_str(),
                              opt.pool_dir.c_str());
          auto bytes = read_file(path);
          if (!bytes) return bytes.error();
          held[bi] = std::move(*bytes);
          objects[bi] = &held[bi];
        }
      if (!objects[bi]) return Error::fmt("%s: no 'lib' record for block %s", d.c_str(), b.name.c_str());
    }
    auto problems = verify_plan(plan->value(), objects);
    progress.clear();
    for (const std::string &p : problems) std::printf("%s: %s\n", d.c_str(), p.c_str());
    bad += problems.size();
    if (problems.empty()) std::printf("%s: ok, %zu libraries, no shared page reaches outside its block\n", d.c_str(),
                                      held.size() - 1);
  }
  if (bad) return Error::fmt("verify: %zu references leave their block", bad);
  return {};
}

} // namespace uk
