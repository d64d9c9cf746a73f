#include "trailsweep/record_parser.hpp"

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>

#include <simdjson.h>

#include "fuzz/parsed_fields.hpp"
#include "test_util.hpp"
#include "trailsweep/byte_source.hpp"
#include "trailsweep/decoder.hpp"
#include "trailsweep/json_writer.hpp"
#include "trailsweep/record_fields.hpp"

namespace trailsweep {
namespace {

class RecordParserTest : public ::testing::Test {
 protected:
  ParseOutcome parse(const std::string& json, std::int64_t offset = 100) {
    buffer_ = json + std::string(kRecordPadding, ' ');
    RecordView v;
    v.json = std::string_view(buffer_.data(), json.size());
    v.padded_capacity = buffer_.size();
    v.offset = offset;
    v.index = 7;
    return parser_.parse(v, &ev_);
  }
  ParseOutcome skim(const std::string& json, std::size_t padding = kRecordPadding) {
    buffer_ = json + std::string(padding, ' ');
    RecordView v;
    v.json = std::string_view(buffer_.data(), json.size());
    v.padded_capacity = buffer_.size();
    v.offset = 100;
    v.index = 7;
    return parser_.skim(v, &ev_);
  }
  RecordParser parser_;
  Event ev_;
  std::string buffer_;
};

TEST_F(RecordParserTest, ReadsRealIamUserRecord) {
  auto r = parse(testing::iam_user_record());
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(r.kind, RecordKind::kEvent);
  EXPECT_EQ(ev_.event_name, "CreateUser");
  EXPECT_EQ(ev_.event_source, "iam.amazonaws.com");
  EXPECT_EQ(ev_.time_ms, 1722519208000);
  EXPECT_EQ(ev_.aws_region, "us-east-1");
  EXPECT_EQ(ev_.source_ip, "06.237.252.245");
  EXPECT_EQ(ev_.user_agent, "stratus-red-team_4f1b2c3d");
  EXPECT_EQ(ev_.event_id, "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11");
  EXPECT_EQ(ev_.recipient_account_id, "229654561268");
  EXPECT_TRUE(ev_.has_read_only);
  EXPECT_FALSE(ev_.read_only);
  EXPECT_EQ(ev_.identity.type, "IAMUser");
  EXPECT_EQ(ev_.identity.access_key_id, "AKIAOZUDECYXYM4ONAN4");
  EXPECT_EQ(ev_.identity.user_name, "christophe");
  EXPECT_EQ(ev_.principal, "arn:aws:iam::229654561268:user/christophe");
  EXPECT_EQ(ev_.account, "229654561268");
  RecordFields fields;
  fields.bind(ev_);
  EXPECT_EQ(fields.first_text("requestParameters"),
            R"({"userName":"malicious-iam-user","tags":[{"key":"StratusRedTeam","value":"true"}]})");
  EXPECT_EQ(fields.first_text("responseElements.user.createDate"), "Aug 1, 2024 1:33:28 PM");
  EXPECT_EQ(ev_.pos.offset, 100);
  EXPECT_EQ(ev_.pos.record, 7);
}

// Stratus Red Team aws.execution.ec2-launch-unusual-instances.json (pretty, sorted keys).
TEST_F(RecordParserTest, AssumedRoleSessionKeepsRoleAndSession) {
  auto r = parse(R"({
   "awsRegion": "ca-south-3r",
   "errorCode": "Client.UnauthorizedOperation",
   "eventName": "RunInstances",
   "eventSource": "ec2.amazonaws.com",
   "eventTime": "2024-08-01T11:30:23Z",
   "readOnly": false,
   "recipientAccountId": "751353041310",
   "requestParameters": {"instanceType": "p2.xlarge", "instancesSet": {"items": [{"imageId": "ami-aCBbfd13bdb1d1E4b", "maxCount": 10, "minCount": 1}]}},
   "responseElements": null,
   "userIdentity": {"accessKeyId": "ASIA9F6MXE9HSYOXYQOS", "accountId": "900138736586",
      "arn": "arn:aws:sts::900138736586:assumed-role/stratus-red-team-ec2lui-role-idtzskbvtd/aws-go-sdk-1722511821294449000",
      "principalId": "AROA13YEHY3VAS32TD341:aws-go-sdk-1722511821294449000",
      "sessionContext": {"attributes": {"creationDate": "2024-08-01T11:30:22Z", "mfaAuthenticated": "false"},
         "sessionIssuer": {"accountId": "900138736586", "arn": "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd",
            "principalId": "AROA13YEHY3VAS32TD341", "type": "Role", "userName": "stratus-red-team-ec2lui-role-idtzskbvtd"}},
      "type": "AssumedRole"}
})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(ev_.error_code, "Client.UnauthorizedOperation");
  EXPECT_EQ(ev_.principal,
            "arn:aws:sts::900138736586:assumed-role/stratus-red-team-ec2lui-role-idtzskbvtd/"
            "aws-go-sdk-1722511821294449000");
  EXPECT_EQ(ev_.identity.session_issuer_arn,
            "arn:aws:iam::900138736586:role/stratus-red-team-ec2lui-role-idtzskbvtd");
  EXPECT_EQ(ev_.identity.mfa_authenticated, "false");
  EXPECT_EQ(ev_.account, "751353041310");  // recipientAccountId wins
  RecordFields fields;
  fields.bind(ev_);
  EXPECT_FALSE(fields.exists("responseElements"));
  EXPECT_FALSE(ev_.is_service_call());
}

TEST_F(RecordParserTest, ServiceIdentitiesAreKeyedByServiceAndAccount) {
  auto r = parse(R"({"eventVersion":"1.08","userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"eventTime":"2024-01-01T00:00:00Z","eventSource":"sts.amazonaws.com","eventName":"AssumeRole","awsRegion":"us-east-1","sourceIPAddress":"ec2.amazonaws.com","userAgent":"ec2.amazonaws.com","recipientAccountId":"111122223333"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_EQ(ev_.principal, "service:ec2.amazonaws.com@111122223333");
  EXPECT_TRUE(ev_.is_service_call());
}

TEST_F(RecordParserTest, AutoScalingServiceLinkedRoleIsAServiceCall) {
  auto r = parse(R"({"userIdentity":{"type":"AssumedRole","principalId":"AROAEXAMPLE:AutoScaling","arn":"arn:aws:sts::111122223333:assumed-role/AWSServiceRoleForAutoScaling/AutoScaling","accountId":"111122223333","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::111122223333:role/aws-service-role/autoscaling.amazonaws.com/AWSServiceRoleForAutoScaling"}}},"eventTime":"2024-12-16T18:41:05Z","eventSource":"ec2.amazonaws.com","eventName":"RunInstances","sourceIPAddress":"autoscaling.amazonaws.com","recipientAccountId":"111122223333"})");
  ASSERT_TRUE(r.ok) << r.error;
  EXPECT_TRUE(ev_.is_service_call());
}

TEST_F(RecordParserTest, EventTimeOfWrongTypeIsRejected) {
  auto r = parse(R"({"eventTime":1722519208,"eventSource":"iam.amazonaws.com","eventName":"X"})");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error, "\"eventTime\" is not a string");
  EXPECT_EQ(r.error_offset, 100);
}

TEST_F(RecordParserTest, MissingFieldsAreNamed) {
  auto r = parse(R"({"eventSource":"iam.amazonaws.com","eventName":"X"})");
  EXPECT_EQ(r.error, "missing \"eventTime\"");
  r = parse(R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"iam.amazonaws.com"})");
  EXPECT_EQ(r.error, "missing \"eventName\"");
  r = parse(R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":7,"eventName":"X"})");
  EXPECT_EQ(r.error, "\"eventSource\" is not a string");
  r = parse(R"({"eventTime":"yesterday","eventSource":"a","eventName":"X"})");
  EXPECT_EQ(r.error, "\"eventTime\" is not an RFC 3339 time: \"yesterday\"");
}

