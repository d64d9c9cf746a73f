// Event: who acted and for which account. The principal key decides what
// the detector groups and what the summary counts, so two accounts or two
// role sessions must never share one, and a key built in the event's arena
// must survive every other text built for the same record.
#include "trailsweep/event.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace trailsweep {
namespace {

TEST(PrincipalKey, NeverMergesAccountsOrSessions) {
  UserIdentity root;
  root.type = "Root";
  root.arn = "arn:aws:iam::111122223333:root";
  EXPECT_EQ(principal_key_for(root, "111122223333"), "arn:aws:iam::111122223333:root");
  UserIdentity no_arn;
  no_arn.type = "AssumedRole";
  no_arn.principal_id = "AROAX:session-a";
  no_arn.session_issuer_arn = "arn:aws:iam::1:role/r";
  EXPECT_EQ(principal_key_for(no_arn, "1"), "arn:aws:iam::1:role/r#AROAX:session-a");
  UserIdentity account;
  account.type = "AWSAccount";
  account.account_id = "999";
  account.principal_id = "AIDAX";
  EXPECT_EQ(principal_key_for(account, "111"), "AWSAccount:999:AIDAX");
  UserIdentity bare;  // no type, no account of its own: the event's account keeps it apart
  bare.principal_id = "AIDAY";
  EXPECT_EQ(principal_key_for(bare, "111"), "Unknown:111:AIDAY");
  EXPECT_EQ(principal_key_for(bare, "222"), "Unknown:222:AIDAY");
  UserIdentity svc;
  svc.type = "AWSService";
  svc.invoked_by = "lambda.amazonaws.com";
  EXPECT_NE(principal_key_for(svc, "111"), principal_key_for(svc, "222"));
}

TEST(Event, TheAccountIsTheRecipientsElseTheCallers) {
  // A cross-account call (identity from 999, logged by 111) belongs to the
  // account that logged it; a record without recipientAccountId (some
  // exports drop it) falls back to the caller's.
  Event ev;
  ev.identity.type = "AssumedRole";
  ev.identity.account_id = "999999999999";
  ev.identity.arn = "arn:aws:sts::999999999999:assumed-role/deploy/ci";
  ev.recipient_account_id = "111122223333";
  ev.principal_hash = 42;  // of the previous record
  ev.derive_account_and_principal();
  EXPECT_EQ(ev.account, "111122223333");
  EXPECT_EQ(ev.principal, "arn:aws:sts::999999999999:assumed-role/deploy/ci");
  EXPECT_EQ(ev.principal_hash, 0u) << "a hash of another principal must not carry over";
  ev.recipient_account_id = {};
  ev.derive_account_and_principal();
  EXPECT_EQ(ev.account, "999999999999");
}

TEST(Event, AServiceKeyNamesTheServiceAndTheAccount) {
  Event ev;
  ev.identity.type = "AWSService";
  ev.identity.invoked_by = "autoscaling.amazonaws.com";
  ev.recipient_account_id = "111122223333";
  ev.derive_account_and_principal();
  EXPECT_EQ(ev.principal, "service:autoscaling.amazonaws.com@111122223333");
  ev.identity.invoked_by = {};
  ev.derive_account_and_principal();
  EXPECT_EQ(ev.principal, "service:unknown@111122223333");
  EXPECT_EQ(ev.principal, principal_key_for(ev.identity, ev.account));
}

TEST(Event, ServiceCallsAreTheServicesNotThePrincipals) {
  // Calls a service makes on someone's behalf: an AWSService identity, any
  // identity with invokedBy, and sessions of a service-linked role (the
  // path /aws-service-role/ is reserved to AWS).
  auto service_call = [](std::string_view type, std::string_view invoked_by, std::string_view issuer) {
    Event ev;
    ev.identity.type = type;
    ev.identity.invoked_by = invoked_by;
    ev.identity.session_issuer_arn = issuer;
    return ev.is_service_call();
  };
  EXPECT_TRUE(service_call("AWSService", "", ""));
  EXPECT_TRUE(service_call("AssumedRole", "ecs-tasks.amazonaws.com", "arn:aws:iam::111122223333:role/task"));
  EXPECT_TRUE(service_call("AssumedRole", "",
                           "arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/"
                           "AWSServiceRoleForAutoScaling"));
  EXPECT_FALSE(service_call("AssumedRole", "", "arn:aws:iam::111122223333:role/aws-service-role-lookalike"));
  EXPECT_FALSE(service_call("IAMUser", "", ""));
}

TEST(TextArena, EveryTextOfARecordStaysIntactWhateverItsSize) {
  // Texts of one record, some bigger than a chunk: each view stays valid and
  // unchanged while later ones are built; after reset() the same memory is
  // used again and the new texts are intact too.
  TextArena arena;
  for (int record = 0; record < 3; ++record) {
    std::vector<std::string> want;
    std::vector<std::string_view> got;
    for (std::size_t size : {10u, 4000u, 100u, 9000u, 1u, 4096u, 0u, 300u}) {
      want.push_back(std::string(size, static_cast<char>('a' + (size + record) % 26)));
      got.push_back(arena.copy(want.back()));
    }
    for (std::size_t i = 0; i < want.size(); ++i) EXPECT_EQ(got[i], want[i]) << "record " << record << " text " << i;
    arena.reset();
  }
}

}  // namespace
}  // namespace trailsweep
