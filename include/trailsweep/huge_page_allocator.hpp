#pragma once
// HugePageAllocator: for a big table that every record hits at a random
// place (the distinct-principal count, PrincipalSet). Spread over
// 4 KB pages, a 16 MB table misses the TLB on nearly every access, and under
// a hypervisor each miss is a two-level page walk: perf put 4% of a scan on
// the prefetch into the principal table alone. Blocks of 2 MB and more are
// allocated 2 MB-aligned and marked for transparent huge pages (Linux,
// madvise mode, the default on Debian); smaller ones, and other systems, get
// plain memory.
#include <cstddef>
#include <cstdlib>
#include <new>

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace trailsweep {

template <typename T>
struct HugePageAllocator {
  using value_type = T;
  static constexpr std::size_t kHugePage = std::size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  HugePageAllocator(const HugePageAllocator<U>&) noexcept {}

  T* allocate(std::size_t n) {
    const std::size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    const std::size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* p = std::aligned_alloc(kHugePage, rounded);
    if (!p) throw std::bad_alloc();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    ::madvise(p, rounded, MADV_HUGEPAGE);  // a hint: without THP the memory is just ordinary
#endif
    return static_cast<T*>(p);
  }
  void deallocate(T* p, std::size_t n) noexcept {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(p);
    } else {
      std::free(p);
    }
  }
  template <typename U>
  bool operator==(const HugePageAllocator<U>&) const noexcept { return true; }
};

}  // namespace trailsweep