TEST_F(RecordParserTest, InvalidJsonIsLocatedAtItsRecord) {
  auto r = parse(R"({"eventTime":"2024-01-01T00:00:00Z","eventName" "X","eventSource":"a"})", 1000);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("invalid JSON: ", 0), 0u) << r.error;
  EXPECT_EQ(r.error_offset, 1000);
  // Any wrong byte is caught, also in a field no rule reads.
  r = parse(R"({"eventTime":"2024-01-01T00:00:00Z","eventName":"X","eventSource":"a","x":tru})", 1000);
  EXPECT_FALSE(r.ok);
}

TEST_F(RecordParserTest, InvalidUtf8IsRejectedNotPassedOn) {
  auto r = parse("{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\","
                 "\"userAgent\":\"\xff\xfe\"}");
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.error.rfind("invalid JSON: ", 0), 0u) << r.error;
}

TEST_F(RecordParserTest, InsightAndDigestAreClassified) {
  auto r = parse(R"({"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"x","eventType":"AwsCloudTrailInsight","recipientAccountId":"1","sharedEventID":"y","insightDetails":{"state":"Start"},"eventCategory":"Insight"})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.kind, RecordKind::kInsight);
  r = parse(R"({"awsAccountId":"111122223333","digestStartTime":"2025-11-02T06:00:00Z","digestEndTime":"2025-11-02T07:00:00Z","logFiles":[]})");
  ASSERT_TRUE(r.ok);
  EXPECT_EQ(r.kind, RecordKind::kDigest);
}

