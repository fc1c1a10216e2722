#include "date_cache.h"

#include <span>

namespace portway::services::http {

namespace {

void two_digits(char* out, unsigned v) {
    out[0] = static_cast<char>('0' + v / 10 % 10);
    out[1] = static_cast<char>('0' + v % 10);
}

}  // namespace

void format_imf_fixdate(int64_t unix_seconds, std::span<char, kImfFixdateLength> out) {
    static constexpr char kDays[] = "ThuFriSatSunMonTueWed";  // 1970-01-01 was a Thursday
    static constexpr char kMonths[] = "JanFebMarAprMayJunJulAugSepOctNovDec";
    int64_t days = unix_seconds >= 0 ? unix_seconds / 86400 : (unix_seconds - 86399) / 86400;
    const auto secs = static_cast<unsigned>(unix_seconds - days * 86400);
    const auto weekday = static_cast<unsigned>(((days % 7) + 7) % 7);
    // Howard Hinnant's civil_from_days: the proleptic Gregorian calendar.
    days += 719468;
    const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
    const auto doe = static_cast<unsigned>(days - era * 146097);
    const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    const unsigned mp = (5 * doy + 2) / 153;
    const unsigned day = doy - (153 * mp + 2) / 5 + 1;
    const unsigned month = mp < 10 ? mp + 3 : mp - 9;
    const auto year = static_cast<unsigned>(static_cast<int64_t>(yoe) + era * 400 + (month <= 2));
    char* p = out.data();
    for (int i = 0; i < 3; ++i)
        p[i] = kDays[weekday * 3 + static_cast<unsigned>(i)];
    p[3] = ',';
    p[4] = ' ';
    two_digits(p + 5, day);
    p[7] = ' ';
    for (int i = 0; i < 3; ++i)
        p[8 + i] = kMonths[(month - 1) * 3 + static_cast<unsigned>(i)];
    p[11] = ' ';
    two_digits(p + 12, year / 100);
    two_digits(p + 14, year % 100);
    p[16] = ' ';
    two_digits(p + 17, secs / 3600);
    p[19] = ':';
    two_digits(p + 20, secs / 60 % 60);
    p[22] = ':';
    two_digits(p + 23, secs % 60);
    p[25] = ' ';
    p[26] = 'G';
    p[27] = 'M';
    p[28] = 'T';
}

}  // namespace portway::services::http
