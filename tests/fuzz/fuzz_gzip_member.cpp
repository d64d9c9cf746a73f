// Fuzz target: the whole-file inflate (GzipMemberInflater), differential.
// Every engine the build has must agree on any bytes: both refuse, or both
// accept with the same output, and an accepted member must be what the
// streaming Decoder (zlib) reads from the same bytes. The announced size is
// taken from the gzip trailer, as the scanner does, or (first byte odd) off
// by one from it, so that the size checks are exercised too. Seeds: gzip
// members of CloudTrail JSON, mutated.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "trailsweep/byte_source.hpp"
#include "trailsweep/decoder.hpp"
#include "trailsweep/gzip_member.hpp"

namespace {

// The announced size is bounded so that a trailer claiming gigabytes does not
// make the fuzzer allocate them.
constexpr std::uint32_t kMaxSize = 1u << 20;

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using trailsweep::GzipMemberInflater;
  if (size < 2) return 0;
  const bool off_by_one = data[0] & 1;
  const std::string_view gz(reinterpret_cast<const char*>(data + 1), size - 1);
  if (gz.size() < 4) return 0;
  const auto* t = reinterpret_cast<const unsigned char*>(gz.data()) + gz.size() - 4;
  std::uint32_t announced = t[0] | (t[1] << 8) | (t[2] << 16) | (static_cast<std::uint32_t>(t[3]) << 24);
  if (off_by_one) announced += 1;
  if (announced > kMaxSize) return 0;

  bool first = true, accepted = false;
  std::string first_out;
  for (GzipMemberInflater::Engine engine : GzipMemberInflater::engines()) {
    GzipMemberInflater inflater(engine);
    std::string out(announced, '\0');
    const bool ok =
        inflater.inflate({reinterpret_cast<const unsigned char*>(gz.data()), gz.size()}, out.data(), out.size());
    if (first) {
      accepted = ok;
      if (ok) first_out = std::move(out);
      first = false;
    } else if (ok != accepted || (ok && out != first_out)) {
      std::abort();  // the engines disagree
    }
  }
  if (!accepted) return 0;
  trailsweep::MemorySource source(gz);
  trailsweep::Decoder decoder(source, kMaxSize + 1);
  std::string streamed;
  char buf[4096];
  while (std::size_t n = decoder.read(buf, sizeof buf)) streamed.append(buf, n);
  if (decoder.failed() || streamed != first_out) std::abort();  // accepted what zlib does not read so
  return 0;
}
