#include "hash.h"

#include <cstring>

namespace uk::dyn {

uint32_t gnu_hash(const char *name) {
  uint32_t h = 5381;
  for (const unsigned char *s = reinterpret_cast<const unsigned char *>(name); *s; s++) h = h * 33 + *s;
  return h;
}

uint32_t sysv_hash(const char *name) {
  uint32_t h = 0;
  for (const unsigned char *s = reinterpret_cast<const unsigned char *>(name); *s; s++) {
    h = (h << 4) + *s;
    uint32_t g = h & 0xf0000000u;
    if (g) h ^= g >> 24;
    h &= ~g;
  }
  return h;
}

SymbolName::SymbolName(const char *n) : name(n), len(std::strlen(n)), gnu(gnu_hash(n)), sysv(kNoHash) {}

namespace {

Status validate_sysv(DynObject &o, uint64_t vaddr) {
  auto hdr = o.at(vaddr, 8, PF_R, "DT_HASH");
  if (!hdr) return hdr.error();
  const uint32_t *h = reinterpret_cast<const uint32_t *>(*hdr);
  uint32_t nbucket = h[0], nchain = h[1];
  uint64_t words = 2 + uint64_t{nbucket} + nchain;
  auto all = o.at(vaddr, words * 4, PF_R, "DT_HASH table");
  if (!all) return all.error();
  if (nchain == 0 && nbucket) return Error::fmt("%s: DT_HASH has buckets but no chains", o.name);
  const uint32_t *buckets = h + 2, *chains = h + 2 + nbucket;
  for (uint32_t i = 0; i < nbucket; i++)
    if (buckets[i] >= nchain)
      return Error::fmt("%s: DT_HASH bucket %u is %u, beyond the %u symbols (nchain)", o.name, i, buckets[i], nchain);
  for (uint32_t i = 0; i < nchain; i++)
    if (chains[i] >= nchain)
      return Error::fmt("%s: DT_HASH chain entry %u is %u, beyond the %u symbols (nchain)", o.name, i, chains[i],
                        nchain);
  o.sysv = SysvHash{true, nbucket, nchain, buckets, chains};
  return {};
}

Status validate_gnu(DynObject &o, uint64_t vaddr, uint32_t nsyms_known) {
  if (vaddr & 7) return Error::fmt("%s: DT_GNU_HASH at 0x%lx is misaligned", o.name, static_cast<unsigned long>(vaddr));
  auto hdr = o.at(vaddr, 16, PF_R, "DT_GNU_HASH");
  if (!hdr) return hdr.error();
  const uint32_t *h = reinterpret_cast<const uint32_t *>(*hdr);
  GnuHash g;
  g.present = true;
  g.nbuckets = h[0];
  g.symoffset = h[1];
  g.bloom_size = h[2];
  g.bloom_shift = h[3];
  if (!g.bloom_size || (g.bloom_size & (g.bloom_size - 1)))
    return Error::fmt("%s: DT_GNU_HASH Bloom filter size %u is not a power of two", o.name, g.bloom_size);
  if (g.bloom_shift >= 64) return Error::fmt("%s: DT_GNU_HASH Bloom shift %u is not below 64", o.name, g.bloom_shift);
  uint64_t fixed = 16 + uint64_t{g.bloom_size} * 8 + uint64_t{g.nbuckets} * 4;
  auto all = o.at(vaddr, fixed, PF_R, "DT_GNU_HASH table");
  if (!all) return all.error();
  g.bloom = reinterpret_cast<const uint64_t *>(*all + 16);
  g.buckets = reinterpret_cast<const uint32_t *>(*all + 16 + uint64_t{g.bloom_size} * 8);
  uint64_t chains_vaddr = vaddr + fixed;
  g.chains = reinterpret_cast<const uint32_t *>(o.base + chains_vaddr); // checked entry by entry below

  // The symbol count is where the chain of the highest bucket ends.
  uint32_t max = 0;
  for (uint32_t i = 0; i < g.nbuckets; i++) {
    if (g.buckets[i] && g.buckets[i] < g.symoffset)
      return Error::fmt("%s: DT_GNU_HASH bucket %u is %u, below the first hashed symbol %u", o.name, i,
                        g.buckets[i], g.symoffset);
    if (g.buckets[i] > max) max = g.buckets[i];
  }
  uint32_t nsyms = g.symoffset;
  if (max) {
    for (uint32_t i = max;; i++) {
      if (nsyms_known && i >= nsyms_known)
        return Error::fmt("%s: DT_GNU_HASH chain runs past the %u symbols of DT_HASH", o.name, nsyms_known);
      if (!o.contains(chains_vaddr + uint64_t{i - g.symoffset} * 4, 4, PF_R))
        return Error::fmt("%s: DT_GNU_HASH chain for symbol %u is outside every loadable segment (no end marker)",
                          o.name, i);
      if (g.chains[i - g.symoffset] & 1) {
        nsyms = i + 1;
        break;
      }
    }
  }
  if (nsyms > g.symoffset && !o.contains(chains_vaddr, uint64_t{nsyms - g.symoffset} * 4, PF_R))
    return Error::fmt("%s: DT_GNU_HASH chains (%u entries) are outside every loadable segment", o.name,
                      nsyms - g.symoffset);
  if (nsyms_known && nsyms > nsyms_known)
    return Error::fmt("%s: DT_GNU_HASH covers %u symbols, DT_HASH only %u", o.name, nsyms, nsyms_known);
  o.gnu = g;
  if (!nsyms_known) o.nsyms = nsyms;
  return {};
}

bool name_is(const DynObject &o, const Elf64_Sym &s, const SymbolName &n) {
  if (s.st_name >= o.strsz) return false;
  uint64_t room = o.strsz - s.st_name;
  if (n.len >= room) return false;
  const char *p = o.strtab + s.st_name;
  return p[n.len] == '\0' && std::memcmp(p, n.name, n.len) == 0;
}

constexpr unsigned kOkTypes = 1u << STT_NOTYPE | 1u << STT_OBJECT | 1u << STT_FUNC | 1u << STT_COMMON |
                              1u << STT_TLS | 1u << STT_GNU_IFUNC;
constexpr unsigned kOkBinds = 1u << STB_GLOBAL | 1u << STB_WEAK | 1u << STB_GNU_UNIQUE;

// A definition another object may bind to. Versions: only hidden
// (non-default) versions are skipped, as musl does; names are matched
// without version otherwise.
bool is_definition(const DynObject &o, uint32_t i) {
  const Elf64_Sym &s = o.symtab[i];
  if (s.st_shndx == SHN_UNDEF) return false;
  if (!(kOkTypes & (1u << ELF64_ST_TYPE(s.st_info))) || !(kOkBinds & (1u << ELF64_ST_BIND(s.st_info)))) return false;
  if (ELF64_ST_VISIBILITY(s.st_other) == STV_HIDDEN || ELF64_ST_VISIBILITY(s.st_other) == STV_INTERNAL) return false;
  if (o.versym && (o.versym[i] & 0x8000)) return false;
  return true;
}

} // namespace

Status validate_hash_tables(DynObject &o, uint64_t sysv_vaddr, uint64_t gnu_vaddr) {
  if (sysv_vaddr) {
    if (sysv_vaddr & 3)
      return Error::fmt("%s: DT_HASH at 0x%lx is misaligned", o.name, static_cast<unsigned long>(sysv_vaddr));
    UK_TRY(validate_sysv(o, sysv_vaddr));
    o.nsyms = o.sysv.nchain;
  }
  if (gnu_vaddr) UK_TRY(validate_gnu(o, gnu_vaddr, sysv_vaddr ? o.nsyms : 0));
  return {};
}

const Elf64_Sym *find_definition(const DynObject &o, SymbolName &n) {
  if (o.gnu.present) {
    const GnuHash &g = o.gnu;
    uint64_t word = g.bloom[(n.gnu / 64) & (g.bloom_size - 1)];
    uint64_t mask = (uint64_t{1} << (n.gnu % 64)) | (uint64_t{1} << ((uint64_t{n.gnu} >> g.bloom_shift) % 64)); // shift < 64
    if ((word & mask) != mask || !g.nbuckets) return nullptr;
    uint32_t i = g.buckets[n.gnu % g.nbuckets];
    if (!i) return nullptr;
    for (; i < o.nsyms; i++) {
      uint32_t h = g.chains[i - g.symoffset];
      if ((h | 1) == (n.gnu | 1) && name_is(o, o.symtab[i], n) && is_definition(o, i)) return &o.symtab[i];
      if (h & 1) break;
    }
    return nullptr;
  }
  if (o.sysv.present && o.sysv.nbucket) {
    if (n.sysv == SymbolName::kNoHash) n.sysv = sysv_hash(n.name);
    uint32_t i = o.sysv.buckets[n.sysv % o.sysv.nbucket];
    for (uint32_t steps = 0; i && steps < o.sysv.nchain; steps++, i = o.sysv.chains[i])
      if (name_is(o, o.symtab[i], n) && is_definition(o, i)) return &o.symtab[i];
  }
  return nullptr;
}

} // namespace uk::dyn
