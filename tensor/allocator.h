// A caching allocator for tensor memory.
//
// Why: on the machines nos runs on, the first touch of a fresh page costs ~10-15 us per 4 KiB, and
// glibc hands large blocks straight back to the kernel on free. A training step that allocates and
// frees its activations would pay that on every step. Freed blocks are therefore kept in per-size
// free lists and handed out again; after the first step, a training loop touches no fresh page.
//
// The cache is one of the two process-wide objects nos allows (with the thread pool and the JIT's
// kernel cache): memory is a process resource, and a per-thread cache would strand blocks freed on
// another thread (a search worker's tensors may die on the controller thread).
#pragma once
#include <cstddef>
#include <cstdint>

namespace nos {

inline constexpr std::size_t kTensorAlignment = 64;

// Returns 64-byte-aligned memory of at least `bytes` bytes (contents unspecified). Throws
// std::bad_alloc when the system is out of memory even after releasing the cache.
void* cached_alloc(std::size_t bytes);
// Returns a block from cached_alloc to the cache; `bytes` must be the size it was asked for.
void cached_free(void* p, std::size_t bytes) noexcept;

struct AllocatorStats {
  std::uint64_t allocations = 0;  // calls to cached_alloc
  std::uint64_t cache_hits = 0;   // served from a free list without touching the system
  std::size_t bytes_in_use = 0;   // handed out and not yet freed (rounded sizes)
  std::size_t bytes_cached = 0;   // held in free lists
};
AllocatorStats allocator_stats();
// Gives every cached block back to the system (e.g. between two different workloads).
void release_cached_memory();

}  // namespace nos
