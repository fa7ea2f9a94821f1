#pragma once
// N-gram counting shared by BLEU and CIDEr-D. Each image's n-grams (over its references
// and its candidate) are numbered locally, so that the scorers work in small per-image
// arrays that stay in the cache; only CIDEr-D's document frequencies need the whole
// corpus, and count_corpus_ngrams works them out once for every image's n-grams.

#include <array>
#include <cstdint>
#include <vector>

#include "metrics/corpus.h"

namespace captioner::metrics {

constexpr int kMaxNgramOrder = 4;

// One distinct n-gram of a sentence.
struct NgramCount {
  std::uint32_t ngram;  // which of its image's distinct n-grams
  std::uint32_t count;  // occurrences in the sentence
};

// A sentence's n-grams are NgramChunk::counts[order_begin[0], order_begin[4]), in
// pycocoevalcap's insertion order: its 1-grams by first occurrence, then its 2-grams,
// and so on; those of order n are [order_begin[n - 1], order_begin[n]).
struct SentenceNgrams {
  std::uint32_t words = 0;  // str.split() words
  std::array<std::uint32_t, kMaxNgramOrder + 1> order_begin{};
};

struct ImageNgrams {
  std::uint32_t first_sentence = 0;  // into NgramChunk::sentences: the references, then the candidate
  std::uint32_t references = 0;
  std::uint32_t first_ngram = 0;  // its distinct n-grams: NgramChunk::document_frequency[first_ngram, + ngrams)
  std::uint32_t ngrams = 0;
  std::uint32_t referenced_ngrams = 0;  // the first this many of them are in its references, the rest only in the candidate
};

// Consecutive images, counted (and scored) by one thread.
struct NgramChunk {
  std::size_t first_image = 0;  // in the corpus
  std::vector<ImageNgrams> images;
  std::vector<SentenceNgrams> sentences;
  std::vector<NgramCount> counts;
  // For each image's distinct n-grams: how many images of the corpus hold the n-gram in
  // one of their references (CIDEr-D's document frequency; 0 for one only candidates have).
  std::vector<std::uint32_t> document_frequency;

  const SentenceNgrams& candidate(const ImageNgrams& image) const {
    return sentences[image.first_sentence + image.references];
  }
};

// Every sentence of a corpus counted once, for BLEU and CIDEr-D to share.
struct CorpusNgrams {
  std::size_t images = 0;
  std::vector<NgramChunk> chunks;  // in image order

  std::size_t size() const { return images; }
};

// Checks the corpus (check_corpus) and counts the n-grams of order 1..4 of every
// caption split with Python's str.split().
CorpusNgrams count_corpus_ngrams(const TokenizedCorpus& corpus);

}  // namespace captioner::metrics
