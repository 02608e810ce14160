// uk-slt: the Spacer-SLT toolchain. Each subcommand is one stage; `pack`
// runs them all for a set of apps:
//   align    reserve registry slots, generate the linker script, link the ELF
//   extract  shared pages (text + rodata) of each library -> pool objects
//   minify   private pages (app region + writable data) -> <app>.img
//   desc     <app>.desc, what uk-slt-run needs to start the app
//   report   how much of a set of apps is shared, page by page
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "align.h"
#include "fs_util.h"
#include "image_plan.h"
#include "pool.h"
#include "registry.h"
#include "report.h"
#include "stages.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace uk;

struct Global {
  std::string pool;
  std::string registry;
  bool verbose = false;

  std::string pool_dir() const { return resolve_pool_dir(pool.c_str()); }
  std::string registry_path() const {
    if (!registry.empty()) return registry;
    const char *env = std::getenv("UK_SLT_REGISTRY");
    if (env && *env) return env;
    return pool_dir() + "/layout-registry.json";
  }
};

int fail(const Error &e) {
  std::fprintf(stderr, "uk-slt: %s\n", e.what());
  return 1;
}

Result<ImagePlan> load_plan(const Global &g, const std::string &elf) {
  auto reg = Registry::load(g.registry_path());
  if (!reg) return reg.error();
  return plan_image(elf, *reg);
}

// pack --platform kvm writes <app>.kvm.{elf,ld,img,desc} beside the linuxu files.
Status run_pack_app(const Global &g, const std::string &spec, const std::string &out_dir, const std::string &platform) {
  size_t eq = spec.find('=');
  if (eq == std::string::npos || eq == 0)
    return Error::fmt("pack: '%s' is not of the form APP=LIB.o,LIB.o,...", spec.c_str());
  std::string app = spec.substr(0, eq);
  std::vector<std::string> libs;
  for (size_t pos = eq + 1; pos <= spec.size();) {
    size_t c = spec.find(',', pos);
    if (c == std::string::npos) c = spec.size();
    if (c > pos) libs.push_back(spec.substr(pos, c - pos));
    pos = c + 1;
  }
  std::string dir = out_dir + "/" + app;
  std::string base = dir + "/" + app + (platform == "linuxu" ? "" : "." + platform);
  std::string elf = base + ".elf";
  AlignOptions a;
  a.registry = g.registry_path();
  a.libs = libs;
  a.out_elf = elf;
  a.script_out = base + ".ld";
  a.verbose = g.verbose;
  UK_TRY(align_app(a));                               // slots + aligned link
  auto plan = load_plan(g, elf);                      // shared vs private split
  if (!plan) return plan.error();
  plan->platform = platform;
  plan->app = app; // helloworld, not helloworld.kvm
  ExtractStats st;
  UK_TRY(extract_objects(*plan, g.pool_dir(), &st));  // pool objects
  UK_TRY(write_image(*plan, base + ".img"));          // private image
  UK_TRY(write_desc(*plan, base + ".desc", elf, base + ".img"));
  if (g.verbose)
    std::fprintf(stderr, "pack: %s: %zu pool objects written, %zu reused, image %zu bytes\n", app.c_str(), st.written,
                 st.reused, plan->image.size());
  return {};
}

} // namespace

