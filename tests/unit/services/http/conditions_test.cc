#include "../../../../apps/services/http/conditions.h"

#include <gtest/gtest.h>

#include <array>
#include <string>

#include "../../../../apps/services/http/date_cache.h"
#include "../../../../apps/services/http/file_store.h"

namespace portway::services::http {
namespace {

using Kind = RangeAnswer::Kind;

TEST(HttpRange, SingleRangesOfEveryForm) {
    RangeAnswer a = evaluate_range("bytes=0-9", 100);
    EXPECT_EQ(a.kind, Kind::partial);
    EXPECT_EQ(a.range.first, 0u);
    EXPECT_EQ(a.range.last, 9u);
    a = evaluate_range("bytes=90-", 100);  // to the end
    EXPECT_EQ(a.kind, Kind::partial);
    EXPECT_EQ(a.range.first, 90u);
    EXPECT_EQ(a.range.last, 99u);
    a = evaluate_range("bytes=-10", 100);  // the last 10
    EXPECT_EQ(a.kind, Kind::partial);
    EXPECT_EQ(a.range.first, 90u);
    EXPECT_EQ(a.range.length(), 10u);
    a = evaluate_range("bytes=-1000", 100);  // more than there is: all of it
    EXPECT_EQ(a.range.first, 0u);
    EXPECT_EQ(a.range.last, 99u);
    a = evaluate_range("bytes=50-1000", 100);  // last-pos clamped (RFC 9110 §14.1.2)
    EXPECT_EQ(a.range.last, 99u);
    a = evaluate_range("Bytes=1-1", 100);  // the unit is case-insensitive
    EXPECT_EQ(a.kind, Kind::partial);
    EXPECT_EQ(a.range.length(), 1u);
}

TEST(HttpRange, Unsatisfiable) {
    EXPECT_EQ(evaluate_range("bytes=100-", 100).kind, Kind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=200-300", 100).kind, Kind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=-0", 100).kind, Kind::unsatisfiable);
    EXPECT_EQ(evaluate_range("bytes=0-", 0).kind, Kind::unsatisfiable);
}

TEST(HttpRange, IgnoredWhenInvalidOrSeveral) {
    EXPECT_EQ(evaluate_range("bytes=0-1,5-6", 100).kind, Kind::full);
    EXPECT_EQ(evaluate_range("bytes=5-1", 100).kind, Kind::full);
    EXPECT_EQ(evaluate_range("bytes=a-b", 100).kind, Kind::full);
    EXPECT_EQ(evaluate_range("bytes=", 100).kind, Kind::full);
    EXPECT_EQ(evaluate_range("items=0-1", 100).kind, Kind::full);
    EXPECT_EQ(evaluate_range("bytes=99999999999999999999-", 100).kind, Kind::full);
}

TEST(HttpConditional, IfNoneMatch) {
    const std::string etag = "\"abc-3\"";
    EXPECT_TRUE(none_match_fails("\"abc-3\"", etag));
    EXPECT_TRUE(none_match_fails("*", etag));
    EXPECT_TRUE(none_match_fails("\"x\", \"abc-3\"", etag));
    EXPECT_TRUE(none_match_fails("W/\"abc-3\"", etag));  // weak comparison (RFC 9110 §13.1.2)
    EXPECT_FALSE(none_match_fails("\"abc-4\"", etag));
    EXPECT_FALSE(none_match_fails("\"x\",\"y\"", etag));
}

TEST(HttpConditional, IfRangeIsAStrongComparison) {
    const std::string etag = "\"abc-3\"";
    EXPECT_TRUE(if_range_holds("", etag));
    EXPECT_TRUE(if_range_holds("\"abc-3\"", etag));
    EXPECT_FALSE(if_range_holds("W/\"abc-3\"", etag));
    EXPECT_FALSE(if_range_holds("\"other\"", etag));
    EXPECT_FALSE(if_range_holds("Sun, 06 Nov 1994 08:49:37 GMT", etag));
}

TEST(HttpDate, ImfFixdate) {
    std::array<char, kImfFixdateLength> out{};
    format_imf_fixdate(784111777, out);  // RFC 9110 §5.6.7's example
    EXPECT_EQ(std::string(out.data(), out.size()), "Sun, 06 Nov 1994 08:49:37 GMT");
    format_imf_fixdate(0, out);
    EXPECT_EQ(std::string(out.data(), out.size()), "Thu, 01 Jan 1970 00:00:00 GMT");
    format_imf_fixdate(951782400, out);  // a leap day
    EXPECT_EQ(std::string(out.data(), out.size()), "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(HttpDate, CachedPerSecondOnTheEnginesClock) {
    DateCache dates;
    dates.anchor(784111777LL * 1'000'000'000, TimePoint(5'000'000'000));
    const std::string_view a = dates.at(TimePoint(5'000'000'000));
    EXPECT_EQ(a, "Sun, 06 Nov 1994 08:49:37 GMT");
    const char* text = a.data();
    EXPECT_EQ(dates.at(TimePoint(5'999'999'999)).data(), text);  // the same buffer
    EXPECT_EQ(dates.at(TimePoint(5'999'999'999)), "Sun, 06 Nov 1994 08:49:37 GMT");
    EXPECT_EQ(dates.at(TimePoint(6'000'000'000)), "Sun, 06 Nov 1994 08:49:38 GMT");
    EXPECT_EQ(dates.at(TimePoint(5'000'000'000 + 3600'000'000'000)),
              "Sun, 06 Nov 1994 09:49:37 GMT");
}

TEST(HttpFileStore, ContentTypesEtagsAndIndexes) {
    auto store = FileStore::from_files({{"/index.html", "<h1>hi</h1>"},
                                        {"/css/site.css", "a{}"},
                                        {"/docs/index.html", "d"},
                                        {"/blob", "x"},
                                        {"/IMG.PNG", "p"}});
    ASSERT_NE(store->find("/"), nullptr);
    EXPECT_EQ(store->find("/"), store->find("/index.html"));
    EXPECT_EQ(store->find("/docs/"), store->find("/docs/index.html"));
    EXPECT_EQ(store->find("/index.html")->content_type, "text/html; charset=utf-8");
    EXPECT_EQ(store->find("/css/site.css")->content_type, "text/css; charset=utf-8");
    EXPECT_EQ(store->find("/blob")->content_type, "application/octet-stream");
    EXPECT_EQ(store->find("/IMG.PNG")->content_type, "image/png");
    EXPECT_EQ(store->find("/nope"), nullptr);
    const std::string& etag = store->find("/index.html")->etag;
    EXPECT_EQ(etag.front(), '"');
    EXPECT_EQ(etag.back(), '"');
    EXPECT_NE(etag, store->find("/blob")->etag);
    EXPECT_EQ(etag, FileStore::etag_for(store->find("/index.html")->bytes));
}

TEST(HttpFileStore, AnUnreadableRootIsAnError) {
    const auto missing = FileStore::load("/nonexistent/portway-site");
    ASSERT_FALSE(missing);
    EXPECT_NE(missing.error().find("/nonexistent/portway-site"), std::string::npos);
    const auto file = FileStore::load("/etc/hostname");
    ASSERT_FALSE(file);
    EXPECT_NE(file.error().find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace portway::services::http
