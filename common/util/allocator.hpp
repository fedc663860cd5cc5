// glibc's allocator, tuned for tensors. By default glibc serves blocks over 128 KiB with mmap and
// returns freed heap tops to the kernel, so every training step maps, faults in and unmaps the
// same activation buffers again. Keeping those blocks in the heap halved the trainer's system
// time on the tiny preset (4.2 s instead of 8.1 s over 15 iterations, 1.06x faster overall) and
// made no difference at the paper size (docs/performance.md).
#pragma once

namespace foresight {

// Call first thing in main. Does nothing on other C libraries, or when the user set
// GLIBC_TUNABLES (their setting wins).
void keep_tensor_memory_in_the_heap();

}  // namespace foresight
