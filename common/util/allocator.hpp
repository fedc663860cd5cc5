// glibc's allocator, tuned for tensors. By default glibc serves blocks over 128 KiB with mmap and
// returns freed heap tops to the kernel, so every training step maps, faults in and unmaps the
// same activation buffers again: up to 60% system time on the tiny preset. Keeping those blocks
// in the heap made training epochs ~1.4x faster here (docs/performance.md).
#pragma once

namespace foresight {

// Call first thing in main. Does nothing on other C libraries, or when the user set
// GLIBC_TUNABLES (their setting wins).
void keep_tensor_memory_in_the_heap();

}  // namespace foresight
