#pragma once
// JsonWriter: builds JSON text into a string. Strings are escaped for any byte
// sequence: control characters become \u escapes and invalid UTF-8 becomes
// U+FFFD, so attacker-shaped userAgents or names can never break the document.
// Not thread-safe; one per document.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep {

/// Appends `s` as a quoted JSON string.
void append_json_string(std::string& out, std::string_view s);

class JsonWriter {
 public:
  /// `indent` 0 writes one line; otherwise nested values are indented.
  explicit JsonWriter(std::string& out, int indent = 0) : out_(out), indent_(indent) {}

  /// A writer that continues inside an array `depth` containers deep (the
  /// array itself included) that already holds elements unless
  /// `array_empty`: separate writers can then render consecutive elements
  /// of one document, e.g. on several threads, and their texts concatenate
  /// to what one writer would have written.
  static JsonWriter resume_in_array(std::string& out, int indent, std::size_t depth, bool array_empty) {
    JsonWriter w(out, indent);
    w.stack_.assign(depth, Level{true, false});
    w.stack_.back() = Level{false, array_empty};
    return w;
  }
  /// Tells this writer that other writers added elements to its open array.
  void note_elements_added() { stack_.back().empty = false; }

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  JsonWriter& key(std::string_view k);
  JsonWriter& value(std::string_view v);
  JsonWriter& value(const char* v) { return value(std::string_view(v)); }
  JsonWriter& value(const std::string& v) { return value(std::string_view(v)); }
  JsonWriter& value(std::int64_t v);
  JsonWriter& value(std::uint64_t v);
  JsonWriter& value(int v) { return value(static_cast<std::int64_t>(v)); }
  JsonWriter& value(double v);
  JsonWriter& value(bool v);
  JsonWriter& null();
  /// Inserts already-valid JSON text as a value.
  JsonWriter& raw(std::string_view json);

  template <typename T>
  JsonWriter& field(std::string_view k, const T& v) {
    key(k);
    return value(v);
  }

 private:
  void before_value();
  void newline();
  std::size_t line_start_size() const;  // "\n" and the indentation, 0 without indent

  std::string& out_;
  int indent_;
  struct Level {
    bool object;
    bool empty;
  };
  std::vector<Level> stack_;
  bool after_key_ = false;
};

}  // namespace trailsweep
