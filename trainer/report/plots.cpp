#include "trainer/report/plots.hpp"

#include <fcntl.h>
#include <spawn.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "common/util/atomic_file.hpp"
#include "trainer/report/metrics_log.hpp"

extern char** environ;

namespace foresight {
namespace fs = std::filesystem;

namespace {

struct Chart {
  fs::path png;
  std::string title, xlabel, ylabel;
  std::vector<Series> series;
  std::optional<double> hline;  // drawn dashed, e.g. a baseline
  std::string hline_name;
  bool log_y_if_wide = false;  // losses and learning rates span decades
};

// Deletes the folder and everything in it on scope exit: scripts and data never outlive a plot.
class TempDir {
 public:
  explicit TempDir(const std::string& prefix) {
    std::string pattern = (fs::temp_directory_path() / (prefix + "-XXXXXX")).string();
    if (::mkdtemp(pattern.data()) == nullptr) {
      throw std::runtime_error("cannot create temp folder " + pattern + ": " +
                               std::strerror(errno));
    }
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

class SpawnFileActions {
 public:
  SpawnFileActions() { ::posix_spawn_file_actions_init(&fa_); }
  ~SpawnFileActions() { ::posix_spawn_file_actions_destroy(&fa_); }
  SpawnFileActions(const SpawnFileActions&) = delete;
  SpawnFileActions& operator=(const SpawnFileActions&) = delete;
  posix_spawn_file_actions_t* get() { return &fa_; }

 private:
  posix_spawn_file_actions_t fa_;
};

// A gnuplot single-quoted string: only the quote itself needs escaping (doubled); a newline would
// end the command, so it becomes a space.
std::string quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "''";
    } else if (c == '\n' || c == '\r') {
      out += ' ';
    } else {
      out += c;
    }
  }
  return out + "'";
}

std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return std::string(buf, ec == std::errc() ? end : buf);
}

// Where a chart's PNG is drawn before the rename over its target (same folder, so rename is
// atomic).
fs::path temp_sibling(const fs::path& target) {
  return target.parent_path() / (target.stem().string() + ".tmp" + std::to_string(::getpid()) +
                                 target.extension().string());
}

bool wide_positive_range(const std::vector<Series>& series) {
  double lo = INFINITY, hi = -INFINITY;
  for (const auto& s : series) {
    for (size_t i = 0; i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      lo = std::min(lo, s.y[i]);
      hi = std::max(hi, s.y[i]);
    }
  }
  return lo > 0 && std::isfinite(hi) && hi / lo >= 100;
}

// Writes the finite points of `s` as "x y" lines; returns how many.
size_t write_data(const fs::path& file, const Series& s) {
  std::string text;
  size_t n = 0;
  for (size_t i = 0; i < s.x.size(); ++i) {
    if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
    text += format_double(s.x[i]) + " " + format_double(s.y[i]) + "\n";
    ++n;
  }
  write_file_atomically(file, text);
  return n;
}

void run_gnuplot(const fs::path& script, const fs::path& log) {
  SpawnFileActions fa;
  // gnuplot's messages go to a file so that a failure can quote them.
  ::posix_spawn_file_actions_addopen(fa.get(), 0, "/dev/null", O_RDONLY, 0);
  ::posix_spawn_file_actions_addopen(fa.get(), 1, log.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
  ::posix_spawn_file_actions_adddup2(fa.get(), 1, 2);
  std::string prog = "gnuplot", arg = script.string();
  char* argv[] = {prog.data(), arg.data(), nullptr};
  pid_t pid = -1;
  int rc = ::posix_spawnp(&pid, "gnuplot", fa.get(), nullptr, argv, environ);
  if (rc == ENOENT) throw std::runtime_error("gnuplot not found: install gnuplot-nox");
  if (rc != 0) throw std::runtime_error(std::string("cannot start gnuplot: ") + std::strerror(rc));
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR)
      throw std::runtime_error(std::string("waitpid gnuplot: ") + std::strerror(errno));
  }
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return;
  std::string messages;
  try {
    messages = read_file(log);
  } catch (const std::exception&) {
  }
  if (messages.size() > 2000) messages = "..." + messages.substr(messages.size() - 2000);
  std::string how = WIFEXITED(status) ? "exit " + std::to_string(WEXITSTATUS(status))
                                      : "signal " + std::to_string(WTERMSIG(status));
  throw std::runtime_error("gnuplot failed (" + how + "): " + messages);
}

