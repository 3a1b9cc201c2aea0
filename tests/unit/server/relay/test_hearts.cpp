// Unit tests for heart aggregation windows.
#include <doctest/doctest.h>

#include <livescope/server/relay/hearts.h>

using namespace livescope;

TEST_SUITE_BEGIN("relay/hearts");

TEST_CASE("taps in one window are summed per colour in first-seen order")
{
    HeartAggregator agg(1000);
    agg.Add("#e85d75", 3);
    agg.Add("#4cc9f0", 1);
    agg.Add("#e85d75", 2);
    CHECK(agg.Pending() == 6);
    const auto w = agg.Flush(1200);
    REQUIRE(w.has_value());
    CHECK(w->WindowMs == 200);
    REQUIRE(w->Counts.size() == 2);
    CHECK(w->Counts[0] == HeartCount{"#e85d75", 5});
    CHECK(w->Counts[1] == HeartCount{"#4cc9f0", 1});
    CHECK(agg.Pending() == 0);
}

TEST_CASE("an empty window yields nothing but still moves the window start")
{
    HeartAggregator agg(0);
    CHECK_FALSE(agg.Flush(200).has_value());
    agg.Add("#90be6d", 4);
    agg.Add("#90be6d", 0);  // ignored
    agg.Add("#90be6d", -3); // ignored
    const auto w = agg.Flush(400);
    REQUIRE(w.has_value());
    CHECK(w->WindowMs == 200);
    CHECK(w->Counts == std::vector<HeartCount>{{"#90be6d", 4}});
}

TEST_CASE("a late tick gives a longer window and taps are never lost between windows")
{
    HeartAggregator agg(0);
    agg.Add("#f9c74f", 1);
    CHECK(agg.Flush(200)->WindowMs == 200);
    agg.Add("#f9c74f", 7);
    const auto w = agg.Flush(650);
    REQUIRE(w.has_value());
    CHECK(w->WindowMs == 450);
    CHECK(w->Counts[0].Count == 7);
}

TEST_CASE("colours beyond the window's cap fold into the last entry")
{
    HeartAggregator agg(0);
    for (int i = 0; i < 100; i++)
    {
        char color[8];
        std::snprintf(color, sizeof(color), "#%06x", i);
        agg.Add(color, 1);
    }
    const auto w = agg.Flush(200);
    REQUIRE(w.has_value());
    CHECK(w->Counts.size() == HeartAggregator::MaxColors);
    int64_t total = 0;
    for (const auto& c : w->Counts)
        total += c.Count;
    CHECK(total == 100);
}

TEST_SUITE_END();
