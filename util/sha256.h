#pragma once
// SHA-256 digests, for recording which data files a result came from.

#include <string>
#include <string_view>

namespace captioner {

// Lower-case hex SHA-256 of `bytes`.
std::string sha256_hex(std::string_view bytes);

}  // namespace captioner