// Draws all charts with one gnuplot process (its start-up dominates the cost of a small chart).
void draw_charts(const std::vector<Chart>& charts) {
  for (const auto& c : charts) {
    for (const auto& s : c.series) {
      if (s.x.size() != s.y.size()) {
        throw std::invalid_argument(c.png.string() + ": series '" + s.name + "' has " +
                                    std::to_string(s.x.size()) + " x values and " +
                                    std::to_string(s.y.size()) + " y values");
      }
    }
  }
  TempDir dir("foresight-plot");
  std::string script = "set terminal pngcairo noenhanced size 640,480 font ',10'\n";
  std::vector<fs::path> temps;
  // Removes half-drawn PNGs when anything below throws; emptied once they are renamed.
  struct TempFiles {
    std::vector<fs::path>& paths;
    ~TempFiles() {
      std::error_code ignored;
      for (const auto& p : paths) fs::remove(p, ignored);
    }
  } cleanup{temps};

  for (size_t i = 0; i < charts.size(); ++i) {
    const Chart& c = charts[i];
    if (c.png.has_parent_path()) fs::create_directories(c.png.parent_path());
    temps.push_back(temp_sibling(c.png));
    script += "reset\nset output " + quote(temps.back().string()) + "\n";
    script += "set title " + quote(c.title) + "\nset xlabel " + quote(c.xlabel) + "\nset ylabel " +
              quote(c.ylabel) +
              // Below the chart the legend never hides a curve; %g keeps close ticks distinct.
              "\nset grid\nset key outside below center horizontal\nset format y '%g'\n";
    if (c.log_y_if_wide && wide_positive_range(c.series)) script += "set logscale y\n";
    std::vector<std::string> parts;
    for (size_t j = 0; j < c.series.size(); ++j) {
      fs::path data = dir.path() / ("c" + std::to_string(i) + "_s" + std::to_string(j) + ".dat");
      size_t n = write_data(data, c.series[j]);
      if (n == 0) continue;
      // Markers only where they stay readable; long curves are plain lines.
      std::string style = n <= 60 ? "linespoints pt 7 ps 0.6" : "lines";
      std::string name = c.series[j].name.empty() ? "notitle" : "title " + quote(c.series[j].name);
      parts.push_back(quote(data.string()) + " using 1:2 with " + style + " lw 2 " + name);
    }
    if (c.hline) {
      parts.push_back(format_double(*c.hline) + " with lines dt 2 lw 2 lc rgb 'gray30' title " +
                      quote(c.hline_name));
    }
    if (parts.empty()) {
      // gnuplot refuses an empty plot command; an empty frame says "nothing yet" more plainly.
      script +=
          "set xrange [0:1]\nset yrange [0:1]\n"
          "set label 'no data' at graph 0.5, graph 0.5 center\nplot 2 notitle\n";
    } else {
      script += "plot ";
      for (size_t k = 0; k < parts.size(); ++k) script += (k ? ", \\\n  " : "") + parts[k];
      script += "\n";
    }
    script += "unset output\n";
  }
  fs::path script_file = dir.path() / "plot.gp";
  write_file_atomically(script_file, script);
  run_gnuplot(script_file, dir.path() / "gnuplot.log");
  for (size_t i = 0; i < charts.size(); ++i) fs::rename(temps[i], charts[i].png);
  temps.clear();
}

}  // namespace

bool gnuplot_on_path() {
  const char* path = std::getenv("PATH");
  const std::string dirs = path ? path : "/bin:/usr/bin";  // posix_spawnp's default
  size_t start = 0;
  while (true) {
    const size_t end = dirs.find(':', start);
    std::string dir = dirs.substr(start, end == std::string::npos ? end : end - start);
    if (dir.empty()) dir = ".";  // an empty entry is the current folder
    if (::access((dir + "/gnuplot").c_str(), X_OK) == 0) return true;
    if (end == std::string::npos) return false;
    start = end + 1;
  }
}

void plot_series(const fs::path& png, const std::string& title, const std::string& xlabel,
                 const std::string& ylabel, const std::vector<Series>& series) {
  Chart c;
  c.png = png;
  c.title = title;
  c.xlabel = xlabel;
  c.ylabel = ylabel;
  c.series = series;
  draw_charts({c});
}

void plot_training_curves(const fs::path& metrics_csv, const fs::path& out_dir,
                          std::optional<double> baseline_psnr) {
  auto rows = read_metrics_csv(metrics_csv);
  auto chart = [&](const char* file, const char* title, const char* ylabel,
                   double MetricsRow::*field, bool log_y) {
    Chart c;
    c.png = out_dir / file;
    c.title = title;
    c.xlabel = "epoch";
    c.ylabel = ylabel;
    c.log_y_if_wide = log_y;
    Series s;
    for (const auto& r : rows) {
      s.x.push_back(r.epoch);
      s.y.push_back(r.*field);
    }
    c.series.push_back(std::move(s));
    return c;
  };
  std::vector<Chart> charts{
      chart("loss.png", "training loss", "loss", &MetricsRow::loss, true),
      chart("mse.png", "reconstruction MSE", "MSE", &MetricsRow::mse, true),
      chart("kl.png", "KL divergence", "KL", &MetricsRow::kld, true),
      chart("beta.png", "KL weight (beta)", "beta", &MetricsRow::beta, false),
      chart("tfr.png", "teacher forcing ratio", "ratio", &MetricsRow::tfr, false),
      chart("lr.png", "learning rate", "lr", &MetricsRow::lr, true),
      chart("val_psnr.png", "validation PSNR", "PSNR (dB)", &MetricsRow::val_psnr, false),
      chart("val_ssim.png", "validation SSIM", "SSIM", &MetricsRow::val_ssim, false),
  };
  Chart& psnr = charts[6];
  psnr.series[0].name = "model";
  if (baseline_psnr && std::isfinite(*baseline_psnr)) {
    psnr.hline = baseline_psnr;
    psnr.hline_name = "copy-last baseline";
  }
  draw_charts(charts);
}

}  // namespace foresight
