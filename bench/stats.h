// Order statistics for noisy samples: quantiles by linear interpolation
// between closest ranks (the median of an even count is the mean of the two
// middle values).
#pragma once

#include <algorithm>
#include <cmath>
#include <vector>

namespace ukbench {

template <typename T>
double quantile(std::vector<T> v, double q) {
  if (v.empty()) return std::nan("");
  std::sort(v.begin(), v.end());
  double pos = q * static_cast<double>(v.size() - 1);
  size_t lo = static_cast<size_t>(std::floor(pos));
  size_t hi = std::min(lo + 1, v.size() - 1);
  double frac = pos - static_cast<double>(lo);
  return static_cast<double>(v[lo]) + (static_cast<double>(v[hi]) - static_cast<double>(v[lo])) * frac;
}

template <typename T>
double median(const std::vector<T> &v) {
  return quantile(v, 0.5);
}

struct Spread {
  double median = 0, p10 = 0, p90 = 0, min = 0, max = 0;
};

template <typename T>
Spread spread(const std::vector<T> &v) {
  return {quantile(v, 0.5), quantile(v, 0.1), quantile(v, 0.9), quantile(v, 0.0), quantile(v, 1.0)};
}

} // namespace ukbench
