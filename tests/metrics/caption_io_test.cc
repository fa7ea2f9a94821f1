// The caption readers: evaluation order as pycocoevalcap's, and one clear InputError
// naming the file for every kind of bad input.
#include "metrics/caption_io.h"

#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "util/error.h"

namespace captioner::metrics {
namespace {

class CaptionIo : public ::testing::Test {
 protected:
  std::string write(const std::string& name, const std::string& contents) {
    const std::string path = ::testing::TempDir() + "caption_io_" + name;
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  // The InputError message of reading these files, or "" if they read fine.
  std::string coco_error(const std::string& annotations, const std::string& results) {
    try {
      read_coco_captions(write("ann.json", annotations), write("res.json", results));
    } catch (const InputError& error) {
      return error.what();
    }
    return "";
  }

  const std::string annotations_ =
      R"({"images": [{"id": 3}, {"id": 1}, {"id": 2}], "annotations": [
          {"image_id": 1, "caption": "one a"}, {"image_id": 3, "caption": "three a"},
          {"image_id": 1, "caption": "one b"}, {"image_id": 2, "caption": "two a"}]})";
};

TEST_F(CaptionIo, CocoOrderFollowsTheImagesList) {
  const LoadedCaptions loaded = read_coco_captions(
      write("ann.json", annotations_),
      write("res.json", R"([{"image_id": 1, "caption": "c1"}, {"image_id": 3, "caption": "c3"}])"));
  EXPECT_EQ(loaded.captions.image_ids, (std::vector<std::string>{"3", "1"}));
  EXPECT_EQ(loaded.captions.candidates, (std::vector<std::string>{"c3", "c1"}));
  EXPECT_EQ(loaded.captions.references[1], (std::vector<std::string>{"one a", "one b"}));
  EXPECT_EQ(loaded.images_without_result, 1u);
  ASSERT_EQ(loaded.files.size(), 2u);
  EXPECT_EQ(loaded.files[0].sha256.size(), 64u);
}

TEST_F(CaptionIo, StringImageIdsAreKeptApartFromIntegers) {
  const LoadedCaptions loaded = read_coco_captions(
      write("ann.json", R"({"annotations": [{"image_id": "a.jpg", "caption": "x"}]})"),
      write("res.json", R"([{"image_id": "a.jpg", "caption": "y"}])"));
  EXPECT_EQ(loaded.captions.image_ids, (std::vector<std::string>{"\"a.jpg\""}));
  EXPECT_NE(coco_error(R"({"annotations": [{"image_id": "1", "caption": "x"}]})",
                       R"([{"image_id": 1, "caption": "y"}])"),
            "");
}

TEST_F(CaptionIo, BadCocoInputNamesTheFileAndTheProblem) {
  const std::string ok_results = R"([{"image_id": 1, "caption": "c"}])";
  struct Case {
    std::string annotations, results, expected;
  };
  const std::vector<Case> cases = {
      {annotations_, R"([{"image_id": 1, "caption": "c"})", "res.json: malformed JSON: parse error"},
      {annotations_, "[{\"image_id\": 1, \"caption\": \"caf\xe9\"}]", "res.json: invalid UTF-8 at byte 32 (line 1)"},
      {annotations_, R"([{"image_id": 9, "caption": "c"}])", "res.json: results[0]: image 9 has no references in"},
      {annotations_, R"([{"image_id": 1, "caption": "a"}, {"image_id": 2, "caption": "b"}, {"image_id": 1, "caption": "c"}])",
       "res.json: image 1 has two results (results[0] and results[2]); pycocoevalcap would silently keep one"},
      {annotations_, R"([{"image_id": 1, "caption": " \t "}])", "res.json: results[0] (image 1): empty caption"},
      {annotations_, R"([{"image_id": 1, "caption": ""}])", "res.json: results[0] (image 1): empty caption"},
      {annotations_, R"([{"image_id": 1.5, "caption": "c"}])",
       "res.json: results[0]: \"image_id\" must be an integer or a string, not 1.5"},
      {annotations_, R"([{"image_id": 1}])", "res.json: results[0] has no \"caption\""},
      {annotations_, R"([{"image_id": 1, "caption": 7}])", "res.json: results[0] (image 1): \"caption\" is not a string"},
      {annotations_, "[]", "res.json: holds no results"},
      {annotations_, annotations_, "res.json: is a COCO annotation file; expected a results list"},
      {ok_results, ok_results, "ann.json: is a JSON list; expected a COCO annotation file"},
      {R"({"annotations": [{"image_id": 1, "caption": ""}]})", ok_results,
       "ann.json: annotations[0] (image 1): empty caption"},
      {R"({"images": [{"id": 1}], "annotations": []})", ok_results,
       "res.json: results[0]: image 1 has no references in"},
  };
  for (const Case& c : cases) {
    const std::string message = coco_error(c.annotations, c.results);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "got: " << message << "\nwanted: " << c.expected;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

TEST_F(CaptionIo, MissingFileIsAnInputError) {
  try {
    read_coco_captions(::testing::TempDir() + "no_such_file.json", write("res.json", "[]"));
    FAIL() << "no error";
  } catch (const InputError& error) {
    EXPECT_NE(std::string(error.what()).find("no_such_file.json: cannot open"), std::string::npos);
  }
}

TEST_F(CaptionIo, TextFilesAreLineAligned) {
  const LoadedCaptions loaded = read_text_captions(
      write("hyp.txt", "a cat\r\na dog\r\n"), {write("r1.txt", "cat one\ndog one\n"), write("r2.txt", "cat two\ndog two")});
  EXPECT_EQ(loaded.captions.candidates, (std::vector<std::string>{"a cat", "a dog"}));
  EXPECT_EQ(loaded.captions.references[1], (std::vector<std::string>{"dog one", "dog two"}));
  EXPECT_EQ(loaded.captions.image_ids, (std::vector<std::string>{"1", "2"}));
  EXPECT_EQ(loaded.files.size(), 3u);
}

TEST_F(CaptionIo, BadTextInputNamesTheFileAndTheProblem) {
  auto text_error = [&](const std::string& hypotheses, const std::string& references) -> std::string {
    try {
      read_text_captions(write("hyp.txt", hypotheses), {write("ref.txt", references)});
    } catch (const InputError& error) {
      return error.what();
    }
    return "";
  };
  EXPECT_NE(text_error("a\nb\n", "a\n").find("ref.txt: 1 lines, but"), std::string::npos);
  EXPECT_NE(text_error("a\n\nb\n", "a\nb\nc\n").find("hyp.txt: line 2: empty caption"), std::string::npos);
  EXPECT_NE(text_error("", "").find("ref.txt: holds no captions"), std::string::npos);
  EXPECT_NE(text_error("a\xff\n", "a\n").find("hyp.txt: invalid UTF-8 at byte 1"), std::string::npos);
}

}  // namespace
}  // namespace captioner::metrics
