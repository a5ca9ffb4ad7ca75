#include "json/time_format.h"

namespace grpcgw::json_internal {
namespace {

constexpr int64_t kSecondsPerDay = 86400;

// Days since 1970-01-01 of a proleptic Gregorian date. Counts in 400-year
// eras (146097 days each) starting on March 1st, so that the leap day is the
// last day of a year.
int64_t DaysFromCivil(int64_t year, int month, int day) {
  year -= month <= 2 ? 1 : 0;
  const int64_t era = (year >= 0 ? year : year - 399) / 400;
  const int64_t year_of_era = year - era * 400;                        // [0, 399]
  const int64_t shifted_month = month > 2 ? month - 3 : month + 9;     // March = 0
  const int64_t day_of_year = (153 * shifted_month + 2) / 5 + day - 1;  // [0, 365]
  const int64_t day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
  return era * 146097 + day_of_era - 719468;  // 719468: days from 0000-03-01 to 1970-01-01
}

// The inverse of DaysFromCivil.
void CivilFromDays(int64_t days, int64_t* year, int* month, int* day) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const int64_t day_of_era = days - era * 146097;  // [0, 146096]
  const int64_t year_of_era =
      (day_of_era - day_of_era / 1460 + day_of_era / 36524 - day_of_era / 146096) / 365;
  const int64_t day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
  const int64_t shifted_month = (5 * day_of_year + 2) / 153;
  *day = static_cast<int>(day_of_year - (153 * shifted_month + 2) / 5 + 1);
  *month = static_cast<int>(shifted_month < 10 ? shifted_month + 3 : shifted_month - 9);
  *year = year_of_era + era * 400 + (*month <= 2 ? 1 : 0);
}

bool IsLeapYear(int64_t year) { return year % 4 == 0 && (year % 100 != 0 || year % 400 == 0); }

int DaysInMonth(int64_t year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && IsLeapYear(year) ? 29 : kDays[month - 1];
}

// Writes `value` as exactly `width` digits (zero-padded); returns the end.
char* WriteDigits(int64_t value, int width, char* out) {
  for (int i = width - 1; i >= 0; --i) {
    out[i] = static_cast<char>('0' + value % 10);
    value /= 10;
  }
  return out + width;
}

// Writes ".fff", ".ffffff" or ".fffffffff" (nothing for 0): the shortest of
// the three that holds `nanos` exactly. Returns the end.
char* WriteNanos(int32_t nanos, char* out) {
  if (nanos == 0) return out;
  *out++ = '.';
  if (nanos % 1000000 == 0) return WriteDigits(nanos / 1000000, 3, out);
  if (nanos % 1000 == 0) return WriteDigits(nanos / 1000, 6, out);
  return WriteDigits(nanos, 9, out);
}

// Reads exactly `width` digits at text[*pos].
bool ReadDigits(std::string_view text, size_t* pos, int width, int64_t* value) {
  if (*pos + static_cast<size_t>(width) > text.size()) return false;
  int64_t v = 0;
  for (int i = 0; i < width; ++i) {
    char c = text[*pos + static_cast<size_t>(i)];
    if (c < '0' || c > '9') return false;
    v = v * 10 + (c - '0');
  }
  *pos += static_cast<size_t>(width);
  *value = v;
  return true;
}

bool Expect(std::string_view text, size_t* pos, char c) {
  if (*pos >= text.size() || text[*pos] != c) return false;
  ++*pos;
  return true;
}

// Reads "." followed by 1 to 9 digits, if present, as nanoseconds.
bool ReadFraction(std::string_view text, size_t* pos, int32_t* nanos) {
  *nanos = 0;
  if (*pos >= text.size() || text[*pos] != '.') return true;
  ++*pos;
  int digits = 0;
  int32_t value = 0;
  while (*pos < text.size() && text[*pos] >= '0' && text[*pos] <= '9') {
    if (++digits > 9) return false;
    value = value * 10 + (text[*pos] - '0');
    ++*pos;
  }
  if (digits == 0) return false;
  for (int i = digits; i < 9; ++i) value *= 10;
  *nanos = value;
  return true;
}

}  // namespace

