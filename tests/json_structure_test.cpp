#include "trailsweep/json_structure.hpp"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

namespace trailsweep {
namespace {

// The obvious byte-by-byte reading the bitmaps must agree with.
struct Reference {
  std::vector<std::size_t> quotes;        // string delimiters
  std::vector<std::size_t> close_of;      // for each bracket position outside strings: its match (or npos)
  std::vector<bool> unusual;              // '\\', control, non-ASCII
  std::vector<bool> inside;               // in a string: from its opening quote to the byte before its closing one
  std::vector<bool> in_string_before;     // in a string as byte i comes
  bool ends_outside = true;

  explicit Reference(const std::string& t)
      : close_of(t.size(), JsonStructure::npos), unusual(t.size()), inside(t.size()), in_string_before(t.size()) {
    // A backslash escapes the next quote wherever it stands (outside a
    // string it is invalid JSON anyway; simdjson reads it the same way).
    bool in_string = false, escaped = false;
    std::vector<std::size_t> stack;
    for (std::size_t i = 0; i < t.size(); ++i) {
      const auto c = static_cast<unsigned char>(t[i]);
      unusual[i] = c == '\\' || c < 0x20 || c >= 0x80;
      in_string_before[i] = in_string;
      inside[i] = in_string;
      const bool this_escaped = escaped;
      escaped = false;
      if (c == '\\' && !this_escaped) {
        escaped = true;
        continue;
      }
      if (c == '"' && !this_escaped) {
        quotes.push_back(i);
        in_string = !in_string;
        inside[i] = in_string;
        continue;
      }
      if (in_string) continue;
      if (c == '{' || c == '[') {
        stack.push_back(i);
      } else if ((c == '}' || c == ']') && !stack.empty()) {
        close_of[stack.back()] = i;
        stack.pop_back();
      }
    }
    ends_outside = !in_string;
  }
};

std::string padded(const std::string& s) { return s + std::string(64, 'x'); }

using Kernel = JsonStructure::Kernel;

// Every kernel this CPU runs, the portable one first.
std::vector<Kernel> kernels() {
  std::vector<Kernel> out;
  for (Kernel k : {Kernel::kPortable, Kernel::kAvx2, Kernel::kAvx512, Kernel::kBest}) {
    if (JsonStructure::available(k)) out.push_back(k);
  }
  return out;
}

const char* kernel_name(Kernel k) {
  switch (k) {
    case Kernel::kPortable: return "portable kernel";
    case Kernel::kAvx2: return "AVX2 kernel";
    case Kernel::kAvx512: return "AVX-512 kernel";
    default: return "best kernel";
  }
}

void check_against_reference(const std::string& text, Kernel kernel) {
  const std::string buffer = padded(text);
  const std::string_view view(buffer.data(), text.size());
  const Reference ref(text);
  JsonStructure js;
  js.index(view, kernel);
  // Every quote, found from every position before it.
  std::size_t q = 0;
  for (std::size_t pos = 0; pos <= text.size(); ++pos) {
    while (q < ref.quotes.size() && ref.quotes[q] < pos) ++q;
    const std::size_t want = q < ref.quotes.size() ? ref.quotes[q] : JsonStructure::npos;
    ASSERT_EQ(js.next_quote(pos), want) << "from " << pos << " in " << text;
  }
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if ((c == '{' || c == '[') && ref.close_of[i] != JsonStructure::npos) {
      ASSERT_EQ(js.matching_close(i), ref.close_of[i]) << "bracket at " << i << " in " << text;
    }
  }
  for (std::size_t b = 0; b < text.size(); b += 7) {
    for (std::size_t e = b + 1; e <= text.size() && e < b + 150; e += 13) {
      bool want_plain = true;
      for (std::size_t i = b; i < e; ++i) want_plain = want_plain && !ref.unusual[i];
      ASSERT_EQ(js.plain(b, e), want_plain) << "[" << b << "," << e << ") in " << text;
      // What RecordReader asks of a record that is not plain (it starts
      // outside a string, at its '{').
      if (ref.in_string_before[b]) continue;
      bool backslash_outside = false, newline = false, newline_outside = false;
      for (std::size_t i = b; i < e; ++i) {
        backslash_outside = backslash_outside || (text[i] == '\\' && !ref.inside[i]);
        newline = newline || text[i] == '\n';
        newline_outside = newline_outside || (text[i] == '\n' && !ref.inside[i]);
      }
      for (bool allowed : {false, true}) {
        bool between_tokens = false;
        const bool alike = js.escapes_only_in_strings(b, e, allowed, &between_tokens);
        ASSERT_EQ(alike, !backslash_outside && (allowed || !newline))
            << "[" << b << "," << e << ") newlines " << (allowed ? "allowed" : "refused") << " in " << text;
        if (alike && allowed) {
          ASSERT_EQ(between_tokens, newline_outside) << "[" << b << "," << e << ") in " << text;
        }
      }
      // What the walkers ask: strings plain, anything else unusual spacing
      // between tokens (indented records).
      bool plain_strings = true;
      for (std::size_t i = b; i < e; ++i) {
        const char c = text[i];
        const bool spacing = c == '\n' || c == '\r' || c == '\t';
        if (ref.unusual[i] && (ref.inside[i] || !spacing)) plain_strings = false;
      }
      ASSERT_EQ(js.plain_strings(b, e), plain_strings) << "[" << b << "," << e << ") in " << text;
    }
  }
  EXPECT_EQ(js.ends_outside_string(), ref.ends_outside);
}

TEST(JsonStructure, EscapedQuotesAndBackslashRunsAcrossBlocks) {
  for (Kernel kernel : kernels()) {
    SCOPED_TRACE(kernel_name(kernel));
    // A backslash run ending exactly at a 64-byte boundary escapes the next
    // block's first byte only when the run is odd.
    for (std::size_t run = 1; run <= 4; ++run) {
      std::string s = "{\"k\":\"" + std::string(63 - 6 - run + 1, 'a') + std::string(run, '\\') + "\"}\", \"x\": [1, {\"y\": \"]\"}]}";
      check_against_reference(s, kernel);
    }
    check_against_reference(R"({"a":"b\"c","d":["]","}",{"e":"\\"}],"f":"\\\"{"})", kernel);
    check_against_reference(std::string(200, ' ') + R"({"Records":[{"eventName":"A\u00e9"}]})", kernel);
  }
}

