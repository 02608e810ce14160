#include "aslr_entropy.h"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <fmt/format.h>
#include <map>
#include <sstream>

#include "proc_util.h"

namespace ukbench {
namespace {

constexpr const char *kBasesPrefix = "uk-slt-run: aslr: bases (/bits of entropy)";
constexpr int kPageShift = 12;
constexpr int kAddressBits = 64;

double binary_entropy(double p) {
  if (p <= 0 || p >= 1) return 0;
  return -(p * std::log2(p) + (1 - p) * std::log2(1 - p));
}

// Σ over bit positions of the binary entropy of that bit of the values.
double bit_entropy(const std::vector<uint64_t> &values) {
  if (values.empty()) return 0;
  double sum = 0;
  for (int b = 0; b < kAddressBits; b++) {
    size_t ones = 0;
    for (uint64_t v : values) ones += (v >> b) & 1;
    sum += binary_entropy(static_cast<double>(ones) / static_cast<double>(values.size()));
  }
  return sum;
}

// Page numbers of `bases` minus the lowest one: the bits that vary.
std::vector<uint64_t> pages_from_lowest(const std::vector<uint64_t> &bases) {
  uint64_t lo = *std::min_element(bases.begin(), bases.end());
  std::vector<uint64_t> v;
  v.reserve(bases.size());
  for (uint64_t b : bases) v.push_back((b - lo) >> kPageShift);
  return v;
}

// Distances a - b as non-negative page counts from the smallest distance
// (two's complement wraps are undone by the shift: |a - b| < 2^63 here).
std::vector<uint64_t> distance_pages(const std::vector<uint64_t> &a, const std::vector<uint64_t> &b) {
  std::vector<int64_t> d;
  d.reserve(a.size());
  for (size_t i = 0; i < a.size(); i++) d.push_back(static_cast<int64_t>(a[i] - b[i]) >> kPageShift);
  int64_t lo = *std::min_element(d.begin(), d.end());
  std::vector<uint64_t> v;
  v.reserve(d.size());
  for (int64_t x : d) v.push_back(static_cast<uint64_t>(x - lo));
  return v;
}

uint64_t parse_hex(const std::string &s, const std::string &what) {
  errno = 0;
  char *end = nullptr;
  unsigned long long v = std::strtoull(s.c_str(), &end, 16);
  if (errno != 0 || s.size() < 3 || s.compare(0, 2, "0x") != 0 || *end != '\0')
    throw BenchError(fmt::format("{}: bad base '{}' in the --stats bases line", what, s));
  return v;
}

} // namespace

std::vector<BlockBase> parse_aslr_bases(const std::string &stderr_text, const std::string &what) {
  std::istringstream lines(stderr_text);
  std::string line;
  while (std::getline(lines, line)) {
    if (!line.starts_with(kBasesPrefix)) continue;
    std::istringstream fields(line.substr(std::char_traits<char>::length(kBasesPrefix)));
    std::vector<BlockBase> blocks;
    std::string f;
    while (fields >> f) {
      size_t eq = f.find('='), slash = f.rfind('/');
      if (eq == std::string::npos || eq == 0 || slash == std::string::npos || slash < eq)
        throw BenchError(fmt::format("{}: cannot parse '{}' in the --stats bases line", what, f));
      BlockBase b;
      b.name = f.substr(0, eq);
      b.base = parse_hex(f.substr(eq + 1, slash - eq - 1), what);
      const std::string bits = f.substr(slash + 1);
      if (bits.empty() || bits.size() > 2 || bits.find_first_not_of("0123456789") != std::string::npos)
        throw BenchError(fmt::format("{}: bad bits '{}' in the --stats bases line", what, f));
      b.bits = std::stoi(bits);
      blocks.push_back(std::move(b));
    }
    if (blocks.empty()) throw BenchError(what + ": the --stats bases line lists no block");
    return blocks;
  }
  throw BenchError(what + ": no '" + kBasesPrefix + "' line on stderr (not an ASLR desc, or --stats changed)");
}

bool BlockEntropy::pairs_plausible() const {
  return static_cast<double>(equal_pairs) <= expected_pairs + 4 * std::sqrt(expected_pairs) + 2;
}

bool BlockEntropy::consistent_with_claim() const {
  return estimate() >= claimed_min - 1 && span_bits >= claimed_min - 1 && pairs_plausible();
}

std::vector<BlockEntropy> entropy_of(const std::vector<std::vector<BlockBase>> &starts) {
  if (starts.empty()) return {};
  const std::vector<BlockBase> &first = starts.front();
  const size_t nblocks = first.size(), n = starts.size();
  std::vector<std::vector<uint64_t>> bases(nblocks);
  std::vector<BlockEntropy> out(nblocks);
  for (size_t k = 0; k < nblocks; k++) {
    out[k].name = first[k].name;
    out[k].claimed_min = out[k].claimed_max = first[k].bits;
  }
  for (size_t s = 0; s < n; s++) {
    if (starts[s].size() != nblocks) throw BenchError(fmt::format("start {}: {} blocks, the first had {}", s + 1,
                                                                  starts[s].size(), nblocks));
    for (size_t k = 0; k < nblocks; k++) {
      const BlockBase &b = starts[s][k];
      if (b.name != first[k].name)
        throw BenchError(fmt::format("start {}: block {} is '{}', the first start's is '{}'", s + 1, k, b.name,
                                     first[k].name));
      bases[k].push_back(b.base);
      out[k].claimed_min = std::min(out[k].claimed_min, b.bits);
      out[k].claimed_max = std::max(out[k].claimed_max, b.bits);
    }
  }
  const double dn = static_cast<double>(n);
  for (size_t k = 0; k < nblocks; k++) {
    BlockEntropy &e = out[k];
    e.starts = n;
    std::map<uint64_t, uint64_t> count;
    for (uint64_t b : bases[k]) count[b]++;
    e.distinct = count.size();
    for (const auto &[base, c] : count) {
      e.equal_pairs += c * (c - 1) / 2;
      double p = static_cast<double>(c) / dn;
      e.plugin_bits -= p * std::log2(p);
    }
    e.expected_pairs = dn * (dn - 1) / 2 / std::exp2(e.claimed_min);
    std::vector<uint64_t> pages = pages_from_lowest(bases[k]);
    e.span_bits = std::log2(static_cast<double>(*std::max_element(pages.begin(), pages.end())) + 1);
    e.bit_entropy = bit_entropy(pages);
    e.distance_bits = e.bit_entropy;
    for (size_t j = 0; j < nblocks; j++) {
      if (j == k) continue;
      double d = bit_entropy(distance_pages(bases[k], bases[j]));
      if (e.nearest.empty() || d < e.distance_bits) {
        e.distance_bits = d;
        e.nearest = out[j].name;
      }
    }
  }
  return out;
}

} // namespace ukbench