// Other AWS services wrap records: EventBridge (an event's "detail"), `aws
// cloudtrail lookup-events` (the string "CloudTrailEvent"), a CloudWatch Logs
// subscription (the string "message" of each log event). Both parsers read the
// record inside, at the wrapper's place in the stream.
std::string json_string(std::string_view text) {
  std::string out;
  append_json_string(out, text);
  return out;
}

std::string eventbridge(const std::string& detail_type, const std::string& detail) {
  return R"({"version":"0","id":"6a7e8feb-b491-4cf7-a9f1-bf3703467718","detail-type":")" + detail_type +
         R"(","source":"aws.iam","account":"229654561268","time":"2024-08-01T13:33:28Z","region":"us-east-1","resources":[],"detail":)" +
         detail + "}";
}

TEST_F(RecordParserTest, AWrappedRecordIsReadAsTheRecordInside) {
  const std::string record = testing::iam_user_record();
  // Non-ASCII text in the record sends the skim to the full parser, which
  // must find the same record.
  std::string accented = record;
  accented.replace(accented.find("stratus-red-team_4f1b2c3d"), 25, "d\xc3\xa9ploiement");
  const std::string lookup_event =
      R"({"EventId":"8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11","EventName":"CreateUser","ReadOnly":"false","EventTime":"2024-08-01T13:33:28+00:00","EventSource":"iam.amazonaws.com","Username":"christophe","Resources":[],"CloudTrailEvent":)";
  const std::string log_event = R"({"id":"37901204856023445902856012","timestamp":1722519208000,"message":)";
  struct Case {
    std::string wrapped, inner;
  } cases[] = {
      {eventbridge("AWS API Call via CloudTrail", record), record},
      {eventbridge("AWS API Call via CloudTrail", accented), accented},
      {lookup_event + json_string(record) + "}", record},
      {lookup_event + json_string(accented) + "}", accented},
      {log_event + json_string(record) + "}", record},
  };
  for (const Case& c : cases) {
    SCOPED_TRACE(c.wrapped.substr(0, 60));
    for (bool skimmed : {false, true}) {
      const ParseOutcome r = skimmed ? skim(c.wrapped) : parse(c.wrapped);
      ASSERT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.kind, RecordKind::kEvent);
      EXPECT_EQ(ev_.event_name, "CreateUser");
      EXPECT_EQ(ev_.time_ms, 1722519208000);
      EXPECT_EQ(ev_.identity.arn, "arn:aws:iam::229654561268:user/christophe");
      EXPECT_EQ(ev_.principal, "arn:aws:iam::229654561268:user/christophe");
      EXPECT_EQ(ev_.raw_json, c.inner) << "what --raw prints and rules read into: the record, not its wrapper";
      EXPECT_EQ(ev_.pos.offset, 100);
      EXPECT_EQ(ev_.pos.record, 7);
      RecordFields fields;
      fields.bind(ev_);
      EXPECT_EQ(fields.first_text("requestParameters.userName"), "malicious-iam-user");
    }
  }
  EXPECT_TRUE(skim(cases[0].wrapped).ok);
  EXPECT_EQ(ev_.dom, nullptr) << "an EventBridge event of plain text is skimmed in place";
  // A record wrapped as a string is unescaped by the full parser, then
  // walked like a bare record rather than parsed a second time; parse()
  // (--validate-json) parses it in full.
  for (const std::size_t i : {2u, 4u}) {
    SCOPED_TRACE(cases[i].wrapped.substr(0, 60));
    ASSERT_TRUE(skim(cases[i].wrapped).ok);
    EXPECT_EQ(ev_.dom, nullptr);
    EXPECT_EQ(ev_.raw_member_count, 18u) << "the record's top-level members, for rules";
    ASSERT_TRUE(parse(cases[i].wrapped).ok);
    EXPECT_NE(ev_.dom, nullptr);
  }
  ASSERT_TRUE(skim(cases[3].wrapped).ok);
  EXPECT_NE(ev_.dom, nullptr) << "non-ASCII text inside: the full parser, as for a bare record";
}

