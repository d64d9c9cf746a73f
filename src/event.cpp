#include "trailsweep/event.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <iterator>

namespace trailsweep {

char* TextArena::allocate(std::size_t n) {
  while (chunk_ < chunks_.size()) {
    auto& [memory, size] = chunks_[chunk_];
    if (size - used_ >= n) {
      char* out = memory.get() + used_;
      used_ += n;
      return out;
    }
    ++chunk_;
    used_ = 0;
  }
  const std::size_t size = std::max(n, kChunk);
  chunks_.emplace_back(std::make_unique<char[]>(size), size);
  chunk_ = chunks_.size() - 1;
  used_ = n;
  return chunks_.back().first.get();
}

std::string_view TextArena::copy(std::string_view text) {
  if (text.empty()) return {};
  char* out = allocate(text.size());
  std::memcpy(out, text.data(), text.size());
  return {out, text.size()};
}

void Event::clear() {
  // One field at a time, not `a = b = ... = {}`: chained, GCC stores the
  // first view's 8-byte pointer and reloads all 16 bytes to copy them on, a
  // load the CPU cannot forward from that store (a stall per chain, three
  // per record; perf put 40% of this function on them).
  time_ms = 0;
  for (std::string_view Event::*field :
       {&Event::event_time, &Event::event_source, &Event::event_name, &Event::aws_region, &Event::source_ip,
        &Event::user_agent, &Event::error_code, &Event::error_message, &Event::recipient_account_id,
        &Event::event_id, &Event::event_type, &Event::event_version, &Event::principal, &Event::account}) {
    this->*field = {};
  }
  read_only = false;
  has_read_only = false;
  identity.clear();
  principal_hash = 0;
  raw_json = {};
  raw_padded_capacity = 0;
  dom = nullptr;
  raw_member_count = 0;
  raw_members_complete = false;
  arena.reset();
}

void Event::derive_account_and_principal() {
  account = !recipient_account_id.empty() ? recipient_account_id : identity.account_id;
  principal = principal_key_view(identity, account, arena);
  principal_hash = 0;  // of another principal, if set
}

bool Event::is_service_call() const {
  if (identity.type == "AWSService" || !identity.invoked_by.empty()) return true;
  // Service-linked role sessions (Auto Scaling launching a group's instances).
  return identity.session_issuer_arn.find(":role/aws-service-role/") != std::string::npos;
}

namespace {

// The key is the ARN itself unless the identity is a service or has none.
bool key_is_arn(const UserIdentity& id) { return id.type != "AWSService" && !id.arn.empty(); }

// The other keys, as the pieces they are joined from: concatenated straight
// into the arena, with no format string to parse (this runs per record for
// AWSService calls; fmt::format_to was ~4% of the skim's instructions).
struct BuiltKey {
  std::array<std::string_view, 5> parts;
  std::size_t count = 0;
  std::size_t size() const {
    std::size_t n = 0;
    for (std::size_t i = 0; i < count; ++i) n += parts[i].size();
    return n;
  }
  void write_to(char* out) const {
    for (std::size_t i = 0; i < count; ++i) {
      if (parts[i].empty()) continue;  // an empty view's data() may be null
      std::memcpy(out, parts[i].data(), parts[i].size());
      out += parts[i].size();
    }
  }
};

BuiltKey built_key(const UserIdentity& id, std::string_view account) {
  if (id.type == "AWSService") {
    return {{"service:", id.invoked_by.empty() ? std::string_view("unknown") : id.invoked_by, "@", account}, 4};
  }
  if (id.type == "AssumedRole" && !id.session_issuer_arn.empty()) {
    // Without the session ARN keep sessions apart by principalId (ROLEID:session).
    return {{id.session_issuer_arn, "#", id.principal_id}, 3};
  }
  return {{id.type.empty() ? std::string_view("Unknown") : id.type, ":",
           id.account_id.empty() ? account : id.account_id, ":", id.principal_id},
          5};
}

}  // namespace

std::string_view principal_key_view(const UserIdentity& id, std::string_view account, TextArena& arena) {
  if (key_is_arn(id)) return id.arn;
  const BuiltKey key = built_key(id, account);
  const std::size_t size = key.size();
  char* out = arena.allocate(size);
  key.write_to(out);
  return {out, size};
}

std::string principal_key_for(const UserIdentity& id, std::string_view account) {
  if (key_is_arn(id)) return std::string(id.arn);
  const BuiltKey key = built_key(id, account);
  std::string out(key.size(), '\0');
  key.write_to(out.data());
  return out;
}

bool any_principal_name(const Event& ev, const std::function<bool(std::string_view)>& matches) {
  auto last_segment = [](std::string_view arn) {
    auto p = arn.rfind('/');
    return p == std::string_view::npos ? arn : arn.substr(p + 1);
  };
  const UserIdentity& id = ev.identity;
  for (std::string_view name : {std::string_view(ev.principal), std::string_view(id.arn),
                                std::string_view(id.session_issuer_arn), std::string_view(id.user_name)}) {
    if (!name.empty() && matches(name)) return true;
  }
  if (!id.arn.empty() && matches(last_segment(id.arn))) return true;
  return !id.session_issuer_arn.empty() && matches(last_segment(id.session_issuer_arn));
}

}  // namespace trailsweep
