#include "common/util/allocator.hpp"

#include <cstdlib>
#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace foresight {

void keep_tensor_memory_in_the_heap() {
#if defined(__GLIBC__)
  if (std::getenv("GLIBC_TUNABLES") != nullptr) return;
  mallopt(M_MMAP_THRESHOLD, 32 << 20);  // also stops glibc's dynamic threshold
  mallopt(M_TRIM_THRESHOLD, 1 << 30);
#endif
}

}  // namespace foresight
