// report, the "why" part: which relocation makes a page of a library
// private or unshared, from the relocation scan (reloc_scan.h) of the app's
// ASLR link (`<app>.aslr.elf`, written by `pack --aslr` next to the desc; it
// keeps every relocation record of the link, --emit-relocs).
//   - Spacer-SLT: two pool objects of the same library build differ where a
//     relocation of its text reaches something at another address in the
//     other app (another library's slot, the app region). A field in text
//     has the same offset in both links; one in rodata or .data.rel.ro (laid
//     out apart in the ASLR link) is found through its symbol in the app's
//     own ELF. The type is the one the ASLR link recorded (ld may have
//     relaxed a GOT load there into lea and here into mov $imm); the
//     symbol's address in each app comes from that app's ELF. Every relocation
//     named is checked against the bytes: its field differs between the two
//     objects. Differing bytes no relocation covers are counted, not guessed.
//   - SLT [ASLR]: .data.rel.ro is private (the loader writes its absolute
//     pointers per instance): its pages, bytes and pointers per library.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "error.h"
#include "fs_util.h"
#include "reloc_scan.h"

namespace uk {

// One app's use of one library, from its desc (layout fixed).
struct LibUse {
  std::string app;
  std::string aslr_elf;  // the app's ASLR link, "" if there is none next to the desc
  std::string elf;       // the app's own (fixed-address) ELF, "" if none
  uint64_t base = 0, size = 0; // the block
  bool has_text = false, has_rodata = false;
  uint64_t text_block_off = 0, text_pool_off = 0;     // the executable pool map: in the block, in the object
  uint64_t rodata_block_off = 0, rodata_pool_off = 0, rodata_size = 0; // the read-only pool map
};

// Symbols of a fixed-address ELF.
struct SymbolIndex {
  std::multimap<std::string, LinkSymbol> by_name; // functions and objects with a size
  std::map<std::string, uint64_t> value;          // every defined symbol whose name is unique
};

// A relocation whose field differs between two pool objects of a library.
struct Cause {
  uint64_t offset = 0;   // of the field, in the pool object
  std::string type;      // R_X86_64_...
  std::string in;        // function or object holding the field ("" if none), with +offset
  std::string sym;       // the relocation's symbol
  bool field_only = false;             // the symbol's address is unknown: target_* hold the field's bytes
  uint64_t target_a = 0, target_b = 0; // the symbol's address in each app (from its ELF)
};

struct UnsharedPage {
  uint64_t offset = 0;             // in the pool object
  std::vector<Cause> causes;
  uint64_t unexplained_bytes = 0;  // differing bytes outside every named relocation's field
};

struct VariantDiff {
  std::string app_a, app_b;
  std::vector<UnsharedPage> pages;
  std::string note; // why nothing could be named, if so
};

// Loads each ASLR link at most once.
class ScanCache {
 public:
  // nullptr (and *err set) if the file cannot be scanned.
  const LinkScan *get(const std::string &path, std::string *err);
  // Symbols of a fixed-address ELF; nullptr if it cannot be read.
  const SymbolIndex *symbols(const std::string &path);

 private:
  std::map<std::string, std::unique_ptr<LinkScan>> scans_;
  std::map<std::string, std::unique_ptr<SymbolIndex>> symbols_;
  std::map<std::string, std::string> errors_;
};

// Pages where pool objects a (used as in ua) and b (ub) of library `lib`
// differ, each with the relocations that make it differ.
VariantDiff diff_variants(const std::string &lib, const Bytes &a, const LibUse &ua, const Bytes &b, const LibUse &ub,
                          ScanCache &scans);

// The private .data.rel.ro of one library block of an ASLR link.
struct RelroPage {
  uint64_t offset = 0;  // in the relro part
  uint64_t pointers = 0;
  std::string first;    // "R_X86_64_64 at +0x8 against __stdout_FILE"
};
struct RelroCost {
  std::string lib;
  uint64_t bytes = 0, pages = 0, pointers = 0;
  std::vector<RelroPage> detail;
};
// Every library block of the ASLR link `scan` with a .data.rel.ro part.
std::vector<RelroCost> relro_costs(const LinkScan &scan);

} // namespace uk
