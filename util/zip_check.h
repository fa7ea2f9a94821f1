#pragma once
// Checking a zip archive (stored and deflated entries) before a library trusts it.
//
// LibTorch's checkpoints are such archives, and LibTorch 1.13 reads them with its zip
// reader's CRC-32 checks compiled out: a checkpoint damaged on disk reaches its unpickler,
// which can crash on it (a SEGV in its TorchScript type parser, found by fuzzing). Checking
// the archive's directory and every entry's CRC-32 first turns that into an error message.

#include <string>
#include <string_view>

namespace captioner {

// "" when `archive` is a whole zip archive (end-of-central-directory record, zip64 when
// used, every central and local header inside the bytes, every entry stored or deflated
// and matching its CRC-32); otherwise what is wrong, e.g. "entry 'x/data.pkl' fails its CRC-32 check".
std::string zip_archive_problem(std::string_view archive);

}  // namespace captioner
