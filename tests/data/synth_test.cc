// The synthetic benchmark: determinism, the files and their formats, the images, the truth of
// every caption (read back by a small parser of the caption language, checked against the
// scene's geometry), and the errors.
#include "data/synth.h"

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>
#include <opencv2/imgcodecs.hpp>

#include "data/synth_grammar.h"
#include "data/synth_render.h"
#include "tests/support/command.h"
#include "util/error.h"

namespace fs = std::filesystem;
using namespace captioner::data;
using captioner::InputError;
using nlohmann::json;

namespace {

fs::path fresh_dir(const std::string& name) {
  const auto dir = fs::temp_directory_path() / ("captioner_synth_test_" + name + "_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  return dir;
}

std::string slurp(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream contents;
  contents << in.rdbuf();
  return contents.str();
}

json read_json(const fs::path& path) { return json::parse(slurp(path)); }

SynthOptions small_options(const fs::path& out, int threads = 2) {
  SynthOptions options;
  options.out = out;
  options.count = 40;
  options.val_count = 6;
  options.test_count = 4;
  options.threads = threads;
  return options;
}

// Every file under `dir` (relative path -> bytes).
std::map<std::string, std::string> all_files(const fs::path& dir) {
  std::map<std::string, std::string> files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files[fs::relative(entry.path(), dir).string()] = slurp(entry.path());
  }
  return files;
}

// ---- A reader of the caption language, independent of the grammar's tables ----------------

struct NounPhrase {
  int count;                        // 1, 2 or 3 objects
  std::optional<bool> large;        // the size it names, if any
  std::string colour, shape;        // canonical names, as scenes use them
  std::size_t begin, end;           // token span
  std::vector<const SceneObject*> objects;  // what it refers to
};

const std::map<std::string, std::pair<std::string, bool>> kNounWords = {  // word -> (shape, plural)
    {"circle", {"circle", false}},     {"circles", {"circle", true}},     {"disc", {"circle", false}},
    {"discs", {"circle", true}},       {"square", {"square", false}},     {"squares", {"square", true}},
    {"box", {"square", false}},        {"boxes", {"square", true}},       {"triangle", {"triangle", false}},
    {"triangles", {"triangle", true}}, {"diamond", {"diamond", false}},   {"diamonds", {"diamond", true}},
    {"rhombus", {"diamond", false}},   {"rhombuses", {"diamond", true}},  {"star", {"star", false}},
    {"stars", {"star", true}},         {"cross", {"cross", false}},       {"crosses", {"cross", true}},
    {"sign", {"cross", false}},        {"signs", {"cross", true}},  // "plus sign"
};
const std::set<std::string> kColourWords = {"red", "orange", "yellow", "green", "blue", "purple", "white", "black"};

using Tokens = std::vector<std::string>;

bool starts_with(const Tokens& tokens, std::size_t at, const Tokens& phrase) {
  if (at + phrase.size() > tokens.size()) return false;
  return std::equal(phrase.begin(), phrase.end(), tokens.begin() + static_cast<long>(at));
}

std::optional<NounPhrase> read_noun_phrase(const Tokens& t, std::size_t at) {
  NounPhrase np{};
  np.begin = at;
  std::size_t i = at;
  if (starts_with(t, i, {"a", "pair", "of"})) { np.count = 2; i += 3; }
  else if (starts_with(t, i, {"a", "single"}) || starts_with(t, i, {"just", "one"})) { np.count = 1; i += 2; }
  else if (i < t.size() && (t[i] == "a" || t[i] == "an")) { np.count = 1; i += 1; }
  else if (i < t.size() && t[i] == "two") { np.count = 2; i += 1; }
  else if (i < t.size() && t[i] == "three") { np.count = 3; i += 1; }
  else return std::nullopt;
  if (i < t.size() && (t[i] == "small" || t[i] == "little")) { np.large = false; ++i; }
  else if (i < t.size() && (t[i] == "large" || t[i] == "big")) { np.large = true; ++i; }
  if (i >= t.size() || !kColourWords.count(t[i])) return std::nullopt;
  np.colour = t[i++];
  const bool plus = i < t.size() && t[i] == "plus";
  if (plus) ++i;
  if (i >= t.size() || !kNounWords.count(t[i])) return std::nullopt;
  const auto& [shape, plural] = kNounWords.at(t[i]);
  if (plus != (shape == "cross" && (t[i] == "sign" || t[i] == "signs"))) return std::nullopt;
  np.shape = shape;
  EXPECT_EQ(plural, np.count > 1) << "number agreement at token " << i;
  np.end = i + 1;
  return np;
}

bool left_of(const SceneObject& a, const SceneObject& b) { return b.x - a.x > std::abs(b.y - a.y); }
bool above(const SceneObject& a, const SceneObject& b) { return b.y - a.y > std::abs(b.x - a.x); }

// Every member of `a` stands in `holds` to every member of `b`.
template <typename Holds>
bool all_pairs(const NounPhrase& a, const NounPhrase& b, Holds holds) {
  for (const auto* x : a.objects)
    for (const auto* y : b.objects)
      if (!holds(*x, *y)) return false;
  return true;
}

// Consumes a relation phrase "X <rel> Y" at `at`; checks it of a and b. False if none is there.
bool read_relation(const Tokens& t, std::size_t& at, const NounPhrase& a, const NounPhrase& b, std::string& error) {
  using Check = bool (*)(const SceneObject&, const SceneObject&);
  static const std::vector<std::pair<Tokens, Check>> kPhrases = {
      {{"to", "the", "left", "of"}, [](const SceneObject& x, const SceneObject& y) { return left_of(x, y); }},
      {{"left", "of"}, [](const SceneObject& x, const SceneObject& y) { return left_of(x, y); }},
      {{"to", "the", "right", "of"}, [](const SceneObject& x, const SceneObject& y) { return left_of(y, x); }},
      {{"right", "of"}, [](const SceneObject& x, const SceneObject& y) { return left_of(y, x); }},
      {{"next", "to"}, [](const SceneObject& x, const SceneObject& y) { return left_of(x, y) || left_of(y, x); }},
      {{"beside"}, [](const SceneObject& x, const SceneObject& y) { return left_of(x, y) || left_of(y, x); }},
      {{"above"}, [](const SceneObject& x, const SceneObject& y) { return above(x, y); }},
      {{"over"}, [](const SceneObject& x, const SceneObject& y) { return above(x, y); }},
      {{"below"}, [](const SceneObject& x, const SceneObject& y) { return above(y, x); }},
      {{"under"}, [](const SceneObject& x, const SceneObject& y) { return above(y, x); }},
      {{"beneath"}, [](const SceneObject& x, const SceneObject& y) { return above(y, x); }},
  };
  std::size_t i = at;
  if (i < t.size() && (t[i] == "is" || t[i] == "are")) {
    if ((t[i] == "are") != (a.count > 1)) error = "verb agreement";
    ++i;
  }
  for (const auto& [phrase, check] : kPhrases) {
    if (starts_with(t, i, phrase)) {
      if (!all_pairs(a, b, check)) error = "false relation '" + phrase.front() + "...'";
      at = i + phrase.size();
      return true;
    }
  }
  return false;
}

// Where `b` (after "a with b") is relative to `a`: "to its left", "above them"...
bool read_where(const Tokens& t, std::size_t& at, const NounPhrase& a, const NounPhrase& b, std::string& error) {
  const std::string pronoun = a.count > 1 ? "their" : "its", object = a.count > 1 ? "them" : "it";
  auto left = [](const SceneObject& x, const SceneObject& y) { return left_of(x, y); };
  auto right = [](const SceneObject& x, const SceneObject& y) { return left_of(y, x); };
  auto over = [](const SceneObject& x, const SceneObject& y) { return above(x, y); };
  auto under = [](const SceneObject& x, const SceneObject& y) { return above(y, x); };
  for (const std::string prep : {"to", "on"}) {
    if (starts_with(t, at, {prep, pronoun, "left"})) { at += 3; if (!all_pairs(b, a, left)) error = "false 'its left'"; return true; }
    if (starts_with(t, at, {prep, pronoun, "right"})) { at += 3; if (!all_pairs(b, a, right)) error = "false 'its right'"; return true; }
  }
  if (starts_with(t, at, {"above", object})) { at += 2; if (!all_pairs(b, a, over)) error = "false 'above it'"; return true; }
  for (const std::string word : {"below", "under"}) {
    if (starts_with(t, at, {word, object})) { at += 2; if (!all_pairs(b, a, under)) error = "false 'below it'"; return true; }
  }
  return false;
}

// Reads a whole caption; returns "" when every part of it is understood and true of `scene`.
std::string check_caption(const std::string& caption, const Scene& scene) {
  const Tokens t = caption_tokens(caption);
  std::vector<NounPhrase> nps;
  for (std::size_t i = 0; i < t.size();) {
    if (auto np = read_noun_phrase(t, i)) {
      nps.push_back(*np);
      i = np->end;
    } else {
      ++i;
    }
  }
  if (nps.empty()) return "no noun phrase";
  // Resolve each phrase to the objects it names.
  std::set<const SceneObject*> named;
  for (auto& np : nps) {
    std::vector<const SceneObject*> same_kind;
    for (const auto& o : scene.objects) {
      if (colour_name(o.colour) == np.colour && shape_name(o.shape) == np.shape) same_kind.push_back(&o);
    }
    if (np.count == 1 && np.large && same_kind.size() > 1) {
      same_kind.erase(std::remove_if(same_kind.begin(), same_kind.end(),
                                     [&](const SceneObject* o) { return o->large != *np.large; }),
                      same_kind.end());
    }
    if (static_cast<int>(same_kind.size()) != np.count) {
      return "'" + np.colour + " " + np.shape + "' x" + std::to_string(np.count) + " does not match the scene";
    }
    for (const auto* o : same_kind) {
      if (np.large && o->large != *np.large) return "wrong size for '" + np.colour + " " + np.shape + "'";
      if (!named.insert(o).second) return "an object named twice";
    }
    np.objects = same_kind;
  }
  if (named.size() != scene.objects.size()) return "not every object is named";

  std::string error;
  std::size_t at = 0;
  // Before the first phrase.
  const std::size_t objects = scene.objects.size();
  if (starts_with(t, 0, {"there", "is"}) || starts_with(t, 0, {"there", "are"})) {
    if ((t[1] == "are") != (nps[0].count > 1)) return "'there is/are' agreement";
    at = 2;
  } else if (t.size() > 3 && (t[0] == "a" || t[0] == "an") &&
             (t[1] == "picture" || t[1] == "image" || t[1] == "drawing") && t[2] == "of") {
    at = 3;
  } else if (t.size() > 2 && (t[0] == "two" || t[0] == "three") && (t[1] == "shapes" || t[1] == "objects")) {
    if ((t[0] == "two" ? 2u : 3u) != objects) return "wrong number of shapes";
    at = 2;
  }
  if (at != nps[0].begin) return "unknown words before the first noun phrase";
  // Between phrases.
  for (std::size_t k = 0; k + 1 < nps.size(); ++k) {
    at = nps[k].end;
    if (read_relation(t, at, nps[k], nps[k + 1], error)) {
      // "X <rel> Y"
    } else if (at < t.size() && t[at] == "with") {
      ++at;
      if (at != nps[k + 1].begin) return "'with' not followed by a noun phrase";
      std::size_t after = nps[k + 1].end;
      if (!read_where(t, after, nps[k], nps[k + 1], error)) return "'with' without where";
      if (k + 2 < nps.size()) return "'with' in a list";
      nps[k + 1].end = after;  // the tail starts after the where phrase
    } else if (at < t.size() && t[at] == "and") {
      ++at;
    }
    if (!error.empty()) return error;
    if (k + 1 < nps.size() && at != nps[k + 1].begin) return "unknown words between noun phrases";
  }
  // After the last phrase: an arrangement or position, then perhaps the background.
  at = nps.back().end;
  const NounPhrase& last = nps.back();
  if (starts_with(t, at, {"from", "left", "to", "right"})) {
    for (std::size_t k = 0; k + 1 < nps.size(); ++k) {
      if (!all_pairs(nps[k], nps[k + 1], left_of)) return "false 'from left to right'";
    }
    at += 4;
  } else if (starts_with(t, at, {"side", "by", "side"}) || starts_with(t, at, {"next", "to", "each", "other"})) {
    if (nps.size() != 1 || last.count != 2) return "'side by side' of something other than a pair";
    if (!left_of(*last.objects[0], *last.objects[1]) && !left_of(*last.objects[1], *last.objects[0])) return "false 'side by side'";
    at += t[at] == "side" ? 3 : 4;
  } else if (starts_with(t, at, {"one", "above", "the", "other"})) {
    if (nps.size() != 1 || last.count != 2) return "'one above the other' of something other than a pair";
    if (!above(*last.objects[0], *last.objects[1]) && !above(*last.objects[1], *last.objects[0])) return "false 'one above the other'";
    at += 4;
  } else if (nps.size() == 1 && last.count == 1) {
    const SceneObject& o = *last.objects[0];
    const bool left = o.x < 1.0 / 3, right = o.x > 2.0 / 3, top = o.y < 1.0 / 3, bottom = o.y > 2.0 / 3;
    const bool middle = !left && !right && !top && !bottom;
    for (const std::string v : {"top", "bottom"}) {
      for (const std::string h : {"left", "right"}) {
        const bool true_here = (v == "top" ? top : bottom) && (h == "left" ? left : right);
        if (starts_with(t, at, {"in", "the", v, h, "corner"}) || starts_with(t, at, {"at", "the", v, h})) {
          if (!true_here) return "false corner";
          at += t[at] == "in" ? 5 : 4;
        }
      }
      if (starts_with(t, at, {"at", "the", v}) || starts_with(t, at, {"near", "the", v})) {
        if (!(v == "top" ? top : bottom)) return "false '" + v + "'";
        at += 3;
      }
    }
    for (const std::string h : {"left", "right"}) {
      if (starts_with(t, at, {"on", "the", h})) {
        if (!(h == "left" ? left : right)) return "false '" + h + "'";
        at += starts_with(t, at + 3, {"side"}) ? 4 : 3;
      }
    }
    if (starts_with(t, at, {"in", "the", "middle"}) || starts_with(t, at, {"in", "the", "center"})) {
      if (!middle) return "false 'middle'";
      at += 3;
    }
  }
  if (starts_with(t, at, {"on", "a"}) && at + 3 < t.size()) {
    static const std::map<std::string, std::string> kBackgroundWords = {
        {"plain", "plain"},         {"solid", "plain"},         {"gradient", "gradient"}, {"shaded", "gradient"},
        {"striped", "striped"},     {"checkered", "checkered"}, {"checked", "checkered"}, {"mottled", "mottled"},
        {"blotchy", "mottled"}};
    const auto found = kBackgroundWords.find(t[at + 2]);
    if (found == kBackgroundWords.end() || t[at + 3] != "background") return "unknown background phrase";
    if (found->second != background_name(scene.background)) return "false background";
    at += 4;
  }
  if (at != t.size()) return "unknown words at the end";
  return "";
}

void expect_true_captions(const SynthImage& image) {
  for (const auto& caption : image.captions) {
    const std::string error = check_caption(caption, image.scene);
    EXPECT_EQ(error, "") << "image " << image.id << ": \"" << caption << "\"";
  }
}

// ---- Tests -----------------------------------------------------------------------------------

class SynthOutput : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    dir_ = new fs::path(fresh_dir("output"));
    std::ostringstream quiet;
    summary_ = generate_synth(small_options(*dir_), &quiet);
  }
  static void TearDownTestSuite() {
    fs::remove_all(*dir_);
    delete dir_;
  }
  static fs::path* dir_;
  static SynthSummary summary_;
};
fs::path* SynthOutput::dir_ = nullptr;
SynthSummary SynthOutput::summary_;

