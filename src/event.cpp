#include "trailsweep/event.hpp"

#include <fmt/format.h>

namespace trailsweep {

void UserIdentity::clear() {
  type.clear();
  arn.clear();
  account_id.clear();
  principal_id.clear();
  access_key_id.clear();
  user_name.clear();
  invoked_by.clear();
  session_issuer_arn.clear();
  session_issuer_user_name.clear();
  session_issuer_type.clear();
  mfa_authenticated.clear();
  session_creation_date.clear();
}

void Event::clear() {
  time_ms = 0;
  event_time.clear();
  event_source.clear();
  event_name.clear();
  aws_region.clear();
  source_ip.clear();
  user_agent.clear();
  error_code.clear();
  error_message.clear();
  recipient_account_id.clear();
  event_id.clear();
  event_type.clear();
  event_version.clear();
  read_only = has_read_only = false;
  identity.clear();
  principal.clear();
  account.clear();
  raw_json = {};
  raw_padded_capacity = 0;
  dom = nullptr;
}

bool Event::is_service_call() const {
  if (identity.type == "AWSService" || !identity.invoked_by.empty()) return true;
  // Service-linked role sessions (Auto Scaling launching a group's instances).
  return identity.session_issuer_arn.find(":role/aws-service-role/") != std::string::npos;
}

std::string principal_key_for(const UserIdentity& id, std::string_view account) {
  if (id.type == "AWSService") {
    return fmt::format("service:{}@{}", id.invoked_by.empty() ? "unknown" : id.invoked_by,
                       account);
  }
  if (!id.arn.empty()) return id.arn;
  if (id.type == "AssumedRole" && !id.session_issuer_arn.empty()) {
    // Without the session ARN keep sessions apart by principalId (ROLEID:session).
    return fmt::format("{}#{}", id.session_issuer_arn, id.principal_id);
  }
  return fmt::format("{}:{}:{}", id.type.empty() ? "Unknown" : id.type,
                     id.account_id.empty() ? account : std::string_view(id.account_id),
                     id.principal_id);
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