TEST_F(RecordParserTest, WrappedEventsThatAreNoRecordAreSkippedAndBrokenOnesReported) {
  const std::string record = testing::iam_user_record();
  for (const std::string& other : {
           eventbridge("EC2 Instance State-change Notification", R"({"instance-id":"i-0abc","state":"running"})"),
           eventbridge("AWS API Call via CloudTrail", R"("not an object")"),
           std::string(R"({"id":"","timestamp":1762095602000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."})"),
           std::string(R"({"messageType":"CONTROL_MESSAGE","owner":"CloudwatchLogs","logGroup":"","logStream":"","subscriptionFilters":[],"logEvents":[{"id":"","timestamp":1762095602000,"message":"CWL CONTROL MESSAGE: Checking health of destination Firehose."}]})"),
       }) {
    SCOPED_TRACE(other.substr(0, 60));
    for (bool skimmed : {false, true}) {
      const ParseOutcome r = skimmed ? skim(other) : parse(other);
      EXPECT_TRUE(r.ok) << r.error;
      EXPECT_EQ(r.kind, RecordKind::kNotCloudTrail);
      // No record, so no fields (and no parse of text it does not have).
      RecordFields fields;
      fields.bind(ev_);
      EXPECT_EQ(fields.first_text("requestParameters.userName"), "");
    }
  }
  struct Broken {
    std::string wrapped, error;
    bool found_by_full_parse_only = false;
  } broken[] = {
      {R"({"EventId":"x","CloudTrailEvent":42})", R"("CloudTrailEvent" is not a string)"},
      {R"({"EventId":"x","CloudTrailEvent":"{\"eventName\":\"CreateUser\"}"})", R"(in its "CloudTrailEvent": missing "eventTime")"},
      {R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":"})", R"(in its "CloudTrailEvent": invalid JSON)"},
      // Validated in full by parse(), as it validates a record
      // (--validate-json); skimmed like a bare record, whose unread values
      // are checked when a rule reads them (below).
      {R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\",\"requestParameters\":{\"a\":tru}}"})",
       R"(in its "CloudTrailEvent": invalid JSON)", true},
      {eventbridge("AWS API Call via CloudTrail", R"({"eventSource":"iam.amazonaws.com"})"), R"(in its "detail": missing "eventTime")"},
      // A wrapper in a wrapper: no service writes one.
      {eventbridge("AWS API Call via CloudTrail", eventbridge("AWS API Call via CloudTrail", record)),
       R"(in its "detail": missing "eventTime")"},
  };
  for (const Broken& b : broken) {
    SCOPED_TRACE(b.wrapped.substr(0, 60));
    for (bool skimmed : {false, true}) {
      const ParseOutcome r = skimmed ? skim(b.wrapped) : parse(b.wrapped);
      if (skimmed && b.found_by_full_parse_only) {
        ASSERT_TRUE(r.ok) << r.error;
        RecordFields fields;
        fields.bind(ev_);
        EXPECT_EQ(fields.first_text("requestParameters.a"), "");
        EXPECT_NE(fields.error().find("cannot parse record for field lookup"), std::string::npos) << fields.error();
        EXPECT_EQ(fields.located_error().pos.offset, 100) << "the wrapper's place in the stream";
        continue;
      }
      EXPECT_FALSE(r.ok);
      EXPECT_EQ(r.error.rfind(b.error, 0), 0u) << r.error;
      EXPECT_EQ(r.error_offset, 100) << "the wrapper's place in the stream";
    }
  }
  // A record is a record whatever extra keys it has.
  std::string with_message = record;
  with_message.insert(1, R"("message":"hello","detail-type":"x",)");
  ASSERT_TRUE(skim(with_message).ok);
  EXPECT_EQ(ev_.event_name, "CreateUser");
  ASSERT_TRUE(parse(with_message).ok);
  EXPECT_EQ(ev_.event_name, "CreateUser");
}

