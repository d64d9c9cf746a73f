// RecordFields: what a rule sees when it names a field path. Real record
// shapes from the campaign (ECS task definitions, Auto Scaling groups, EC2
// attributes), read through both ways a record reaches the rules: the fast
// path's member list and the full parser's DOM.
#include "trailsweep/record_fields.hpp"

#include <gtest/gtest.h>

#include <functional>
#include <string>
#include <vector>

#include "test_util.hpp"
#include "trailsweep/record_parser.hpp"

namespace trailsweep {
namespace {

using testing::ct_record;

// Every value `path` visits, as "kind:text", in order.
std::vector<std::string> values(RecordFields& fields, std::string_view path) {
  std::vector<std::string> out;
  fields.any(path, [&](const FieldValue& v) {
    out.push_back(std::to_string(static_cast<int>(v.kind)) + ":" + std::string(v.text));
    return false;
  });
  return out;
}

std::string kind(FieldValue::Kind k, std::string_view text) {
  return std::to_string(static_cast<int>(k)) + ":" + std::string(text);
}

// Calls `check` with the fields of `record` read the fast way (a whole
// {"Records":[...]} document) and then the full parser's way.
void both_ways(const std::string& record, const std::function<void(RecordFields&, const char* way)>& check) {
  const std::string document = R"({"Records":[)" + record + "]}";
  const std::string buffer = document + std::string(kRecordPadding, '\0');
  RecordParser parser;
  RecordFields fields;
  Event ev;
  int seen = 0;
  auto result = parser.parse_native_document(
      std::string_view(buffer.data(), document.size()),
      [&](std::int64_t, const ParseOutcome& outcome, Event& e) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
        ++seen;
        fields.bind(e);
        check(fields, "fast path");
      },
      &ev);
  ASSERT_TRUE(result.complete);
  ASSERT_EQ(seen, 1);

  const std::string padded = record + std::string(kRecordPadding, ' ');
  RecordView view;
  view.json = std::string_view(padded.data(), record.size());
  view.padded_capacity = padded.size();
  ParseOutcome outcome = parser.parse(view, &ev);
  ASSERT_TRUE(outcome.ok) << outcome.error;
  fields.bind(ev);
  check(fields, "full parser");
}

// Stage 3 of the campaign: two containers, the miner's image in the second.
const std::string kTaskDefinition = ct_record(
    "2025-11-02T09:12:17Z", "RegisterTaskDefinition", "ci-deployer",
    R"("requestParameters":{"family":"miner","requiresCompatibilities":["FARGATE"],"cpu":"16384","memory":"32768",)"
    R"("networkMode":"awsvpc","containerDefinitions":[{"name":"sidecar","image":"public.ecr.aws/nginx/nginx:1.27",)"
    R"("essential":false},{"name":"main","image":"yenik65958/secret:user","cpu":0,"essential":true}]},)"
    R"("responseElements":{"taskDefinition":{"revision":1,"cpu":"16384"}})",
    "111122223333", "ecs.amazonaws.com");

TEST(RecordFields, ArraysFanOutOverTheirElementsAtAnyDepth) {
  both_ways(kTaskDefinition, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(values(fields, "requestParameters.containerDefinitions.image"),
              (std::vector<std::string>{kind(FieldValue::Kind::kString, "public.ecr.aws/nginx/nginx:1.27"),
                                        kind(FieldValue::Kind::kString, "yenik65958/secret:user")}))
        << way;
    EXPECT_EQ(values(fields, "requestParameters.requiresCompatibilities"),
              std::vector<std::string>{kind(FieldValue::Kind::kString, "FARGATE")})
        << way;
    // A visit that returns true stops the walk: the first container only.
    int visited = 0;
    EXPECT_TRUE(fields.any("requestParameters.containerDefinitions.essential", [&](const FieldValue& v) {
      ++visited;
      return v.kind == FieldValue::Kind::kBool;
    })) << way;
    EXPECT_EQ(visited, 1) << way;
  });
}

