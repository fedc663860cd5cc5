#include "common/util/allocator.hpp"

#include <c10/core/Allocator.h>
#include <c10/core/CPUAllocator.h>
#include <c10/util/Exception.h>

#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#if defined(__GLIBC__)
#include <malloc.h>
#endif
#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace foresight {

void keep_tensor_memory_in_the_heap() {
#if defined(__GLIBC__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // also stops glibc's dynamic threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

namespace {

constexpr std::size_t kSmallAlignment = 64;  // c10's own (alloc_cpu.cpp): a cache line, AVX-512

void release(void* p) { std::free(p); }

class HugePageAllocator final : public c10::Allocator {
 public:
  explicit HugePageAllocator(std::size_t huge_page) : huge_page_(huge_page) {}

  // LibTorch 1.13 declares allocate const, 2.3+ not: one overrides, the other is unused.
  c10::DataPtr allocate(std::size_t n) const { return allocate_block(n); }
  c10::DataPtr allocate(std::size_t n) { return allocate_block(n); }
  c10::DeleterFnPtr raw_deleter() const override { return &release; }
  // Pure virtual from LibTorch 2.3 on; an unused member before.
  void copy_data(void* dest, const void* src, std::size_t count) const {
    std::memcpy(dest, src, count);
  }

 private:
  c10::DataPtr allocate_block(std::size_t n) const {
    const bool huge = n >= huge_page_;
    // Whole huge pages, so that the advice covers every page of the block.
    const std::size_t size = huge ? (n + huge_page_ - 1) / huge_page_ * huge_page_ : n;
    void* p = nullptr;
    const int err = posix_memalign(&p, huge ? huge_page_ : kSmallAlignment, size > 0 ? size : 1);
    TORCH_CHECK(err == 0, "CPU allocator: cannot allocate ", n, " bytes (out of memory)");
#if defined(__linux__)
    if (huge) madvise(p, size, MADV_HUGEPAGE);  // advice only: a refusal leaves 4 KiB pages
#endif
    return {p, p, &release, c10::Device(c10::DeviceType::CPU)};
  }

  std::size_t huge_page_;
};

// The kernel's transparent huge page size, 0 where it has none or will not use them.
std::size_t transparent_huge_page_size() {
  std::ifstream mode("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string line;
  if (!std::getline(mode, line) || line.find("[never]") != std::string::npos) return 0;
  std::ifstream size("/sys/kernel/mm/transparent_hugepage/hpage_pmd_size");
  std::size_t bytes = 0;
  return size >> bytes ? bytes : 0;
}

}  // namespace

std::size_t use_huge_pages_for_large_tensors() {
  static const std::size_t installed = [] {
    const char* setting = std::getenv("FORESIGHT_HUGE_PAGES");
    if (setting != nullptr && std::string(setting) == "off") return std::size_t{0};
    const std::size_t page = transparent_huge_page_size();
    // A huge page the size of a small machine's memory (64 KiB-page arm64 kernels: 512 MiB)
    // would put every tensor of that size on one: not worth it.
    if (page == 0 || page > (std::size_t{32} << 20)) return std::size_t{0};
    static HugePageAllocator allocator(page);
    c10::SetCPUAllocator(&allocator, /*priority=*/1);
    return page;
  }();
  return installed;
}

}  // namespace foresight
