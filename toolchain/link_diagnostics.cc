#include "link_diagnostics.h"

#include <algorithm>
#include <cstring>

namespace uk {
namespace {

// Platform libraries and symbols that only they define: data, not code,
// so a new platform library is one more row.
struct PlatformLibrary {
  const char *object;
  std::vector<const char *> symbols;
};

const std::vector<PlatformLibrary> &platform_libraries() {
  static const std::vector<PlatformLibrary> libs = {
      {"boot.o", {"_start", "__uk_start_c", "__init_array_start", "__init_array_end", "__fini_array_start",
                  "__fini_array_end"}},
      {"musl.o", {"__libc_start_main", "printf", "fprintf", "puts", "putchar", "fputs", "fwrite", "fflush", "malloc",
                  "calloc", "realloc", "free", "memcpy", "memmove", "memset", "memcmp", "strlen", "strcmp", "strcpy",
                  "strncmp", "exit", "_exit", "abort", "write", "read", "open", "close", "atoi", "strtol", "snprintf",
                  "sprintf", "errno", "__errno_location", "stdout", "stderr", "stdin", "getenv", "time", "clock"}},
      {"gccrt.o", {"__muldc3", "__mulsc3", "__mulxc3", "__divdc3", "__divsc3", "__divxc3", "__divti3", "__udivti3",
                   "__modti3", "__umodti3", "__popcountdi2", "__clzti2", "__ctzti2"}},
  };
  return libs;
}

std::string join(const std::vector<std::string> &v, size_t max) {
  std::string s;
  for (size_t i = 0; i < v.size() && i < max; i++) s += (i ? ", " : "") + v[i];
  if (v.size() > max) s += ", ... (" + std::to_string(v.size()) + " in all)";
  return s;
}

// The linker output, two spaces before each line, at most
// kLinkDiagMaxLines lines and about kLinkDiagMaxBytes bytes.
std::string bounded(const std::string &out) {
  std::string s;
  size_t lines = 0, pos = 0, total = static_cast<size_t>(std::count(out.begin(), out.end(), '\n'));
  if (!out.empty() && out.back() != '\n') total++;
  while (pos < out.size() && lines < kLinkDiagMaxLines) {
    size_t e = out.find('\n', pos);
    if (e == std::string::npos) e = out.size();
    std::string line = out.substr(pos, std::min<size_t>(e - pos, 400));
    if (s.size() + line.size() + 3 > kLinkDiagMaxBytes) break;
    for (char &c : line)
      if (static_cast<unsigned char>(c) < 0x20 && c != '\t') c = '?';
    s += "\n  " + line;
    lines++;
    pos = e + 1;
  }
  if (lines < total) s += "\n  ... (" + std::to_string(total - lines) + " more lines of linker output)";
  return s;
}

} // namespace

std::vector<std::string> undefined_symbols(const std::string &ld_output) {
  std::vector<std::string> out;
  for (const char *marker : {"undefined reference to `", "required symbol `"}) {
    size_t m = strlen(marker);
    for (size_t p = ld_output.find(marker); p != std::string::npos; p = ld_output.find(marker, p + m)) {
      size_t end = ld_output.find('\'', p + m);
      if (end == std::string::npos || end - (p + m) > 200) continue;
      std::string sym = ld_output.substr(p + m, end - (p + m));
      if (std::find(out.begin(), out.end(), sym) == out.end()) out.push_back(sym);
    }
  }
  return out;
}

Error link_error(const std::string &elf, const std::string &linker, int status, const std::string &ld_output,
                 const char *entry) {
  std::vector<std::string> undef = undefined_symbols(ld_output);
  std::vector<std::string> missing;
  for (const PlatformLibrary &l : platform_libraries())
    for (const std::string &u : undef)
      if (std::find_if(l.symbols.begin(), l.symbols.end(), [&](const char *s) { return u == s; }) != l.symbols.end()) {
        missing.push_back(l.object);
        break;
      }
  std::string hint;
  if (missing.size() == 1) hint = " (is the platform library " + missing[0] + " missing?)";
  else if (!missing.empty()) hint = " (are the platform libraries " + join(missing, 8) + " missing?)";
  std::string head;
  if (undef.size() == 1 && undef[0] == entry)
    head = "link failed: no library defines the entry point " + undef[0] + hint;
  else if (!undef.empty())
    head = "link failed (" + linker + " exited " + std::to_string(status) + "): undefined symbols: " + join(undef, 8) +
           hint;
  else
    head = "link failed (" + linker + " exited " + std::to_string(status) + ")";
  return Error::fmt("%s: %s%s", elf.c_str(), head.c_str(), bounded(ld_output).c_str());
}

} // namespace uk
