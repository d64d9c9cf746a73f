#pragma once
// What the benchmark programs share: their command line (options, flags,
// then file names or folders, or one name per line on stdin) and reading a
// gzip file whole with its inflated size from the trailer.
#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <initializer_list>
#include <iostream>
#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace trailsweep::bench {

struct Args {
  std::vector<std::string> files;
  std::map<std::string, std::string, std::less<>> options;  // flags map to ""

  bool has(std::string_view name) const { return options.find(name) != options.end(); }
  long number(std::string_view name, long fallback) const {
    auto it = options.find(name);
    return it == options.end() ? fallback : std::atol(it->second.c_str());
  }
};

/// Words in `with_value` take the next word as their value; other words
/// that start with '-' are flags; the rest are files, or folders, which stand
/// for the `.json.gz` files under them in name order (an archive's root, as
/// `trailsweep scan` takes it). No files: names are read from stdin, one per
/// line (`find ... | program`).
inline Args parse_args(int argc, char** argv, std::initializer_list<std::string_view> with_value) {
  Args args;
  for (int i = 1; i < argc; ++i) {
    const std::string_view word = argv[i];
    bool takes_value = false;
    for (std::string_view v : with_value) takes_value = takes_value || v == word;
    if (takes_value && i + 1 < argc) {
      args.options[std::string(word)] = argv[++i];
    } else if (word.size() > 1 && word[0] == '-') {
      args.options[std::string(word)] = "";
    } else if (std::error_code error; std::filesystem::is_directory(word, error)) {
      std::vector<std::string> under;
      for (const auto& entry : std::filesystem::recursive_directory_iterator(word, error)) {
        const std::string name = entry.path().string();
        if (entry.is_regular_file(error) && name.ends_with(".json.gz")) under.push_back(name);
      }
      std::sort(under.begin(), under.end());
      args.files.insert(args.files.end(), under.begin(), under.end());
    } else {
      args.files.emplace_back(word);
    }
  }
  if (args.files.empty()) {
    for (std::string line; std::getline(std::cin, line);) args.files.push_back(line);
  }
  return args;
}

/// Reads `path` whole into `in`; returns the inflated size the gzip trailer
/// gives (ISIZE), or 0 (with a message) when it is no regular file or too
/// short to be gzip.
inline std::size_t read_gzip_file(const std::string& path, std::vector<char>& in) {
  in.clear();
  // A folder or FIFO "opens" as a stream whose size is garbage.
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::is_regular_file(status)) {
    // One write per message: the programs read on several threads.
    std::cerr << (path + ": " + (error ? error.message() : "not a regular file") + ", skipped\n");
    return 0;
  }
  std::ifstream f(path, std::ios::binary | std::ios::ate);
  const std::streamoff size = f ? static_cast<std::streamoff>(f.tellg()) : 0;
  in.resize(size > 0 ? static_cast<std::size_t>(size) : 0);
  f.seekg(0);
  f.read(in.data(), static_cast<std::streamsize>(in.size()));
  if (in.size() < 18) {
    std::cerr << (path + ": " + std::to_string(in.size()) + " bytes, too short for gzip, skipped\n");
    return 0;
  }
  const auto* b = reinterpret_cast<const unsigned char*>(in.data());
  return b[in.size() - 4] | (b[in.size() - 3] << 8) | (b[in.size() - 2] << 16) |
         (static_cast<std::size_t>(b[in.size() - 1]) << 24);
}

}  // namespace trailsweep::bench