TEST(JsonStructure, AgreesWithAByteByByteReadingOnRandomText) {
  // Random mixtures of JSON punctuation, escapes and non-ASCII bytes, long
  // enough to cross many blocks and the lazy indexing stretch.
  std::mt19937 rng(12345);
  const std::string alphabet = "{}[]\"\\:,ab \n\r\t\x01\xc3\xa9";
  for (int round = 0; round < 60; ++round) {
    std::string s(1 + rng() % 9000, ' ');
    for (char& c : s) c = alphabet[rng() % alphabet.size()];
    const std::vector<Kernel> all = kernels();
    check_against_reference(s, all[static_cast<std::size_t>(round) % all.size()]);
  }
}

TEST(JsonStructure, TextEndingInsideAStringOrBracketIsReported) {
  JsonStructure js;
  const std::string open_string = padded(R"({"a":"unfinished)");
  js.index(std::string_view(open_string.data(), open_string.size() - 64));
  EXPECT_FALSE(js.ends_outside_string());
  const std::string open_bracket = padded(R"({"a":[1,2)");
  js.index(std::string_view(open_bracket.data(), open_bracket.size() - 64));
  EXPECT_EQ(js.matching_close(0), JsonStructure::npos);
  EXPECT_TRUE(js.ends_outside_string());
}

TEST(JsonStructure, PaddingAfterTheTextIsIgnored) {
  // Quotes and brackets in the padding must not count.
  const std::string text = R"({"a":"b"})";
  const std::string buffer = text + "\"\"\"{{{\\" + std::string(64, '"');
  JsonStructure js;
  js.index(std::string_view(buffer.data(), text.size()));
  EXPECT_EQ(js.next_quote(8), JsonStructure::npos);
  EXPECT_EQ(js.matching_close(0), text.size() - 1);
  EXPECT_TRUE(js.ends_outside_string());
  EXPECT_TRUE(js.plain(0, text.size()));
}

}  // namespace
}  // namespace trailsweep
