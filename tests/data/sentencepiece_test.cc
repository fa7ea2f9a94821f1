#include "data/sentencepiece.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <torch/torch.h>

#include "util/error.h"
#include "util/file.h"
#include "tests/support/sentencepiece_skip.h"

namespace fs = std::filesystem;
using namespace captioner::data;
using captioner::InputError;

namespace {

std::vector<std::string> captions() {
  const std::vector<std::string> colours = {"red", "green", "blue", "yellow", "purple", "orange"};
  const std::vector<std::string> shapes = {"circle", "square", "triangle", "star"};
  const std::vector<std::string> relations = {"left of", "right of", "above", "below", "next to"};
  std::vector<std::string> out;
  for (const auto& a : colours)
    for (const auto& s : shapes)
      for (const auto& r : relations) out.push_back("a " + a + " " + s + " " + r + " a large " + colours[(s.size() + a.size()) % 6] + " box");
  return out;
}

fs::path temp_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("captioner_spm_test_" + name);
  fs::remove_all(dir);
  fs::create_directories(dir);
  return dir;
}

TEST(SentencePiece, TrainsEncodesAndDecodesWithTheProjectsSpecialIds) {
  SKIP_UNDER_ASAN();
  const auto dir = temp_dir("roundtrip");
  SentencePieceOptions options;
  options.vocab_size = 40;
  const int size = train_sentencepiece(captions(), options, dir / "spm");
  EXPECT_EQ(size, 40);
  ASSERT_TRUE(fs::exists(dir / "spm.model"));
  ASSERT_TRUE(fs::exists(dir / "spm.vocab"));
  const SentencePieceTokenizer tokenizer(dir / "spm.model");
  EXPECT_EQ(tokenizer.vocab_size(), 40);
  EXPECT_EQ(tokenizer.id_to_piece(kPadId), "<pad>");
  EXPECT_EQ(tokenizer.id_to_piece(kBosId), "<s>");
  EXPECT_EQ(tokenizer.id_to_piece(kEosId), "</s>");
  EXPECT_EQ(tokenizer.id_to_piece(kUnkId), "<unk>");
  const std::string text = "a blue star above a large red box";
  auto ids = tokenizer.encode(text);
  ASSERT_FALSE(ids.empty());
  for (const auto id : ids) EXPECT_GT(id, kUnkId);
  EXPECT_EQ(tokenizer.decode(ids), text);
  // Special ids are dropped in decoding.
  ids.insert(ids.begin(), kBosId);
  ids.push_back(kEosId);
  ids.push_back(kPadId);
  EXPECT_EQ(tokenizer.decode(ids), text);
  // A character never seen is unknown.
  EXPECT_NE(std::find(tokenizer.encode("a zebra").begin(), tokenizer.encode("a zebra").end(), kUnkId),
            tokenizer.encode("a zebra").end());
  EXPECT_EQ(tokenizer.model_sha256().size(), 64u);
  EXPECT_THROW(tokenizer.decode({9999}), std::out_of_range);
  // LibTorch works in the same process (its protobuf and SentencePiece's do not collide).
  EXPECT_EQ(torch::ones({3}).sum().item<float>(), 3.0f);
}

TEST(SentencePiece, TrainingIsDeterministic) {
  SKIP_UNDER_ASAN();
  const auto dir = temp_dir("determinism");
  SentencePieceOptions options;
  options.vocab_size = 40;
  train_sentencepiece(captions(), options, dir / "a");
  train_sentencepiece(captions(), options, dir / "b");
  EXPECT_EQ(captioner::read_file(dir / "a.model"), captioner::read_file(dir / "b.model"));
}

TEST(SentencePiece, EveryModelTypeTrains) {
  SKIP_UNDER_ASAN();
  const auto dir = temp_dir("types");
  for (const std::string type : {"unigram", "bpe", "word", "char"}) {
    SentencePieceOptions options;
    options.model_type = type;
    options.vocab_size = type == "char" ? 100 : 30;  // char: every character, adjusted down
    options.adjust_vocab_size = true;
    const int size = train_sentencepiece(captions(), options, dir / type);
    const SentencePieceTokenizer tokenizer(dir / (type + ".model"));
    EXPECT_EQ(tokenizer.vocab_size(), size) << type;
    EXPECT_EQ(tokenizer.decode(tokenizer.encode("a red circle above a large blue box")),
              "a red circle above a large blue box")
        << type;
  }
}

TEST(SentencePiece, TooLargeVocabularyIsAnErrorOrAdjusted) {
  SKIP_UNDER_ASAN();
  const auto dir = temp_dir("too_large");
  SentencePieceOptions options;
  options.model_type = "word";
  options.vocab_size = 500;
  try {
    train_sentencepiece(captions(), options, dir / "spm");
    FAIL() << "expected an error";
  } catch (const InputError& error) {
    const std::string message = error.what();
    EXPECT_NE(message.find("tokenizer vocabulary size 500 is too large for the 120 training captions: at most "),
              std::string::npos)
        << message;
  }
  EXPECT_FALSE(fs::exists(dir / "spm.model"));
  options.adjust_vocab_size = true;
  const int size = train_sentencepiece(captions(), options, dir / "spm");
  EXPECT_LT(size, 500);
  EXPECT_GT(size, 15);  // 16 distinct words + specials at least
  EXPECT_EQ(SentencePieceTokenizer(dir / "spm.model").vocab_size(), size);
}

TEST(SentencePiece, BadOptionsAndBadModelFilesAreErrors) {
  SKIP_UNDER_ASAN();
  const auto dir = temp_dir("bad");
  SentencePieceOptions options;
  options.model_type = "wordpiece";
  EXPECT_THROW(train_sentencepiece(captions(), options, dir / "spm"), InputError);
  options = {};
  options.vocab_size = 2;
  EXPECT_THROW(train_sentencepiece(captions(), options, dir / "spm"), InputError);
  EXPECT_THROW(train_sentencepiece({}, SentencePieceOptions{}, dir / "spm"), InputError);
  EXPECT_THROW(SentencePieceTokenizer(dir / "missing.model"), InputError);
  captioner::write_file_atomically(dir / "junk.model", "this is not a model");
  try {
    SentencePieceTokenizer tokenizer(dir / "junk.model");
    FAIL() << "expected an error";
  } catch (const InputError& error) {
    EXPECT_EQ(std::string(error.what()).rfind((dir / "junk.model").string() + ": not a SentencePiece model", 0), 0u)
        << error.what();
  }
}

}  // namespace
