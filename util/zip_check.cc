#include "util/zip_check.h"

#include <zlib.h>

#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace captioner {
namespace {

// Little-endian fields at an offset that the caller has checked is inside the bytes.
std::uint64_t read_le(std::string_view bytes, std::uint64_t offset, int size) {
  std::uint64_t value = 0;
  for (int i = size - 1; i >= 0; --i) value = (value << 8) | static_cast<unsigned char>(bytes[offset + i]);
  return value;
}

bool inside(std::string_view bytes, std::uint64_t offset, std::uint64_t length) {
  return offset <= bytes.size() && length <= bytes.size() - offset;
}

constexpr std::uint32_t kEndOfCentralDirectory = 0x06054b50;
constexpr std::uint32_t kZip64EndLocator = 0x07064b50;
constexpr std::uint32_t kZip64End = 0x06064b50;
constexpr std::uint32_t kCentralHeader = 0x02014b50;
constexpr std::uint32_t kLocalHeader = 0x04034b50;

std::uint32_t crc32_of(std::string_view data) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (!data.empty()) {  // zlib takes a uInt length
    const auto piece = static_cast<uInt>(std::min<std::size_t>(data.size(), std::numeric_limits<uInt>::max()));
    crc = crc32(crc, reinterpret_cast<const Bytef*>(data.data()), piece);
    data.remove_prefix(piece);
  }
  return static_cast<std::uint32_t>(crc);
}

// The CRC-32 of a raw deflate stream's output, which must be `size` bytes; nullopt when the
// stream is damaged or has another length.
std::optional<std::uint32_t> crc32_of_inflated(std::string_view deflated, std::uint64_t size) {
  z_stream stream{};
  if (inflateInit2(&stream, -MAX_WBITS) != Z_OK) return std::nullopt;
  uLong crc = crc32(0L, Z_NULL, 0);
  std::uint64_t produced = 0;
  unsigned char buffer[65536];
  int status = Z_OK;
  stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(deflated.data()));
  stream.avail_in = static_cast<uInt>(std::min<std::size_t>(deflated.size(), std::numeric_limits<uInt>::max()));
  while (status == Z_OK) {
    stream.next_out = buffer;
    stream.avail_out = sizeof buffer;
    status = inflate(&stream, Z_NO_FLUSH);
    const std::size_t got = sizeof buffer - stream.avail_out;
    crc = crc32(crc, buffer, static_cast<uInt>(got));
    produced += got;
    if (produced > size) break;
  }
  inflateEnd(&stream);
  if (status != Z_STREAM_END || produced != size) return std::nullopt;
  return static_cast<std::uint32_t>(crc);
}

}  // namespace

std::string zip_archive_problem(std::string_view zip) {
  // The end-of-central-directory record: 22 bytes plus a comment of at most 65,535.
  if (zip.size() < 22) return "too short to be a zip archive";
  std::uint64_t end = zip.size() - 22;
  const std::uint64_t lowest = zip.size() >= 22 + 65535 ? zip.size() - 22 - 65535 : 0;
  while (read_le(zip, end, 4) != kEndOfCentralDirectory || end + 22 + read_le(zip, end + 20, 2) != zip.size()) {
    if (end == lowest) return "no zip end-of-central-directory record (truncated or not a zip archive)";
    --end;
  }
  std::uint64_t entries = read_le(zip, end + 10, 2);
  std::uint64_t directory_size = read_le(zip, end + 12, 4);
  std::uint64_t directory = read_le(zip, end + 16, 4);
  if (entries == 0xFFFF || directory_size == 0xFFFFFFFF || directory == 0xFFFFFFFF) {
    if (end < 20 || read_le(zip, end - 20, 4) != kZip64EndLocator) return "zip64 archive without its end locator";
    const std::uint64_t record = read_le(zip, end - 20 + 8, 8);
    if (!inside(zip, record, 56) || read_le(zip, record, 4) != kZip64End) return "damaged zip64 end-of-central-directory record";
    entries = read_le(zip, record + 32, 8);
    directory_size = read_le(zip, record + 40, 8);
    directory = read_le(zip, record + 48, 8);
  }
  if (!inside(zip, directory, directory_size)) return "the zip central directory lies outside the file (truncated?)";

  std::uint64_t at = directory;
  for (std::uint64_t i = 0; i < entries; ++i) {
    if (!inside(zip, at, 46) || read_le(zip, at, 4) != kCentralHeader) return "damaged zip central directory";
    const auto method = read_le(zip, at + 10, 2);
    const auto crc = static_cast<std::uint32_t>(read_le(zip, at + 16, 4));
    std::uint64_t compressed = read_le(zip, at + 20, 4), uncompressed = read_le(zip, at + 24, 4);
    const std::uint64_t name_length = read_le(zip, at + 28, 2), extra_length = read_le(zip, at + 30, 2),
                        comment_length = read_le(zip, at + 32, 2);
    std::uint64_t local = read_le(zip, at + 42, 4);
    if (!inside(zip, at + 46, name_length + extra_length + comment_length)) return "damaged zip central directory";
    const std::string name(zip.substr(at + 46, name_length));
    // zip64: the fields set to all ones come, in this order, from the extra field 0x0001.
    for (std::uint64_t extra = at + 46 + name_length; extra + 4 <= at + 46 + name_length + extra_length;) {
      const auto id = read_le(zip, extra, 2), size = read_le(zip, extra + 2, 2);
      if (extra + 4 + size > at + 46 + name_length + extra_length) return "damaged zip central directory";
      if (id == 0x0001) {
        std::uint64_t field = extra + 4;
        for (std::uint64_t* value : {&uncompressed, &compressed, &local}) {
          if (*value != 0xFFFFFFFF) continue;
          if (field + 8 > extra + 4 + size) return "damaged zip64 extra field of entry '" + name + "'";
          *value = read_le(zip, field, 8);
          field += 8;
        }
      }
      extra += 4 + size;
    }
    at += 46 + name_length + extra_length + comment_length;

    if (method != 0 && method != 8) return "entry '" + name + "' uses compression method " + std::to_string(method);
    if (method == 0 && compressed != uncompressed) return "entry '" + name + "' has two different sizes";
    if (!inside(zip, local, 30) || read_le(zip, local, 4) != kLocalHeader) return "entry '" + name + "' has no local header";
    const std::uint64_t data = local + 30 + read_le(zip, local + 26, 2) + read_le(zip, local + 28, 2);
    if (!inside(zip, data, compressed)) return "entry '" + name + "' runs past the end of the file (truncated?)";
    const std::string_view bytes = zip.substr(data, compressed);
    if (method == 8) {  // LibTorch deflates the code/ entries, stores the tensors
      const auto inflated_crc = crc32_of_inflated(bytes, uncompressed);
      if (!inflated_crc) return "entry '" + name + "' is not a whole deflate stream";
      if (*inflated_crc != crc) return "entry '" + name + "' fails its CRC-32 check";
    } else if (crc32_of(bytes) != crc) {
      return "entry '" + name + "' fails its CRC-32 check";
    }
  }
  return "";
}

}  // namespace captioner
