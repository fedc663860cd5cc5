// A terminal progress bar with ETA and rate, redrawn in place on a TTY and printed as plain
// periodic lines otherwise (CI logs). Debian 12 packages no C++ progress-bar library, hence this.
#pragma once
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <string>

namespace foresight {

class ProgressBar {
 public:
  // total: number of steps; label: shown before the bar; unit: "it", "seq", ...
  ProgressBar(int64_t total, std::string label, std::string unit = "it", std::FILE* out = stderr);
  ~ProgressBar();
  // Advances by n steps and sets the text shown after the bar (e.g. "loss 0.012 kl 3.1").
  void tick(int64_t n = 1, const std::string& status = "");
  // Prints the final line (called by the destructor if not called before).
  void finish();

 private:
  void draw(bool final);
  int64_t total_, done_ = 0;
  std::string label_, unit_, status_;
  std::FILE* out_;
  bool tty_, finished_ = false;
  std::chrono::steady_clock::time_point start_, last_draw_;
};

// "1m05s", "2h03m", "12.3s"
std::string format_duration(double seconds);

}  // namespace foresight