size_t FormatTimestamp(int64_t seconds, int32_t nanos, char* out) {
  if (seconds < kTimestampMinSeconds || seconds > kTimestampMaxSeconds) return 0;
  if (nanos < 0 || nanos > 999999999) return 0;
  int64_t days = seconds / kSecondsPerDay;
  int64_t second_of_day = seconds % kSecondsPerDay;
  if (second_of_day < 0) {
    second_of_day += kSecondsPerDay;
    --days;
  }
  int64_t year;
  int month, day;
  CivilFromDays(days, &year, &month, &day);
  char* p = WriteDigits(year, 4, out);
  *p++ = '-';
  p = WriteDigits(month, 2, p);
  *p++ = '-';
  p = WriteDigits(day, 2, p);
  *p++ = 'T';
  p = WriteDigits(second_of_day / 3600, 2, p);
  *p++ = ':';
  p = WriteDigits(second_of_day / 60 % 60, 2, p);
  *p++ = ':';
  p = WriteDigits(second_of_day % 60, 2, p);
  p = WriteNanos(nanos, p);
  *p++ = 'Z';
  return static_cast<size_t>(p - out);
}

bool ParseTimestamp(std::string_view text, int64_t* seconds, int32_t* nanos) {
  size_t pos = 0;
  int64_t year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
  if (!ReadDigits(text, &pos, 4, &year) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &month) || !Expect(text, &pos, '-') ||
      !ReadDigits(text, &pos, 2, &day) || !Expect(text, &pos, 'T') ||
      !ReadDigits(text, &pos, 2, &hour) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &minute) || !Expect(text, &pos, ':') ||
      !ReadDigits(text, &pos, 2, &second) || !ReadFraction(text, &pos, nanos)) {
    return false;
  }
  if (year < 1 || month < 1 || month > 12 || day < 1 ||
      day > DaysInMonth(year, static_cast<int>(month)) || hour > 23 || minute > 59 ||
      second > 59) {
    return false;
  }
  int64_t offset = 0;
  if (pos < text.size() && text[pos] == 'Z') {
    ++pos;
  } else if (pos < text.size() && (text[pos] == '+' || text[pos] == '-')) {
    bool negative = text[pos++] == '-';
    int64_t offset_hours = 0, offset_minutes = 0;
    if (!ReadDigits(text, &pos, 2, &offset_hours) || !Expect(text, &pos, ':') ||
        !ReadDigits(text, &pos, 2, &offset_minutes) || offset_hours > 23 || offset_minutes > 59) {
      return false;
    }
    offset = (offset_hours * 60 + offset_minutes) * 60;
    if (negative) offset = -offset;
  } else {
    return false;
  }
  if (pos != text.size()) return false;
  int64_t value = DaysFromCivil(year, static_cast<int>(month), static_cast<int>(day)) *
                      kSecondsPerDay +
                  hour * 3600 + minute * 60 + second - offset;
  if (value < kTimestampMinSeconds || value > kTimestampMaxSeconds) return false;
  *seconds = value;
  return true;
}

size_t FormatDuration(int64_t seconds, int32_t nanos, char* out) {
  if (seconds < -kDurationMaxSeconds || seconds > kDurationMaxSeconds) return 0;
  if (nanos < -999999999 || nanos > 999999999) return 0;
  if ((seconds < 0 && nanos > 0) || (seconds > 0 && nanos < 0)) return 0;
  char* p = out;
  if (seconds < 0 || nanos < 0) {
    *p++ = '-';
    seconds = -seconds;
    nanos = -nanos;
  }
  char buf[24];
  int n = 0;
  do {
    buf[n++] = static_cast<char>('0' + seconds % 10);
    seconds /= 10;
  } while (seconds > 0);
  while (n > 0) *p++ = buf[--n];
  p = WriteNanos(nanos, p);
  *p++ = 's';
  return static_cast<size_t>(p - out);
}

bool ParseDuration(std::string_view text, int64_t* seconds, int32_t* nanos) {
  size_t pos = 0;
  bool negative = pos < text.size() && text[pos] == '-';
  if (negative) ++pos;
  size_t start = pos;
  int64_t value = 0;
  while (pos < text.size() && text[pos] >= '0' && text[pos] <= '9') {
    value = value * 10 + (text[pos] - '0');
    if (value > kDurationMaxSeconds) return false;
    ++pos;
  }
  if (pos == start) return false;
  int32_t fraction = 0;
  if (!ReadFraction(text, &pos, &fraction)) return false;
  if (!Expect(text, &pos, 's') || pos != text.size()) return false;
  *seconds = negative ? -value : value;
  *nanos = negative ? -fraction : fraction;
  return true;
}

}  // namespace grpcgw::json_internal
