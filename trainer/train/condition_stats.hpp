// Per-number statistics of the conditions (action ++ end-effector position) of a dataset split,
// which the SVG model standardises its conditions with (SvgConfig::cond_mean / cond_std).
#pragma once
#include <filesystem>
#include <vector>

namespace foresight {

struct ConditionStats {
  std::vector<double> mean, std;  // kConditionDim numbers each
};

// Mean and standard deviation of every condition number over the rows of the first
// `max_sequences` sequences (0: all). A number that never varies (a gripper always closed) gets
// std 1, so standardising only centres it. Throws DatasetError naming a malformed CSV.
ConditionStats condition_statistics(const std::vector<std::filesystem::path>& sequences,
                                    int max_sequences = 256);

}  // namespace foresight
