#include "encoder/options.h"

#include "util/error.h"

namespace captioner::encoder {

std::string to_string(Backend backend) { return backend == Backend::kNative ? "native" : "scratch"; }

Backend parse_backend(std::string_view name) {
  if (name == "native") return Backend::kNative;
  if (name == "scratch") return Backend::kScratch;
  throw InputError("encoder.backend: '" + std::string(name) + "' is not one of native, scratch");
}

}  // namespace captioner::encoder