TEST_F(SynthOutput, SplitsHaveTheAskedSizesAndFiveReferencesEach) {
  EXPECT_EQ(summary_.train, 30);
  EXPECT_EQ(summary_.val, 6);
  EXPECT_EQ(summary_.test, 4);
  std::set<int> all_ids;
  std::set<int> annotation_ids;
  for (const auto& [split, expected] : std::map<std::string, int>{{"train", 30}, {"val", 6}, {"test", 4}}) {
    const json coco = read_json(*dir_ / ("captions_" + split + ".json"));
    ASSERT_TRUE(coco.contains("info") && coco.contains("licenses"));
    ASSERT_EQ(coco["images"].size(), static_cast<std::size_t>(expected)) << split;
    ASSERT_EQ(coco["annotations"].size(), static_cast<std::size_t>(expected * kSynthReferences)) << split;
    std::map<int, int> per_image;
    for (const auto& image : coco["images"]) {
      EXPECT_TRUE(all_ids.insert(image["id"].get<int>()).second) << "image id in two splits";
      EXPECT_EQ(image["width"], 64);
      EXPECT_EQ(image["height"], 64);
      EXPECT_TRUE(fs::is_regular_file(*dir_ / "images" / image["file_name"].get<std::string>()));
      per_image[image["id"].get<int>()] = 0;
    }
    for (const auto& annotation : coco["annotations"]) {
      EXPECT_TRUE(annotation_ids.insert(annotation["id"].get<int>()).second) << "duplicate annotation id";
      ASSERT_TRUE(per_image.count(annotation["image_id"].get<int>())) << "annotation of an image of another split";
      ++per_image[annotation["image_id"].get<int>()];
      EXPECT_FALSE(annotation["caption"].get<std::string>().empty());
    }
    for (const auto& [id, n] : per_image) EXPECT_EQ(n, kSynthReferences) << "image " << id;
  }
  EXPECT_EQ(all_ids.size(), 40u);
  // The test split is the first images, then val: a larger --count keeps val and test.
  const json test = read_json(*dir_ / "captions_test.json");
  EXPECT_EQ(test["images"][0]["id"], 1);
  EXPECT_EQ(read_json(*dir_ / "captions_val.json")["images"][0]["id"], 5);
  std::size_t jpegs = 0;
  for (const auto& entry : fs::directory_iterator(*dir_ / "images")) jpegs += entry.path().extension() == ".jpg";
  EXPECT_EQ(jpegs, 40u);
}

