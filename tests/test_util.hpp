#pragma once
// Helpers shared by the tests: gzip in memory, temporary directories, running
// the real binary.
#include <zlib.h>

#include <array>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <random>
#include <stdexcept>
#include <string>
#include <sys/wait.h>

namespace trailsweep::testing {

inline std::string gzip_bytes(const std::string& data) {
  z_stream s{};
  if (deflateInit2(&s, 6, Z_DEFLATED, 16 + MAX_WBITS, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw std::runtime_error("deflateInit2");
  }
  std::string out(deflateBound(&s, data.size()) + 32, '\0');
  s.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  s.avail_in = static_cast<uInt>(data.size());
  s.next_out = reinterpret_cast<Bytef*>(out.data());
  s.avail_out = static_cast<uInt>(out.size());
  deflate(&s, Z_FINISH);
  out.resize(s.total_out);
  deflateEnd(&s);
  return out;
}

inline std::string read_file(const std::filesystem::path& p) {
  std::ifstream f(p, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(f), {});
}

inline void write_file(const std::filesystem::path& p, const std::string& data) {
  std::filesystem::create_directories(p.parent_path());
  std::ofstream f(p, std::ios::binary);
  f << data;
}

/// A fresh directory under the system temp dir, removed at destruction.
class TempDir {
 public:
  TempDir() {
    std::random_device rd;
    path_ = std::filesystem::temp_directory_path() /
            ("trailsweep-test-" + std::to_string(rd()) + std::to_string(rd()));
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct CommandResult {
  int exit_code = -1;
  std::string out;  ///< stdout
  std::string err;  ///< stderr
};

/// Runs `args` (already shell-quoted) with the real trailsweep binary from the
/// source directory, capturing stdout and stderr.
inline CommandResult run_trailsweep(const std::string& args) {
  TempDir tmp;
  auto out = tmp.path() / "out", err = tmp.path() / "err";
  std::string cmd = std::string("cd '") + TRAILSWEEP_SOURCE_DIR + "' && '" + TRAILSWEEP_BINARY +
                    "' " + args + " >'" + out.string() + "' 2>'" + err.string() + "' </dev/null";
  int status = std::system(cmd.c_str());
  CommandResult r;
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  r.out = read_file(out);
  r.err = read_file(err);
  return r;
}

/// Real record shapes (IAMUser identity from Stratus Red Team's
/// aws.persistence.iam-create-admin-user.json, native key order).
inline std::string iam_user_record(const std::string& event_name = "CreateUser",
                                   const std::string& time = "2024-08-01T13:33:28Z",
                                   const std::string& event_id = "8c1b2f5e-0e0f-4a8a-9b3b-2f6e8c1d0a11") {
  return R"({"eventVersion":"1.09","userIdentity":{"type":"IAMUser","principalId":"AIDAZ49AHUAJ9OEK73O5","arn":"arn:aws:iam::229654561268:user/christophe","accountId":"229654561268","accessKeyId":"AKIAOZUDECYXYM4ONAN4","userName":"christophe"},"eventTime":")" +
         time + R"(","eventSource":"iam.amazonaws.com","eventName":")" + event_name +
         R"(","awsRegion":"us-east-1","sourceIPAddress":"06.237.252.245","userAgent":"stratus-red-team_4f1b2c3d","requestParameters":{"userName":"malicious-iam-user","tags":[{"key":"StratusRedTeam","value":"true"}]},"responseElements":{"user":{"path":"/","userName":"malicious-iam-user","userId":"AIDAL1XMLVWIUOK8KAF0","arn":"arn:aws:iam::229654561268:user/malicious-iam-user","createDate":"Aug 1, 2024 1:33:28 PM"}},"requestID":"7a4d1c7e-5b1f-4e49-9d52-1c0f0e6c2f3a","eventID":")" +
         event_id +
         R"(","readOnly":false,"eventType":"AwsApiCall","managementEvent":true,"recipientAccountId":"229654561268","eventCategory":"Management","tlsDetails":{"tlsVersion":"TLSv1.3","cipherSuite":"TLS_AES_128_GCM_SHA256","clientProvidedHostHeader":"iam.amazonaws.com"}})";
}

}  // namespace trailsweep::testing
