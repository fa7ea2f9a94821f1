// Batch loader throughput in batches per second, against what a training step consumes.
//
// Builds a store of generated 64x64 scenes (or uses --store), 5 captions of 8-20 tokens per
// image, and times: the loader alone (workers 0, 1, 2; flips on), a proxy training step alone
// (a small CNN + LSTM captioner, forward + backward + Adam, the DESIGN's example encoder), and
// the two together (the loader's workers prefetching while the step runs), so the cost of
// loading shows as the difference. Prints a table and one JSON line.
//
//   loader_bench [--images 2000] [--size 64] [--batch 32] [--batches 300] [--threads N] [--store DIR]

#include <algorithm>
#include <chrono>
#include <filesystem>
#include <iomanip>
#include <iostream>
#include <random>
#include <thread>
#include <vector>

#include <boost/program_options.hpp>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>
#include <opencv2/imgproc.hpp>
#include <torch/torch.h>

#include "data/batch_loader.h"
#include "data/image_store.h"
#include "util/error.h"

namespace fs = std::filesystem;
namespace po = boost::program_options;
using captioner::data::Batch;
using captioner::data::BatchLoader;
using captioner::data::CaptionExample;
using captioner::data::LoaderOptions;

namespace {

constexpr int kVocabulary = 1000;

// The shortest of `rounds` timings of `body`, in seconds: on a shared machine the least
// disturbed round is the closest to the real cost.
template <typename Body>
double best_of(int rounds, Body&& body) {
  double best = 1e300;
  for (int round = 0; round < rounds; ++round) {
    const auto start = std::chrono::steady_clock::now();
    body();
    best = std::min(best, std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
  }
  return best;
}

// Scenes of a few shapes on a noisy background, written as JPEGs and stored.
captioner::data::ImageStore make_store(const fs::path& dir, int count, int size, int threads) {
  const fs::path images = dir / "images";
  fs::create_directories(images);
  std::vector<captioner::data::ImageSource> sources;
  std::mt19937 random(7);
  for (int i = 0; i < count; ++i) {
    const fs::path path = images / ("s" + std::to_string(i) + ".jpg");
    if (!fs::exists(path)) {
      cv::Mat scene(96, 128, CV_8UC3, cv::Scalar(random() % 256, random() % 256, random() % 256));
      cv::Mat noise(scene.size(), CV_8UC3);
      cv::randu(noise, 0, 40);
      scene += noise;
      for (int s = 0; s < 3; ++s) {
        const cv::Scalar colour(random() % 256, random() % 256, random() % 256);
        const cv::Point centre(static_cast<int>(random() % 128), static_cast<int>(random() % 96));
        cv::circle(scene, centre, 6 + static_cast<int>(random() % 20), colour, -1);
      }
      cv::imwrite(path.string(), scene);
    }
    sources.push_back({std::to_string(i), path});
  }
  captioner::data::ImageStoreOptions options;
  options.size = size;
  options.threads = threads;
  captioner::data::build_image_store(sources, options, dir / "store");
  return captioner::data::ImageStore::open(dir / "store");
}

std::vector<CaptionExample> make_examples(std::size_t images) {
  std::mt19937 random(11);
  std::vector<CaptionExample> examples;
  for (std::size_t i = 0; i < images; ++i) {
    for (int c = 0; c < 5; ++c) {
      CaptionExample example{i, {}};
      const int length = 8 + static_cast<int>(random() % 13);
      for (int t = 0; t < length; ++t) example.tokens.push_back(4 + static_cast<int32_t>(random() % (kVocabulary - 4)));
      examples.push_back(std::move(example));
    }
  }
  return examples;
}

// A stand-in for the trainer's step: conv3x32p1 relu conv3x32p1 relu pool2 conv3x64p1 relu
// pool2 conv3x128p1 relu pool2 gap fc512 -> LSTM(512) over the caption -> vocabulary.
struct ProxyCaptioner : torch::nn::Module {
  torch::nn::Sequential encoder{torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 32, 3).padding(1)), torch::nn::ReLU(),
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 32, 3).padding(1)), torch::nn::ReLU(),
                                torch::nn::MaxPool2d(2),
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(32, 64, 3).padding(1)), torch::nn::ReLU(),
                                torch::nn::MaxPool2d(2),
                                torch::nn::Conv2d(torch::nn::Conv2dOptions(64, 128, 3).padding(1)), torch::nn::ReLU(),
                                torch::nn::MaxPool2d(2), torch::nn::AdaptiveAvgPool2d(1), torch::nn::Flatten(),
                                torch::nn::Linear(128, 512)};
  torch::nn::Embedding embedding{kVocabulary, 512};
  torch::nn::LSTM lstm{torch::nn::LSTMOptions(512, 512).batch_first(true)};
  torch::nn::Linear output{512, kVocabulary};

  ProxyCaptioner() {
    register_module("encoder", encoder);
    register_module("embedding", embedding);
    register_module("lstm", lstm);
    register_module("output", output);
  }

  torch::Tensor loss(const Batch& batch) {
    const torch::Tensor image = encoder->forward(batch.images).unsqueeze(1);            // N,1,512
    const torch::Tensor words = embedding->forward(batch.tokens.slice(1, 0, -1));        // N,T-1,512
    const torch::Tensor hidden = std::get<0>(lstm->forward(torch::cat({image, words}, 1)));
    const torch::Tensor logits = output->forward(hidden.slice(1, 1));                    // predicts tokens 1..T-1
    return torch::nn::functional::cross_entropy(
        logits.reshape({-1, kVocabulary}), batch.tokens.slice(1, 1).reshape({-1}),
        torch::nn::functional::CrossEntropyFuncOptions().ignore_index(0));
  }
};

}  // namespace