int main(int argc, char **argv) {
  CLI::App cli{"uk-slt: align, extract, minify and describe unikernels for a shared library pool"};
  cli.set_version_flag("--version", "uk-slt " UK_SLT_VERSION);
  cli.require_subcommand(1);
  cli.fallthrough(); // global options may also follow the subcommand
  Global g;
  cli.add_option("--pool", g.pool, "pool directory (default $UK_SLT_POOL or /dev/shm/uk-pool)");
  cli.add_option("--registry", g.registry,
                 "layout registry file (default $UK_SLT_REGISTRY or <pool>/layout-registry.json)");
  cli.add_flag("-v,--verbose", g.verbose, "print what each stage does");

  // align
  AlignOptions aopt;
  auto *align = cli.add_subcommand("align", "reserve slots and link the aligned static ELF");
  align->add_option("-o,--output", aopt.out_elf, "aligned ELF to write")->required();
  align->add_option("--script", aopt.script_out, "where to write the linker script (default OUTPUT.ld)");
  align->add_option("--linker", aopt.linker, "linker to run")->capture_default_str();
  align->add_option("libs", aopt.libs, "library objects (ld -r), in link order")->required();

  // extract
  std::vector<std::string> elves;
  auto *extract = cli.add_subcommand("extract", "write each library's shared pages into the pool");
  extract->add_option("elf", elves, "aligned ELF files")->required();

  // minify
  std::string elf_in, out;
  auto *minify = cli.add_subcommand("minify", "write the app's private image");
  minify->add_option("elf", elf_in, "aligned ELF")->required();
  minify->add_option("-o,--output", out, "image to write (default <app>.img beside the ELF)");

  // desc
  std::string image;
  auto *desc = cli.add_subcommand("desc", "write the description file");
  desc->add_option("elf", elf_in, "aligned ELF")->required();
  desc->add_option("-o,--output", out, "desc to write (default <app>.desc beside the ELF)");
  desc->add_option("--image", image, "private image (default <app>.img beside the desc)");

  // report
  ReportOptions ropt;
  auto *report = cli.add_subcommand("report", "show which pages a set of apps share");
  report->add_option("descs", ropt.descs, "description files")->required();
  report->add_flag("--json", ropt.json, "machine-readable output");

  // pack
  std::vector<std::string> specs;
  std::string out_dir = ".";
  std::string platform = "linuxu";
  auto *pack = cli.add_subcommand("pack", "align, extract, minify and desc a set of apps");
  pack->add_option("--out-dir", out_dir, "apps go to OUT_DIR/<app>/")->capture_default_str();
  pack->add_option("--platform", platform, "platform of the descs: linuxu (uk-slt-run) or kvm (uk-kvm-run)")
      ->check(CLI::IsMember({"linuxu", "kvm"}))
      ->capture_default_str();
  pack->add_option("apps", specs, "APP=LIB.o,LIB.o,... (libraries in link order)")->required();

  try {
    cli.parse(argc, argv);
  } catch (const CLI::ParseError &e) {
    if (e.get_exit_code() == 0) return cli.exit(e); // --help, --version
    std::fprintf(stderr, "uk-slt: %s (see --help)\n", e.what());
    return 2;
  }

  if (*align) {
    aopt.registry = g.registry_path();
    aopt.verbose = g.verbose;
    Status s = align_app(aopt);
    return s ? 0 : fail(s.error());
  }
  if (*extract) {
    for (const std::string &e : elves) {
      auto plan = load_plan(g, e);
      if (!plan) return fail(plan.error());
      ExtractStats st;
      Status s = extract_objects(*plan, g.pool_dir(), &st);
      if (!s) return fail(s.error());
      if (g.verbose) std::fprintf(stderr, "extract: %s: %zu written, %zu already there\n", e.c_str(), st.written, st.reused);
    }
    return 0;
  }
  if (*minify || *desc) {
    auto plan = load_plan(g, elf_in);
    if (!plan) return fail(plan.error());
    std::string base = dirname_of(elf_in) + "/" + plan->app;
    Status s;
    if (*minify) s = write_image(*plan, out.empty() ? base + ".img" : out);
    else {
      std::string d = out.empty() ? base + ".desc" : out;
      s = write_desc(*plan, d, elf_in, image.empty() ? dirname_of(d) + "/" + plan->app + ".img" : image);
    }
    return s ? 0 : fail(s.error());
  }
  if (*report) {
    ropt.pool_dir = g.pool_dir();
    Status s = run_report(ropt);
    return s ? 0 : fail(s.error());
  }
  if (*pack) {
    bool tty = isatty(2);
    for (size_t i = 0; i < specs.size(); i++) {
      if (tty) std::fprintf(stderr, "\r[%zu/%zu] packing %-40.40s", i + 1, specs.size(), specs[i].c_str());
      Status s = run_pack_app(g, specs[i], out_dir, platform);
      if (!s) {
        if (tty) std::fprintf(stderr, "\n");
        return fail(s.error());
      }
    }
    if (tty) std::fprintf(stderr, "\r%-60s\r", "");
    return 0;
  }
  return 0;
}
