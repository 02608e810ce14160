#include "fs_util.h"
#include "stages.h"

namespace uk {

Status write_image(const ImagePlan &plan, const std::string &image_path) {
  UK_TRY(make_dirs(dirname_of(image_path)));
  return write_file_atomic(image_path, plan.image.data(), plan.image.size(), 0644);
}

} // namespace uk