int main(int argc, char** argv) {
  try {
    int images = 2000, size = 64, batch_size = 32, batches = 300, steps = 20, rounds = 3;
    int threads = static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
    std::string work = (fs::temp_directory_path() / "captioner_loader_bench").string();
    po::options_description options("loader_bench");
    options.add_options()("help", "this help")("images", po::value(&images)->default_value(images), "images in the store")(
        "size", po::value(&size)->default_value(size), "image side")("batch", po::value(&batch_size)->default_value(batch_size),
                                                                     "batch size")(
        "batches", po::value(&batches)->default_value(batches), "batches timed per loader setting")(
        "steps", po::value(&steps)->default_value(steps), "proxy training steps timed")(
        "rounds", po::value(&rounds)->default_value(rounds), "timings of each, the best reported")(
        "threads", po::value(&threads)->default_value(threads), "LibTorch threads")(
        "work", po::value(&work)->default_value(work), "folder for the generated images and store");
    po::variables_map values;
    po::store(po::parse_command_line(argc, argv, options), values);
    if (values.count("help")) {
      std::cout << options << "\n";
      return 0;
    }
    po::notify(values);
    torch::set_num_threads(threads);
    torch::manual_seed(1);

    const auto store = make_store(work, images, size, threads);
    const auto examples = make_examples(store.size());
    nlohmann::json report = {{"images", store.size()}, {"examples", examples.size()}, {"size", size}, {"batch", batch_size},
                             {"threads", threads}, {"rounds", rounds}};
    std::cout << std::fixed << std::setprecision(1);
    std::cout << "store " << store.size() << " images " << size << "x" << size << ", " << examples.size()
              << " captions, batch " << batch_size << ", " << threads << " LibTorch threads\n";

    LoaderOptions loader_options;
    loader_options.batch_size = batch_size;
    loader_options.augment = true;
    loader_options.flip_swap_tokens = {{10, 11}};
    for (const int workers : {0, 1, 2}) {
      loader_options.workers = workers;
      BatchLoader loader(store, examples, loader_options);
      const double seconds = best_of(rounds, [&] {
        for (int done = 0; done < batches;) {
          if (loader.next()) ++done;  // (nullopt: an epoch ended)
        }
      });
      const double rate = batches / seconds;
      std::cout << "loader alone, workers " << workers << ": " << rate << " batches/s\n";
      report["loader_batches_per_second_workers_" + std::to_string(workers)] = rate;
    }

    ProxyCaptioner model;
    torch::optim::Adam optimizer(model.parameters(), torch::optim::AdamOptions(1e-3));
    auto step = [&](const Batch& batch) {
      optimizer.zero_grad();
      model.loss(batch).backward();
      optimizer.step();
    };
    loader_options.workers = 0;
    BatchLoader fixed(store, examples, loader_options);
    const Batch one = *fixed.next();
    step(one);  // warm-up
    loader_options.workers = 2;
    BatchLoader feeding(store, examples, loader_options);
    const double alone = best_of(rounds, [&] {
      for (int i = 0; i < steps; ++i) step(one);
    });
    const double fed = best_of(rounds, [&] {
      for (int i = 0; i < steps;) {
        if (auto batch = feeding.next()) {
          step(*batch);
          ++i;
        }
      }
    });
    const double step_rate = steps / alone, fed_rate = steps / fed;
    std::cout << "proxy training step alone (one batch again and again): " << std::setprecision(2) << step_rate
              << " steps/s\nproxy training step fed by the loader (2 workers): " << fed_rate << " steps/s ("
              << std::setprecision(1) << 100.0 * (fed / alone - 1.0) << "% more time a step)\n";
    report["proxy_steps_per_second"] = step_rate;
    report["proxy_steps_per_second_fed_by_loader"] = fed_rate;
    std::cout << report.dump() << std::endl;
    return 0;
  } catch (const po::error& error) {
    std::cerr << "loader_bench: " << error.what() << "\n";
  } catch (const captioner::InputError& error) {
    std::cerr << error.what() << "\n";
  }
  return 1;
}
