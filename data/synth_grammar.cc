#include "data/synth_grammar.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <functional>
#include <optional>
#include <set>
#include <stdexcept>

namespace captioner::data {
namespace {

// A phrase and how often it is chosen relative to the others of its table. Every word the
// grammar emits comes from one of these tables (kAllTables lists them for the vocabulary).
struct Choice {
  std::string_view text;
  int weight;
};
using Table = std::vector<Choice>;

struct Noun {
  std::string_view singular, plural;
  int weight;
};

const std::array<std::vector<Noun>, kShapeCount> kNouns = {{
    {{"circle", "circles", 3}, {"disc", "discs", 1}},
    {{"square", "squares", 3}, {"box", "boxes", 1}},
    {{"triangle", "triangles", 1}},
    {{"diamond", "diamonds", 3}, {"rhombus", "rhombuses", 1}},
    {{"star", "stars", 1}},
    {{"cross", "crosses", 3}, {"plus sign", "plus signs", 1}},
}};

const Table kSmall = {{"small", 3}, {"little", 1}};
const Table kLarge = {{"large", 2}, {"big", 2}};
const Table kArticle = {{"a", 1}};  // "an" before a vowel: see fix_articles
const Table kJustOne = {{"a single", 2}, {"just one", 1}};
const Table kTwo = {{"two", 3}, {"a pair of", 1}};
const Table kThree = {{"three", 1}};
const std::array<Table, 2> kObjectCount = {{{{"two", 1}}, {{"three", 1}}}};  // "two shapes", "three shapes"
const Table kThereIs = {{"there is", 1}};
const Table kThereAre = {{"there are", 1}};
const Table kPictureOf = {{"a picture of", 2}, {"an image of", 2}, {"a drawing of", 1}};
const Table kIs = {{"is", 1}};
const Table kAre = {{"are", 1}};
const Table kAnd = {{"and", 1}};
const Table kComma = {{",", 1}};
const Table kWith = {{"with", 1}};
const Table kShapes = {{"shapes", 2}, {"objects", 1}};
const Table kFromLeftToRight = {{"from left to right", 1}};
const Table kSideBySide = {{"side by side", 2}, {"next to each other", 1}};
const Table kOneAboveTheOther = {{"one above the other", 1}};

// "X <relation> Y", by Relation (kLeftOf, kRightOf, kAbove, kBelow): X is <relation> Y.
const std::array<Table, 4> kRelation = {{
    {{"to the left of", 3}, {"left of", 1}, {"next to", 2}, {"beside", 1}},
    {{"to the right of", 3}, {"right of", 1}, {"next to", 2}, {"beside", 1}},
    {{"above", 4}, {"over", 1}},
    {{"below", 3}, {"under", 1}, {"beneath", 1}},
}};
// "X with Y <where>", by the relation of Y to X, for one X and for several.
const std::array<Table, 4> kWhereToIt = {{
    {{"to its left", 2}, {"on its left", 1}},
    {{"to its right", 2}, {"on its right", 1}},
    {{"above it", 1}},
    {{"below it", 2}, {"under it", 1}},
}};
const std::array<Table, 4> kWhereToThem = {{
    {{"to their left", 2}, {"on their left", 1}},
    {{"to their right", 2}, {"on their right", 1}},
    {{"above them", 1}},
    {{"below them", 2}, {"under them", 1}},
}};

// Where a single object is: corners by [top/bottom][left/right], sides, edges, the middle.
const std::array<Table, 4> kCorner = {{
    {{"in the top left corner", 2}, {"at the top left", 1}},
    {{"in the top right corner", 2}, {"at the top right", 1}},
    {{"in the bottom left corner", 2}, {"at the bottom left", 1}},
    {{"in the bottom right corner", 2}, {"at the bottom right", 1}},
}};
const std::array<Table, 2> kSide = {{
    {{"on the left", 2}, {"on the left side", 1}},
    {{"on the right", 2}, {"on the right side", 1}},
}};
const std::array<Table, 2> kEdge = {{
    {{"at the top", 2}, {"near the top", 1}},
    {{"at the bottom", 2}, {"near the bottom", 1}},
}};
const Table kMiddle = {{"in the middle", 2}, {"in the center", 1}};

const Table kOnA = {{"on a", 1}};
const std::array<Table, kBackgroundKindCount> kBackgroundWord = {{
    {{"plain", 2}, {"solid", 1}},
    {{"gradient", 1}, {"shaded", 1}},
    {{"striped", 1}},
    {{"checkered", 2}, {"checked", 1}},
    {{"mottled", 2}, {"blotchy", 1}},
}};
const Table kBackground = {{"background", 1}};

constexpr double kSizeChance = 0.5;        // an optional size word is said
constexpr double kBackgroundChance = 0.12;  // "on a striped background" is added
constexpr double kGroupChance = 0.8;       // identical shapes told apart by size are still counted

std::vector<const Table*> all_tables() {
  std::vector<const Table*> tables = {&kSmall,  &kLarge,  &kArticle, &kJustOne,   &kTwo,         &kThree,
                                      &kThereIs, &kThereAre, &kPictureOf, &kIs, &kAre,  &kAnd,
                                      &kComma,  &kWith,   &kShapes,  &kFromLeftToRight, &kSideBySide,
                                      &kOneAboveTheOther, &kMiddle, &kOnA, &kBackground};
  for (const auto* group : {&kRelation, &kWhereToIt, &kWhereToThem, &kCorner}) {
    for (const auto& table : *group) tables.push_back(&table);
  }
  for (const auto& table : kObjectCount) tables.push_back(&table);
  for (const auto& table : kSide) tables.push_back(&table);
  for (const auto& table : kEdge) tables.push_back(&table);
  for (const auto& table : kBackgroundWord) tables.push_back(&table);
  return tables;
}

template <typename Item>
const Item& choose_weighted(SynthRandom& random, const std::vector<Item>& items) {
  int total = 0;
  for (const auto& item : items) total += item.weight;
  int pick = random.below(total);
  for (const auto& item : items) {
    if (pick < item.weight) return item;
    pick -= item.weight;
  }
  return items.back();
}

// A caption under construction: phrases appended in order.
class Words {
 public:
  explicit Words(SynthRandom& random) : random_(&random) {}
  Words& say(const Table& table) { return say(choose_weighted(*random_, table).text); }
  Words& say(std::string_view phrase) {
    if (!text_.empty() && phrase != ",") text_ += ' ';
    text_ += phrase;
    return *this;
  }
  Words& say(const Words& other) { return say(std::string_view(other.text_)); }
  std::string text() const { return fix_articles(text_); }

