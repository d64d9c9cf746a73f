#pragma once
// The exit contract of the trailsweep binary. Pipelines depend on these values;
// they are listed in --help and in the README. Never renumber.
namespace trailsweep {

enum ExitStatus : int {
  kExitClean = 0,            ///< nothing at or above --fail-on, all input read
  kExitFindings = 1,         ///< findings at or above --fail-on (wins over input errors)
  kExitUsage = 2,            ///< bad command line, unreadable rules
  kExitInputIncomplete = 3,  ///< no such findings, but some input could not be read
  kExitInterrupted = 130,    ///< stopped by SIGINT/SIGTERM
};

}  // namespace trailsweep
