#include "trainer/train/condition_stats.hpp"

#include <algorithm>
#include <cmath>

#include "common/dataset/dataset_format.hpp"
#include "common/dataset/sequence_reader.hpp"

namespace foresight {

ConditionStats condition_statistics(const std::vector<std::filesystem::path>& sequences,
                                    int max_sequences) {
  std::vector<double> sum(kConditionDim, 0.0), sum_sq(kConditionDim, 0.0);
  double rows = 0;
  const size_t n =
      max_sequences > 0 ? std::min<size_t>(sequences.size(), max_sequences) : sequences.size();
  for (size_t i = 0; i < n; ++i) {
    const auto actions = read_csv_rows(sequences[i] / kActionsFile, kActionDim, 1);
    const auto positions = read_csv_rows(sequences[i] / kPositionsFile, kPositionDim, 1);
    const size_t t_max = std::min(actions.size(), positions.size());
    for (size_t t = 0; t < t_max; ++t) {
      for (int d = 0; d < kConditionDim; ++d) {
        const double v = d < kActionDim ? actions[t][d] : positions[t][d - kActionDim];
        sum[d] += v;
        sum_sq[d] += v * v;
      }
      rows += 1;
    }
  }
  ConditionStats s;
  for (int d = 0; d < kConditionDim; ++d) {
    const double mean = rows > 0 ? sum[d] / rows : 0.0;
    const double var = rows > 0 ? std::max(0.0, sum_sq[d] / rows - mean * mean) : 0.0;
    const double sd = std::sqrt(var);
    s.mean.push_back(mean);
    s.std.push_back(sd > 1e-6 ? sd : 1.0);
  }
  return s;
}

}  // namespace foresight
