// The caption readers: evaluation order as pycocoevalcap's, and one clear InputError
// naming the file for every kind of bad input.
#include "metrics/caption_io.h"

#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "util/error.h"

namespace captioner::metrics {
namespace {

// Each test writes into its own folder (test name and process id), so that ctest -j and
// other checkouts running the same suite on this machine never share a file.
class CaptionIo : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::path(::testing::TempDir()) /
           ("caption_io_" + std::string(::testing::UnitTest::GetInstance()->current_test_info()->name()) + "_" +
            std::to_string(::getpid()));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }

  std::string write(const std::string& name, const std::string& contents) {
    const std::string path = (dir_ / name).string();
    std::ofstream(path, std::ios::binary) << contents;
    return path;
  }

  std::filesystem::path dir_;

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
    read_coco_captions((dir_ / "no_such_file.json").string(), write("res.json", "[]"));
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

// An error's message: "" if the call succeeded, and a failure if it threw anything but
// an InputError.
template <typename Read>
std::string input_error(Read read) {
  try {
    read();
  } catch (const InputError& error) {
    return error.what();
  }
  return "";
}

// pycocoevalcap scores in the order of the annotation file's "images" list (loadRes keeps
// that list, filtered to the images with results). Ids that are annotated but missing from
// the list come after it, in the order of their first annotation.
TEST_F(CaptionIo, AnnotatedIdsMissingFromTheImagesListComeLast) {
  const LoadedCaptions loaded = read_coco_captions(
      write("ann.json", R"({"images": [{"id": 2}], "annotations": [
          {"image_id": 5, "caption": "five"}, {"image_id": 2, "caption": "two"},
          {"image_id": 4, "caption": "four"}, {"image_id": 5, "caption": "five b"}]})"),
      write("res.json", R"([{"image_id": 4, "caption": "c4"}, {"image_id": 5, "caption": "c5"},
                            {"image_id": 2, "caption": "c2"}])"));
  EXPECT_EQ(loaded.captions.image_ids, (std::vector<std::string>{"2", "5", "4"}));
  EXPECT_EQ(loaded.captions.candidates, (std::vector<std::string>{"c2", "c5", "c4"}));
  EXPECT_EQ(loaded.captions.references[1], (std::vector<std::string>{"five", "five b"}));
  EXPECT_EQ(loaded.images_without_result, 0u);
}

// Images with references but no result are skipped and counted; a listed image without
// any annotation cannot be scored either way and is not counted.
TEST_F(CaptionIo, ImagesWithoutResultsAreCounted) {
  const LoadedCaptions loaded = read_coco_captions(
      write("ann.json", R"({"images": [{"id": 1}, {"id": 2}, {"id": 3}, {"id": 4}], "annotations": [
          {"image_id": 1, "caption": "one"}, {"image_id": 2, "caption": "two"}, {"image_id": 3, "caption": "three"}]})"),
      write("res.json", R"([{"image_id": 2, "caption": "c2"}])"));
  EXPECT_EQ(loaded.captions.image_ids, (std::vector<std::string>{"2"}));
  EXPECT_EQ(loaded.images_without_result, 2u);  // 1 and 3; 4 has no references
}

