// captioner prepare: caption files + images -> a prepared data set directory (data/prepare.h).
#include <iostream>
#include <string>
#include <vector>

#include "apps/commands.h"
#include "apps/runtime.h"
#include "data/prepare.h"
#include "util/cli.h"
#include "util/error.h"

namespace po = boost::program_options;

namespace {

int run_prepare(int argc, char** argv) {
  captioner::data::PrepareOptions options;  // its defaults are the options' defaults
  auto& sources = options.sources;
  std::vector<std::string> coco;
  std::string karpathy, flickr8k, flickr8k_splits, images, out;
  std::string overlong = captioner::data::overlong_name(options.overlong);
  po::options_description described("Options");
  described.add_options()
      ("coco", po::value(&coco)->value_name("FILE")->composing(),
       "COCO caption annotation file (repeat for train and val; a name with \"train\" or \"val\" says which)")
      ("karpathy", po::value(&karpathy)->value_name("FILE"),
       "Karpathy split file (dataset_coco.json, dataset_flickr8k.json, ...): the splits, and the captions "
       "when no --coco is given")
      ("flickr8k", po::value(&flickr8k)->value_name("FILE"), "Flickr8k's own caption file, Flickr8k.token.txt")
      ("flickr8k-splits", po::value(&flickr8k_splits)->value_name("DIR"),
       "folder with Flickr_8k.trainImages.txt, Flickr_8k.devImages.txt and Flickr_8k.testImages.txt")
      ("images", po::value(&images)->value_name("DIR"),
       "image folder (COCO: the folder holding train2014/ and val2014/, or the images themselves)")
      ("out", po::value(&out)->value_name("DIR"), "the prepared directory to write (required)")
      ("image-size", po::value(&options.image_size)->default_value(options.image_size),
       "side of the square images in the store (shorter side resized, centre cropped)")
      ("strict", po::bool_switch(&options.strict), "a missing or corrupt image or an empty caption is an error, not a skip")
      ("text.max-words", po::value(&options.max_words)->default_value(options.max_words),
       "longest caption, in words after normalisation (0: no limit)")
      ("text.overlong", po::value(&overlong)->default_value(overlong), "a longer caption: clip | drop")
      ("tokenizer.model-type", po::value(&options.tokenizer.model_type)->default_value(options.tokenizer.model_type),
       "SentencePiece model: unigram | bpe | word | char")
      ("tokenizer.vocab-size", po::value(&options.tokenizer.vocab_size)->default_value(options.tokenizer.vocab_size),
       "pieces in the vocabulary, the 4 special ids (pad 0, bos 1, eos 2, unk 3) included")
      ("tokenizer.adjust-vocab-size", po::bool_switch(&options.tokenizer.adjust_vocab_size),
       "shrink the vocabulary to what the train captions allow instead of failing")
      ("tokenizer.character-coverage",
       po::value(&options.tokenizer.character_coverage)->default_value(options.tokenizer.character_coverage),
       "share of characters the vocabulary covers (rarer ones are unk)")
      ("split.val-size", po::value(&sources.val_size)->default_value(sources.val_size),
       "COCO without a split file: val images taken from the val annotation file")
      ("split.test-size", po::value(&sources.test_size)->default_value(sources.test_size),
       "COCO without a split file: test images taken from the val annotation file (the rest trains)")
      ("split.seed", po::value(&sources.seed)->default_value(sources.seed), "seed of that val/test split");
  captioner::apps::add_threads_option(described, options.threads);
  const auto parsed = captioner::parse_command(
      argc, argv,
      "Usage: captioner prepare (--coco FILE... [--karpathy FILE] | --karpathy FILE | --flickr8k FILE --flickr8k-splits DIR)\n"
      "                         --images DIR --out DIR [options]\n"
      "Reads captions and images once into a prepared directory: manifest.json, spm.model/.vocab,\n"
      "captions.jsonl, references_{val,test}.json, images.u8 + images.json. Rerunning reuses what is current.\n"
      "Examples:\n"
      "  captioner prepare --coco captions_train2014.json --coco captions_val2014.json --images coco/ "
      "--karpathy dataset_coco.json --out data/coco\n"
      "  captioner prepare --karpathy data/shapes/dataset_shapes.json --images data/shapes/images --out data/shapes-prep\n"
      "  captioner prepare --flickr8k Flickr8k.token.txt --flickr8k-splits Flickr8k_text/ --images Flicker8k_Dataset/ "
      "--out data/flickr8k",
      described, /*accepts_config=*/true, std::cout);
  if (parsed.help_shown) return 0;
  if (out.empty()) throw captioner::InputError("--out is required (see --help)");
  if (images.empty()) throw captioner::InputError("--images is required (see --help)");
  captioner::apps::apply_threads(options.threads);
  sources.coco.assign(coco.begin(), coco.end());
  sources.karpathy = karpathy;
  sources.flickr8k = flickr8k;
  sources.flickr8k_splits = flickr8k_splits;
  sources.images = images;
  options.out = out;
  options.overlong = captioner::data::overlong_from_name(overlong);
  captioner::data::prepare_dataset(options, &std::cerr);
  return 0;
}

const captioner::apps::CommandRegistration kRegistration{
    {"prepare", "read captions and images once into a prepared data set (tokenizer, captions, image store)", 20,
     &run_prepare}};

}  // namespace
