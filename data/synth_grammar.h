#pragma once
// The caption grammar of the synthetic benchmark: varied wording (synonyms, word orders,
// "there is", "a picture of", counts, spatial relations, positions, the background) over
// facts that are all true of the scene. The wording varies so that a held-out caption agrees
// with the references only as well as one person's caption agrees with another's; the facts
// (colours, shapes, sizes, layout) vary independently, so no caption fits every image.

#include <string>
#include <string_view>
#include <vector>

#include "data/synth_random.h"
#include "data/synth_scene.h"

namespace captioner::data {

// `count` distinct captions of `scene`, each true of it: lower case, words separated by
// single spaces, commas attached to the word before them.
std::vector<std::string> describe_scene(const Scene& scene, int count, SynthRandom& random);

// Every word the grammar can emit, sorted and unique.
std::vector<std::string> grammar_vocabulary();

// A caption's words as the Karpathy split files list them: split at spaces, punctuation dropped.
std::vector<std::string> caption_tokens(std::string_view caption);

}  // namespace captioner::data
