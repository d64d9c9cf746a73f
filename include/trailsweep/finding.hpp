#pragma once
// Finding: what trailsweep reports. One per (single-event rule, account,
// principal), or one per episode of a correlation rule (a sequence, a flood).
// Hit: one event that matched a detection rule, with everything a finding
// needs later, copied out of the event (whose buffers are gone by then).
#include <compare>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <tuple>
#include <utility>
#include <vector>

#include "trailsweep/event_id.hpp"
#include "trailsweep/hit_values.hpp"
#include "trailsweep/rule.hpp"
#include "trailsweep/shared_text.hpp"
#include "trailsweep/value_set.hpp"

namespace trailsweep {

/// What a hit says about its actor and its call, as set one by one (tests,
/// hand-built hits); the detector interns them as a row.
struct HitTexts {
  std::string_view event_name{}, region{}, source_ip{}, user_agent{}, error_code{};
  std::string_view account{}, principal{}, access_key_id{}, session_issuer{};
};

// Its texts are shared through the detector's tables where they repeat: up
// to --max-correlation-hits (a million) are kept, and a context rule that
// matches routine calls (RunInstances by a CI role) fills that. As
// std::strings a hit was ~1.3 KB (1.3 GB at the cap); the flags of its
// captured values as a vector<bool>, and its values, resources and links as
// three vectors made it 248 bytes before its texts, 136 with its eventID in
// 16 bytes, now 96: the texts that come together are one row each, one for
// the actor (account, principal, access key, session issuer: one per
// session, nearly always) and one for the call (event name, region, error
// code: a few hundred kinds). Source IP and user agent stay texts of their
// own: one row of all nine was one block per hit where a session's calls
// come from many addresses (2.6x the memory on such a million).
struct Hit {
  enum IdentityText : std::size_t { kAccount, kPrincipal, kAccessKeyId, kSessionIssuer, kIdentityTexts };
  enum CallText : std::size_t { kEventName, kRegion, kErrorCode, kCallTexts };
  using IdentityRow = TextRow<kIdentityTexts>;
  using CallRow = TextRow<kCallTexts>;
  std::int64_t time_ms = 0;
  std::int64_t record = -1, offset = -1;
  EventId event_id;
  IdentityRow identity;
  CallRow call;
  SharedText source_ip_text, user_agent_text;
  SharedText file;
  HitValues values;
  int rule = -1;  ///< detection rule index in the RuleSet
  /// Bit k: captured()[k] was present. Past the 16th capture (no real rule
  /// set comes near: a rule captures the group-by and counted fields of the
  /// correlations that use it) a value is present when it is not "".
  std::uint16_t captured_mask = 0;
  bool service_call = false;
  bool global_service = false;  ///< an IAM call: what it names has no region

