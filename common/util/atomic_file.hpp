// Atomic file replacement: a partially written file never replaces a good one.
// Writers produce a temporary sibling ("NAME.tmp<pid>.EXT") and rename it over the target when
// done.
#pragma once
#include <filesystem>
#include <functional>
#include <string>

namespace foresight {

// Calls write(tmp_path) and renames tmp_path over `target` once write returns.
// If write throws, the temporary is removed and the exception propagates; `target` is untouched.
void write_atomically(const std::filesystem::path& target,
                      const std::function<void(const std::filesystem::path& tmp)>& write);

// Writes `bytes` to `target` atomically. Throws std::runtime_error naming the file on failure.
void write_file_atomically(const std::filesystem::path& target, const std::string& bytes);

// Removes the temporaries ("NAME.tmp<pid>.EXT") that processes no longer running left in `dir`
// (a writer killed mid-write); returns how many. Another live process's temporaries stay.
int remove_stale_temporaries(const std::filesystem::path& dir);

// Reads a whole file. Throws std::runtime_error naming the file when it cannot be read.
std::string read_file(const std::filesystem::path& path);

}  // namespace foresight
