// The description file (".desc"), version 2: everything a loader needs to
// start a unikernel from the library pool and its private image. Versioned
// text, one record per line, parsed strictly (see README, "Description file
// format (version 2)").
//
// A unikernel is a set of blocks: one per library, plus ".app" for the app
// region (headers, app table, init/fini arrays, TLS template). Every map,
// the entry point, the program headers and the TLS template are given as
// (block, offset); where a block goes is the layout's business:
//   layout fixed  every block has its BASE in the desc (Spacer-SLT, KVM);
//   layout aslr   the loader picks a random base per block and applies the
//                 load-time relocations (DescReloc) stored in the image.
// One parser for both. Fixed capacities and no allocation: the parser runs
// inside the musl-built loader as well as in the toolchain and the tests.
#pragma once

#include <cstddef>
#include <cstdint>

#include "error.h"

namespace uk {

inline constexpr int kDescVersion = 2;
inline constexpr size_t kDescMaxBlocks = 128; // DescReloc holds block indices in a byte
inline constexpr size_t kDescMaxLibs = kDescMaxBlocks;
inline constexpr size_t kDescMaxMaps = 512;
inline constexpr size_t kDescNameMax = 64;  // including NUL
inline constexpr size_t kDescPathMax = 256; // including NUL
inline constexpr size_t kObjectNameLen = 64; // SHA-256, lowercase hex
inline constexpr size_t kDescMaxBytes = 64 * 1024;
inline constexpr uint32_t kDescMaxPhnum = 512;
inline constexpr uint64_t kDescMaxTlsMemsz = 64ull << 20; // larger TLS templates are refused
inline constexpr const char *kAppBlock = ".app";

enum ProtBits : uint8_t { kProtR = 1, kProtW = 2, kProtX = 4 };

enum class Layout : uint8_t { Fixed, Aslr };

struct DescBlock {
  char name[kDescNameMax];
  uint64_t size; // page multiple
  uint64_t base; // layout fixed: from the desc; layout aslr: 0 until the loader places it
  bool has_base; // a BASE field was given
  int16_t lib;   // index into Desc::libs of this block's pool object, or -1
};

struct DescLib {
  char name[kDescNameMax];         // the block's name
  char id[kObjectNameLen + 1];     // library identity (content hash of its object)
  char object[kObjectNameLen + 1]; // pool object holding its shared part
  uint64_t object_size;
  uint16_t block; // index into Desc::blocks
};

enum class MapSource : uint8_t { Pool, Image };

struct DescMap {
  uint16_t block = 0;  // index into Desc::blocks
  uint64_t off = 0;    // offset of the map inside its block, page-aligned
  uint64_t size = 0;   // bytes of address space, page multiple
  uint8_t prot = 0;    // ProtBits, the final protection
  MapSource source = MapSource::Image;
  uint16_t lib = 0;    // Pool: index into Desc::libs (the block's lib)
  uint64_t offset = 0; // Pool: offset in the object; Image: offset in the image
  uint64_t filesz = 0; // Image: bytes from the image, the rest is zero
};

// A (block, offset) pair: the entry point, the program headers.
struct DescRef {
  uint16_t block = 0;
  uint64_t off = 0;
};

struct DescTls {
  bool present = false;
  uint16_t block = 0;
  uint64_t off = 0, filesz = 0, memsz = 0, align = 0;
};

struct DescRelocs {
  bool present = false;
  uint64_t offset = 0; // in the image, 8-byte aligned, outside every map's image bytes
  uint32_t count = 0;
};

// Load-time relocations: binary, little-endian, in the private image at
// Desc::relocs.offset (layout aslr only). Block indices follow the order of
// the 'block' records.
enum RelocKind : uint8_t {
  kRelocAbs64 = 1,  // *(u64 *)(B + offset) = base(T) + addend (data, .data.rel.ro, app table)
  kRelocSlot64 = 2, // same as abs64, a trampoline-table slot (counted apart)
  kRelocPc32 = 3,   // *(i32 *)(B + offset) = base(T) + addend - (B + offset), range-checked
};
struct DescReloc {
  uint32_t offset; // byte offset inside block `block` where the value is written
  uint8_t block;   // index of the written block
  uint8_t target;  // index of the block whose chosen base the value is relative to
  uint8_t kind;    // RelocKind
  uint8_t zero;    // must be 0
  int64_t addend;
};
static_assert(sizeof(DescReloc) == 16, "DescReloc is a 16-byte on-disk record");
static_assert(kDescMaxBlocks <= 256, "block indices of DescReloc are bytes");

struct Desc {
  int version = kDescVersion;
  char app[kDescNameMax] = {};
  char platform[16] = {};
  Layout layout = Layout::Fixed;
  char elf[kDescPathMax] = {};   // optional: the aligned ELF, relative to the desc
  char image[kDescPathMax] = {}; // the private image, relative to the desc
  uint64_t image_size = 0;
  char image_sha256[kObjectNameLen + 1] = {}; // lowercase hex of the image's bytes
  DescRef entry;
  DescRef phdr;
  uint32_t phnum = 0;
  DescTls tls;
  DescRelocs relocs;
  uint32_t nblocks = 0;
  DescBlock blocks[kDescMaxBlocks];
  uint32_t nlibs = 0;
  DescLib libs[kDescMaxLibs];
  uint32_t nmaps = 0;
  DescMap maps[kDescMaxMaps];

