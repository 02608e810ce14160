#include <cstdlib>
#include <memory>

#include "fs_util.h"
#include "stages.h"

namespace uk {
namespace {

// Path of `target` relative to directory `dir`, when target lies inside it.
std::string relative_to(const std::string &dir, const std::string &target) {
  char *d = realpath(dir.c_str(), nullptr);
  char *t = realpath(target.c_str(), nullptr);
  std::string out;
  if (d && t) {
    std::string ds = d, ts = t;
    if (ts.size() > ds.size() + 1 && ts.compare(0, ds.size(), ds) == 0 && ts[ds.size()] == '/')
      out = ts.substr(ds.size() + 1);
  }
  free(d);
  free(t);
  return out;
}

} // namespace

Status write_desc(const ImagePlan &plan, const std::string &desc_path, const std::string &elf_path,
                  const std::string &image_path) {
  std::string dir = dirname_of(desc_path);
  UK_TRY(make_dirs(dir));
  std::string image_rel = relative_to(dir, image_path);
  if (image_rel.empty())
    return Error::fmt("%s: the image %s must be in the desc's directory or below it", desc_path.c_str(),
                      image_path.c_str());
  return write_desc_rel(plan, desc_path, relative_to(dir, elf_path), image_rel);
}

Status write_desc_rel(const ImagePlan &plan, const std::string &desc_path, const std::string &elf_rel,
                      const std::string &image_rel) {
  auto desc = std::make_unique<Result<Desc>>(make_desc(plan, elf_rel, image_rel));
  if (!*desc) return desc->error();
  std::string text(kDescMaxBytes, '\0');
  size_t n = format_desc(desc->value(), text.data(), text.size());
  if (n == 0) return Error::fmt("%s: description larger than %zu bytes", desc_path.c_str(), kDescMaxBytes);
  return write_file_atomic(desc_path, text.data(), n, 0644);
}

} // namespace uk