// skim() reads one whole object; anything else (nothing, a scalar, bytes
// after the object) and a record without room to read past it get the full
// parser's answer.
TEST_F(RecordParserTest, SkimLeavesWhatIsNotOneRecordToTheFullParser) {
  for (const std::string& json : {std::string(), std::string("42"), std::string("[]"), std::string(" {}"),
                                  testing::iam_user_record() + " x", testing::iam_user_record() + "}"}) {
    SCOPED_TRACE(json.substr(0, 40));
    const ParseOutcome want = parse(json);
    const ParseOutcome got = skim(json);
    EXPECT_FALSE(got.ok);
    EXPECT_EQ(got.error, want.error);
    EXPECT_EQ(got.error_offset, want.error_offset);
  }
  const std::string record = testing::iam_user_record();
  ASSERT_TRUE(skim(record).ok);
  EXPECT_EQ(ev_.dom, nullptr) << "skimmed, not parsed into a tree";
  EXPECT_EQ(ev_.pos.record, 7);
  EXPECT_EQ(ev_.pos.offset, 100);
  ASSERT_TRUE(skim(record, 8).ok);
  EXPECT_NE(ev_.dom, nullptr) << "too little padding to index it: the full parser read it";
}

TEST_F(RecordParserTest, ReusedEventIsClearedBetweenRecords) {
  ASSERT_TRUE(parse(testing::iam_user_record()).ok);
  ASSERT_TRUE(parse(R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X"})").ok);
  EXPECT_EQ(ev_.user_agent, "");
  EXPECT_EQ(ev_.identity.arn, "");
  EXPECT_EQ(ev_.dom != nullptr, true);
  RecordFields fields;
  fields.bind(ev_);
  EXPECT_FALSE(fields.exists("requestParameters"));
}

// Everything a parse yields, as owned text, to compare the two parsers.
struct Snapshot {
  bool ok;
  RecordKind kind;
  std::string error, fields;
  std::int64_t record;
  bool operator==(const Snapshot&) const = default;
};

std::ostream& operator<<(std::ostream& os, const Snapshot& s) {
  return os << "record " << s.record << (s.ok ? " ok " : " error ") << s.error << " " << s.fields;
}

Snapshot snapshot(const ParseOutcome& o, const Event& e, std::int64_t record) {
  Snapshot s{o.ok, o.kind, o.error, "", record};
  if (o.ok && o.kind == RecordKind::kEvent) s.fields = event_fields(e);
  return s;
}

// Fields rules read beyond Event's own, whichever way the parser provides them.
std::string other_fields(const Event& e) {
  RecordFields fields;
  fields.bind(e);
  std::string out;
  for (std::string_view path : {"requestParameters", "responseElements", "requestID", "managementEvent", "apiVersion",
                                "REQUESTID", "eventCategory", "sharedEventID", "requestParameters.userName",
                                "resources", "nosuchfield", "errorCode", "additionalEventData"}) {
    out += "|";
    out += path;
    fields.any(path, [&](const FieldValue& v) {
      out += "=" + std::to_string(static_cast<int>(v.kind)) + ":" + std::string(v.text);
      return false;
    });
  }
  EXPECT_FALSE(fields.raw().empty());
  return out;
}