  // Clears every field except the arrays' unused entries, without touching
  // all 60 KiB (each touched page is a page fault in the loader).
  void reset() {
    version = kDescVersion;
    app[0] = platform[0] = elf[0] = image[0] = image_sha256[0] = '\0';
    layout = Layout::Fixed;
    image_size = 0;
    entry = phdr = DescRef{};
    phnum = 0;
    tls = DescTls{};
    relocs = DescRelocs{};
    nblocks = nlibs = nmaps = 0;
  }

  // Absolute addresses once every block has a base: always with layout
  // fixed (the desc's bases, validated: no overflow), with layout aslr after
  // the loader has set blocks[i].base. The KVM VMM and the fixed-layout
  // path of uk-slt-run use these.
  uint64_t addr(uint16_t block, uint64_t off) const { return blocks[block].base + off; }
  uint64_t map_addr(const DescMap &m) const { return addr(m.block, m.off); }
  uint64_t entry_addr() const { return addr(entry.block, entry.off); }
  uint64_t phdr_addr() const { return addr(phdr.block, phdr.off); }
  uint64_t tls_addr() const { return addr(tls.block, tls.off); }
  int find_block(const char *name) const; // index, or -1
};

// Checks what can be told before parsing: an ELF file given as a desc, or a
// file larger than kDescMaxBytes (file_size is its real size, head the first
// head_len bytes read).
Status check_desc_file(const char *head, size_t head_len, uint64_t file_size, const char *source);

// Parses and validates. `source` names the input in error messages.
Status parse_desc(const char *text, size_t len, const char *source, Desc *out);

// Semantic checks shared by the parser and the writer: alignment, blocks,
// overlaps, references, entry/phdr/TLS inside mapped memory, W^X, the
// relocation table's place in the image.
Status validate_desc(const Desc &d, const char *source);

// One relocation against the desc (index i names it in the error): kind,
// blocks, the written bytes inside an image-backed map of its block. The
// loader checks every entry with it before writing anything.
Status check_reloc(const Desc &d, const DescReloc &r, uint32_t i, const char *source, int *map_index);

// Writes the text form into buf. Returns the length, or 0 if cap is too small.
size_t format_desc(const Desc &d, char *buf, size_t cap);

// "r-x" style protection string; buf must hold 4 bytes.
void prot_string(uint8_t prot, char buf[4]);

} // namespace uk