TEST_F(SynthOutput, KarpathySplitMatchesTheCocoFiles) {
  const json karpathy = read_json(*dir_ / "dataset_shapes.json");
  EXPECT_EQ(karpathy["dataset"], "shapes");
  ASSERT_EQ(karpathy["images"].size(), 40u);
  std::map<int, std::vector<std::string>> coco_captions;
  std::map<int, std::string> coco_split;
  for (const std::string split : {"train", "val", "test"}) {
    const json coco = read_json(*dir_ / ("captions_" + split + ".json"));
    for (const auto& a : coco["annotations"]) coco_captions[a["image_id"]].push_back(a["caption"]);
    for (const auto& i : coco["images"]) coco_split[i["id"]] = split;
  }
  int imgid = 0;
  for (const auto& image : karpathy["images"]) {
    EXPECT_EQ(image["imgid"], imgid++);
    EXPECT_EQ(image["filepath"], "images");
    const int id = image["cocoid"];
    EXPECT_EQ(image["split"], coco_split.at(id));
    EXPECT_TRUE(fs::is_regular_file(*dir_ / "images" / image["filename"].get<std::string>()));
    ASSERT_EQ(image["sentences"].size(), static_cast<std::size_t>(kSynthReferences));
    ASSERT_EQ(image["sentids"].size(), static_cast<std::size_t>(kSynthReferences));
    for (std::size_t k = 0; k < image["sentences"].size(); ++k) {
      const auto& sentence = image["sentences"][k];
      EXPECT_EQ(sentence["raw"], coco_captions.at(id)[k]);
      EXPECT_EQ(sentence["imgid"], image["imgid"]);
      EXPECT_EQ(sentence["sentid"], image["sentids"][k]);
      EXPECT_EQ(sentence["tokens"].get<std::vector<std::string>>(), caption_tokens(sentence["raw"].get<std::string>()));
      for (const auto& token : sentence["tokens"]) {
        EXPECT_EQ(token.get<std::string>().find(','), std::string::npos);
      }
    }
  }
}

