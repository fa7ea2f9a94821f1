// Times build_image_store over a folder of images: what `captioner prepare` does for the
// images, without the captions. bench/image_store_vs_pil.py runs it beside the same work in
// Python/PIL. Prints one JSON line.
//
//   image_store_bench --images DIR --out DIR [--size 64] [--threads N] [--fresh]

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iostream>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>

#include "data/image_store.h"
#include "util/error.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;

int main(int argc, char** argv) {
  try {
    std::string images, out;
    int size = 64;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    po::options_description options("image_store_bench");
    options.add_options()("help", "this help")("images", po::value(&images)->required(), "folder of .jpg/.jpeg/.png files")(
        "out", po::value(&out)->required(), "store directory")("size", po::value(&size)->default_value(size), "stored side S")(
        "threads", po::value(&threads)->default_value(threads), "decoding threads")("fresh", "remove the store first");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(values);

    std::vector<captioner::data::ImageSource> sources;
    for (const auto& entry : fs::directory_iterator(images)) {
      const std::string extension = entry.path().extension().string();
      if (extension == ".jpg" || extension == ".jpeg" || extension == ".png") {
        sources.push_back({entry.path().filename().string(), entry.path()});
      }
    }
    std::sort(sources.begin(), sources.end(), [](const auto& a, const auto& b) { return a.key < b.key; });
    if (values.count("fresh")) fs::remove_all(out);

    captioner::data::ImageStoreOptions store_options;
    store_options.size = size;
    store_options.threads = threads;
    const auto start = std::chrono::steady_clock::now();
    const auto result = captioner::data::build_image_store(sources, store_options, out);
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::cout << nlohmann::json{{"images", sources.size()},
                                {"stored", result.stored},
                                {"skipped", result.skipped.size()},
                                {"reused", result.reused},
                                {"threads", threads},
                                {"size", size},
                                {"seconds", seconds},
                                {"images_per_second", sources.size() / std::max(seconds, 1e-9)}}
                     .dump()
              << std::endl;
    return 0;
  } catch (const po::error& error) {
    std::cerr << "image_store_bench: " << error.what() << "\n";
  } catch (const captioner::InputError& error) {
    std::cerr << error.what() << "\n";
  }
  return 1;
}
