#include "trailsweep/yaml_guard.hpp"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <vector>

#include <fmt/format.h>

namespace trailsweep {

namespace {

// yaml-cpp 0.7 has more inputs on which it never returns than any pre-check can
// list (the fuzzers keep finding new ones). So each text is parsed first in a
// child process with a deadline; only text that parses to the end there is
// parsed here. A fork costs about a millisecond, so a folder of rules is
// checked in one child.
bool yaml_parse_terminates(const std::vector<const std::string*>& texts, int timeout_ms) {
  pid_t pid = fork();
  if (pid < 0) return true;  // cannot check; parse as before
  if (pid == 0) {
    for (const std::string* text : texts) {
      try {
        YAML::LoadAll(*text);
      } catch (...) {
      }
    }
    _exit(0);
  }
  for (int waited = 0; waited < timeout_ms; ++waited) {
    int status = 0;
    pid_t done = waitpid(pid, &status, WNOHANG);
    if (done == pid) return WIFEXITED(status);
    if (done < 0) return true;
    usleep(1000);
  }
  kill(pid, SIGKILL);
  waitpid(pid, nullptr, 0);
  return false;
}

}  // namespace

// yaml-cpp 0.7 (Debian 12) loops forever, allocating, when a node starts with
// ',' outside any flow collection: ",", " ,x", "[a]\n,", "!,", "a: !t ,"
// (found by fuzz_rule_loader and fuzz_rule_eval). A plain scalar may not
// start with ',', so such text is never a valid rule and is refused before
// yaml-cpp sees it. Returns the 1-based line of the first such comma, or 0.
int stray_flow_comma_line(std::string_view text) {
  int depth = 0, line = 1;
  bool in_single = false, in_double = false, in_comment = false;
  std::size_t line_start = 0;
  for (std::size_t i = 0; i < text.size(); ++i) {
    char c = text[i];
    if (c == '\n') {
      ++line;
      line_start = i + 1;
      in_comment = false;
      continue;
    }
    if (in_comment) continue;
    if (in_single) {
      if (c == '\'') in_single = false;
      continue;
    }
    if (in_double) {
      if (c == '\\') {
        ++i;
      } else if (c == '"') {
        in_double = false;
      }
      continue;
    }
    switch (c) {
      case '#':
        if (i == line_start || text[i - 1] == ' ' || text[i - 1] == '\t') in_comment = true;
        break;
      case '\'':
        in_single = true;
        break;
      case '"':
        in_double = true;
        break;
      case '[':
      case '{':
        ++depth;
        break;
      case ']':
      case '}':
        if (depth > 0) --depth;
        break;
      case ',': {
        if (depth > 0) break;
        // The whitespace-separated token holding the comma, and the one before it.
        std::size_t tok = i;
        while (tok > line_start && text[tok - 1] != ' ' && text[tok - 1] != '\t') --tok;
        std::size_t prev_end = tok;
        while (prev_end > line_start && (text[prev_end - 1] == ' ' || text[prev_end - 1] == '\t')) --prev_end;
        std::size_t prev = prev_end;
        while (prev > line_start && text[prev - 1] != ' ' && text[prev - 1] != '\t') --prev;
        std::string_view before = text.substr(prev, prev_end - prev);
        char first = text[tok];
        bool node_start = before.empty() || before.back() == ':' || before == "-" || before == "?" ||
                          before.front() == '!' || before.front() == '&';
        if (first == '!' || first == '&' || (first == ',' && node_start)) return line;
        break;
      }
      default:
        break;
    }
  }
  return 0;
}

std::optional<YamlProblem> yaml_text_problem(const std::string& text, int timeout_ms) {
  if (int line = stray_flow_comma_line(text)) {
    return YamlProblem{line, "invalid YAML: ',' outside a flow sequence or map"};
  }
  if (!yaml_parse_terminates({&text}, timeout_ms)) {
    return YamlProblem{0, fmt::format("invalid YAML: the YAML parser did not finish within {} s (a known "
                                      "defect of yaml-cpp 0.7 on malformed input); file skipped",
                                      timeout_ms / 1000.0)};
  }
  return std::nullopt;
}

std::vector<std::optional<YamlProblem>> yaml_text_problems(const std::vector<const std::string*>& texts,
                                                           int timeout_ms) {
  std::vector<std::optional<YamlProblem>> problems(texts.size());
  std::vector<const std::string*> to_parse;
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (int line = stray_flow_comma_line(*texts[i])) {
      problems[i] = YamlProblem{line, "invalid YAML: ',' outside a flow sequence or map"};
    } else {
      to_parse.push_back(texts[i]);
    }
  }
  if (to_parse.empty() || yaml_parse_terminates(to_parse, timeout_ms)) return problems;
  // Some text hangs the parser: find which, one child each.
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (!problems[i]) problems[i] = yaml_text_problem(*texts[i], timeout_ms);
  }
  return problems;
}

}  // namespace trailsweep
