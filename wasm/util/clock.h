// Calendar arithmetic on times the shim passes in; the core never reads a clock of its own.
#pragma once
#include <cstdint>
#include <string>

namespace upgate::clock {

struct CivilDate {
  int64_t year;
  unsigned month;
  unsigned day;
};

// Howard Hinnant's days_from_civil / civil_from_days: exact for the proleptic Gregorian calendar.
int64_t days_from_civil(int64_t year, unsigned month, unsigned day);
CivilDate civil_from_days(int64_t days);

// "2026-11-22T07:11:23.000Z" from Unix milliseconds.
std::string iso8601(int64_t unix_ms);

}  // namespace upgate::clock
