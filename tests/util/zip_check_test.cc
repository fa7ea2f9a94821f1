// zip_archive_problem on archives written by Python's zipfile (tests/fixtures/zip).
#include "util/zip_check.h"

#include <string>

#include <gtest/gtest.h>

#include "util/file.h"

namespace {

std::string fixture(const std::string& name) { return captioner::read_file(std::string(TEST_FIXTURES_DIR) + "/zip/" + name); }

TEST(ZipCheck, AWholeStoredArchivePasses) { EXPECT_EQ(captioner::zip_archive_problem(fixture("stored.zip")), ""); }

TEST(ZipCheck, AChangedByteInAnEntryFailsItsCrc) {
  std::string zip = fixture("stored.zip");
  const auto at = zip.find("\x80\x02}q");
  ASSERT_NE(at, std::string::npos);
  zip[at + 1] = '\x03';
  EXPECT_EQ(captioner::zip_archive_problem(zip), "entry 'archive/data.pkl' fails its CRC-32 check");
}

TEST(ZipCheck, CutArchivesAndOtherBytesAreRefused) {
  const std::string zip = fixture("stored.zip");
  for (std::size_t keep : {std::size_t{0}, std::size_t{21}, std::size_t{60}, zip.size() - 1}) {
    EXPECT_NE(captioner::zip_archive_problem(zip.substr(0, keep)), "") << keep;
  }
  // The directory's offset moved past the end: found by bounds, not read out of them.
  std::string moved = zip;
  const auto end = moved.rfind("PK\x05\x06");
  ASSERT_NE(end, std::string::npos);
  moved[end + 19] = '\x7F';
  EXPECT_EQ(captioner::zip_archive_problem(moved), "the zip central directory lies outside the file (truncated?)");
}

// LibTorch deflates its archives' code/ entries: their CRC-32 is that of the inflated bytes.
TEST(ZipCheck, DeflatedEntriesAreInflatedAndChecked) {
  std::string zip = fixture("deflated.zip");
  EXPECT_EQ(captioner::zip_archive_problem(zip), "");
  const auto name = zip.find("archive/data.pkl");  // the local header's name; the stream follows it
  ASSERT_NE(name, std::string::npos);
  zip[name + 16 + 3] = static_cast<char>(zip[name + 16 + 3] ^ 0x10);
  EXPECT_NE(captioner::zip_archive_problem(zip), "");
}

}  // namespace
