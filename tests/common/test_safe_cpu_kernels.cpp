// Which CPU kernels use_safe_cpu_kernels (torch_compat.hpp) keeps: the CPU check agrees with what
// the kernel reports in /proc/cpuinfo, and the oneDNN decision follows FORESIGHT_ONEDNN first,
// then the LibTorch version and the CPU.
#include <ATen/Context.h>
#include <gtest/gtest.h>

#include <fstream>
#include <string>

#include "common/util/torch_compat.hpp"

namespace foresight {
namespace {

// The first value of `key` in /proc/cpuinfo ("" where there is none, e.g. on aarch64).
std::string cpuinfo(const std::string& key) {
  std::ifstream in("/proc/cpuinfo");
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(key, 0) != 0) continue;
    const auto colon = line.find(':');
    if (colon == std::string::npos) continue;
    const auto start = line.find_first_not_of(" \t", colon + 1);
    return start == std::string::npos ? "" : line.substr(start);
  }
  return "";
}

TEST(SafeCpuKernels, TheZen5CheckAgreesWithProcCpuinfo) {
  const std::string vendor = cpuinfo("vendor_id"), family = cpuinfo("cpu family");
  if (family.empty()) GTEST_SKIP() << "no cpu family in /proc/cpuinfo";
  const bool want = vendor == "AuthenticAMD" && std::stoi(family) >= 0x1a;
  EXPECT_EQ(cpu_is_amd_zen5_or_later(), want) << vendor << " family " << family;
}

TEST(SafeCpuKernels, OneDnnIsOffOnlyForLibTorch2OnZen5UnlessTheUserSaysOtherwise) {
  EXPECT_EQ(onednn_off_reason(nullptr, false, false), "");
  EXPECT_EQ(onednn_off_reason(nullptr, true, false), "");
  EXPECT_EQ(onednn_off_reason(nullptr, false, true), "");  // 1.13 passes on Zen 5
  EXPECT_NE(onednn_off_reason(nullptr, true, true), "");
  EXPECT_EQ(onednn_off_reason("on", true, true), "");
  EXPECT_EQ(onednn_off_reason("off", false, false), "FORESIGHT_ONEDNN=off");
  // any other value is decided by the CPU, as if unset
  EXPECT_NE(onednn_off_reason("yes", true, true), "");
  EXPECT_EQ(onednn_off_reason("yes", true, false), "");
}

TEST(SafeCpuKernels, ThisProcessRunsWhatTheDecisionSays) {
  use_safe_cpu_kernels();
  EXPECT_FALSE(torch::jit::canFuseOnCPU());
  const std::string why = onednn_off_reason(
      std::getenv("FORESIGHT_ONEDNN"), FORESIGHT_TORCH_AT_LEAST(2, 0), cpu_is_amd_zen5_or_later());
  if (!why.empty()) EXPECT_FALSE(at::globalContext().userEnabledMkldnn()) << why;
}

}  // namespace
}  // namespace foresight
