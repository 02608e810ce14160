// What a failed (or suspicious) link printed, turned into one uk-slt error:
// a first line that names the undefined symbols and, when they belong to a
// platform library every app links (boot, musl, gccrt), which one is
// probably missing; then the linker's own output, bounded.
#pragma once

#include <string>
#include <vector>

#include "error.h"

namespace uk {

inline constexpr size_t kLinkDiagMaxLines = 20;
inline constexpr size_t kLinkDiagMaxBytes = 4096;

// Symbols the linker reported undefined ("undefined reference to `X'",
// "required symbol `X' not defined"), each once, in order.
std::vector<std::string> undefined_symbols(const std::string &ld_output);

// `elf`: the output named in the message; `entry`: the entry symbol.
Error link_error(const std::string &elf, const std::string &linker, int status, const std::string &ld_output,
                 const char *entry);

} // namespace uk
