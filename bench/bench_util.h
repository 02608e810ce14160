// What the uk-bench-* tools share besides running processes (proc_util.h):
// progress lines, the load average, input checks, the pool objects a desc names.
#pragma once

#include <set>
#include <string>

namespace ukbench {

// -v of every bench tool: progress lines also when stderr is not a terminal.
extern bool g_verbose;
// "TOOL: what" on stderr when it is a terminal or with -v (nothing in logs otherwise).
void progress(const char *tool, const std::string &what);
// /proc/loadavg's three averages, or "unknown".
std::string loadavg();
// Throws BenchError("WHAT PATH: not found or not readable") unless path is readable.
void check_file(const std::string &path, const char *what);
// realpath(dir); throws BenchError if it cannot be resolved.
std::string canonical_dir(const std::string &dir);
// The pool objects (file names in the pool) that a desc names on its `lib` lines.
std::set<std::string> desc_pool_objects(const std::string &desc);

} // namespace ukbench