TEST(RecordFields, NumbersBooleansAndObjectsKeepTheirKindAndText) {
  // Stage 3's service (desiredCount a number) and stage 5's termination
  // protection (a boolean inside an object).
  const std::string service =
      ct_record("2025-11-02T09:12:19Z", "CreateService", "ci-deployer",
                R"("requestParameters":{"cluster":"c1","serviceName":"s1","desiredCount":10,"launchType":"FARGATE"})",
                "111122223333", "ecs.amazonaws.com");
  both_ways(service, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(values(fields, "requestParameters.desiredCount"),
              std::vector<std::string>{kind(FieldValue::Kind::kNumber, "10")})
        << way;
    EXPECT_EQ(values(fields, "requestParameters"),
              std::vector<std::string>{kind(FieldValue::Kind::kObject,
                                            R"({"cluster":"c1","serviceName":"s1","desiredCount":10,)"
                                            R"("launchType":"FARGATE"})")})
        << way << ": an object is its compact JSON";
    EXPECT_EQ(values(fields, "readOnly"), std::vector<std::string>{kind(FieldValue::Kind::kBool, "false")}) << way;
  });
  const std::string protect = ct_record(
      "2025-11-02T09:16:35Z", "ModifyInstanceAttribute", "ci-deployer",
      R"("requestParameters":{"instanceId":"i-0abc","disableApiTermination":{"value":true}},"responseElements":{"_return":true})");
  both_ways(protect, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(values(fields, "requestParameters.disableApiTermination.value"),
              std::vector<std::string>{kind(FieldValue::Kind::kBool, "true")})
        << way;
  });
}

TEST(RecordFields, AnObjectIsItsCompactTextHoweverItWasWritten) {
  // The fast path hands an object's bytes over as they are only when the
  // parser would print them alike: compact, with integers that fit. Spaces
  // between tokens, fractions, exponents, -0 and huge integers are printed
  // the parser's way, and strings keep their spaces, dots and digits.
  const std::vector<std::string> objects = {
      R"({"instancesSet":{"items":[{"instanceId":"i-0abc"}]},"maxResults":1000})",
      R"({ "maxResults" : 1000 , "filterSet" : {} })",
      "{\n\t\"maxResults\":1000,\r\n\t\"filterSet\":{}\n}",
      R"({"spotPrice":1.50,"name":"pool 1.5e3 -0 x"})",
      R"({"size":2E3,"weight":1e-2})",
      R"({"count":-0,"big":12345678901234567890,"long":1234567890123456789,"small":-42})",
      R"({"note":"a: b, c","n":0,"list":[1,2.0,"3 4"]})",
  };
  for (const auto& object : objects) {
    const std::string record =
        ct_record("2025-11-02T09:15:20Z", "RunInstances", "ci-deployer", R"("requestParameters":)" + object);
    std::vector<std::string> seen;
    both_ways(record, [&](RecordFields& fields, const char* way) {
      const auto v = values(fields, "requestParameters");
      ASSERT_EQ(v.size(), 1u) << way << ": " << object;
      seen.push_back(v[0]);
    });
    ASSERT_EQ(seen.size(), 2u);
    EXPECT_EQ(seen[0], seen[1]) << object;
  }
  // And a compact object is its own text, unchanged.
  both_ways(ct_record("2025-11-02T09:15:20Z", "RunInstances", "ci-deployer",
                      R"("requestParameters":{"n":-7,"s":"x y.z","a":[true,null]})"),
            [](RecordFields& fields, const char* way) {
              EXPECT_EQ(values(fields, "requestParameters"),
                        std::vector<std::string>{kind(FieldValue::Kind::kObject, R"({"n":-7,"s":"x y.z","a":[true,null]})")})
                  << way;
            });
}

TEST(RecordFields, NullIsVisitedAsNullAndAMissingFieldNotAtAll) {
  const std::string record = ct_record("2025-11-02T09:12:19Z", "ListClusters", "ci-deployer",
                                       R"("requestParameters":null,"responseElements":null)");
  both_ways(record, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(values(fields, "requestParameters"), std::vector<std::string>{kind(FieldValue::Kind::kNull, "")})
        << way;
    EXPECT_FALSE(fields.exists("requestParameters")) << way;
    EXPECT_TRUE(values(fields, "additionalEventData").empty()) << way;
    EXPECT_TRUE(values(fields, "requestParameters.cluster").empty()) << way;
    EXPECT_EQ(fields.first_text("requestParameters"), "") << way;
    EXPECT_TRUE(values(fields, "errorCode").empty()) << way << ": a kept field that is absent";
  });
}

