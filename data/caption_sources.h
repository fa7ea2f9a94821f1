#pragma once
// Readers of the caption data sets `captioner prepare` takes, into one in-memory form:
// images (key, file, split) with their raw captions.
//
//  - COCO caption annotations (captions_{train,val}{2014,2017}.json: "images" with "id" and
//    "file_name", "annotations" with "image_id" and "caption"), with the image folder.
//    Without a split file, a file whose name says "train" goes to train; the images of a
//    file whose name says "val" are shuffled with a seed: the first test_size go to test,
//    the next val_size to val, the rest to train (as Karpathy's "restval").
//  - Karpathy split files (dataset_coco.json: "filepath", "filename", "cocoid";
//    dataset_flickr8k.json / dataset_flickr30k.json: "filename" only), alone (captions from
//    their "sentences"[]."raw") or with COCO annotation files (captions from those, splits
//    from the Karpathy file by COCO id). "restval" is train.
//  - Flickr8k's own text format: Flickr8k.token.txt ("<file>#<n>\t<caption>") and the
//    Flickr_8k.{train,dev,test}Images.txt lists of a folder (dev is val).
//
// Image keys: the COCO id ("391895") where there is one, else the file name without its
// extension ("1000268201_693b08cb0e"), so that Flickr8k read either way has the same keys.
//
// What is an error (InputError, one line naming the file and the problem) and what is
// skipped and counted (in CaptionSources::excluded, and by prepare in its manifest):
//  errors:  a missing or unreadable file; non-UTF-8 bytes (a file in another encoding is
//           wrong as a whole, skipping would lose data silently); malformed JSON; a JSON
//           value of the wrong type or a missing field; an annotation whose image id no
//           image has; a duplicate image id (in a file, or across COCO files), annotation
//           id, Karpathy image or Flickr8k "<file>#<n>"; an image in two split lists; a
//           split-list entry without captions; a malformed Flickr8k line; an unknown split.
//  skipped: images outside every split (Flickr8k images in no list, COCO images the
//           Karpathy file does not name, Karpathy images the COCO files lack): counted.
//  Captions themselves are kept raw here; prepare normalises them and skips the empty ones.
//
// Flickr8k quirk: the real token file files one caption of 2258277193_586949ec62.jpg as
// "2258277193_586949ec62.jpg.1#0" (its other four are "...jpg#1".."#4"). A name of the form
// "<image file>.<digits>" is read as "<image file>" (recorded in `repairs`), which gives that
// image its five captions.

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace captioner::data {

enum class Split { train, val, test };
inline constexpr Split kSplits[] = {Split::train, Split::val, Split::test};
const char* split_name(Split split);

struct SourceCaption {
  std::string raw;    // as the file has it (valid UTF-8)
  std::string where;  // for messages: "captions_val2014.json: annotations[17]"
};

struct SourceImage {
  std::string key;                  // see above
  std::string file_name;            // as the source names it, e.g. "val2014/COCO_val2014_000000391895.jpg"
  std::filesystem::path path;       // where it is (or would be, when missing) under the image folder
  Split split = Split::train;
  std::vector<SourceCaption> captions;
};

struct SourceFile {
  std::string role;  // "coco", "karpathy", "flickr8k", "flickr8k-split"
  std::string path;
  std::size_t bytes = 0;
  std::string sha256;
};

struct CaptionSources {
  std::vector<SourceImage> images;  // in a fixed order: by split list / file order, then key
  std::vector<SourceFile> files;    // every file read, in the order read
  // Images left out and why ("not in any Flickr8k split list": 92); counts only.
  std::map<std::string, std::size_t> excluded;
  std::vector<std::string> repairs;  // what was read differently from the file, and why
};

struct CaptionSourceOptions {
  std::vector<std::filesystem::path> coco;     // COCO caption annotation files
  std::filesystem::path karpathy;              // Karpathy split file (empty: none)
  std::filesystem::path flickr8k;              // Flickr8k.token.txt (empty: none)
  std::filesystem::path flickr8k_splits;       // folder with Flickr_8k.{train,dev,test}Images.txt
  std::filesystem::path images;                // the image folder
  std::size_t val_size = 5000;                 // COCO val images to val (no split file)
  std::size_t test_size = 5000;                // COCO val images to test (no split file)
  std::uint64_t seed = 1;                      // shuffles COCO val before splitting it
};

// Checks which sources are given (COCO files and/or a Karpathy file, or Flickr8k with its
// splits folder; always an image folder) and reads them.
CaptionSources read_caption_sources(const CaptionSourceOptions& options);

// The "image_id" a COCO-format file gives an image key: the number when the key is a
// canonical decimal integer (COCO ids), the string otherwise (Flickr8k names).
nlohmann::json coco_image_id(const std::string& key);

}  // namespace captioner::data
