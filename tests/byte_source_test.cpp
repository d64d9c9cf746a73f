// ByteSource: the first stage; what it says when a path cannot be read is
// what the responder sees in the run's problem list.
#include "trailsweep/byte_source.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <future>
#include <string>
#include <thread>

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

// The read-ahead's hint: a regular file is asked for, or found cached;
// nothing is done with what a worker reports itself.
TEST(AdviseWillRead, AsksForARegularFileOnly) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "a.json.gz", std::string(10000, 'x'));
  testing::write_file(tmp.path() / "empty.json", "");
  const std::string file = (tmp.path() / "a.json.gz").string();
  EXPECT_NE(advise_will_read(file), ReadAdvice::kNone);
  EXPECT_NE(advise_will_read(file, 4096), ReadAdvice::kNone);
  EXPECT_EQ(advise_will_read(file, 0), ReadAdvice::kNone);
  EXPECT_EQ(advise_will_read((tmp.path() / "empty.json").string()), ReadAdvice::kNone);
  EXPECT_EQ(advise_will_read((tmp.path() / "missing.json").string()), ReadAdvice::kNone);
  EXPECT_EQ(advise_will_read(tmp.path().string()), ReadAdvice::kNone);
  EXPECT_EQ(advise_will_read("-"), ReadAdvice::kNone);
}

// A file just written is in the page cache: the hint says so instead of
// asking again (where the file system can tell without waiting).
TEST(AdviseWillRead, FindsAFileJustWrittenCached) {
  testing::TempDir tmp;
  testing::write_file(tmp.path() / "a.json", std::string(100000, 'x'));
  const std::string file = (tmp.path() / "a.json").string();
  const ReadAdvice advice = advise_will_read(file);
  if (advice == ReadAdvice::kAsked) GTEST_SKIP() << "this file system does not read without waiting (RWF_NOWAIT)";
  EXPECT_EQ(advice, ReadAdvice::kCached);
  EXPECT_EQ(advise_will_read(file, 10), ReadAdvice::kCached);
}

// A FIFO named as input (`trailsweep scan <(zcat ...)`, a named pipe) belongs
// to the worker that reads it: the hint must neither block on it waiting for
// a writer nor hold it open, which would let a writer start into a pipe that
// nobody reads.
TEST(AdviseWillRead, NeitherWaitsOnNorHoldsAFifo) {
  testing::TempDir tmp;
  const std::string fifo = (tmp.path() / "pipe.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  auto hinted = std::async(std::launch::async, [&] { return advise_will_read(fifo); });
  ASSERT_EQ(hinted.wait_for(std::chrono::seconds(5)), std::future_status::ready) << "blocked on the FIFO";
  EXPECT_EQ(hinted.get(), ReadAdvice::kNone);
  // No reader holds it: a writer that will not wait is refused.
  const int writer = ::open(fifo.c_str(), O_WRONLY | O_NONBLOCK);
  EXPECT_EQ(writer, -1);
  EXPECT_EQ(errno, ENXIO);
  if (writer >= 0) ::close(writer);
}

// A writer already waiting for its reader (`mkfifo p; zcat x.gz > p &`) must
// go on waiting for the worker: had the hint opened the FIFO, the writer's
// open would return, and its first write fail once the hint closed it.
TEST(AdviseWillRead, LeavesAWaitingFifoWriterWaiting) {
  testing::TempDir tmp;
  const std::string fifo = (tmp.path() / "pipe.json").string();
  ASSERT_EQ(::mkfifo(fifo.c_str(), 0600), 0) << std::strerror(errno);
  auto writer = std::async(std::launch::async, [&] { return ::open(fifo.c_str(), O_WRONLY); });
  std::this_thread::sleep_for(std::chrono::milliseconds(50));  // the writer is in open() by now
  EXPECT_EQ(advise_will_read(fifo), ReadAdvice::kNone);
  EXPECT_EQ(writer.wait_for(std::chrono::milliseconds(300)), std::future_status::timeout)
      << "the hint opened the FIFO";
  const int reader = ::open(fifo.c_str(), O_RDONLY | O_NONBLOCK);  // the worker's part: lets the writer go
  ASSERT_GE(reader, 0) << std::strerror(errno);
  const int fd = writer.get();
  EXPECT_GE(fd, 0);
  if (fd >= 0) ::close(fd);
  ::close(reader);
}

}  // namespace
}  // namespace trailsweep
