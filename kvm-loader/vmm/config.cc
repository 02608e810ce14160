#include "config.h"

#include <cstdio>

#include "config_file.h"

namespace uk::kvm {

Status apply_config_file(Options *o, ConfigArgs *s) {
  auto cfg = kvmhost::load_config_file(o->config_file);
  if (!cfg) return cfg.error();
  for (const std::string &w : cfg->warnings) std::fprintf(stderr, "uk-kvm-run: %s: %s\n", o->config_file, w.c_str());
  if (!cfg->kernel_params.empty())
    std::fprintf(stderr, "uk-kvm-run: %s: boot_args: %zu kernel parameters before '--' ignored\n", o->config_file,
                 cfg->kernel_params.size());
  if (cfg->mem_size_mib && !o->mem_given) {
    if (*cfg->mem_size_mib > kMaxMemMib)
      return Error::fmt("%s: machine-config.mem_size_mib: %lu MiB, this VMM gives at most %lu", o->config_file,
                        static_cast<unsigned long>(*cfg->mem_size_mib), static_cast<unsigned long>(kMaxMemMib));
    o->mem_mib = *cfg->mem_size_mib;
  }
  if (o->app) return {}; // the command line's app and arguments win
  s->args.push_back(cfg->kernel_image_path);
  for (std::string &a : cfg->args) s->args.push_back(std::move(a));
  for (std::string &a : s->args) s->argv.push_back(a.data());
  s->argv.push_back(nullptr);
  o->app = s->args[0].c_str();
  o->app_argc = static_cast<int>(s->args.size());
  o->app_argv = s->argv.data();
  return {};
}

} // namespace uk::kvm
