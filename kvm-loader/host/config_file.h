// `uk-kvm-run --config-file FILE`: the Firecracker-style VM configuration
// the seeds' scripts pass (`firecracker --no-api --config-file uk_config.json`).
//
// Why a parser of our own rather than "read two keys": a config file written
// for Firecracker carries many sections this VMM has no use for (drives,
// network-interfaces, logger, metrics, ...). Silently dropping them would let
// a user believe a drive or a NIC is attached; refusing them would break every
// seed config. So: the four fields that mean something here are validated
// strictly (type, range, with the field's JSON path in the message), and every
// other field present with a value becomes one warning naming its JSON path,
// which the VMM prints before booting.
//
// Accepted shape (every section optional except boot-source):
//   {
//     "boot-source":    { "kernel_image_path": "app.desc" | "app.elf",
//                         "boot_args": "arg1 'arg two' -- ...",
//                         "initrd_path": null },
//     "machine-config": { "vcpu_count": 1, "mem_size_mib": 64, ... },
//     "drives": [...], "network-interfaces": [...], "logger": {...}, ...
//   }
//
// boot_args quoting (split_boot_args): arguments are separated by runs of
// spaces, tabs or newlines; inside '...' every character is literal; inside
// "..." a backslash escapes '"' and '\' only; outside quotes a backslash makes
// the next character literal; quotes join with adjacent text (a'b c'd is one
// argument `ab cd`); "" gives an empty argument; an unterminated quote or a
// trailing backslash is refused. A `--` argument follows Unikraft's
// convention: what precedes it are kernel parameters (returned apart, the VMM
// warns they are ignored), what follows it are the application's arguments;
// without `--` every argument is the application's. The arguments are argv[1..]
// (argv[0] is chosen by the VMM, as for `uk-kvm-run APP [ARGS...]`).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "error.h"

namespace uk::kvmhost {

inline constexpr uint64_t kConfigMaxFileSize = 1 << 20;   // bytes; a config file is small
inline constexpr uint64_t kConfigMaxMemMib = 64 * 1024;   // 64 GiB of guest RAM at most
inline constexpr uint64_t kConfigMaxBootArgsLen = 4096;   // bytes, like Linux's COMMAND_LINE_SIZE order

struct VmConfig {
  // boot-source.kernel_image_path: a desc or an aligned ELF; a relative path
  // is made relative to the config file's directory (absolute stays as is).
  std::string kernel_image_path;
  // boot-source.boot_args split as documented above: argv[1..].
  std::vector<std::string> args;
  // Arguments before a `--` in boot_args (Unikraft kernel parameters).
  std::vector<std::string> kernel_params;
  // machine-config.vcpu_count: always 1 (other values are refused).
  uint32_t vcpu_count = 1;
  // machine-config.mem_size_mib, 1..kConfigMaxMemMib; empty if absent (the
  // VMM then uses --mem or its default).
  std::optional<uint64_t> mem_size_mib;
  // One line per ignored field: "drives[0].path_on_host: ignored",
  // "foo: unknown field, ignored". Fields whose value is null, false, [] or
  // {} (what Firecracker writes for "absent") give no warning.
  std::vector<std::string> warnings;
};

// Parses the JSON text of a config file. `file_name` prefixes every error
// ("FILE: machine-config.vcpu_count: ..."); `base_dir` is the directory
// relative kernel paths are resolved against ("" = leave them relative).
Result<VmConfig> parse_config(std::string_view text, const std::string &file_name, const std::string &base_dir);

// Reads FILE (a regular file of at most kConfigMaxFileSize bytes) and parses
// it with base_dir = FILE's directory.
Result<VmConfig> load_config_file(const std::string &path);

// boot_args -> arguments, by the quoting rules above (no `--` handling).
// Errors name the byte offset ("unterminated ' quote starting at byte 4").
Result<std::vector<std::string>> split_boot_args(std::string_view args);

} // namespace uk::kvmhost
