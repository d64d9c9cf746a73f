#pragma once
// Event: the fields of one CloudTrail record that detectors need, copied out of
// the parser's buffers (simdjson views die with the next record). The raw JSON
// of the record is kept as a view for rules that read other fields; it is valid
// only while the event is being handed to a sink. Reused across records so the
// hot loop does not allocate once the strings have grown.
#include <cstdint>
#include <functional>
#include <string>
#include <string_view>

#include "trailsweep/diagnostic.hpp"

namespace trailsweep {

struct RecordDom;  // the parsed record (private to the parser and RecordFields)

struct UserIdentity {
  std::string type;  ///< IAMUser, AssumedRole, Root, FederatedUser, AWSService, ...
  std::string arn, account_id, principal_id, access_key_id, user_name, invoked_by;
  std::string session_issuer_arn, session_issuer_user_name, session_issuer_type;
  std::string mfa_authenticated, session_creation_date;

  void clear();
};

struct Event {
  std::int64_t time_ms = 0;  ///< eventTime, UTC milliseconds since the epoch
  std::string event_time;    ///< eventTime as written
  std::string event_source, event_name, aws_region, source_ip, user_agent;
  std::string error_code, error_message, recipient_account_id, event_id, event_type;
  std::string event_version;
  bool read_only = false;
  bool has_read_only = false;
  UserIdentity identity;

  /// Stable key of the acting principal; never merges two accounts or two role
  /// sessions (see principal_key_for()).
  std::string principal;
  /// The account the event belongs to: recipientAccountId, else userIdentity.accountId.
  std::string account;

  std::string_view raw_json;             ///< whole record; valid during the sink call only
  std::size_t raw_padded_capacity = 0;   ///< readable bytes from raw_json.data()
  const RecordDom* dom = nullptr;        ///< parsed record; valid during the sink call only
  SourcePos pos;

  void clear();
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

/// Whether `matches` accepts one of the names a responder may give for the
/// acting principal: its key, ARN, user name, the role behind a session, or the
/// last path segment of the ARN or of that role (shared by `timeline
/// --principal` and allowlist `principal:`).
bool any_principal_name(const Event& ev, const std::function<bool(std::string_view)>& matches);

}  // namespace trailsweep
