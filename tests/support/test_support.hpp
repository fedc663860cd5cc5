// Shared fixtures for the test binaries: scratch folders and a tiny synthetic dataset made once.
#pragma once
#include <filesystem>
#include <string>
#include <vector>

namespace at {
class Tensor;
}

namespace foresight::testing {

// A fresh, empty folder under the system temp dir, unique per call; removed at process exit.
std::filesystem::path scratch_dir(const std::string& tag);

}  // namespace foresight::testing

namespace foresight::testing {

// A small synthetic robot-pushing dataset (train 24, validate 8, test 8 sequences of 14 frames),
// generated once per test process and shared; treat it as read-only.
const std::filesystem::path& tiny_dataset();

}  // namespace foresight::testing

namespace foresight {
class SvgModel;
}

namespace foresight::testing {

// Gives an `action` head's layer random displacement weights (normal, `std` pixels per unit of a
// standardised condition), so that tests exercise the move an untrained layer does not make.
// Does nothing for the other heads.
void move_action_layer(SvgModel& model, double std = 2.0);

}  // namespace foresight::testing

namespace foresight::testing {

// Expects two models' parameter lists to be equal element for element (a resumed run against the
// uninterrupted one), naming the first index and its largest difference on failure.
void expect_same_parameters(const std::vector<at::Tensor>& a, const std::vector<at::Tensor>& b);

}  // namespace foresight::testing
