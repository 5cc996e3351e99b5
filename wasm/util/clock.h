// Calendar arithmetic on times the shim passes in; the core never reads a clock of its own.
#pragma once
#include <cstdint>
#include <optional>
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

// Days in a month (1-12) of the proleptic Gregorian calendar.
unsigned days_in_month(int64_t year, unsigned month);
// Days since 1970-01-01 of a real calendar date; nullopt when it is none (month 13, 30 February, day 0).
std::optional<int64_t> days_of_date(int64_t year, unsigned month, unsigned day);
// The UTC day (days since 1970-01-01) that holds a Unix time; floored, so times before 1970 land right too.
int64_t day_of(int64_t unix_seconds);

// "2026-11-22T07:11:23.000Z" from Unix milliseconds.
std::string iso8601(int64_t unix_ms);

}  // namespace upgate::clock
