#include "data/sentencepiece.h"

#include <dlfcn.h>
#include <unistd.h>

#include <mutex>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "data/sentencepiece_module/module_api.h"
#include "util/error.h"
#include "util/file.h"
#include "util/sha256.h"

namespace captioner::data {
namespace module = sentencepiece_module;
namespace {

constexpr const char* kModuleName = "libcaptioner_sentencepiece.so";

std::filesystem::path running_executable_dir() {
  std::error_code error;
  const auto exe = std::filesystem::read_symlink("/proc/self/exe", error);
  return error ? std::filesystem::path() : exe.parent_path();
}

// Where the module is: $CAPTIONER_SENTENCEPIECE_MODULE, else <executable>/../lib (the
// build tree's layout for every program), else the build tree this was compiled in.
std::vector<std::filesystem::path> module_candidates() {
  std::vector<std::filesystem::path> candidates;
  if (const char* given = std::getenv("CAPTIONER_SENTENCEPIECE_MODULE"); given && *given) {
    candidates.emplace_back(given);
    return candidates;
  }
  if (const auto dir = running_executable_dir(); !dir.empty()) candidates.push_back(dir / ".." / "lib" / kModuleName);
  candidates.emplace_back(CAPTIONER_SENTENCEPIECE_MODULE_BUILD_PATH);
  return candidates;
}

module::Api& load_module() {
  static module::Api* api = nullptr;
  static std::string failure;
  static std::once_flag once;
  std::call_once(once, [] {
#if defined(__SANITIZE_ADDRESS__)
    // AddressSanitizer refuses RTLD_DEEPBIND, and without it SentencePiece's protobuf
    // collides with LibTorch's (see module_api.h).
    failure = "SentencePiece cannot be loaded in a build with AddressSanitizer (it needs RTLD_DEEPBIND)";
    return;
#else
    std::string tried;
    for (const auto& candidate : module_candidates()) {
      if (!std::filesystem::exists(candidate)) {
        tried += (tried.empty() ? "" : ", ") + candidate.string();
        continue;
      }
      void* handle = dlopen(candidate.c_str(), RTLD_NOW | RTLD_LOCAL | RTLD_DEEPBIND);
      if (!handle) {
        failure = std::string("cannot load the SentencePiece module: ") + dlerror();
        return;
      }
      auto* entry = reinterpret_cast<module::Api* (*)()>(dlsym(handle, "captioner_sentencepiece_api"));
      if (!entry || entry()->version() != module::kApiVersion) {
        failure = candidate.string() + ": not the SentencePiece module of this build";
        return;
      }
      api = entry();
      return;
    }
    failure = "the SentencePiece module is missing (looked for " + tried +
              "; set CAPTIONER_SENTENCEPIECE_MODULE to its path)";
#endif
  });
  if (!api) throw InputError(failure);
  return *api;
}

std::unordered_map<std::string, std::string> trainer_options(const SentencePieceOptions& options, int vocab_size) {
  return {
      {"model_type", options.model_type},
      {"vocab_size", std::to_string(vocab_size)},
      {"character_coverage", std::to_string(options.character_coverage)},
      {"pad_id", std::to_string(kPadId)},
      {"bos_id", std::to_string(kBosId)},
      {"eos_id", std::to_string(kEosId)},
      {"unk_id", std::to_string(kUnkId)},
      // Captions arrive normalised (data/text_normalize.h): no second normalisation, so
      // that decode(encode(text)) == text.
      {"normalization_rule_name", "identity"},
      // A fixed thread count: the trainer's sums, and so the model, depend on it.
      {"num_threads", "2"},
      {"minloglevel", "2"},
  };
}

// SentencePiece's "Vocabulary size too high (N). Please set it to a value <= M.": M.
int largest_vocab_in(const std::string& error) {
  static const std::regex pattern("value <= ([0-9]+)");
  std::smatch match;
  return std::regex_search(error, match, pattern) ? std::stoi(match[1]) : 0;
}

}  // namespace

void validate(const SentencePieceOptions& options) {
  const auto& type = options.model_type;
  if (type != "unigram" && type != "bpe" && type != "word" && type != "char") {
    throw InputError("tokenizer model type '" + type + "' is not one of unigram, bpe, word, char");
  }
  if (options.vocab_size < 5) {
    throw InputError("tokenizer vocabulary size " + std::to_string(options.vocab_size) +
                     " is too small (the four special ids alone take 4)");
  }
  if (!(options.character_coverage > 0.0 && options.character_coverage <= 1.0)) {
    throw InputError("tokenizer character coverage must be in (0, 1]");
  }
}

int train_sentencepiece(const std::vector<std::string>& sentences, const SentencePieceOptions& options,
                        const std::filesystem::path& model_prefix) {
  validate(options);
  if (sentences.empty()) throw InputError("no captions to train the tokenizer on");
  auto& api = load_module();
  int vocab_size = options.vocab_size;
  std::string model;
  std::string error = api.train(trainer_options(options, vocab_size), sentences, model);
  if (!error.empty()) {
    const int largest = largest_vocab_in(error);
    if (largest == 0) throw InputError("training the tokenizer failed: " + error);
    if (!options.adjust_vocab_size) {
      throw InputError("tokenizer vocabulary size " + std::to_string(vocab_size) + " is too large for the " +
                       std::to_string(sentences.size()) + " training captions: at most " +
                       std::to_string(largest) + " (or allow adjusting the vocabulary size)");
    }
    vocab_size = largest;
    model.clear();
    error = api.train(trainer_options(options, vocab_size), sentences, model);
    if (!error.empty()) throw InputError("training the tokenizer failed: " + error);
  }
  std::string load_error;
  const auto processor = api.load(model, load_error);
  if (!processor) throw InputError("the trained tokenizer does not load: " + load_error);
  std::ostringstream vocab;
  for (int id = 0; id < processor->vocab_size(); ++id) {
    vocab << processor->id_to_piece(id) << '\t' << processor->score(id) << '\n';
  }
  write_file_atomically(model_prefix.string() + ".model", model);
  write_file_atomically(model_prefix.string() + ".vocab", vocab.str());
  return processor->vocab_size();
}

struct SentencePieceTokenizer::Impl {
  std::unique_ptr<module::Processor> processor;
};

SentencePieceTokenizer::SentencePieceTokenizer(const std::filesystem::path& model_file) : impl_(std::make_unique<Impl>()) {
  const std::string model = read_file(model_file);
  std::string error;
  impl_->processor = load_module().load(model, error);
  if (!impl_->processor) throw file_error(model_file.string(), "not a SentencePiece model (" + error + ")");
  const auto& p = *impl_->processor;
  if (p.id_to_piece(kPadId) != "<pad>" || p.id_to_piece(kBosId) != "<s>" || p.id_to_piece(kEosId) != "</s>" ||
      p.id_to_piece(kUnkId) != "<unk>") {
    throw file_error(model_file.string(), "the tokenizer's special ids are not pad 0, bos 1, eos 2, unk 3");
  }
  model_sha256_ = sha256_hex(model);
}

SentencePieceTokenizer::~SentencePieceTokenizer() = default;
SentencePieceTokenizer::SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept = default;
SentencePieceTokenizer& SentencePieceTokenizer::operator=(SentencePieceTokenizer&&) noexcept = default;

std::vector<std::int32_t> SentencePieceTokenizer::encode(std::string_view text) const {
  const auto ids = impl_->processor->encode(std::string(text));
  return {ids.begin(), ids.end()};
}

std::string SentencePieceTokenizer::decode(const std::vector<std::int32_t>& ids) const {
  std::vector<int> kept;
  kept.reserve(ids.size());
  const int size = vocab_size();
  for (const auto id : ids) {
    if (id < 0 || id >= size) {
      throw std::out_of_range("token id " + std::to_string(id) + " is outside the vocabulary of " + std::to_string(size));
    }
    if (id != kPadId && id != kBosId && id != kEosId) kept.push_back(id);
  }
  return impl_->processor->decode(kept);
}

int SentencePieceTokenizer::vocab_size() const { return impl_->processor->vocab_size(); }

int SentencePieceTokenizer::piece_to_id(std::string_view piece) const {
  return impl_->processor->piece_to_id(std::string(piece));
}

std::string SentencePieceTokenizer::id_to_piece(int id) const { return impl_->processor->id_to_piece(id); }

}  // namespace captioner::data
