#include "metrics/meteor.h"

#include <libstemmer.h>

#include <cmath>
#include <cstdio>
#include <deque>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <unordered_map>

#include "metrics/java_lowercase.h"
#include "metrics/meteor_normalizer.h"
#include "metrics/parallel.h"
#include "metrics/utf8.h"

namespace captioner::metrics {
namespace {

// The English ranking task's parameters and module weights (Constants.java).
constexpr double kAlpha = 0.85;
constexpr double kBeta = 0.20;
constexpr double kGamma = 0.60;
constexpr double kDelta = 0.75;
constexpr double kModuleWeights[kMeteorModules] = {1.0, 0.6, 0.8, 0.6};

// What the jar scores for one image: the hypothesis and references as it reads them
// from pycocoevalcap's SCORE line, before normalization.
struct ScoreLine {
  std::string test;
  std::vector<std::string> references;
};


// Java's String.trim().
std::string_view java_trim(std::string_view text) {
  while (!text.empty() && static_cast<unsigned char>(text.front()) <= ' ') text.remove_prefix(1);
  while (!text.empty() && static_cast<unsigned char>(text.back()) <= ' ') text.remove_suffix(1);
  return text;
}

// Meteor._stat builds "SCORE ||| ref1 ||| ... ||| hyp" (with "|||" removed from the
// hypothesis and double spaces made single, once); the jar splits it on "|||", drops
// trailing empty parts and trims each. A reference holding "|||" becomes several.
ScoreLine score_line(const std::string& candidate, const std::vector<std::string>& references) {
  std::string line = "SCORE";
  for (const std::string& reference : references) line += " ||| " + reference;
  line += " ||| " + replace_all(replace_all(candidate, "|||", ""), "  ", " ");
  std::vector<std::string_view> parts;
  std::size_t start = 0;
  for (;;) {
    const std::size_t found = line.find("|||", start);
    if (found == std::string::npos) break;
    parts.push_back(std::string_view(line).substr(start, found - start));
    start = found + 3;
  }
  parts.push_back(std::string_view(line).substr(start));
  while (!parts.empty() && parts.back().empty()) parts.pop_back();
  ScoreLine result;
  if (parts.size() < 3) return result;  // cannot happen: the hypothesis part starts with a space
  for (std::size_t i = 1; i + 1 < parts.size(); ++i) result.references.emplace_back(java_trim(parts[i]));
  result.test = std::string(java_trim(parts.back()));
  return result;
}


// Every distinct word of a corpus with what the matchers need to know of it, worked
// out once (the Snowball stemmer is not thread-safe, so this runs on one thread).
class Lexicon {
 public:
  explicit Lexicon(const MeteorData& data) : data_(data), stemmer_(sb_stemmer_new("english", "UTF_8"), &sb_stemmer_delete) {
    if (!stemmer_) throw std::runtime_error("libstemmer has no English stemmer");
  }

  const MeteorWord* intern(std::string_view text) {
    const auto found = index_.find(text);
    if (found != index_.end()) return found->second;
    MeteorWord& word = words_.emplace_back();
    const std::string token(text);
    word.synsets = data_.synonyms.synsets_with_base_forms(token);
    word.set_text(token, data_.paraphrases);
    const sb_symbol* stem = sb_stemmer_stem(stemmer_.get(), reinterpret_cast<const sb_symbol*>(token.data()),
                                            static_cast<int>(token.size()));
    if (stem == nullptr) throw std::bad_alloc();
    word.stem_hash = java_string_hash(std::string(reinterpret_cast<const char*>(stem),
                                                  static_cast<std::size_t>(sb_stemmer_length(stemmer_.get()))));
    word.function_word = data_.function_words.count(lowercase(token)) > 0;
    index_.emplace(word.text, &word);
    return &word;
  }

  std::vector<const MeteorWord*> words(std::string_view normalized) {
    std::vector<const MeteorWord*> out;
    for (const std::string_view word : java_tokenizer_words(normalized)) out.push_back(intern(word));
    return out;
  }
  MeteorSentence sentence(std::string_view normalized) {
    return MeteorSentence(words(normalized), data_.paraphrases);
  }

 private:
  static std::string lowercase(const std::string& text) {
    std::u16string units;
    append_utf8_as_utf16(text, units);
    std::string out;
    append_utf16_as_utf8(java_lowercase(units), out);
    return out;
  }

