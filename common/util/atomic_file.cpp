#include "common/util/atomic_file.hpp"

#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <fstream>
#include <sstream>
#include <stdexcept>

namespace foresight {
namespace fs = std::filesystem;

void write_atomically(const fs::path& target, const std::function<void(const fs::path&)>& write) {
  if (target.has_parent_path()) fs::create_directories(target.parent_path());
  // The extension is kept so that writers choosing a format by extension still work.
  fs::path tmp = target;
  tmp.replace_filename(target.stem().string() + ".tmp" + std::to_string(::getpid()) +
                       target.extension().string());
  try {
    write(tmp);
    fs::rename(tmp, target);
  } catch (...) {
    std::error_code ignored;
    fs::remove(tmp, ignored);
    throw;
  }
}

int remove_stale_temporaries(const fs::path& dir) {
  int removed = 0;
  std::error_code ec;
  for (fs::directory_iterator it(dir, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string stem = it->path().stem().string();
    const auto at = stem.rfind(".tmp");
    if (at == std::string::npos || at + 4 == stem.size()) continue;
    const std::string pid = stem.substr(at + 4);
    if (pid.find_first_not_of("0123456789") != std::string::npos || pid.size() > 9) continue;
    const pid_t p = static_cast<pid_t>(std::stol(pid));
    if (p == ::getpid() || ::kill(p, 0) == 0 || errno != ESRCH) continue;  // its writer lives
    std::error_code ignored;
    if (fs::remove(it->path(), ignored)) ++removed;
  }
  return removed;
}

void write_file_atomically(const fs::path& target, const std::string& bytes) {
  write_atomically(target, [&](const fs::path& tmp) {
    std::ofstream out(tmp, std::ios::binary);
    out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    out.close();
    if (!out) throw std::runtime_error(tmp.string() + ": write failed");
  });
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw std::runtime_error(path.string() + ": cannot open for reading");
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

}  // namespace foresight
