// The command-line conventions of the CLI11 tools (uk-slt, the bench tools);
// the lean loaders follow the same ones with loader-common/flags.h:
//   - usage lines and every error name the tool, never its path;
//   - -h/--help and -V/--version print to stdout and exit 0;
//   - an unknown option or subcommand is named, wherever it appears, before
//     any "X is required" (CLI11 alone checks requirements first);
//   - a usage error is one line "TOOL: what (see --help)" and status 2.
// Header-only so each CLI11 tool compiles it without a library of its own.
#pragma once

#include <CLI/CLI.hpp>
#include <cstdio>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace uk::cli {

inline constexpr int kUsageError = 2;

// Parses argv into `app`. Returns nullopt when the tool should go on, else
// the status to exit with (0 after --help/--version, kUsageError after a
// usage error, already printed). `app` is named `tool` in its usage lines.
inline std::optional<int> parse(CLI::App &app, const char *tool, int argc, char **argv) {
  app.name(tool);
  // Requirements are checked here, after unknown arguments: CLI11 would
  // report "--output is required" before "--bogus is not an option".
  std::vector<std::pair<CLI::Option *, CLI::App *>> required;
  std::vector<CLI::App *> apps{&app};
  for (CLI::App *sub : app.get_subcommands([](CLI::App *) { return true; })) apps.push_back(sub);
  for (CLI::App *a : apps) {
    a->allow_extras();
    for (CLI::Option *o : a->get_options([](CLI::Option *o) { return o->get_required(); })) {
      required.emplace_back(o, a);
      o->required(false);
    }
  }
  const size_t need_sub = app.get_require_subcommand_min();
  app.require_subcommand(0, app.get_require_subcommand_max());

  auto usage = [&](const std::string &what) {
    std::fprintf(stderr, "%s: %s (see --help)\n", tool, what.c_str());
    return std::optional<int>(kUsageError);
  };
  try {
    app.parse(argc, argv);
  } catch (const CLI::Success &e) {
    return app.exit(e);
  } catch (const CLI::ParseError &e) {
    return usage(e.what());
  }

  CLI::App *chosen = nullptr;
  for (CLI::App *sub : app.get_subcommands()) chosen = sub;
  std::string where = chosen ? chosen->get_name() + ": " : "";
  std::vector<std::string> extras = app.remaining(true);
  if (!extras.empty()) {
    const std::string &x = extras.front();
    if (x.size() > 1 && x[0] == '-') return usage(where + "unknown option '" + x + "'");
    if (!chosen && apps.size() > 1) {
      std::string names;
      for (size_t i = 1; i < apps.size(); i++) names += (i > 1 ? ", " : "") + apps[i]->get_name();
      return usage("unknown subcommand '" + x + "' (one of " + names + ")");
    }
    return usage(where + "unexpected argument '" + x + "'");
  }
  if (need_sub && !chosen) {
    std::string names;
    for (size_t i = 1; i < apps.size(); i++) names += (i > 1 ? ", " : "") + apps[i]->get_name();
    return usage("a subcommand is required (one of " + names + ")");
  }
  for (const auto &[opt, owner] : required)
    if ((owner == &app || owner == chosen) && opt->count() == 0)
      return usage((owner == &app ? "" : owner->get_name() + ": ") + opt->get_name() + " is required");
  return std::nullopt;
}

// Call before parse(): the version line every tool prints for -V/--version.
inline void version(CLI::App &app, const std::string &line) { app.set_version_flag("-V,--version", line); }

} // namespace uk::cli
