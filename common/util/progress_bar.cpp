#include "common/util/progress_bar.hpp"

#include <unistd.h>

#include <algorithm>
#include <cmath>

namespace foresight {

std::string format_duration(double s) {
  char buf[32];
  if (!std::isfinite(s) || s < 0) return "?";
  if (s < 60) {
    std::snprintf(buf, sizeof buf, "%.1fs", s);
  } else if (s < 3600) {
    std::snprintf(buf, sizeof buf, "%dm%02ds", int(s) / 60, int(s) % 60);
  } else {
    std::snprintf(buf, sizeof buf, "%dh%02dm", int(s) / 3600, (int(s) / 60) % 60);
  }
  return buf;
}

ProgressBar::ProgressBar(int64_t total, std::string label, std::string unit, std::FILE* out)
    : total_(std::max<int64_t>(total, 1)),
      label_(std::move(label)),
      unit_(std::move(unit)),
      out_(out),
      tty_(::isatty(::fileno(out)) != 0),
      start_(std::chrono::steady_clock::now()),
      last_draw_(start_) {}

ProgressBar::~ProgressBar() { finish(); }

void ProgressBar::tick(int64_t n, const std::string& status) {
  done_ = std::min(done_ + n, total_);
  if (!status.empty()) status_ = status;
  auto now = std::chrono::steady_clock::now();
  // A TTY is redrawn at most 10 times a second; a log file gets a line every 10 seconds.
  double since = std::chrono::duration<double>(now - last_draw_).count();
  if (done_ == total_) {
    finish();  // the last tick draws the final line once
  } else if (since >= (tty_ ? 0.1 : 10.0)) {
    last_draw_ = now;
    draw(false);
  }
}

void ProgressBar::finish() {
  if (finished_) return;
  finished_ = true;
  draw(true);
}

void ProgressBar::draw(bool final) {
  double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
  double rate = elapsed > 0 ? done_ / elapsed : 0;
  double eta = rate > 0 ? (total_ - done_) / rate : NAN;
  const int width = 24;
  int filled = static_cast<int>(width * done_ / total_);
  std::string bar(filled, '#');
  bar.resize(width, '.');
  std::fprintf(out_, "%s%s [%s] %lld/%lld %.2f %s/s elapsed %s eta %s %s%s", tty_ ? "\r\033[K" : "",
               label_.c_str(), bar.c_str(), static_cast<long long>(done_),
               static_cast<long long>(total_), rate, unit_.c_str(),
               format_duration(elapsed).c_str(), final ? "0s" : format_duration(eta).c_str(),
               status_.c_str(), (tty_ && !final) ? "" : "\n");
  std::fflush(out_);
}

}  // namespace foresight