// The whole-document fast path and skim(), with each bitmap kernel this CPU
// runs, against the record-by-record full parser.
void expect_both_parsers_agree(const std::string& document) {
  std::string buffer = document;
  append_text_like_padding(buffer);
  Event ev;
  std::vector<std::vector<Snapshot>> got_by_kernel;
  for (auto kernel : {JsonStructure::Kernel::kPortable, JsonStructure::Kernel::kAvx2, JsonStructure::Kernel::kAvx512}) {
    if (!JsonStructure::available(kernel)) continue;
    RecordParser fast(kernel);
    std::vector<Snapshot>& got = got_by_kernel.emplace_back();
    auto result = fast.parse_native_document(
        std::string_view(buffer.data(), document.size()),
        [&](std::int64_t i, const ParseOutcome& o, Event& e) {
          got.push_back(snapshot(o, e, i));
          if (o.ok && o.kind == RecordKind::kEvent) got.back().fields += other_fields(e);
        },
        &ev);
    ASSERT_TRUE(result.complete) << "kernel " << static_cast<int>(kernel);
  }

  // The full parser record by record, as a stream is read, and beside it
  // skim() on the same views (records of streams), with each kernel.
  MemorySource source(document);
  Decoder decoder(source, UINT64_MAX);
  RecordReader reader(decoder);
  RecordParser full;
  std::vector<std::unique_ptr<RecordParser>> skimmers;
  for (auto kernel : {JsonStructure::Kernel::kPortable, JsonStructure::Kernel::kAvx2, JsonStructure::Kernel::kAvx512}) {
    if (JsonStructure::available(kernel)) skimmers.push_back(std::make_unique<RecordParser>(kernel));
  }
  std::vector<Snapshot> want;
  RecordView view;
  while (reader.next(&view)) {
    ParseOutcome o = full.parse(view, &ev);
    want.push_back(snapshot(o, ev, view.index));
    if (o.ok && o.kind == RecordKind::kEvent) want.back().fields += other_fields(ev);
    for (std::size_t k = 0; k < skimmers.size(); ++k) {
      Event skimmed;
      ParseOutcome so = skimmers[k]->skim(view, &skimmed);
      Snapshot got = snapshot(so, skimmed, view.index);
      if (so.ok && so.kind == RecordKind::kEvent) got.fields += other_fields(skimmed);
      EXPECT_EQ(got, want.back()) << "skim(), kernel " << k;
      EXPECT_EQ(so.error_offset, o.error_offset) << "skim(), kernel " << k << ", record " << view.index;
    }
  }
  ASSERT_TRUE(reader.problems().empty());
  for (const std::vector<Snapshot>& got : got_by_kernel) {
    ASSERT_EQ(got.size(), want.size());
    for (std::size_t i = 0; i < got.size(); ++i) EXPECT_EQ(got[i], want[i]);
  }
}

TEST(NativeDocument, FastPathAgreesWithTheFullParserOnRealRecords) {
  // Stratus Red Team's recorded CloudTrail (testdata/stratus, Apache-2.0), as
  // pretty-printed arrays; wrapped as S3 delivers them, compact and as
  // written (indented: walked too, unless a string needs the full parser).
  int documents = 0;
  simdjson::dom::parser dom;
  for (const auto& entry : std::filesystem::directory_iterator(TRAILSWEEP_SOURCE_DIR "/testdata/stratus")) {
    SCOPED_TRACE(entry.path().filename().string());
    const std::string pretty = testing::gunzip(testing::read_file(entry.path()));
    simdjson::dom::element root;
    ASSERT_FALSE(dom.parse(pretty).get(root));
    expect_both_parsers_agree("{\"Records\":" + simdjson::minify(root) + "}");
    expect_both_parsers_agree("{\"Records\":" + pretty + "}");
    ++documents;
  }
  EXPECT_GT(documents, 20);
}