TEST_F(SynthOutput, OracleIsAHeldOutSixthCaptionInResultsFormat) {
  for (const std::string split : {"val", "test"}) {
    const json oracle = read_json(*dir_ / ("oracle_" + split + ".json"));
    const json coco = read_json(*dir_ / ("captions_" + split + ".json"));
    ASSERT_TRUE(oracle.is_array());
    ASSERT_EQ(oracle.size(), coco["images"].size());
    std::map<int, std::set<std::string>> references;
    for (const auto& a : coco["annotations"]) references[a["image_id"]].insert(a["caption"].get<std::string>());
    for (const auto& result : oracle) {
      ASSERT_EQ(result.size(), 2u);  // image_id and caption, nothing else
      const int id = result["image_id"];
      ASSERT_TRUE(references.count(id));
      EXPECT_EQ(references[id].count(result["caption"].get<std::string>()), 0u) << "oracle repeats a reference";
    }
  }
  EXPECT_FALSE(fs::exists(*dir_ / "oracle_train.json"));
}

TEST_F(SynthOutput, JpegsDecodeAtTheSizeAndShowTheirScenes) {
  const json scenes = read_json(*dir_ / "scenes.json");
  ASSERT_EQ(scenes.size(), 40u);
  int objects_checked = 0;
  for (const auto& scene : scenes) {
    const auto path = *dir_ / "images" / scene["file_name"].get<std::string>();
    EXPECT_EQ(slurp(path).substr(0, 3), std::string("\xFF\xD8\xFF")) << path;  // a JPEG, not a PNG by another name
    const cv::Mat bgr = cv::imread(path.string(), cv::IMREAD_COLOR);
    ASSERT_FALSE(bgr.empty()) << path;
    EXPECT_EQ(bgr.cols, 64);
    EXPECT_EQ(bgr.rows, 64);
    // At each object's centre the colour is nearer its own name than any other named colour.
    for (const auto& object : scene["objects"]) {
      const int x = static_cast<int>(object["x"].get<double>() * 64), y = static_cast<int>(object["y"].get<double>() * 64);
      const cv::Scalar mean = cv::mean(bgr(cv::Rect(x - 1, y - 1, 3, 3)));
      int nearest = -1;
      double nearest_distance = 1e9;
      for (int c = 0; c < kColourCount; ++c) {
        const cv::Vec3b rgb = nominal_rgb(static_cast<Colour>(c));
        const double d = std::hypot(mean[2] - rgb[0], mean[1] - rgb[1], mean[0] - rgb[2]);
        if (d < nearest_distance) nearest_distance = d, nearest = c;
      }
      EXPECT_EQ(colour_name(static_cast<Colour>(nearest)), object["colour"].get<std::string>())
          << path << " at " << x << "," << y;
      ++objects_checked;
    }
  }
  EXPECT_GT(objects_checked, 40);
}

