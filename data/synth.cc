#include "data/synth.h"

#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <mutex>
#include <set>
#include <thread>

#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/synth_grammar.h"
#include "data/synth_random.h"
#include "data/synth_render.h"
#include "util/error.h"
#include "util/file.h"
#include "util/progress.h"

namespace captioner::data {
namespace {

namespace fs = std::filesystem;
using Json = nlohmann::ordered_json;

void require(bool ok, const std::string& option, const std::string& value, const std::string& expected) {
  if (!ok) throw InputError("--" + option + " " + value + ": " + expected);
}

std::string image_file_name(int id) {
  char name[32];
  std::snprintf(name, sizeof name, "%06d.jpg", id);
  return name;
}

double rounded(double value) { return std::round(value * 1e4) / 1e4; }

Json options_json(const SynthOptions& options) {
  // The names of the command's options; threads is left out: it does not change the output.
  return Json{{"count", options.count},       {"val-count", options.val_count},
              {"test-count", options.test_count}, {"image-size", options.image_size},
              {"seed", options.seed},         {"max-objects", options.max_objects},
              {"noise", options.noise},       {"jpeg-quality", options.jpeg_quality}};
}

// A new directory, an empty one, or an earlier synth output: anything else is refused.
void prepare_output_directory(const fs::path& out) {
  std::error_code error;
  if (fs::exists(out, error)) {
    if (!fs::is_directory(out, error)) throw file_error(out.string(), "exists and is not a directory");
    remove_stale_temporaries(out);  // a run killed while writing its first synth.json left only that
    if (!fs::is_empty(out, error) && !fs::exists(out / "synth.json", error)) {
      throw file_error(out.string(),
                       "is not empty and holds no synth.json: refusing to write a data set into it "
                       "(give a new or empty directory)");
    }
  }
  fs::create_directories(out, error);
  if (error) throw file_error(out.string(), "cannot create the directory: " + error.message());
}

void write_json(const fs::path& path, const Json& json, int indent = -1) {
  write_file_atomically(path, json.dump(indent) + "\n");
}

Json coco_annotations(const std::vector<SynthImage>& images, const std::string& split, const SynthOptions& options) {
  Json coco_images = Json::array();
  Json annotations = Json::array();
  for (const auto& image : images) {
    if (image.split != split) continue;
    coco_images.push_back(Json{{"id", image.id},
                               {"file_name", image.file_name},
                               {"width", options.image_size},
                               {"height", options.image_size}});
    for (int k = 0; k < kSynthReferences; ++k) {
      annotations.push_back(Json{{"id", image.index * kSynthReferences + k + 1},
                                 {"image_id", image.id},
                                 {"caption", image.captions[static_cast<std::size_t>(k)]}});
    }
  }
  return Json{{"info",
               {{"description", "captioner synth: synthetic shapes, " + split + " split"},
                {"version", "1.0"},
                {"seed", options.seed}}},
              {"licenses", Json::array()},
              {"images", std::move(coco_images)},
              {"annotations", std::move(annotations)}};
}

Json oracle_results(const std::vector<SynthImage>& images, const std::string& split) {
  Json results = Json::array();
  for (const auto& image : images) {
    if (image.split == split) results.push_back(Json{{"image_id", image.id}, {"caption", image.captions.back()}});
  }
  return results;
}

Json karpathy_split(const std::vector<SynthImage>& images) {
  Json entries = Json::array();
  for (const auto& image : images) {
    Json sentences = Json::array();
    Json sentence_ids = Json::array();
    for (int k = 0; k < kSynthReferences; ++k) {
      const int sentence_id = image.index * kSynthReferences + k + 1;  // = the COCO annotation id
      const std::string& raw = image.captions[static_cast<std::size_t>(k)];
      sentences.push_back(
          Json{{"tokens", caption_tokens(raw)}, {"raw", raw}, {"imgid", image.index}, {"sentid", sentence_id}});
      sentence_ids.push_back(sentence_id);
    }
    entries.push_back(Json{{"filepath", "images"},
                           {"filename", image.file_name},
                           {"imgid", image.index},
                           {"split", image.split},
                           {"cocoid", image.id},
                           {"sentids", std::move(sentence_ids)},
                           {"sentences", std::move(sentences)}});
  }
  return Json{{"dataset", "shapes"}, {"images", std::move(entries)}};
}

Json scenes_json(const std::vector<SynthImage>& images) {
  Json scenes = Json::array();
  for (const auto& image : images) {
    Json objects = Json::array();
    for (const auto& object : image.scene.objects) {
      objects.push_back(Json{{"shape", shape_name(object.shape)},
                             {"colour", colour_name(object.colour)},
                             {"size", object.large ? "large" : "small"},
                             {"x", rounded(object.x)},
                             {"y", rounded(object.y)},
                             {"radius", rounded(object.radius)}});
    }
    scenes.push_back(Json{{"id", image.id},
                          {"file_name", image.file_name},
                          {"split", image.split},
                          {"background", background_name(image.scene.background)},
                          {"objects", std::move(objects)}});
  }
  return scenes;
}

template <typename Enum>
Json names_of(int count, std::string_view (*name)(Enum)) {
  Json list = Json::array();
  for (int i = 0; i < count; ++i) list.push_back(name(static_cast<Enum>(i)));
  return list;
}

Json summary_json(const SynthOptions& options, const std::vector<SynthImage>& images, bool complete) {
  std::vector<int> objects(kMaxSceneObjects + 1, 0);
  int train = 0, val = 0, test = 0;
  for (const auto& image : images) {
    ++objects[image.scene.objects.size()];
    (image.split == "train" ? train : image.split == "val" ? val : test) += 1;
  }
  Json vocabulary = grammar_vocabulary();
  const Json names = {{"shapes", names_of<Shape>(kShapeCount, shape_name)},
                      {"colours", names_of<Colour>(kColourCount, colour_name)},
                      {"backgrounds", names_of<BackgroundKind>(kBackgroundKindCount, background_name)}};
  Json counts = {{"images", images.size()}, {"train", train}, {"val", val}, {"test", test},
                 {"references_per_image", kSynthReferences}};
  Json by_objects = Json::object();
  for (int n = 1; n <= kMaxSceneObjects; ++n) by_objects[std::to_string(n)] = objects[static_cast<std::size_t>(n)];
  counts["images_by_object_count"] = std::move(by_objects);
  return Json{{"generator", "captioner synth"},
              {"complete", complete},  // false while the data set is being written
              {"options", options_json(options)},
              {"counts", std::move(counts)},
              {"scene_vocabulary", names},
              {"vocabulary", std::move(vocabulary)}};
}

// Removes what an earlier, larger run left in images/ and what an interrupted one left
// half-written, so that images/ holds exactly this data set.
void remove_stale_images(const fs::path& directory, const std::vector<SynthImage>& images) {
  std::set<std::string> current;
  for (const auto& image : images) current.insert(image.file_name);
  std::error_code error;
  std::vector<fs::path> stale;
  for (const auto& entry : fs::directory_iterator(directory, error)) {
    const std::string name = entry.path().filename().string();
    if (entry.is_regular_file() && !current.count(name) && name.find(".jpg") != std::string::npos) {
      stale.push_back(entry.path());
    }
  }
  for (const auto& path : stale) fs::remove(path, error);
}

}  // namespace

void validate_synth_options(const SynthOptions& options) {
  if (options.out.empty()) throw InputError("--out is required: the directory to write the data set into");
  require(options.count >= 1, "count", std::to_string(options.count), "must be at least 1");
  require(options.val_count >= 0, "val-count", std::to_string(options.val_count), "must not be negative");
  require(options.test_count >= 0, "test-count", std::to_string(options.test_count), "must not be negative");
  require(options.count > options.val_count + options.test_count, "count", std::to_string(options.count),
          "leaves no training image after --val-count " + std::to_string(options.val_count) + " and --test-count " +
              std::to_string(options.test_count));
  require(options.image_size >= kMinSynthImageSize && options.image_size <= kMaxSynthImageSize, "image-size",
          std::to_string(options.image_size),
          "must be " + std::to_string(kMinSynthImageSize) + " to " + std::to_string(kMaxSynthImageSize) +
              " pixels (smaller shapes cannot be told apart)");
  require(options.max_objects >= 1 && options.max_objects <= kMaxSceneObjects, "max-objects",
          std::to_string(options.max_objects), "must be 1 to " + std::to_string(kMaxSceneObjects));
  require(options.noise >= 0 && options.noise <= 64, "noise", std::to_string(options.noise), "must be 0 to 64");
  require(options.jpeg_quality >= 1 && options.jpeg_quality <= 100, "jpeg-quality",
          std::to_string(options.jpeg_quality), "must be 1 to 100");
  require(options.threads >= 1, "threads", std::to_string(options.threads), "must be at least 1");
}

SynthImage synth_image(const SynthOptions& options, int index) {
  SynthImage image;
  image.index = index;
  image.id = index + 1;
  image.split = index < options.test_count                        ? "test"
                : index < options.test_count + options.val_count ? "val"
                                                                   : "train";
  image.file_name = image_file_name(image.id);
  SynthRandom scene_random(options.seed, static_cast<std::uint64_t>(index), SynthStream::kScene);
  image.scene = sample_scene(scene_random, options.max_objects);
  SynthRandom caption_random(options.seed, static_cast<std::uint64_t>(index), SynthStream::kCaptions);
  image.captions = describe_scene(image.scene, kSynthReferences + 1, caption_random);
  return image;
}

cv::Mat render_synth_image(const SynthOptions& options, const SynthImage& image) {
  SynthRandom render_random(options.seed, static_cast<std::uint64_t>(image.index), SynthStream::kRender);
  return render_scene(image.scene, options.image_size, options.noise, render_random);
}

SynthSummary generate_synth(const SynthOptions& options, std::ostream* progress_out) {
  const auto start = std::chrono::steady_clock::now();
  validate_synth_options(options);
  prepare_output_directory(options.out);
  const fs::path image_directory = options.out / "images";

  std::vector<SynthImage> images(static_cast<std::size_t>(options.count));
  // Marks the directory as ours and as unfinished until the final synth.json replaces this.
  write_json(options.out / "synth.json", summary_json(options, {}, false), 2);
  // Only now the images' folder: a kill before the marker leaves an empty directory, not a
  // foreign-looking one that the next run would refuse.
  std::error_code error;
  fs::create_directories(image_directory, error);
  if (error) throw file_error(image_directory.string(), "cannot create the directory: " + error.message());
  remove_stale_temporaries(image_directory);

  Progress progress("synth: images", static_cast<std::uint64_t>(options.count), progress_out);
  std::atomic<int> next{0};
  std::atomic<bool> failed{false};
  std::exception_ptr first_error;
  std::mutex error_mutex;
  auto work = [&] {
    const std::vector<int> jpeg_params = {cv::IMWRITE_JPEG_QUALITY, options.jpeg_quality};
    std::vector<uchar> jpeg;
    for (int index = next++; index < options.count && !failed; index = next++) {
      try {
        SynthImage image = synth_image(options, index);
        if (!cv::imencode(".jpg", render_synth_image(options, image), jpeg, jpeg_params)) {
          throw std::runtime_error("OpenCV could not encode " + image.file_name + " as JPEG");
        }
        write_file_atomically(image_directory / image.file_name,
                              std::string_view(reinterpret_cast<const char*>(jpeg.data()), jpeg.size()));
        images[static_cast<std::size_t>(index)] = std::move(image);
        progress.advance();
      } catch (...) {
        std::lock_guard<std::mutex> lock(error_mutex);
        if (!first_error) first_error = std::current_exception();
        failed = true;
      }
    }
  };
  std::vector<std::thread> workers;
  const int threads = std::min(options.threads, options.count);
  for (int t = 0; t < threads; ++t) workers.emplace_back(work);
  for (auto& worker : workers) worker.join();
  if (first_error) std::rethrow_exception(first_error);
  progress.finish();

  remove_stale_images(image_directory, images);
  for (const std::string split : {"train", "val", "test"}) {
    write_json(options.out / ("captions_" + split + ".json"), coco_annotations(images, split, options));
  }
  for (const std::string split : {"val", "test"}) {
    write_json(options.out / ("oracle_" + split + ".json"), oracle_results(images, split));
  }
  write_json(options.out / "dataset_shapes.json", karpathy_split(images));
  write_json(options.out / "scenes.json", scenes_json(images));
  write_json(options.out / "synth.json", summary_json(options, images, true), 2);

  SynthSummary summary;
  summary.test = options.test_count;
  summary.val = options.val_count;
  summary.train = options.count - options.val_count - options.test_count;
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return summary;
}

}  // namespace captioner::data
