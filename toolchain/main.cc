// uk-slt: the Spacer-SLT toolchain. Each subcommand is one stage; `pack`
// runs them all for a set of apps:
//   align    reserve registry slots, generate the linker script, link the ELF
//   extract  shared pages (text + rodata) of each library -> pool objects
//   minify   private pages (app region + writable data) -> <app>.img
//   desc     <app>.desc, what uk-slt-run needs to start the app
//   report   how much of a set of apps is shared, page by page
//   gc       remove pool objects, registry slots and temp files no desc uses
//   ls       pool objects, their sizes and the apps that use them
//   fsck     pool integrity: every object against its name, type, mode, owner
//   cflags   the compiler flags objects need (cmake/package/UkSltFlags.cmake)
#include <unistd.h>

#include <CLI/CLI.hpp>
#include <fmt/format.h>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>
#include <vector>

#include "align.h"
#include "cli_conventions.h"
#include "aslr_pack.h"
#include "fs_util.h"
#include "gc.h"
#include "fsck.h"
#include "image_plan.h"
#include "object_flags.h"
#include "pack.h"
#include "platform_libs.h"
#include "pool.h"
#include "progress.h"
#include "registry.h"
#include "report.h"
#include "stages.h"
#include "verify.h"

#ifndef UK_SLT_VERSION
#define UK_SLT_VERSION "0.0.0"
#endif

namespace {

using namespace uk;

struct Global {
  std::string pool;
  std::string registry;
  bool verbose = false;
  bool immutable = false; // extract/pack: FS_IMMUTABLE_FL on pool objects
  std::string profile = "corpus"; // align/pack: corpus | unikraft
  std::string unikraft_tree;      // unikraft profile: tree with support/scripts/mkbootinfo.py

  Profile link_profile() const { return profile == "unikraft" ? Profile::Unikraft : Profile::Corpus; }

  std::string pool_dir() const { return resolve_pool_dir(pool.c_str()); }
  std::string registry_path() const {
    if (!registry.empty()) return registry;
    const char *env = std::getenv("UK_SLT_REGISTRY");
    if (env && *env) return env;
    return pool_dir() + "/layout-registry.json";
  }
};

// Exit statuses (README "Command-line conventions"): 0 success, 1 an error
// in the input or the environment, 2 a usage error (cli::parse).
constexpr int kInputError = 1;

int fail(const Error &e) {
  std::fprintf(stderr, "uk-slt: %s\n", e.what());
  return kInputError;
}

Result<ImagePlan> load_plan(const Global &g, const std::string &elf) {
  auto reg = Registry::load(g.registry_path());
  if (!reg) return reg.error();
  return plan_image(elf, *reg);
}

// pack -v --aslr: the rewrite counts of one app's libraries (pack_app did the work).
void print_aslr_counts(const std::string &app, const AslrPackResult &one) {
  auto line = [](const RewriteStats &rs) {
    std::string counts;
    for (size_t k = 0; k < rs.n.size(); k++)
      counts += fmt::format(" {}={}", rewrite_class_name(static_cast<RewriteClass>(k)), rs.n[k]);
    return fmt::format("{} in-block={} tls={} entries={} slots={}", counts, rs.in_block, rs.tls, rs.entries,
                       rs.slots);
  };
  for (const auto &[lib, lst] : one.per_lib)
    std::fprintf(stderr, "pack --aslr: %s: %s:%s\n", app.c_str(), lib.c_str(), line(lst).c_str());
  std::fprintf(stderr, "pack --aslr: %s: all:%s relocs abs64=%zu slot64=%zu pc32=%zu\n", app.c_str(),
               line(one.stats).c_str(), one.abs64, one.slot64, one.pc32);
}

// pack's platform options: the platform libraries added from where uk-slt
// is installed (or built) unless --no-platform; --dynamic: the .so form too.
struct PackPlatform {
  bool none = false;
  bool dynamic = false;
};

void add_pack_platform_options(CLI::App *pack, PackPlatform &pp) {
  pack->add_flag("--no-platform", pp.none,
                 "do not add the platform libraries (boot, musl, gccrt; kvm: kvmplat): the specs name them");
  pack->add_flag("--dynamic", pp.dynamic,
                 "also write <app>.so (and lib<NAME>.so for each library but the app's own) for uk-dyn-run");
}

// Adds the platform libraries to every spec and finds the dynamic platform;
// fills the options every app's pack shares.
Status prepare_pack_platform(const Global &g, const std::string &platform, const PackPlatform &pp,
                             std::vector<std::string> &specs, PackOptions &common) {
  if (pp.dynamic && platform != "linuxu")
    return Error::fmt("pack: --dynamic writes the uk-dyn-run form, a linuxu one (not for platform %s)",
                      platform.c_str());
  if (pp.dynamic && g.link_profile() != Profile::Corpus)
    return Error::fmt("pack: --dynamic is for the corpus profile (no uk-dyn-run form of Unikraft apps)");
  common.dynamic = pp.dynamic;
  if (pp.dynamic) {
    auto d = find_dynamic_platform();
    if (!d) return d.error();
    common.dynamic_platform = *d;
  }
  if (pp.none || g.link_profile() != Profile::Corpus) return {}; // Unikraft apps bring their own platform
  auto libs = find_platform_libs(platform);
  if (!libs) return libs.error();
  if (g.verbose) {
    std::string names;
    for (const auto *list : {&libs->before, &libs->after})
      for (const std::string &l : *list) names += " " + l;
    std::fprintf(stderr, "pack: platform %s:%s\n", platform.c_str(), names.c_str());
  }
  for (std::string &spec : specs) {
    auto full = add_platform_libs(spec, *libs);
    if (!full) return full.error();
    spec = *full;
  }
  return {};
}

// uk-slt cflags: what `pkg-config --cflags uk-slt` prints, from the same
// definition.
int run_cflags() {
  std::string line;
  for (const char *f : kObjectCflags) line += (line.empty() ? "" : " ") + std::string(f);
  std::printf("%s\n", line.c_str());
  return 0;
}

} // namespace