TEST_F(SynthOutput, EveryWrittenCaptionIsTrueOfItsScene) {
  const json scenes = read_json(*dir_ / "scenes.json");
  std::map<int, std::vector<std::string>> captions;
  for (const std::string split : {"train", "val", "test"}) {
    const json coco = read_json(*dir_ / ("captions_" + split + ".json"));
    for (const auto& a : coco["annotations"]) captions[a["image_id"]].push_back(a["caption"]);
  }
  for (const std::string split : {"val", "test"}) {
    const json oracle = read_json(*dir_ / ("oracle_" + split + ".json"));
    for (const auto& r : oracle) captions[r["image_id"]].push_back(r["caption"]);
  }
  for (const auto& entry : scenes) {
    Scene scene{};
    for (int b = 0; b < kBackgroundKindCount; ++b) {
      if (background_name(static_cast<BackgroundKind>(b)) == entry["background"].get<std::string>()) {
        scene.background = static_cast<BackgroundKind>(b);
      }
    }
    for (const auto& o : entry["objects"]) {
      SceneObject object{};
      for (int s = 0; s < kShapeCount; ++s) if (shape_name(static_cast<Shape>(s)) == o["shape"].get<std::string>()) object.shape = static_cast<Shape>(s);
      for (int c = 0; c < kColourCount; ++c) if (colour_name(static_cast<Colour>(c)) == o["colour"].get<std::string>()) object.colour = static_cast<Colour>(c);
      object.large = o["size"] == "large";
      object.x = o["x"];
      object.y = o["y"];
      object.radius = o["radius"];
      scene.objects.push_back(object);
    }
    const int id = entry["id"];
    const std::size_t expected = entry["split"] == "train" ? kSynthReferences : kSynthReferences + 1;
    ASSERT_EQ(captions[id].size(), expected) << "image " << id;
    for (const auto& caption : captions[id]) EXPECT_EQ(check_caption(caption, scene), "") << "image " << id << ": \"" << caption << "\"";
  }
}

