// The SentencePiece module (see module_api.h for why it is one).
#include <sentencepiece_processor.h>
#include <sentencepiece_trainer.h>

#include "data/sentencepiece_module/module_api.h"

namespace captioner::data::sentencepiece_module {
namespace {

class VectorIterator : public sentencepiece::SentenceIterator {
 public:
  explicit VectorIterator(const std::vector<std::string>& sentences) : sentences_(sentences) {}
  bool done() const override { return next_ >= sentences_.size(); }
  void Next() override { ++next_; }
  const std::string& value() const override { return sentences_[next_]; }
  sentencepiece::util::Status status() const override { return {}; }

 private:
  const std::vector<std::string>& sentences_;
  std::size_t next_ = 0;
};

class SentencePieceProcessor : public Processor {
 public:
  sentencepiece::util::Status load(const std::string& model) { return processor_.LoadFromSerializedProto(model); }
  std::vector<int> encode(const std::string& text) const override {
    std::vector<int> ids;
    processor_.Encode(text, &ids).IgnoreError();  // fails only without a model
    return ids;
  }
  std::string decode(const std::vector<int>& ids) const override {
    std::string text;
    processor_.Decode(ids, &text).IgnoreError();
    return text;
  }
  int vocab_size() const override { return processor_.GetPieceSize(); }
  int piece_to_id(const std::string& piece) const override { return processor_.PieceToId(piece); }
  std::string id_to_piece(int id) const override { return processor_.IdToPiece(id); }
  float score(int id) const override { return processor_.GetScore(id); }

 private:
  sentencepiece::SentencePieceProcessor processor_;
};

class ModuleApi : public Api {
 public:
  int version() const override { return kApiVersion; }
  std::string train(const std::unordered_map<std::string, std::string>& options,
                    const std::vector<std::string>& sentences, std::string& model) override {
    VectorIterator iterator(sentences);
    const auto status = sentencepiece::SentencePieceTrainer::Train(options, &iterator, &model);
    return status.ok() ? std::string() : status.ToString();
  }
  std::unique_ptr<Processor> load(const std::string& model, std::string& error) override {
    auto processor = std::make_unique<SentencePieceProcessor>();
    const auto status = processor->load(model);
    if (status.ok()) return processor;
    error = status.ToString();
    return nullptr;
  }
};

}  // namespace
}  // namespace captioner::data::sentencepiece_module

extern "C" __attribute__((visibility("default"))) captioner::data::sentencepiece_module::Api*
captioner_sentencepiece_api() {
  static captioner::data::sentencepiece_module::ModuleApi api;
  return &api;
}