TEST(NativeDocument, FastPathAgreesWithTheFullParserOnUnusualRecords) {
  std::string spaced = testing::iam_user_record("PutUserPolicy");
  for (std::size_t at = 0; (at = spaced.find("\",\"", at)) != std::string::npos; at += 4) spaced.replace(at, 3, "\" , \"");
  for (std::size_t at = 0; (at = spaced.find("\":", at)) != std::string::npos; at += 4) spaced.replace(at, 2, "\" : ");
  const std::vector<std::string> records = {
      testing::iam_user_record(),
      spaced,  // whitespace between tokens
      testing::indented(testing::iam_user_record("TagUser"), "\r\n\t"),
      "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\",\n\"userAgent\":\"a\tb\"}",
      testing::indented(R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","userAgent":"a\"b"})"),
      R"({"eventName":"RunInstances","eventTime":"2024-01-01T00:00:00.123Z","eventSource":"ec2.amazonaws.com","userAgent":"a\"b\\c\u00e9\ud83d\ude00","userIdentity":{"type":"AssumedRole","principalId":"AROA:s","sessionContext":{"sessionIssuer":{"type":"Role","arn":"arn:aws:iam::1:role/r","userName":"r"},"attributes":{"mfaAuthenticated":true,"creationDate":"2024-01-01T00:00:00Z"}},"accountId":"1"}})",
      "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"userAgent\":\"caf\xc3\xa9\"}",
      "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"s3.amazonaws.com\",\"eventName\":\"GetObject\",\"userAgent\":\"\xff\"}",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":7})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","errorCode":null,"awsRegion":5,"readOnly":"true","userIdentity":"odd"})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","requestParameters":{"a":[1,2,{"b":"}]"}],"c":-1.5e3,"d":null},"readOnly":true})",
      R"({"eventTime":null,"eventSource":"a","eventName":"X"})",
      R"({"eventTime":"yesterday","eventSource":"a","eventName":"X"})",
      R"({})",
      R"({"eventVersion":"1.08","eventTime":"2024-01-01T00:00:00Z","awsRegion":"us-east-1","eventID":"x","eventType":"AwsCloudTrailInsight","recipientAccountId":"1","insightDetails":{"state":"Start"}})",
      R"({"awsAccountId":"111122223333","digestStartTime":"2025-11-02T06:00:00Z","logFiles":[]})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","userIdentity":{"type":"AWSService","invokedBy":"ec2.amazonaws.com"},"recipientAccountId":"9"})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","eventName":"Y"})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","readOnly":tru})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":2016,"requestID":null,"managementEvent":false})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":0123})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":-1.5e+3,"requestParameters":null})",
      // Integers the parser prints otherwise than written (fuzz_record_parser).
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":-0,"requestParameters":{"minSize":-0,"desiredCount":10}})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":18446744073709551615,"requestParameters":{"a":18446744073709551615,"b":-9223372036854775808,"c":"-0"}})",
      R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X","apiVersion":1234567890123456789,"requestParameters":{"a":[-0,1]}})",
      // Wrapped records, and wrappers of no record.
      eventbridge("AWS API Call via CloudTrail", testing::iam_user_record()),
      eventbridge("AWS API Call via CloudTrail", spaced),
      eventbridge("AWS Console Sign In via CloudTrail", R"({"eventTime":"2024-01-01T00:00:00Z","eventSource":"signin.amazonaws.com","eventName":"ConsoleLogin","userAgent":"caf\u00e9"})"),
      eventbridge("EC2 Instance State-change Notification", R"({"instance-id":"i-1","state":"running"})"),
      R"({"detail-type":"AWS API Call via CloudTrail","detail":{"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X"},"detail":"later"})",
      R"({"detail-type":7,"detail":{"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X"}})",
      R"({"detail":{"eventTime":"2024-01-01T00:00:00Z","eventSource":"a","eventName":"X"}})",
      eventbridge("AWS API Call via CloudTrail", eventbridge("AWS API Call via CloudTrail", testing::iam_user_record())),
      R"({"EventId":"x","CloudTrailEvent":)" + json_string(testing::iam_user_record()) + "}",
      R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":1}"})",
      R"({"EventId":"x","CloudTrailEvent":null})",
      R"({"id":"1","timestamp":1,"message":)" + json_string(spaced) + "}",
      R"({"id":"1","timestamp":1,"message":"  plain text"})",
      // Strings with other escapes, repeated and competing wrapper keys.
      R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\/b\",\"eventName\":\"X\",\"userAgent\":\"t\\tq\\\"\\\\\"}"})",
      R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\u00e9\"}"})",
      R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\x\"}"})",
      R"({"EventId":"x","CloudTrailEvent":"{\"eventTime\":\"2024-01-01T00:00:00Z\"}","CloudTrailEvent":7})",
      R"({"EventId":"x","CloudTrailEvent":7,"CloudTrailEvent":)" + json_string(testing::iam_user_record()) + "}",
      R"({"EventId":"caf\u00e9","CloudTrailEvent":)" + json_string(testing::iam_user_record()) + "}",
      "{\"EventId\":\"caf\xc3\xa9\",\"CloudTrailEvent\":" + json_string(testing::iam_user_record()) + "}",
      R"({"id":"1","message":)" + json_string("\n \t" + testing::iam_user_record()) + "}",
      R"({"id":"1","message":"\"quoted\" text"})",
      R"({"id":"1","messageType":"DATA_MESSAGE","message":)" + json_string(testing::iam_user_record()) + "}",
      R"({"id":"1","message":)" + json_string(testing::iam_user_record()) + R"(,"CloudTrailEvent":)" +
          json_string(testing::iam_user_record("DeleteUser")) + "}",
      R"({"detail-type":null,"CloudTrailEvent":)" + json_string(testing::iam_user_record()) + "}",
      R"({"messageType":"CONTROL_MESSAGE","logEvents":[{"id":"","timestamp":1,"message":"CWL CONTROL MESSAGE"}]})",
  };
  std::string document = "{\"Records\":[";
  for (std::size_t i = 0; i < records.size(); ++i) document += (i ? "," : "") + records[i];
  document += "]}";
  expect_both_parsers_agree(document);
}