TEST_F(SynthOutput, SummaryRecordsOptionsCountsAndTheVocabulary) {
  const json summary = read_json(*dir_ / "synth.json");
  EXPECT_EQ(summary["complete"], true);
  EXPECT_EQ(summary["options"]["count"], 40);
  EXPECT_EQ(summary["options"]["seed"], 1);
  EXPECT_EQ(summary["options"]["image-size"], 64);
  EXPECT_FALSE(summary["options"].contains("threads"));  // it does not change the output
  EXPECT_EQ(summary["counts"]["train"], 30);
  EXPECT_EQ(summary["counts"]["val"], 6);
  EXPECT_EQ(summary["counts"]["test"], 4);
  int by_count = 0;
  for (const auto& [n, images] : summary["counts"]["images_by_object_count"].items()) by_count += images.get<int>();
  EXPECT_EQ(by_count, 40);
  EXPECT_EQ(summary["vocabulary"].get<std::vector<std::string>>(), grammar_vocabulary());
  EXPECT_EQ(summary["scene_vocabulary"]["colours"].size(), static_cast<std::size_t>(kColourCount));
}

TEST(Synth, SameSeedGivesTheSameBytesWhateverTheThreads) {
  const auto one = fresh_dir("one_thread"), three = fresh_dir("three_threads"), other = fresh_dir("other_seed");
  std::ostringstream quiet;
  generate_synth(small_options(one, 1), &quiet);
  generate_synth(small_options(three, 3), &quiet);
  auto reseeded = small_options(other, 2);
  reseeded.seed = 2;
  generate_synth(reseeded, &quiet);
  const auto a = all_files(one), b = all_files(three), c = all_files(other);
  ASSERT_EQ(a.size(), 40u + 8u);  // the images and 8 JSON files
  ASSERT_EQ(a.size(), b.size());
  for (const auto& [name, bytes] : a) {
    ASSERT_TRUE(b.count(name)) << name;
    EXPECT_TRUE(bytes == b.at(name)) << name << " differs between 1 and 3 threads";
  }
  EXPECT_NE(a.at("images/000001.jpg"), c.at("images/000001.jpg"));
  EXPECT_NE(a.at("captions_train.json"), c.at("captions_train.json"));
  for (const auto& dir : {one, three, other}) fs::remove_all(dir);
}

