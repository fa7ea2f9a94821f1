#pragma once
// The interface between data/sentencepiece.cc and the SentencePiece module, a shared
// object that data/sentencepiece.cc loads with dlopen(RTLD_LOCAL | RTLD_DEEPBIND).
//
// Why a module: Debian's libsentencepiece.so carries its own copy of protobuf 3.14 and
// exports its symbols; LibTorch loads protobuf 3.21. Linked into one program the two
// copies resolve into each other and the program crashes before main. Loaded on its own
// with RTLD_DEEPBIND, SentencePiece binds to its own copy and nothing leaks out.
//
// Only virtual calls and standard types cross the boundary; errors come back as strings.

#include <memory>
#include <string>
#include <unordered_map>
#include <vector>

namespace captioner::data::sentencepiece_module {

inline constexpr int kApiVersion = 1;

class Processor {
 public:
  virtual ~Processor() = default;
  virtual std::vector<int> encode(const std::string& text) const = 0;
  virtual std::string decode(const std::vector<int>& ids) const = 0;
  virtual int vocab_size() const = 0;
  virtual int piece_to_id(const std::string& piece) const = 0;
  virtual std::string id_to_piece(int id) const = 0;
  virtual float score(int id) const = 0;
};

class Api {
 public:
  virtual ~Api() = default;
  virtual int version() const = 0;
  // Trains on `sentences` with SentencePiece's trainer options `options` (name -> value);
  // on success fills `model` with the serialized model and returns "", else the error.
  virtual std::string train(const std::unordered_map<std::string, std::string>& options,
                            const std::vector<std::string>& sentences, std::string& model) = 0;
  // A processor for a serialized model; null with `error` set when it is not one.
  virtual std::unique_ptr<Processor> load(const std::string& model, std::string& error) = 0;
};

}  // namespace captioner::data::sentencepiece_module

// The module's one exported symbol.
extern "C" captioner::data::sentencepiece_module::Api* captioner_sentencepiece_api();
