// Entropy of SLT [ASLR] layouts, measured from many starts of uk-slt-run
// --stats (each start prints every block's chosen base and the bits of
// entropy the loader claims for it).
//
// What a sample of N starts can show (N = 1000 by default): the plug-in
// Shannon entropy of N samples is at most log2 N (about 10 bits), so it
// cannot confirm 28 bits by itself. The estimates below say more:
//   - equal pairs: pairs of starts that drew the same base, against the
//     number expected if the base were uniform over 2^claimed values
//     (N(N-1)/2 / 2^claimed); far more pairs than that means less entropy;
//   - span bits: log2 of the number of pages between the lowest and the
//     highest base seen;
//   - bit entropy: the sum over the page-number bits of each bit's binary
//     entropy (1 for a fair bit); a stuck or biased bit lowers it. It is an
//     upper bound of the true entropy (it ignores dependence between bits);
//   - distance bits: the bit entropy of the distance between this block's
//     base and another block's, minimised over the other blocks: what is
//     left to guess once that other block's base is known (a block that
//     moves with another one shows it here, not in its own bit entropy).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace ukbench {

struct BlockBase {
  std::string name;
  uint64_t base = 0;
  int bits = 0; // what the loader claims (log2 of its possible bases, rounded down)
};

// The blocks of one start, from the "uk-slt-run: aslr: bases (/bits of
// entropy) NAME=0xBASE/BITS ..." line of uk-slt-run --stats; throws
// BenchError (naming `what`) if the line is missing or malformed.
std::vector<BlockBase> parse_aslr_bases(const std::string &stderr_text, const std::string &what);

struct BlockEntropy {
  std::string name;
  int claimed_min = 0, claimed_max = 0; // over the starts (the loader's claim may vary with collisions)
  size_t starts = 0, distinct = 0;
  uint64_t equal_pairs = 0;
  double expected_pairs = 0; // at claimed_min bits
  double plugin_bits = 0;    // Shannon entropy of the sample, <= log2(starts)
  double span_bits = 0;
  double bit_entropy = 0;
  double distance_bits = 0; // min over the other blocks; = bit_entropy when there is none
  std::string nearest;      // the other block of distance_bits ("" when there is none)

  // The lower of bit_entropy and distance_bits: the estimate compared with
  // the claim and the target.
  double estimate() const { return distance_bits < bit_entropy ? distance_bits : bit_entropy; }
  // Equal pairs within what chance allows at the claimed bits (mean + 4
  // standard deviations + 2 of a Poisson count).
  bool pairs_plausible() const;
  // The sample agrees with the claim: estimate and span within one bit of it
  // (or above), pairs plausible.
  bool consistent_with_claim() const;
};

// One BlockEntropy per block, in the order of the first start; every start
// must list the same blocks (throws BenchError otherwise).
std::vector<BlockEntropy> entropy_of(const std::vector<std::vector<BlockBase>> &starts);

} // namespace ukbench
