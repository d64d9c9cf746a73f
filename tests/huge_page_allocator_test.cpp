#include "trailsweep/huge_page_allocator.hpp"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace trailsweep {
namespace {

TEST(HugePageAllocator, BigBlocksAreAlignedForHugePagesSmallOnesAreOrdinary) {
  HugePageAllocator<std::uint64_t> alloc;
  const std::size_t big = HugePageAllocator<std::uint64_t>::kHugePage / sizeof(std::uint64_t) + 3;
  std::uint64_t* p = alloc.allocate(big);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(p) % HugePageAllocator<std::uint64_t>::kHugePage, 0u);
  p[0] = 1;
  p[big - 1] = 2;  // the whole block is usable
  EXPECT_EQ(p[0] + p[big - 1], 3u);
  alloc.deallocate(p, big);
  std::uint64_t* small = alloc.allocate(16);
  small[15] = 7;
  EXPECT_EQ(small[15], 7u);
  alloc.deallocate(small, 16);
}

// A vector grows from ordinary blocks into huge-page ones and back (assign
// of a smaller size keeps the block; a fresh vector gets a small one); each
// block goes back the way it came (ASan checks the pairing).
TEST(HugePageAllocator, VectorGrowsAcrossTheThresholdAndKeepsItsValues) {
  std::vector<std::uint64_t, HugePageAllocator<std::uint64_t>> v;
  for (std::uint64_t i = 0; i < 600'000; ++i) v.push_back(i * 3);  // 4.8 MB
  for (std::uint64_t i = 0; i < v.size(); i += 9973) ASSERT_EQ(v[i], i * 3);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(v.data()) % HugePageAllocator<std::uint64_t>::kHugePage, 0u);
  decltype(v)().swap(v);
  v.assign(10, 5);
  EXPECT_EQ(v[9], 5u);
}

}  // namespace
}  // namespace trailsweep
