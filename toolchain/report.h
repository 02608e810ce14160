// report: for a set of apps (their desc files), how many pages each library
// has, how many apps share each page, unique vs total pages, and pool bytes +
// private bytes against the sum of the ELF sizes.
#pragma once

#include <string>
#include <vector>

#include "error.h"

namespace uk {

struct ReportOptions {
  std::vector<std::string> descs;
  std::string pool_dir;
  bool json = false;
};

Status run_report(const ReportOptions &opt);

} // namespace uk