int main(int argc, char **argv) {
  CLI::App cli{"uk-slt: align, extract, minify and describe unikernels for a shared library pool"};
  cli::version(cli, "uk-slt " UK_SLT_VERSION);
  cli.require_subcommand(1);
  cli.fallthrough(); // global options may also follow the subcommand
  Global g;
  cli.add_option("--pool", g.pool, "pool directory (default $UK_SLT_POOL or /dev/shm/uk-pool)");
  cli.add_option("--registry", g.registry,
                 "layout registry file (default $UK_SLT_REGISTRY or <pool>/layout-registry.json)");
  cli.add_flag("-v,--verbose", g.verbose, "print what each stage does");
  cli.add_flag("--immutable", g.immutable,
               "extract/pack: make pool objects immutable (FS_IMMUTABLE_FL; needs CAP_LINUX_IMMUTABLE)");
  cli.add_option("--profile", g.profile,
                 "align/pack: 'corpus' (our micro-libraries) or 'unikraft' (objects of a Unikraft linuxu build "
                 "with unikraft-patches/; see README)")
      ->check(CLI::IsMember({"corpus", "unikraft"}))
      ->capture_default_str();
  cli.add_option("--unikraft-tree", g.unikraft_tree,
                 "unikraft profile: the Unikraft tree whose support/scripts/mkbootinfo.py fills .uk_bootinfo");

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

  // fsck
  FsckOptions fopt;
  auto *fsck = cli.add_subcommand("fsck", "check every pool object against its name, type, mode, owner and size");
  fsck->add_flag("--remove", fopt.remove, "delete bad objects (clearing the immutable flag first)");

  // pack
  std::vector<std::string> specs;
  std::string out_dir = ".";
  std::string platform = "linuxu";
  auto *pack = cli.add_subcommand("pack", "align, extract, minify and desc a set of apps");
  pack->add_option("--out-dir", out_dir, "apps go to OUT_DIR/<app>/")->capture_default_str();
  bool aslr = false;
  pack->add_flag("--aslr", aslr, "also write the SLT [ASLR] files (<app>.aslr.desc, .img, .elf) and pool objects");
  pack->add_option("--platform", platform, "platform of the descs: linuxu (uk-slt-run) or kvm (uk-kvm-run)")
      ->check(CLI::IsMember({"linuxu", "kvm"}))
      ->capture_default_str();
  PackPlatform pack_platform;
  add_pack_platform_options(pack, pack_platform);
  pack->add_option("apps", specs, "APP=LIB.o,LIB.o,... (the app's libraries in link order)")->required();

  // cflags
  auto *cflags = cli.add_subcommand("cflags", "print the compiler flags objects need (as pkg-config --cflags uk-slt)");

  // gc
  GcOptions gopt;
  auto *gc = cli.add_subcommand("gc", "remove pool objects, registry slots and temp files that no desc uses");
  gc->add_flag("--dry-run", gopt.dry_run, "only print what would be removed");
  gc->add_option("dirs", gopt.dirs, "directories whose descs (searched recursively) are kept in use")->required();

  // ls
  auto *ls = cli.add_subcommand("ls", "list pool objects, their sizes and which apps use them");
  ls->add_option("dirs", gopt.dirs, "directories whose descs (searched recursively) name the apps");

  // verify
  VerifyOptions vopt;
  auto *verify = cli.add_subcommand("verify", "prove that no shared page of an ASLR app reaches outside its block");
  verify->add_option("descs", vopt.descs, "ASLR description files (<app>.aslr.desc)")->required();

  if (auto status = cli::parse(cli, "uk-slt", argc, argv)) return *status; // --help, --version, usage error

  if (*cflags) return run_cflags();
  PackOptions pack_common;
  if (*pack)
    if (Status s = prepare_pack_platform(g, platform, pack_platform, specs, pack_common); !s) return fail(s.error());
  // Commands that write into the pool hold it shared, so gc cannot run
  // meanwhile (and reclaims the temp files of killed ones).
  if (*pack)
    for (const std::string &spec : specs) // every name checked before anything is written
      if (auto a = parse_app_spec(spec); !a) return fail(a.error());
  FileLock pool_lock;
  if (*extract || *pack || (*align && dirname_of(g.registry_path()) == g.pool_dir())) {
    auto l = lock_pool(g.pool_dir(), false);
    if (!l) return fail(l.error());
    pool_lock = std::move(*l);
  }
  if (*align) {
    aopt.registry = g.registry_path();
    aopt.verbose = g.verbose;
    aopt.profile = g.link_profile();
    aopt.unikraft_tree = g.unikraft_tree;
    Status s = align_app(aopt);
    return s ? 0 : fail(s.error());
  }
  if (*extract) {
    for (const std::string &e : elves) {
      auto plan = load_plan(g, e);
      if (!plan) return fail(plan.error());
      ExtractStats st;
      Status s = extract_objects(*plan, g.pool_dir(), &st, g.immutable);
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
  if (*gc || *ls) {
    gopt.pool_dir = g.pool_dir();
    gopt.registry = g.registry_path();
    Status s = *gc ? run_gc(gopt) : run_ls(gopt);
    return s ? 0 : fail(s.error());
  }
  if (*verify) {
    vopt.pool_dir = g.pool_dir();
    Status s = run_verify(vopt);
    return s ? 0 : fail(s.error());
  }
  if (*fsck) {
    fopt.pool_dir = g.pool_dir();
    auto r = run_fsck(fopt);
    if (!r) return fail(r.error());
    std::printf("fsck: %s: %zu objects, %zu bad, %zu immutable%s\n", fopt.pool_dir.c_str(), r->objects, r->bad,
                r->immutable, fopt.remove ? (", " + std::to_string(r->removed) + " removed").c_str() : "");
    return r->bad ? kInputError : 0;
  }
  if (*pack) {
    if (aslr && platform != "linuxu")
      return fail(Error::fmt("pack: --aslr writes descs for uk-slt-run only (no ASLR descs for platform %s yet)",
                             platform.c_str()));
    Progress progress("packing", specs.size(), g.verbose); // -v prints lines instead
    for (size_t i = 0; i < specs.size(); i++) {
      progress.step(specs[i].substr(0, specs[i].find('='))); // the app (its spec now names the platform's paths)
      PackOptions p = pack_common;
      p.spec = specs[i];
      p.out_dir = out_dir;
      p.registry = g.registry_path();
      p.pool_dir = g.pool_dir();
      p.verbose = g.verbose;
      p.immutable = g.immutable;
      p.profile = g.link_profile();
      p.unikraft_tree = g.unikraft_tree;
      p.platform = platform;
      AslrPackResult one;
      if (aslr) p.aslr = &one; // the SLT [ASLR] files too, in the same all-or-nothing pack
      Status s = pack_app(p);
      if (s && aslr && g.verbose) print_aslr_counts(parse_app_spec(specs[i])->app, one);
      if (!s) {
        progress.clear();
        return fail(s.error());
      }
    }
    return 0;
  }
  return 0;
}
