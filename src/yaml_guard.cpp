#include "trailsweep/yaml_guard.hpp"

#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <vector>

#include <fmt/format.h>

namespace trailsweep {

namespace {

// yaml-cpp 0.7 has more inputs on which it never returns than any pre-check can
// list (the fuzzers keep finding new ones). So each text is parsed first in a
// child process with a deadline; only text that parsed to the end there is
// parsed here. One child checks the texts in order and reports each one it
// finished through a pipe, so the caller parses text i while the child
// parses text i+1: on a second core the check costs no wall time (it had
// doubled the start-up of every scan). A text the child does not finish
// within the deadline, or dies on, is refused; a new child goes on after it.
enum class ChildVerdict { kFinished, kTimedOut, kFailed };

class CheckingChild {
 public:
  CheckingChild() = default;
  CheckingChild(const CheckingChild&) = delete;
  CheckingChild& operator=(const CheckingChild&) = delete;
  ~CheckingChild() { stop(); }

  // Starts a child that parses `texts[order[from..]]` and reports each
  // (stopping the one before, if any). False when no child could be
  // started (then nothing can be checked).
  bool start(const std::vector<const std::string*>& texts, const std::vector<std::size_t>& order, std::size_t from) {
    stop();
    reported_ = from;
    int fds[2];
    if (pipe(fds) != 0) return false;
    pid_ = fork();
    if (pid_ < 0) {
      close(fds[0]);
      close(fds[1]);
      return false;
    }
    if (pid_ == 0) {
      close(fds[0]);
      for (std::size_t k = from; k < order.size(); ++k) {
        try {
          YAML::LoadAll(*texts[order[k]]);
        } catch (...) {
        }
        const std::uint32_t done = static_cast<std::uint32_t>(k);
        if (write(fds[1], &done, sizeof done) != static_cast<ssize_t>(sizeof done)) _exit(1);
      }
      _exit(0);
    }
    close(fds[1]);
    fd_ = fds[0];
    return true;
  }

  // Waits until the child reports order position `k` finished, or gives up
  // on it after `timeout_ms` without a report (the child is then stopped).
  ChildVerdict wait_for(std::size_t k, int timeout_ms) {
    if (reported_ > k) return ChildVerdict::kFinished;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
    while (reported_ <= k) {
      const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
      pollfd p{fd_, POLLIN, 0};
      const int ready = left.count() > 0 ? poll(&p, 1, static_cast<int>(left.count()) + 1) : 0;
      if (ready < 0 && errno == EINTR) continue;
      if (ready <= 0) {
        stop();
        return ChildVerdict::kTimedOut;
      }
      std::uint32_t done = 0;
      const ssize_t n = read(fd_, &done, sizeof done);  // a pipe delivers writes this small whole
      if (n < 0 && errno == EINTR) continue;
      if (n != static_cast<ssize_t>(sizeof done)) {
        stop();  // the child died (yaml-cpp crashed) while parsing position k
        return ChildVerdict::kFailed;
      }
      reported_ = static_cast<std::size_t>(done) + 1;
    }
    return ChildVerdict::kFinished;
  }

  void stop() {
    if (pid_ <= 0) return;
    kill(pid_, SIGKILL);
    waitpid(pid_, nullptr, 0);
    close(fd_);
    pid_ = -1;
  }

 private:
  pid_t pid_ = -1;
  int fd_ = -1;
  std::size_t reported_ = 0;  // order positions below it are finished
};

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

void for_each_checked_yaml(const std::vector<const std::string*>& texts, int timeout_ms,
                           const std::function<void(std::size_t, std::optional<YamlProblem>)>& use) {
  std::vector<std::optional<YamlProblem>> problems(texts.size());
  std::vector<std::size_t> order;  // the texts the child parses
  for (std::size_t i = 0; i < texts.size(); ++i) {
    if (int line = stray_flow_comma_line(*texts[i])) {
      problems[i] = YamlProblem{line, "invalid YAML: ',' outside a flow sequence or map"};
    } else {
      order.push_back(i);
    }
  }
  CheckingChild child;
  bool checking = order.empty() || child.start(texts, order, 0);  // false: cannot check; parse as before
  std::size_t next_text = 0;
  for (std::size_t k = 0; k < order.size(); ++k) {
    const std::size_t i = order[k];
    for (; next_text < i; ++next_text) use(next_text, problems[next_text]);
    if (checking) {
      switch (child.wait_for(k, timeout_ms)) {
        case ChildVerdict::kFinished:
          break;
        case ChildVerdict::kTimedOut:
          problems[i] = YamlProblem{0, fmt::format("invalid YAML: the YAML parser did not finish within {} s (a "
                                                   "known defect of yaml-cpp 0.7 on malformed input); file skipped",
                                                   timeout_ms / 1000.0)};
          break;
        case ChildVerdict::kFailed:
          problems[i] = YamlProblem{0, "invalid YAML: the YAML parser crashed on it (a defect of yaml-cpp 0.7 on "
                                       "malformed input); file skipped"};
          break;
      }
      if (problems[i] && k + 1 < order.size()) checking = child.start(texts, order, k + 1);
    }
    use(i, problems[i]);
    next_text = i + 1;
  }
  for (; next_text < texts.size(); ++next_text) use(next_text, problems[next_text]);
}

std::optional<YamlProblem> yaml_text_problem(const std::string& text, int timeout_ms) {
  std::optional<YamlProblem> problem;
  for_each_checked_yaml({&text}, timeout_ms, [&](std::size_t, std::optional<YamlProblem> p) { problem = std::move(p); });
  return problem;
}

}  // namespace trailsweep