TEST(Synth, EveryCaptionOfManyScenesIsTrueDistinctAndInTheVocabulary) {
  SynthOptions options;
  options.count = 3000;
  const auto vocabulary = grammar_vocabulary();
  const std::set<std::string> known(vocabulary.begin(), vocabulary.end());
  std::set<std::string> used;
  std::map<std::string, int> first_words;
  for (int index = 0; index < options.count; ++index) {
    const SynthImage image = synth_image(options, index);
    ASSERT_EQ(image.captions.size(), static_cast<std::size_t>(kSynthReferences + 1));
    const std::set<std::string> distinct(image.captions.begin(), image.captions.end());
    EXPECT_EQ(distinct.size(), image.captions.size()) << "image " << image.id << ": a caption repeats";
    expect_true_captions(image);
    for (const auto& caption : image.captions) {
      const auto tokens = caption_tokens(caption);
      ++first_words[tokens.front()];
      for (const auto& token : tokens) {
        EXPECT_TRUE(known.count(token)) << "'" << token << "' is missing from the vocabulary";
        used.insert(token);
      }
    }
    if (::testing::Test::HasFailure()) break;  // one image's report is enough
  }
  // The grammar uses its whole vocabulary, and its wording varies.
  EXPECT_EQ(used.size(), known.size());
  EXPECT_GE(first_words.size(), 6u);
}

TEST(Synth, ScenesKeepObjectsApartAndCoverEveryKind) {
  std::set<int> shapes, colours, backgrounds, counts;
  int duplicates = 0;
  for (int index = 0; index < 2000; ++index) {
    SynthRandom random(7, static_cast<std::uint64_t>(index), SynthStream::kScene);
    const Scene scene = sample_scene(random, 3);
    ASSERT_GE(scene.objects.size(), 1u);
    ASSERT_LE(scene.objects.size(), 3u);
    counts.insert(static_cast<int>(scene.objects.size()));
    backgrounds.insert(static_cast<int>(scene.background));
    for (std::size_t i = 0; i < scene.objects.size(); ++i) {
      const auto& a = scene.objects[i];
      shapes.insert(static_cast<int>(a.shape));
      colours.insert(static_cast<int>(a.colour));
      EXPECT_GE(a.x - object_extent(a), 0.0);
      EXPECT_LE(a.x + object_extent(a), 1.0);
      EXPECT_GE(a.y - object_extent(a), 0.0);
      EXPECT_LE(a.y + object_extent(a), 1.0);
      for (std::size_t j = i + 1; j < scene.objects.size(); ++j) {
        const auto& b = scene.objects[j];
        const double dx = std::abs(a.x - b.x), dy = std::abs(a.y - b.y);
        EXPECT_GE(std::hypot(dx, dy), object_extent(a) + object_extent(b)) << "objects overlap";
        EXPECT_GE(std::max(dx, dy), kAxisClearRatio * std::min(dx, dy)) << "no clear relation";
        duplicates += a.shape == b.shape && a.colour == b.colour;
      }
    }
  }
  EXPECT_EQ(shapes.size(), static_cast<std::size_t>(kShapeCount));
  EXPECT_EQ(colours.size(), static_cast<std::size_t>(kColourCount));
  EXPECT_EQ(backgrounds.size(), static_cast<std::size_t>(kBackgroundKindCount));
  EXPECT_EQ(counts, (std::set<int>{1, 2, 3}));
  EXPECT_GT(duplicates, 50);  // counts ("two red circles") occur
  SynthRandom random(7, 0, SynthStream::kScene);
  for (int i = 0; i < 50; ++i) EXPECT_EQ(sample_scene(random, 1).objects.size(), 1u);
}

TEST(Synth, OtherImageSizesRender) {
  const auto dir = fresh_dir("size48");
  auto options = small_options(dir);
  options.count = 6;
  options.val_count = 1;
  options.test_count = 1;
  options.image_size = 48;
  std::ostringstream quiet;
  generate_synth(options, &quiet);
  const cv::Mat image = cv::imread((dir / "images" / "000003.jpg").string(), cv::IMREAD_COLOR);
  EXPECT_EQ(image.cols, 48);
  EXPECT_EQ(image.rows, 48);
  EXPECT_EQ(read_json(dir / "captions_train.json")["images"][0]["width"], 48);
  fs::remove_all(dir);
}

