// How tensors get their memory on the CPU: glibc's heap kept, and large blocks on transparent
// huge pages.
//
// By default glibc serves blocks over 128 KiB with mmap and returns freed heap tops to the kernel,
// so every training step maps, faults in and unmaps the same activation buffers again. Keeping
// blocks up to 32 MiB in the heap halved the trainer's system time on the tiny preset (4.2 s
// instead of 8.1 s over 15 iterations) and made no difference at the paper size, whose batched
// activations are larger (docs/performance.md).
//
// There, each step's blocks of 100+ MiB are fresh mappings that the kernel faults in 4 KiB at a
// time: most of an iteration went to page faults (LibTorch's profiler: 115 ms for one leaky_relu
// over 151 MB). On huge pages (2 MiB) the same iteration ran 2.3x faster, with the same peak
// memory (docs/performance.md, 2026-12-07).
#pragma once
#include <cstddef>

namespace foresight {

// Call first thing in main. Does nothing on other C libraries, or when the user set
// GLIBC_TUNABLES (their setting wins).
void keep_tensor_memory_in_the_heap();

// Installs LibTorch's CPU allocator: blocks of at least one huge page are aligned to it and
// advised MADV_HUGEPAGE (what LibTorch 2.1+ does with THP_MEM_ALLOC_ENABLE=1), smaller ones are
// served as before (64-byte aligned). Call first thing in main, before any tensor exists.
// Returns the huge page size in bytes, or 0 where it installed nothing: not Linux, transparent
// huge pages off or absent (/sys/kernel/mm/transparent_hugepage), or FORESIGHT_HUGE_PAGES=off.
std::size_t use_huge_pages_for_large_tensors();

}  // namespace foresight
