// ByteSource: the first stage; what it says when a path cannot be read is
// what the responder sees in the run's problem list.
#include "trailsweep/byte_source.hpp"

#include <gtest/gtest.h>

#include <string>

#include "test_util.hpp"

namespace trailsweep {
namespace {

std::string read_all(ByteSource& source, std::size_t buffer_size) {
  std::string out;
  std::string buf(buffer_size, '\0');
  for (std::int64_t n; (n = source.read(buf.data(), buf.size())) > 0;) out.append(buf.data(), static_cast<std::size_t>(n));
  return out;
}

TEST(FileSource, ReadsAFileWholeThroughAnyBufferSize) {
  testing::TempDir tmp;
  std::string data;
  for (int i = 0; i < 5000; ++i) data += "{\"eventName\":\"RunInstances\"}\n";
  testing::write_file(tmp.path() / "a.jsonl", data);
  for (std::size_t size : {1u, 7u, 4096u, 1u << 20}) {
    FileSource source((tmp.path() / "a.jsonl").string());
    ASSERT_TRUE(source.ok()) << source.error();
    EXPECT_EQ(read_all(source, size), data) << size;
  }
}

TEST(FileSource, SaysWhyAPathCannotBeRead) {
  testing::TempDir tmp;
  FileSource missing((tmp.path() / "nope.json.gz").string());
  EXPECT_FALSE(missing.ok());
  EXPECT_EQ(missing.error(), "No such file or directory");
  // A directory opens but cannot be read: the read fails with the reason.
  FileSource dir(tmp.path().string());
  ASSERT_TRUE(dir.ok());
  char buf[16];
  EXPECT_EQ(dir.read(buf, sizeof buf), -1);
  EXPECT_EQ(dir.error(), "Is a directory");
}

TEST(MemorySource, HandsOutAtMostOneChunkPerRead) {
  const std::string data = "0123456789";
  MemorySource source(data, 3);
  char buf[8];
  EXPECT_EQ(source.read(buf, sizeof buf), 3);
  EXPECT_EQ(std::string(buf, 3), "012");
  EXPECT_EQ(source.read(buf, 2), 2);
  EXPECT_EQ(std::string(buf, 2), "34");
  EXPECT_EQ(read_all(source, 8), "56789");
  EXPECT_EQ(source.read(buf, sizeof buf), 0) << "the end stays the end";
}

}  // namespace
}  // namespace trailsweep
