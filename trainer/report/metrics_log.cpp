#include "trainer/report/metrics_log.hpp"

#include <array>
#include <charconv>
#include <sstream>
#include <stdexcept>
#include <string>

#include "common/util/atomic_file.hpp"

namespace foresight {
namespace fs = std::filesystem;

namespace {

// One table drives both writing and reading, so the column order lives in one place.
struct Column {
  const char* name;
  double MetricsRow::*field;
};
constexpr std::array<Column, 9> kColumns{{
    {"loss", &MetricsRow::loss},
    {"mse", &MetricsRow::mse},
    {"kld", &MetricsRow::kld},
    {"beta", &MetricsRow::beta},
    {"tfr", &MetricsRow::tfr},
    {"lr", &MetricsRow::lr},
    {"val_psnr", &MetricsRow::val_psnr},
    {"val_ssim", &MetricsRow::val_ssim},
    {"seconds", &MetricsRow::seconds},
}};

// Shortest text that reads back to the same double, independent of the C locale.
std::string format_double(double v) {
  char buf[64];
  auto [end, ec] = std::to_chars(buf, buf + sizeof buf, v);
  return ec == std::errc() ? std::string(buf, end) : std::string("nan");
}

std::vector<std::string> split_csv_line(const std::string& line) {
  std::vector<std::string> fields;
  std::string field;
  std::istringstream ss(line);
  while (std::getline(ss, field, ',')) fields.push_back(field);
  if (!line.empty() && line.back() == ',') fields.emplace_back();
  return fields;
}

std::string trim(std::string s) {
  const char* ws = " \t\r";
  s.erase(0, s.find_first_not_of(ws));
  s.erase(s.find_last_not_of(ws) + 1);
  return s;
}

template <typename T>
bool parse_number(const std::string& text, T& out) {
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

std::string to_csv(const std::vector<MetricsRow>& rows) {
  std::string out = "epoch";
  for (const auto& c : kColumns) out += std::string(",") + c.name;
  out += "\n";
  for (const auto& r : rows) {
    out += std::to_string(r.epoch);
    for (const auto& c : kColumns) out += "," + format_double(r.*c.field);
    out += "\n";
  }
  return out;
}

}  // namespace

std::vector<MetricsRow> read_metrics_csv(const fs::path& path) {
  std::istringstream in(read_file(path));
  auto fail = [&](int line_no, const std::string& why) {
    throw std::runtime_error(path.string() + ":" + std::to_string(line_no) + ": " + why);
  };
  std::string line;
  if (!std::getline(in, line)) fail(1, "empty file, expected a header");
  // Position of each known column in this file's header; -1 where absent.
  int epoch_at = -1;
  std::array<int, kColumns.size()> at;
  at.fill(-1);
  auto header = split_csv_line(line);
  for (int i = 0; i < static_cast<int>(header.size()); ++i) {
    std::string name = trim(header[i]);
    if (name == "epoch") epoch_at = i;
    for (size_t c = 0; c < kColumns.size(); ++c) {
      if (name == kColumns[c].name) at[c] = i;
    }
  }
  if (epoch_at < 0) fail(1, "no 'epoch' column in header '" + line + "'");

  std::vector<MetricsRow> rows;
  for (int line_no = 2; std::getline(in, line); ++line_no) {
    if (trim(line).empty()) continue;
    auto fields = split_csv_line(line);
    if (fields.size() != header.size()) {
      fail(line_no, "expected " + std::to_string(header.size()) + " fields, got " +
                        std::to_string(fields.size()));
    }
    MetricsRow row;
    if (!parse_number(trim(fields[epoch_at]), row.epoch)) {
      fail(line_no, "epoch '" + fields[epoch_at] + "' is not an integer");
    }
    for (size_t c = 0; c < kColumns.size(); ++c) {
      if (at[c] < 0) continue;
      std::string text = trim(fields[at[c]]);
      if (text.empty()) continue;  // stays NaN
      if (!parse_number(text, row.*kColumns[c].field)) {
        fail(line_no, std::string(kColumns[c].name) + " '" + text + "' is not a number");
      }
    }
    rows.push_back(row);
  }
  return rows;
}

MetricsLog::MetricsLog(const fs::path& run_dir, int first_epoch) : path_(run_dir / "metrics.csv") {
  if (fs::exists(path_)) {
    for (const auto& r : read_metrics_csv(path_)) {
      if (r.epoch < first_epoch) rows_.push_back(r);
    }
  }
  save();
}

void MetricsLog::append(const MetricsRow& row) {
  if (!rows_.empty() && row.epoch <= rows_.back().epoch) {
    throw std::invalid_argument("metrics.csv: epoch " + std::to_string(row.epoch) +
                                " does not follow epoch " + std::to_string(rows_.back().epoch));
  }
  rows_.push_back(row);
  try {
    save();
  } catch (...) {
    rows_.pop_back();  // keep memory and file in agreement
    throw;
  }
}

void MetricsLog::save() const { write_file_atomically(path_, to_csv(rows_)); }

}  // namespace foresight