TEST(RecordFields, KeysMatchWhateverCasingTheServiceUsed) {
  // Auto Scaling writes vPCZoneIdentifier; rules write what the docs say.
  const std::string group = ct_record(
      "2025-11-02T09:15:20Z", "CreateAutoScalingGroup", "ci-deployer",
      R"("requestParameters":{"autoScalingGroupName":"SPOT-us-east-1-G1-7f3a","maxSize":999,"minSize":1,)"
      R"("vPCZoneIdentifier":"subnet-0a1b","launchTemplate":{"launchTemplateName":"lt-1","version":"$Latest"}})",
      "111122223333", "autoscaling.amazonaws.com");
  both_ways(group, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(fields.first_text("requestParameters.vpcZoneIdentifier"), "subnet-0a1b") << way;
    EXPECT_EQ(fields.first_text("requestParameters.maxSize"), "999") << way;
    EXPECT_FALSE(fields.first_text("requestID").empty()) << way;
    EXPECT_EQ(fields.first_text("REQUESTID"), fields.first_text("requestID")) << way;
    EXPECT_EQ(fields.first_text("requestParameters.launchTemplate.launchTemplateName"), "lt-1") << way;
  });
}

TEST(RecordFields, KeptFieldsAreReadFromTheEventByPathOrId) {
  const std::string record = testing::iam_user_record();
  both_ways(record, [](RecordFields& fields, const char* way) {
    EXPECT_EQ(fields.first_text("userIdentity.arn"), "arn:aws:iam::229654561268:user/christophe") << way;
    const int id = RecordFields::fixed_field_id("userIdentity.accessKeyId");
    ASSERT_GE(id, 0);
    EXPECT_EQ(fields.fixed_value(id), "AKIAOZUDECYXYM4ONAN4") << way;
    EXPECT_EQ(fields.fixed_value(RecordFields::fixed_field_id("eventName")), "CreateUser") << way;
  });
  EXPECT_EQ(RecordFields::fixed_field_id("requestParameters.userName"), -1);
  EXPECT_GE(RecordFields::fixed_field_id("userIdentity.sessionContext.sessionIssuer.arn"), 0);
}

TEST(RecordFields, ABrokenValueTheFastPathSkippedIsReportedWhenARuleReadsIt) {
  // The fast path jumps over requestParameters unread; the damage shows when
  // a rule looks inside, as an error for that record only.
  const std::string broken = ct_record("2025-11-02T09:12:19Z", "CreateService", "ci-deployer",
                                       R"("requestParameters":{"desiredCount":tru})", "111122223333",
                                       "ecs.amazonaws.com");
  const std::string document = R"({"Records":[)" + broken + "," + kTaskDefinition + "]}";
  const std::string buffer = document + std::string(kRecordPadding, '\0');
  RecordParser parser;
  RecordFields fields;
  Event ev;
  std::vector<std::string> errors, images;
  parser.parse_native_document(
      std::string_view(buffer.data(), document.size()),
      [&](std::int64_t, const ParseOutcome& outcome, Event& e) {
        ASSERT_TRUE(outcome.ok) << outcome.error;
        fields.bind(e);
        EXPECT_EQ(fields.first_text("eventName"), std::string(e.event_name)) << "kept fields need no parse";
        images.push_back(fields.first_text("requestParameters.containerDefinitions.image"));
        errors.push_back(fields.error());
      },
      &ev);
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_NE(errors[0].find("cannot parse record for field lookup"), std::string::npos) << errors[0];
  EXPECT_EQ(errors[1], "") << "bind() starts the next record clean";
  EXPECT_EQ(images[1], "public.ecr.aws/nginx/nginx:1.27");
}

}  // namespace
}  // namespace trailsweep