  static constexpr std::size_t kMaskedCaptures = 16;
  std::string_view event_name() const { return call[kEventName]; }
  std::string_view region() const { return call[kRegion]; }
  std::string_view error_code() const { return call[kErrorCode]; }
  std::string_view source_ip() const { return source_ip_text; }
  std::string_view user_agent() const { return user_agent_text; }
  std::string_view account() const { return identity[kAccount]; }
  std::string_view principal() const { return identity[kPrincipal]; }
  std::string_view access_key_id() const { return identity[kAccessKeyId]; }
  std::string_view session_issuer() const { return identity[kSessionIssuer]; }
  /// Rows of its own (the detector interns them instead).
  void set_texts(const HitTexts& t);
  /// Values of RuleSet::capture_fields(rule), same order; "" when missing.
  std::span<const SharedText> captured() const { return values.captured(); }
  bool has_captured(std::size_t k) const {
    return k < kMaskedCaptures ? ((captured_mask >> k) & 1U) != 0 : !captured()[k].empty();
  }
  std::span<const TypedId> resources() const { return values.resources(); }
  std::span<const TypedId> links() const { return values.links(); }
  /// `present`: which of `captured` were found (bit k for the k-th, up to 16).
  void set_values(std::span<const SharedText> captured, std::uint64_t present, std::span<TypedId> resources,
                  std::span<TypedId> links);
  /// Sets the resources and links, keeping the captured values.
  void set_named(std::vector<TypedId> resources, std::vector<TypedId> links);
};
static_assert(sizeof(void*) != 8 || sizeof(Hit) <= 96, "a million hits are kept: mind their size");

/// Orders hits by time, then by content, never by arrival: results do not
/// depend on file order or thread scheduling.
bool hit_before(const Hit& a, const Hit& b);

/// The region a resource named by the hit lives in: "" for IAM's, which are global.
std::string resource_region(const Hit& h);

// Every text is a SharedText, one pointer: a kept actor holds up to
// --max-evidence of these (in every worker, before the evidence board), and with long-lived sessions
// (tests/bench/make_long_sessions.py) they were most of a scan's memory as
// std::strings (~330 bytes a record; 96 and a 48-byte block for the event id
// as a SharedText; 104 with the id a UUID's 16 bytes; 88 with the call's
// three texts one row).
// Most texts repeat (file, user agent, event name, region, source IP, rule)
// and then share one block.
struct Evidence {
  std::int64_t time_ms = 0;
  EventId event_id;  // 16 bytes for a UUID (a SharedText and its 48-byte block were 56)
  // The event name, region and error code as one row (88 bytes a record, 104
  // as three texts): the hit's own row when it came from one, else shared
  // with the actor's other records of that kind of call.
  Hit::CallRow call;
  SharedText source_ip, user_agent;
  SharedText file;
  std::int64_t record = -1, offset = -1;
  SharedText rule;  ///< the detection rule that matched it
  int stage = -1;   ///< index into Finding::stages, -1 for single-event findings and context
  std::string_view event_name() const { return call[Hit::kEventName]; }
  std::string_view region() const { return call[Hit::kRegion]; }
  std::string_view error_code() const { return call[Hit::kErrorCode]; }
  /// A row of its own (records built by hand; the detector shares rows).
  void set_call(std::string_view event_name, std::string_view region, std::string_view error_code);
};
static_assert(sizeof(void*) != 8 || sizeof(Evidence) <= 88, "a kept actor holds --max-evidence of these");

/// One stage of a sequence: a referenced rule and what it contributed.
struct Stage {
  std::string rule_id, name, title;
  std::uint64_t count = 0;
  std::int64_t first_ms = 0, last_ms = 0;
};

struct Resource {
  std::string type, id;
  std::string region;  ///< where the call that named it was made ("" for global services)
  bool operator<(const Resource& o) const {
    return std::tie(type, id, region) < std::tie(o.type, o.id, o.region);
  }
  bool operator==(const Resource& o) const { return type == o.type && id == o.id && region == o.region; }
};

struct Finding {
  int rule = -1;
  std::string rule_id, rule_name, title, kind;
  Level level = Level::kMedium;
  std::vector<std::string> tags;
  std::string account, principal, access_key_id, session_issuer;
  std::int64_t first_ms = 0, last_ms = 0;
  std::int64_t detectable_ms = 0;  ///< when the correlation's condition first held
  std::uint64_t event_count = 0;
  ValueSet regions, source_ips, user_agents;  ///< distinct, smallest first
  std::vector<std::pair<std::string, std::string>> group;  ///< group-by field -> value
  std::vector<Stage> stages;
  std::vector<Evidence> evidence;
  std::uint64_t evidence_omitted = 0;
  std::vector<EventId> event_ids;  ///< of the evidence kept
  std::vector<Resource> resources;     ///< sorted by type, then id
  std::vector<std::string> iocs;       ///< indicators of compromise seen with it
  std::vector<std::string> remediation;
};

/// Calls fn(run) for each run of `resources` of one type, in order (a
/// finding keeps them sorted by type): what every report lists as a type,
/// its count and some ids.
template <typename Fn>
void for_each_resource_type(const std::vector<Resource>& resources, Fn&& fn) {
  for (std::size_t i = 0; i < resources.size();) {
    std::size_t j = i;
    while (j < resources.size() && resources[j].type == resources[i].type) ++j;
    fn(std::span<const Resource>(resources.data() + i, j - i));
    i = j;
  }
}

/// A finding of `rule` (index `index` in its RuleSet) with the rule's fields filled in.
Finding finding_for_rule(const Rule& rule, int index);

/// Severity (highest first), then first seen, then principal, then rule.
bool finding_before(const Finding& a, const Finding& b);

Evidence evidence_of(const Hit& h, const std::string& rule_name);

/// The same order as hit_before, for evidence kept without its Hit.
bool evidence_before(const Evidence& a, const Evidence& b);

}  // namespace trailsweep
