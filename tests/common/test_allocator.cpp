// The CPU allocator for large tensors (allocator.hpp): blocks of a huge page or more start on a
// huge page and are advised as such, smaller ones keep LibTorch's 64-byte alignment, and tensors
// on either compute and free as before.
#include <ATen/ATen.h>
#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

#include "common/util/allocator.hpp"

namespace foresight {
namespace {

std::uintptr_t address(const at::Tensor& t) {
  return reinterpret_cast<std::uintptr_t>(t.data_ptr());
}

// The "VmFlags" of the mapping that holds `p` in /proc/self/smaps ("hg": advised huge pages).
std::string mapping_flags(std::uintptr_t p) {
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream range(line);
    if (range >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= p && p < hi;
    } else if (inside && line.rfind("VmFlags:", 0) == 0) {
      return line;
    }
  }
  return "";
}

TEST(HugePageAllocator, LargeBlocksStartOnAHugePageAdvisedAndSmallOnesKeepTheirAlignment) {
  const std::size_t page = use_huge_pages_for_large_tensors();
  if (page == 0) GTEST_SKIP() << "no transparent huge pages on this machine";
  EXPECT_EQ(use_huge_pages_for_large_tensors(), page);  // once

  const int64_t n = static_cast<int64_t>(3 * page / sizeof(double)) + 5;  // not a whole page
  at::Tensor big = at::arange(n, at::kDouble);
  EXPECT_EQ(address(big) % page, 0u);
  EXPECT_NE(mapping_flags(address(big)).find(" hg"), std::string::npos)
      << mapping_flags(address(big));
  at::Tensor small = at::ones({1000});
  EXPECT_EQ(address(small) % 64, 0u);

  // They compute as any tensor, and a freed block's memory is reused safely.
  EXPECT_EQ(big.sum().item<double>(), static_cast<double>(n) * (n - 1) / 2);
  big = at::Tensor();
  at::Tensor again = at::full({n}, 2.0F);
  EXPECT_EQ(again.sum().item<double>(), 2.0 * n);
  EXPECT_EQ((small * 3).sum().item<double>(), 3000.0);
}

}  // namespace
}  // namespace foresight