 private:
  // "a orange circle" -> "an orange circle", "a image" -> "an image".
  static std::string fix_articles(const std::string& text) {
    std::string out;
    std::size_t start = 0;
    while (start <= text.size()) {
      std::size_t end = text.find(' ', start);
      if (end == std::string::npos) end = text.size();
      const std::string_view word(text.data() + start, end - start);
      const bool vowel_next = end + 1 < text.size() && std::string_view("aeiou").find(text[end + 1]) != std::string_view::npos;
      if (!out.empty()) out += ' ';
      out += word == "a" && vowel_next ? std::string_view("an") : word;
      start = end + 1;
    }
    return out;
  }

  SynthRandom* random_;  // a pointer, so that Words can be assigned
  std::string text_;
};

// What a caption names as one noun phrase: one object, or a group of objects of the same
// colour and shape ("two red circles").
struct Mention {
  std::vector<const SceneObject*> members;
  bool size_required = false;  // the size tells this object from another of its colour and shape
  bool plural() const { return members.size() > 1; }
};

Words noun_phrase(SynthRandom& random, const Mention& mention, const Table& single_determiner = kArticle) {
  Words words(random);
  const SceneObject& first = *mention.members.front();
  const bool same_size = std::all_of(mention.members.begin(), mention.members.end(),
                                     [&](const SceneObject* o) { return o->large == first.large; });
  const int count = static_cast<int>(mention.members.size());
  words.say(count == 1 ? single_determiner : count == 2 ? kTwo : kThree);
  if (same_size && (mention.size_required || random.chance(kSizeChance))) words.say(first.large ? kLarge : kSmall);
  words.say(colour_name(first.colour));
  const Noun& noun = choose_weighted(random, kNouns[static_cast<std::size_t>(first.shape)]);
  words.say(mention.plural() ? noun.plural : noun.singular);
  return words;
}

// The relation of every member of `a` to every member of `b`, if it is the same for all.
std::optional<Relation> mention_relation(const Mention& a, const Mention& b) {
  std::optional<Relation> shared;
  for (const auto* x : a.members) {
    for (const auto* y : b.members) {
      const Relation r = relation(*x, *y);
      if (shared && *shared != r) return std::nullopt;
      shared = r;
    }
  }
  return shared;
}

// Where one object is, if any position phrase is clearly true of it.
std::optional<const Table*> position_table(SynthRandom& random, const SceneObject& object) {
  const Third h = horizontal_third(object), v = vertical_third(object);
  const bool h_side = h == Third::kLow || h == Third::kHigh;
  const bool v_edge = v == Third::kLow || v == Third::kHigh;
  std::vector<const Table*> fitting;
  if (h_side && v_edge) fitting.push_back(&kCorner[(v == Third::kHigh ? 2 : 0) + (h == Third::kHigh ? 1 : 0)]);
  if (h_side) fitting.push_back(&kSide[h == Third::kHigh ? 1 : 0]);
  if (v_edge) fitting.push_back(&kEdge[v == Third::kHigh ? 1 : 0]);
  if (h == Third::kMiddle && v == Third::kMiddle) fitting.push_back(&kMiddle);
  if (fitting.empty()) return std::nullopt;
  return fitting[static_cast<std::size_t>(random.below(static_cast<int>(fitting.size())))];
}

// Splits the scene into mentions: identical colour and shape make a group, except that two
// of different sizes may be named one by one ("a large red circle ... a small red circle").
std::vector<Mention> mentions_of(SynthRandom& random, const Scene& scene) {
  std::vector<Mention> groups;
  for (const auto& object : scene.objects) {
    auto same = std::find_if(groups.begin(), groups.end(), [&](const Mention& m) {
      return m.members.front()->shape == object.shape && m.members.front()->colour == object.colour;
    });
    if (same == groups.end()) {
      groups.push_back(Mention{{&object}});
    } else {
      same->members.push_back(&object);
    }
  }
  std::vector<Mention> mentions;
  for (auto& group : groups) {
    const bool told_apart_by_size = group.members.size() == 2 && group.members[0]->large != group.members[1]->large;
    if (told_apart_by_size && !random.chance(kGroupChance)) {
      for (const auto* member : group.members) mentions.push_back(Mention{{member}, true});
    } else {
      mentions.push_back(std::move(group));
    }
  }
  return mentions;
}

// A template: its weight, and the caption it builds (nullopt when it does not fit the scene).
struct Template {
  int weight;
  std::function<std::optional<Words>()> build;
};

std::optional<Words> apply_template(SynthRandom& random, const std::vector<Template>& templates) {
  // Templates that do not fit are found by trying: each build is cheap.
  for (int attempt = 0; attempt < 8; ++attempt) {
    const Template& chosen = choose_weighted(random, templates);
    if (auto words = chosen.build()) return words;
  }
  return std::nullopt;
}

std::optional<Words> describe_one(SynthRandom& random, const Mention& m) {
  auto with_position = [&](const Table* lead) -> std::optional<Words> {
    if (m.plural()) return std::nullopt;
    const auto where = position_table(random, *m.members.front());
    if (!where) return std::nullopt;
    Words words(random);
    if (lead) words.say(*lead);
    return words.say(noun_phrase(random, m)).say(**where);
  };
  auto arranged = [&](bool lead) -> std::optional<Words> {
    if (m.members.size() != 2) return std::nullopt;
    const Relation r = relation(*m.members[0], *m.members[1]);
    const bool side_by_side = r == Relation::kLeftOf || r == Relation::kRightOf;
    Words words(random);
    if (lead) words.say(kThereAre);
    return words.say(noun_phrase(random, m)).say(side_by_side ? kSideBySide : kOneAboveTheOther);
  };
  const Table& there = m.plural() ? kThereAre : kThereIs;
  const std::vector<Template> templates = {
      {3, [&]() -> std::optional<Words> { return noun_phrase(random, m); }},
      {1, [&]() -> std::optional<Words> { return Words(random).say(there).say(noun_phrase(random, m)); }},
      {1, [&]() -> std::optional<Words> { return Words(random).say(kPictureOf).say(noun_phrase(random, m)); }},
      {1, [&]() -> std::optional<Words> {
         if (m.plural()) return std::nullopt;
         return noun_phrase(random, m, kJustOne);
       }},
      {2, [&]() { return with_position(nullptr); }},
      {1, [&]() { return with_position(&kThereIs); }},
      {1, [&]() { return with_position(&kPictureOf); }},
      {2, [&]() { return arranged(false); }},
      {1, [&]() { return arranged(true); }},
  };
  return apply_template(random, templates);
}

std::optional<Words> describe_two(SynthRandom& random, const Scene& scene, std::vector<Mention> m) {
  if (random.chance(0.5)) std::swap(m[0], m[1]);
  const Mention& x = m[0];
  const Mention& y = m[1];
  const auto x_to_y = mention_relation(x, y);
  const auto y_to_x = mention_relation(y, x);
  auto related = [&](const Table* lead, bool with_verb) -> std::optional<Words> {
    if (!x_to_y) return std::nullopt;
    Words words(random);
    if (lead) words.say(*lead);
    words.say(noun_phrase(random, x));
    if (with_verb) words.say(x.plural() ? kAre : kIs);
    return words.say(kRelation[static_cast<std::size_t>(*x_to_y)]).say(noun_phrase(random, y));
  };
  auto listed = [&](const Table* lead) -> std::optional<Words> {
    Words words(random);
    if (lead) words.say(*lead);
    return words.say(noun_phrase(random, x)).say(kAnd).say(noun_phrase(random, y));
  };
  const std::size_t objects = scene.objects.size();
  const std::vector<Template> templates = {
      {4, [&]() { return related(nullptr, false); }},
      {1, [&]() { return related(x.plural() ? &kThereAre : &kThereIs, false); }},
      {1, [&]() { return related(&kPictureOf, false); }},
      {1, [&]() { return related(nullptr, true); }},
      {1, [&]() -> std::optional<Words> {
         if (!y_to_x) return std::nullopt;
         const auto& where = x.plural() ? kWhereToThem : kWhereToIt;
         return noun_phrase(random, x).say(kWith).say(noun_phrase(random, y)).say(where[static_cast<std::size_t>(*y_to_x)]);
       }},
      {2, [&]() { return listed(nullptr); }},
      {1, [&]() { return listed(&kPictureOf); }},
      {1, [&]() -> std::optional<Words> {
         Words words(random);
         words.say(kObjectCount[objects == 2 ? 0 : 1]).say(kShapes).say(kComma);
         return words.say(noun_phrase(random, x)).say(kAnd).say(noun_phrase(random, y));
       }},
  };
  return apply_template(random, templates);
}

std::optional<Words> describe_three(SynthRandom& random, std::vector<Mention> m) {
  // Shuffled order for lists; left-to-right order when every step is clearly to the right.
  std::vector<Mention> shuffled = m;
  for (std::size_t i = shuffled.size(); i > 1; --i) {
    std::swap(shuffled[i - 1], shuffled[static_cast<std::size_t>(random.below(static_cast<int>(i)))]);
  }
  std::vector<Mention> by_x = m;
  std::sort(by_x.begin(), by_x.end(), [](const Mention& a, const Mention& b) {
    return a.members.front()->x < b.members.front()->x;
  });
  const bool left_to_right = relation(*by_x[0].members.front(), *by_x[1].members.front()) == Relation::kLeftOf &&
                             relation(*by_x[1].members.front(), *by_x[2].members.front()) == Relation::kLeftOf;
  auto list = [&](Words& words, const std::vector<Mention>& order) -> Words& {
    return words.say(noun_phrase(random, order[0]))
        .say(kComma)
        .say(noun_phrase(random, order[1]))
        .say(kAnd)
        .say(noun_phrase(random, order[2]));
  };
  auto listed = [&](const Table* lead) -> std::optional<Words> {
    Words words(random);
    if (lead) words.say(*lead);
    if (lead == &kThree) words.say(kShapes).say(kComma);
    return list(words, shuffled);
  };
  const std::vector<Template> templates = {
      {3, [&]() { return listed(nullptr); }},
      {1, [&]() { return listed(&kThereIs); }},
      {1, [&]() { return listed(&kPictureOf); }},
      {1, [&]() { return listed(&kThree); }},
      {2, [&]() -> std::optional<Words> {
         if (!left_to_right) return std::nullopt;
         Words words(random);
         return list(words, by_x).say(kFromLeftToRight);
       }},
      {2, [&]() -> std::optional<Words> {
         // "X <relation> Y, and Z"
         const Relation r = relation(*shuffled[0].members.front(), *shuffled[1].members.front());
         return noun_phrase(random, shuffled[0])
             .say(kRelation[static_cast<std::size_t>(r)])
             .say(noun_phrase(random, shuffled[1]))
             .say(kComma)
             .say(kAnd)
             .say(noun_phrase(random, shuffled[2]));
       }},
  };
  return apply_template(random, templates);
}

std::optional<std::string> describe_once(const Scene& scene, SynthRandom& random) {
  const std::vector<Mention> mentions = mentions_of(random, scene);
  std::optional<Words> words;
  switch (mentions.size()) {
    case 1: words = describe_one(random, mentions[0]); break;
    case 2: words = describe_two(random, scene, mentions); break;
    case 3: words = describe_three(random, mentions); break;
    default: throw std::logic_error("describe_scene: a scene has 1 to 3 objects");
  }
  if (!words) return std::nullopt;
  if (random.chance(kBackgroundChance)) {
    words->say(kOnA).say(kBackgroundWord[static_cast<std::size_t>(scene.background)]).say(kBackground);
  }
  return words->text();
}

}  // namespace

std::vector<std::string> describe_scene(const Scene& scene, int count, SynthRandom& random) {
  std::vector<std::string> captions;
  for (int attempt = 0; static_cast<int>(captions.size()) < count; ++attempt) {
    if (attempt > 1000 * count) throw std::logic_error("describe_scene: the grammar has too few ways to say this scene");
    auto caption = describe_once(scene, random);
    if (caption && std::find(captions.begin(), captions.end(), *caption) == captions.end()) {
      captions.push_back(std::move(*caption));
    }
  }
  return captions;
}

std::vector<std::string> grammar_vocabulary() {
  std::set<std::string> words;
  auto add = [&](std::string_view phrase) {
    for (auto& token : caption_tokens(phrase)) words.insert(std::move(token));
  };
  for (const auto* table : all_tables()) {
    for (const auto& choice : *table) add(choice.text);
  }
  for (const auto& nouns : kNouns) {
    for (const auto& noun : nouns) {
      add(noun.singular);
      add(noun.plural);
    }
  }
  for (int c = 0; c < kColourCount; ++c) add(colour_name(static_cast<Colour>(c)));
  words.insert("an");  // made from "a" by fix_articles
  return {words.begin(), words.end()};
}

std::vector<std::string> caption_tokens(std::string_view caption) {
  std::vector<std::string> tokens;
  std::string current;
  for (const char c : caption) {
    if (c == ' ') {
      if (!current.empty()) tokens.push_back(std::move(current));
      current.clear();
    } else if (std::isalnum(static_cast<unsigned char>(c))) {
      current += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  if (!current.empty()) tokens.push_back(std::move(current));
  return tokens;
}

}  // namespace captioner::data