// The report's record of each input: path, size and SHA-256 of the bytes as read.
// "abc" is the FIPS 180-2 test vector; the other digest is `printf 'a cat\n' | sha256sum`.
TEST_F(CaptionIo, RecordsSizesAndDigestsOfTheInputs) {
  const std::string hypotheses = write("hyp.txt", "abc");
  const std::string references = write("ref.txt", "a cat\n");
  const LoadedCaptions loaded = read_text_captions(hypotheses, {references});
  ASSERT_EQ(loaded.files.size(), 2u);
  EXPECT_EQ(loaded.files[0].path, references);  // references first
  EXPECT_EQ(loaded.files[0].bytes, 6u);
  EXPECT_EQ(loaded.files[0].sha256, "565660af565fb2ef659ed8bef1651121288975dbc4c5286185c5e5b065de34ec");
  EXPECT_EQ(loaded.files[1].path, hypotheses);
  EXPECT_EQ(loaded.files[1].bytes, 3u);
  EXPECT_EQ(loaded.files[1].sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

// Problems in the annotation file name the annotation file, not the results file.
TEST_F(CaptionIo, BadAnnotationFileIsNamed) {
  const std::string ok_results = R"([{"image_id": 1, "caption": "c"}])";
  struct Case {
    std::string annotations, expected;
  };
  const std::vector<Case> cases = {
      {R"({"annotations": [)", "ann.json: malformed JSON: parse error"},
      // A lead byte without its continuation byte (offset 45), then a UTF-16 surrogate
      // encoded in UTF-8 (ED A0 80) at the start of line 2 (offset 51).
      {"{\"annotations\": [{\"image_id\": 1, \"caption\": \"\xc3\"}]}", "ann.json: invalid UTF-8 at byte 45 (line 1)"},
      {"{\"annotations\": [{\"image_id\": 1, \"caption\": \"x\"}]}\n\xed\xa0\x80", "ann.json: invalid UTF-8 at byte 51 (line 2)"},
      {R"({"images": []})", "ann.json: has no \"annotations\" list"},
      {R"({"annotations": {}})", "ann.json: has no \"annotations\" list"},
      {R"({"images": {}, "annotations": []})", "ann.json: \"images\" is not a list"},
      {R"({"images": [{"file_name": "x.jpg"}], "annotations": []})", "ann.json: images[0] has no \"id\""},
      {R"({"images": [{"id": null}], "annotations": []})",
       "ann.json: images[0]: \"image_id\" must be an integer or a string, not null"},
      {R"({"annotations": [{"image_id": 1}]})", "ann.json: annotations[0] has no \"caption\""},
      {R"({"annotations": [{"caption": "x"}]})", "ann.json: annotations[0] has no \"image_id\""},
      {R"({"annotations": ["x"]})", "ann.json: annotations[0] is not an object"},
      {R"({"annotations": [{"image_id": 1, "caption": "\t\n "}]})", "ann.json: annotations[0] (image 1): empty caption"},
  };
  for (const Case& c : cases) {
    const std::string message = coco_error(c.annotations, ok_results);
    EXPECT_NE(message.find(c.expected), std::string::npos) << "got: " << message << "\nwanted: " << c.expected;
    EXPECT_EQ(message.find("res.json"), std::string::npos) << message;
    EXPECT_EQ(message.find('\n'), std::string::npos) << message;
  }
}

// image_id must be a JSON integer or string; every other type is refused by name.
TEST_F(CaptionIo, ImageIdOfAWrongType) {
  for (const char* id : {"1.5", "true", "null", "[1]", "{\"id\": 1}", "1e3"}) {
    const std::string message =
        coco_error(annotations_, std::string(R"([{"image_id": )") + id + R"(, "caption": "c"}])");
    EXPECT_NE(message.find("res.json: results[0]: \"image_id\" must be an integer or a string, not "),
              std::string::npos)
        << id << ": " << message;
  }
}

// A caption of only Unicode whitespace (here U+3000 and U+00A0) is empty too: the
// tokenizer would give "" and pycocoevalcap would score it silently.
TEST_F(CaptionIo, UnicodeWhitespaceCaptionIsEmpty) {
  EXPECT_NE(coco_error(annotations_, "[{\"image_id\": 1, \"caption\": \"\u3000\u00a0\"}]")
                .find("res.json: results[0] (image 1): empty caption"),
            std::string::npos);
}

TEST_F(CaptionIo, ResultsMustBeAList) {
  EXPECT_NE(coco_error(annotations_, R"({"image_id": 1, "caption": "c"})").find("res.json: is not a list"),
            std::string::npos);
  EXPECT_NE(coco_error(annotations_, R"(["c"])").find("res.json: results[0] is not an object"), std::string::npos);
}

TEST_F(CaptionIo, DirectoryIsNotAFile) {
  const std::string message = input_error([&] { read_coco_captions(dir_, write("res.json", "[]")); });
  EXPECT_NE(message.find(dir_.string() + ": is a directory"), std::string::npos) << message;
}

// A CRLF file reads as the LF file; a '\r' inside a line stays in the caption (the
// tokenizer treats it as a space); the last line needs no newline.
TEST_F(CaptionIo, CrlfTextFilesAndLastLines) {
  const LoadedCaptions loaded = read_text_captions(write("hyp.txt", "one\r\ntwo\rthree\r\nfour"),
                                                   {write("ref.txt", "r1\nr2\nr3\n")});
  EXPECT_EQ(loaded.captions.candidates, (std::vector<std::string>{"one", "two\rthree", "four"}));
  EXPECT_EQ(loaded.captions.references[2], (std::vector<std::string>{"r3"}));
}

// Line-count mismatches name the reference file and the hypotheses file; an empty or
// whitespace-only line, also in a reference file or at the end of a file, names its line.
TEST_F(CaptionIo, MoreBadTextInput) {
  auto text_error = [&](const std::string& hypotheses, const std::vector<std::string>& references) {
    std::vector<std::filesystem::path> paths;
    for (std::size_t i = 0; i < references.size(); ++i) {
      paths.push_back(write("ref" + std::to_string(i + 1) + ".txt", references[i]));
    }
    const std::string hyp = write("hyp.txt", hypotheses);
    return input_error([&] { read_text_captions(hyp, paths); });
  };
  const std::string hyp = (dir_ / "hyp.txt").string();
  EXPECT_EQ(text_error("a\nb\n", {"a\nb\n", "a\nb\nc\n"}), (dir_ / "ref2.txt").string() + ": 3 lines, but " + hyp + " has 2");
  EXPECT_EQ(text_error("a\r\nb\r\n", {"a\r\n"}), (dir_ / "ref1.txt").string() + ": 1 lines, but " + hyp + " has 2");
  EXPECT_EQ(text_error("a\nb\n", {"a\n \t\n"}), (dir_ / "ref1.txt").string() + ": line 2: empty caption");
  EXPECT_EQ(text_error("a\r\n\r\nb\r\n", {"a\nb\nc\n"}), hyp + ": line 2: empty caption");
  EXPECT_EQ(text_error("a\nb\n\n", {"a\nb\n"}), hyp + ": line 3: empty caption");  // a trailing blank line
  EXPECT_EQ(text_error("\n", {"a\n"}), hyp + ": line 1: empty caption");
  EXPECT_NE(input_error([&] { read_text_captions(write("h.txt", "a\n"), {}); }), "");
}

}  // namespace
}  // namespace captioner::metrics