// Indented records (a `jq .` of a log file, an indenting exporter) are
// walked like compact ones: whitespace between tokens is no reason for the
// full parser, a control character inside a string still is.
TEST(NativeDocument, IndentedRecordsAreWalked) {
  const std::string tab_in_string =
      "{\"eventTime\":\"2024-01-01T00:00:00Z\",\"eventSource\":\"a\",\"eventName\":\"X\",\"userAgent\":\"a\tb\"}";
  const std::string document = "{\n  \"Records\": [\n    " + testing::indented(testing::iam_user_record()) + ",\r\n\t" +
                               testing::indented(testing::iam_user_record("TagUser"), "\r\n\t\t") + ",\n    " +
                               tab_in_string + "\n  ]\n}\n";
  const std::string buffer = document + std::string(kRecordPadding, '\0');
  RecordParser parser;
  Event ev;
  std::vector<bool> walked, ok;
  std::vector<std::string> names;
  const auto result = parser.parse_native_document(
      std::string_view(buffer.data(), document.size()),
      [&](std::int64_t, const ParseOutcome& o, Event& e) {
        ok.push_back(o.ok);
        walked.push_back(e.dom == nullptr);
        names.emplace_back(e.event_name);
        if (o.ok && e.dom == nullptr) {
          EXPECT_EQ(e.raw_member_count, 18u);
        }
      },
      &ev);
  ASSERT_TRUE(result.complete);
  EXPECT_EQ(ok, (std::vector<bool>{true, true, false}));
  EXPECT_EQ(walked[0], true);
  EXPECT_EQ(walked[1], true);
  EXPECT_EQ(names[0], "CreateUser");
  EXPECT_EQ(names[1], "TagUser");
}

TEST(NativeDocument, StopsWhereTheStructureBreaksAndSaysHowFarItGot) {
  const std::string good = testing::iam_user_record();
  struct Case {
    std::string document;
    std::int64_t records_done;
  };
  // An element that is not an object stops it there; a document that never
  // closes is not trusted at all (the careful reader takes it from the start).
  for (const Case& c : {Case{"{\"Records\":[" + good + "," + good + ",42," + good + "]}", 2},
                        Case{"{\"Records\":[" + good + "," + good + "," + good.substr(0, 300), 0}}) {
    std::string buffer = c.document;
    append_text_like_padding(buffer);
    RecordParser parser;
    Event ev;
    std::int64_t delivered = 0;
    auto result = parser.parse_native_document(
        std::string_view(buffer.data(), c.document.size()),
        [&](std::int64_t, const ParseOutcome&, Event&) { ++delivered; }, &ev);
    EXPECT_FALSE(result.complete);
    EXPECT_EQ(result.records_done, c.records_done);
    EXPECT_EQ(delivered, c.records_done);
  }
}

}  // namespace
}  // namespace trailsweep
