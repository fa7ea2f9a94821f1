#pragma once
// SentencePiece: training a caption tokenizer and encoding/decoding with it. The real
// library, loaded in isolation (see data/sentencepiece_module/module_api.h).
//
// Special ids are fixed for the whole project: pad 0, bos 1, eos 2, unk 3.

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace captioner::data {

inline constexpr int kPadId = 0;
inline constexpr int kBosId = 1;
inline constexpr int kEosId = 2;
inline constexpr int kUnkId = 3;

struct SentencePieceOptions {
  std::string model_type = "unigram";  // unigram | bpe | word | char
  int vocab_size = 1000;               // pieces in the model, the four special ids included
  bool adjust_vocab_size = false;      // when the corpus cannot fill vocab_size: shrink it instead of failing
  double character_coverage = 1.0;     // share of characters the model must cover (1.0: all)
};

// The model types SentencePiece trains; InputError naming the option for any other.
void validate(const SentencePieceOptions& options);

// Trains a model on `sentences` (normalised captions of the train split) and writes
// <model_prefix>.model and <model_prefix>.vocab atomically. Returns the vocabulary size of
// the model (smaller than asked only with adjust_vocab_size). InputError when the
// corpus is empty or too small for vocab_size without adjusting, naming both numbers.
int train_sentencepiece(const std::vector<std::string>& sentences, const SentencePieceOptions& options,
                        const std::filesystem::path& model_prefix);

class SentencePieceTokenizer {
 public:
  // InputError naming the file when it is missing or not a SentencePiece model, or when
  // its special ids are not the project's.
  explicit SentencePieceTokenizer(const std::filesystem::path& model_file);
  ~SentencePieceTokenizer();
  SentencePieceTokenizer(SentencePieceTokenizer&&) noexcept;
  SentencePieceTokenizer& operator=(SentencePieceTokenizer&&) noexcept;

  // Token ids of `text`, without bos/eos.
  std::vector<std::int32_t> encode(std::string_view text) const;
  // The text of `ids`; pad, bos and eos are dropped, unk decodes as SentencePiece's " ⁇ ".
  std::string decode(const std::vector<std::int32_t>& ids) const;
  int vocab_size() const;
  // kUnkId for a piece not in the vocabulary.
  int piece_to_id(std::string_view piece) const;
  std::string id_to_piece(int id) const;
  // SHA-256 of the model file, to tie checkpoints to their tokenizer.
  const std::string& model_sha256() const { return model_sha256_; }

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
  std::string model_sha256_;
};

}  // namespace captioner::data