TEST(Synth, RerunReplacesAnEarlierOutputStaleImagesIncluded) {
  const auto dir = fresh_dir("rerun");
  std::ostringstream quiet;
  generate_synth(small_options(dir), &quiet);
  auto fewer = small_options(dir);
  fewer.count = 15;
  generate_synth(fewer, &quiet);
  std::size_t jpegs = 0;
  for (const auto& entry : fs::directory_iterator(dir / "images")) jpegs += entry.is_regular_file();
  EXPECT_EQ(jpegs, 15u);
  EXPECT_EQ(read_json(dir / "synth.json")["counts"]["images"], 15);
  EXPECT_EQ(read_json(dir / "captions_train.json")["images"].size(), 5u);
  fs::remove_all(dir);
}

std::string error_of(const SynthOptions& options) {
  try {
    std::ostringstream quiet;
    generate_synth(options, &quiet);
  } catch (const InputError& error) {
    return error.what();
  }
  return "(no error)";
}

TEST(Synth, BadOptionsAreClearErrors) {
  const auto dir = fresh_dir("bad");
  auto options = small_options(dir);
  options.count = 0;
  EXPECT_EQ(error_of(options), "--count 0: must be at least 1");
  options = small_options(dir);
  options.image_size = 16;
  EXPECT_EQ(error_of(options), "--image-size 16: must be 32 to 1024 pixels (smaller shapes cannot be told apart)");
  options = small_options(dir);
  options.count = 10;
  EXPECT_EQ(error_of(options), "--count 10: leaves no training image after --val-count 6 and --test-count 4");
  options = small_options(dir);
  options.max_objects = 4;
  EXPECT_EQ(error_of(options), "--max-objects 4: must be 1 to 3");
  options = small_options(dir);
  options.jpeg_quality = 0;
  EXPECT_EQ(error_of(options), "--jpeg-quality 0: must be 1 to 100");
  options = small_options("");
  EXPECT_EQ(error_of(options), "--out is required: the directory to write the data set into");
  EXPECT_FALSE(fs::exists(dir)) << "a bad option must not leave a directory behind";

  // An output directory that cannot be made (under a regular file: fails even for root).
  fs::create_directories(dir);
  std::ofstream(dir / "a_file") << "x";
  options = small_options(dir / "a_file" / "out");
  const std::string unwritable = error_of(options);
  EXPECT_EQ(unwritable.rfind((dir / "a_file" / "out").string() + ": cannot create the directory: ", 0), 0u) << unwritable;
  // Someone else's files are never overwritten.
  options = small_options(dir);
  EXPECT_EQ(error_of(options), dir.string() + ": is not empty and holds no synth.json: refusing to write a data set "
                                              "into it (give a new or empty directory)");
  EXPECT_EQ(slurp(dir / "a_file"), "x");
  fs::remove_all(dir);
}

TEST(SynthCommand, WritesTheDataSetFromAConfigFileAndReportsBadOptionsInOneLine) {
  using captioner::test::quoted;
  using captioner::test::run_command;
  const auto dir = fresh_dir("command");
  fs::create_directories(dir);
  std::ofstream(dir / "synth.ini") << "count = 12\nval-count = 2\ntest-count = 3\nimage-size = 40\nseed = 5\n";
  const auto out = dir / "shapes";
  const auto ok = run_command(std::string(CAPTIONER_PATH) + " synth --config " + quoted((dir / "synth.ini").string()) +
                              " --out " + quoted(out.string()) + " --threads 2 --seed 6");
  ASSERT_EQ(ok.exit_code, 0) << ok.output;
  const json summary = read_json(out / "synth.json");
  EXPECT_EQ(summary["options"]["count"], 12);
  EXPECT_EQ(summary["options"]["image-size"], 40);
  EXPECT_EQ(summary["options"]["seed"], 6);  // the command line wins over the file
  EXPECT_EQ(summary["counts"]["test"], 3);
  EXPECT_NE(ok.output.find("train 7, val 2, test 3"), std::string::npos) << ok.output;

  const auto bad = run_command(std::string(CAPTIONER_PATH) + " synth --count 0 --out " + quoted((dir / "x").string()));
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_EQ(bad.output, "captioner synth: --count 0: must be at least 1\n");
  const auto unknown = run_command(std::string(CAPTIONER_PATH) + " synth --colours 3 --out " + quoted((dir / "x").string()));
  EXPECT_EQ(unknown.exit_code, 1);
  EXPECT_NE(unknown.output.find("colours"), std::string::npos) << unknown.output;
  fs::remove_all(dir);
}

}  // namespace