  const MeteorData& data_;
  std::unique_ptr<sb_stemmer, decltype(&sb_stemmer_delete)> stemmer_;
  std::deque<MeteorWord> words_;  // a deque keeps the pointers handed out valid
  std::unordered_map<std::string_view, const MeteorWord*> index_;  // keys: the words' own text
};

struct ImageSentences {
  MeteorSentence test;
  std::vector<MeteorSentence> references;
};

struct BestReference {
  MeteorStats stats;
  double score = -1;
  std::size_t reference = 0;
  MeteorAlignment alignment;
};

// MeteorScorer.getMeteorStats(test, references): the first reference with the highest score.
BestReference best_reference(const ImageSentences& image, const ParaphraseTable& paraphrases) {
  BestReference best;
  for (std::size_t r = 0; r < image.references.size(); ++r) {
    MeteorAlignment alignment = align_meteor(image.test, image.references[r], paraphrases);
    const MeteorStats stats = MeteorStats::from_alignment(alignment);
    const double score = meteor_score(stats);
    if (score > best.score) {
      best.stats = stats;
      best.score = score;
      best.reference = r;
      best.alignment = std::move(alignment);
    }
  }
  return best;
}

// Double.toString for the counts the statistics hold.
std::string java_double(double value) {
  char buffer[64];
  if (value == std::floor(value) && std::fabs(value) < 1e7) {
    std::snprintf(buffer, sizeof buffer, "%.1f", value);
  } else {
    std::snprintf(buffer, sizeof buffer, "%.17g", value);
  }
  return buffer;
}

}  // namespace

MeteorStats MeteorStats::from_alignment(const MeteorAlignment& alignment) {
  MeteorStats stats;
  stats.test_length = alignment.test_length;
  stats.reference_length = alignment.reference_length;
  stats.test_function_words = alignment.test_function_words;
  stats.reference_function_words = alignment.reference_function_words;
  for (int i = 0; i < kMeteorModules; ++i) {
    stats.test_content[i] = alignment.test_content[i];
    stats.reference_content[i] = alignment.reference_content[i];
    stats.test_function[i] = alignment.test_function[i];
    stats.reference_function[i] = alignment.reference_function[i];
    stats.test_word_matches += alignment.test_content[i];
    stats.test_word_matches += alignment.test_function[i];
    stats.reference_word_matches += alignment.reference_content[i];
    stats.reference_word_matches += alignment.reference_function[i];
  }
  stats.chunks = alignment.chunks;
  return stats;
}

namespace {

// testTotalMatches and referenceTotalMatches, summed as the jar sums them.
std::pair<double, double> total_matches(const MeteorStats& stats) {
  double test = 0;
  double reference = 0;
  for (int i = 0; i < kMeteorModules; ++i) {
    test += stats.test_content[i];
    reference += stats.reference_content[i];
    test += stats.test_function[i];
    reference += stats.reference_function[i];
  }
  return {test, reference};
}

bool is_perfect(const MeteorStats& stats) {
  const auto [test_total, reference_total] = total_matches(stats);
  return test_total == stats.test_length && reference_total == stats.reference_length && stats.chunks == 1.0;
}

}  // namespace

void MeteorStats::add(const MeteorStats& segment) {
  test_length += segment.test_length;
  reference_length += segment.reference_length;
  test_function_words += segment.test_function_words;
  reference_function_words += segment.reference_function_words;
  for (int i = 0; i < kMeteorModules; ++i) {
    test_content[i] += segment.test_content[i];
    reference_content[i] += segment.reference_content[i];
    test_function[i] += segment.test_function[i];
    reference_function[i] += segment.reference_function[i];
  }
  if (!is_perfect(segment)) chunks += segment.chunks;
  test_word_matches += segment.test_word_matches;
  reference_word_matches += segment.reference_word_matches;
}

std::string MeteorStats::to_string() const {
  std::string out = java_double(test_length) + " " + java_double(reference_length) + " " +
                    java_double(test_function_words) + " " + java_double(reference_function_words);
  for (int i = 0; i < kMeteorModules; ++i) {
    out += " " + java_double(test_content[i]) + " " + java_double(reference_content[i]) + " " +
           java_double(test_function[i]) + " " + java_double(reference_function[i]);
  }
  return out + " " + java_double(chunks) + " " + java_double(test_word_matches) + " " +
         java_double(reference_word_matches);
}

double meteor_score(const MeteorStats& stats) {
  const double test_weighted_length =
      (kDelta * (stats.test_length - stats.test_function_words)) + ((1.0 - kDelta) * stats.test_function_words);
  const double reference_weighted_length = (kDelta * (stats.reference_length - stats.reference_function_words)) +
                                           ((1.0 - kDelta) * stats.reference_function_words);
  double test_weighted_matches = 0;
  double reference_weighted_matches = 0;
  for (int i = 0; i < kMeteorModules; ++i) test_weighted_matches += stats.test_content[i] * kModuleWeights[i] * kDelta;
  for (int i = 0; i < kMeteorModules; ++i) {
    reference_weighted_matches += stats.reference_content[i] * kModuleWeights[i] * kDelta;
  }
  for (int i = 0; i < kMeteorModules; ++i) {
    test_weighted_matches += stats.test_function[i] * kModuleWeights[i] * (1.0 - kDelta);
  }
  for (int i = 0; i < kMeteorModules; ++i) {
    reference_weighted_matches += stats.reference_function[i] * kModuleWeights[i] * (1.0 - kDelta);
  }
  const double precision = test_weighted_matches / test_weighted_length;
  const double recall = reference_weighted_matches / reference_weighted_length;
  const double f_mean = 1.0 / (((1.0 - kAlpha) / precision) + (kAlpha / recall));
  const double fragmentation =
      is_perfect(stats) ? 0.0 : stats.chunks / ((stats.test_word_matches + stats.reference_word_matches) / 2);
  const double penalty = kGamma * std::pow(fragmentation, kBeta);
  const double score = f_mean * (1.0 - penalty);
  if (std::isnan(score)) return 0.0;
  return std::max(score, 0.0);
}

MeteorScorer::MeteorScorer(const MeteorData& data) : data_(data) {}

MetricScore MeteorScorer::score(const TokenizedCorpus& corpus) const {
  check_corpus(corpus);
  const std::size_t images = corpus.size();
  // Normalize side by side; the words are then looked up once each, on one thread.
  std::vector<ScoreLine> lines(images);
  const std::size_t threads = parallel_threads(images, 256);
  run_in_parallel(threads, [&](std::size_t thread) {
    for (std::size_t i = thread; i < images; i += threads) {
      ScoreLine line = score_line(corpus.candidates[i], corpus.references[i]);
      line.test = meteor_normalize(line.test, data_.prefixes);
      for (std::string& reference : line.references) reference = meteor_normalize(reference, data_.prefixes);
      lines[i] = std::move(line);
    }
  });
  Lexicon lexicon(data_);
  std::vector<std::vector<const MeteorWord*>> test_words(images);
  std::vector<std::vector<std::vector<const MeteorWord*>>> reference_words(images);
  for (std::size_t i = 0; i < images; ++i) {
    test_words[i] = lexicon.words(lines[i].test);
    for (const std::string& reference : lines[i].references) reference_words[i].push_back(lexicon.words(reference));
  }
  std::vector<MeteorStats> stats(images);
  MetricScore result;
  result.name = "METEOR";
  result.per_image.resize(images);
  run_in_parallel(threads, [&](std::size_t thread) {
    for (std::size_t i = thread; i < images; i += threads) {
      ImageSentences image;
      image.test = MeteorSentence(std::move(test_words[i]), data_.paraphrases);
      image.test.index_synsets();
      for (auto& words : reference_words[i]) image.references.emplace_back(std::move(words), data_.paraphrases);
      BestReference best = best_reference(image, data_.paraphrases);
      stats[i] = best.stats;
      result.per_image[i] = meteor_score(best.stats);
    }
  });
  MeteorStats total;
  for (const MeteorStats& image : stats) total.add(image);
  result.corpus = meteor_score(total);
  return result;
}

namespace {

ImageSentences image_sentences(const std::string& candidate, const std::vector<std::string>& references,
                               const MeteorData& data, Lexicon& lexicon) {
  const ScoreLine line = score_line(candidate, references);
  ImageSentences image;
  image.test = lexicon.sentence(meteor_normalize(line.test, data.prefixes));
  image.test.index_synsets();
  for (const std::string& reference : line.references) {
    image.references.push_back(lexicon.sentence(meteor_normalize(reference, data.prefixes)));
  }
  return image;
}

}  // namespace

MeteorStats MeteorScorer::statistics(const std::string& candidate, const std::vector<std::string>& references) const {
  Lexicon lexicon(data_);
  return best_reference(image_sentences(candidate, references, data_, lexicon), data_.paraphrases).stats;
}

std::string MeteorScorer::describe(const std::string& candidate, const std::vector<std::string>& references) const {
  Lexicon lexicon(data_);
  const ImageSentences image = image_sentences(candidate, references, data_, lexicon);
  const BestReference best = best_reference(image, data_.paraphrases);
  std::ostringstream out;
  out.precision(17);
  out << "Reference " << best.reference + 1 << " of " << image.references.size() << "; score " << best.score
      << "; statistics " << best.stats.to_string() << '\n';
  auto words = [&out](const MeteorSentence& sentence) {
    for (std::size_t i = 0; i < sentence.size(); ++i) out << (i > 0 ? " " : "") << sentence.words[i]->text;
    out << '\n';
  };
  out << "Alignment\n";
  words(image.test);
  if (!image.references.empty()) words(image.references[best.reference]);
  out << "Line2Start:Length\tLine1Start:Length\tModule\t\tScore\n";
  for (const MeteorMatch& m : best.alignment.matches) {
    out << m.start << ':' << m.length << "\t\t\t" << m.match_start << ':' << m.match_length << "\t\t\t" << m.module
        << "\t\t1.0\n";
  }
  return out.str();
}

}  // namespace captioner::metrics
