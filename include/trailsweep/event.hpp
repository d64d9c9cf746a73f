#pragma once
// Event: the fields of one CloudTrail record that detectors need, as views into
// the buffer the record was read from or the parser's unescaped strings (and,
// for a principal key that had to be built, into the event's own arena). Nothing is copied per
// record, so the hot loop neither allocates nor copies; in exchange an Event
// and its views are valid only while it is being handed to a sink. Reused
// across records.
#include <array>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "trailsweep/diagnostic.hpp"

namespace trailsweep {

struct RecordDom;  // the parsed record (private to the parser and RecordFields)

struct UserIdentity {
  std::string_view type;  ///< IAMUser, AssumedRole, Root, FederatedUser, AWSService, ...
  std::string_view arn, account_id, principal_id, access_key_id, user_name, invoked_by;
  std::string_view session_issuer_arn, session_issuer_user_name, session_issuer_type;
  std::string_view mfa_authenticated, session_creation_date;

  void clear() { *this = UserIdentity{}; }
};

/// Bump storage for an event's texts that are not in the input as they are.
/// Chunks are kept across records, so after warm-up it never allocates.
class TextArena {
 public:
  /// Room for `n` bytes, stable until reset().
  char* allocate(std::size_t n);
  std::string_view copy(std::string_view text);
  void reset() {
    chunk_ = 0;
    used_ = 0;
  }

 private:
  static constexpr std::size_t kChunk = 4096;
  std::vector<std::pair<std::unique_ptr<char[]>, std::size_t>> chunks_;  // memory, size
  std::size_t chunk_ = 0, used_ = 0;
};

struct Event {
  std::int64_t time_ms = 0;    ///< eventTime, UTC milliseconds since the epoch
  std::string_view event_time;  ///< eventTime as written
  std::string_view event_source, event_name, aws_region, source_ip, user_agent;
  std::string_view error_code, error_message, recipient_account_id, event_id, event_type;
  std::string_view event_version;
  bool read_only = false;
  bool has_read_only = false;
  UserIdentity identity;

  /// Stable key of the acting principal; never merges two accounts or two role
  /// sessions (see principal_key_for()).
  std::string_view principal;
  /// The account the event belongs to: recipientAccountId, else userIdentity.accountId.
  std::string_view account;
  /// PrincipalSet::hash(principal) when the Scanner has computed it for its
  /// principal count, else 0: sinks reuse it rather than hash again.
  std::uint64_t principal_hash = 0;

  std::string_view raw_json;             ///< whole record; valid during the sink call only
  std::size_t raw_padded_capacity = 0;   ///< readable bytes from raw_json.data()
  const RecordDom* dom = nullptr;        ///< parsed record; valid during the sink call only

  /// The record's top-level members as the fast path found them, so that
  /// rules can read a field Event does not hold (requestParameters as a
  /// whole, requestID, ...) without parsing the record. Only filled for
  /// plain records (printable ASCII, no escapes), so a string's raw bytes
  /// are its value and an object's raw text is its JSON as written.
  struct RawMember {
    std::string_view key, value;  ///< value: a string's body, else the JSON token(s)
    char kind = 0;                ///< '"' string, '{' object, '[' array, 't'/'f' bool, 'n' null, '0' number
  };
  static constexpr std::size_t kMaxRawMembers = 40;
  std::array<RawMember, kMaxRawMembers> raw_members{};
  std::size_t raw_member_count = 0;
  bool raw_members_complete = false;  ///< every top-level member is listed
  SourcePos pos;
  TextArena arena;  ///< texts built for this record (a principal key that is not an ARN)

  Event() = default;
  Event(const Event&) = delete;  // views may point into `arena`
  Event& operator=(const Event&) = delete;

  /// Forgets the record (keeps pos.file and the arena's memory).
  void clear();
  /// Sets `account` and `principal` from the identity (after the fields are read).
  void derive_account_and_principal();
  /// True when an AWS service made the call for someone (AWSService identity,
  /// invokedBy set, or a service-linked role session).
  bool is_service_call() const;
};

/// Computes the principal key:
///   IAMUser, Root, FederatedUser, IdentityCenterUser -> userIdentity.arn
///   AssumedRole -> the session ARN (role ARN + session name)
///   AWSService -> "service:<invokedBy>@<account>"
///   otherwise -> "<type>:<accountId>:<principalId>"
std::string principal_key_for(const UserIdentity& id, std::string_view account);
/// The same key as a view: the ARN itself when the key is the ARN (nearly
/// always), else built in `arena`.
std::string_view principal_key_view(const UserIdentity& id, std::string_view account, TextArena& arena);

/// Whether `matches` accepts one of the names a responder may give for the
/// acting principal: its key, ARN, user name, the role behind a session, or the
/// last path segment of the ARN or of that role (shared by `timeline
/// --principal` and allowlist `principal:`).
bool any_principal_name(const Event& ev, const std::function<bool(std::string_view)>& matches);

}  // namespace trailsweep
