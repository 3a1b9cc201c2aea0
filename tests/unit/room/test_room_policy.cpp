// Tests of room_policy.h: reconnect backoff (seeded jitter, growth, cap, reset) and comment-id dedupe.
#include <doctest/doctest.h>

#include <livescope/room/room_policy.h>

#include <vector>

using namespace livescope;

namespace {
std::vector<double> Delays(std::uint64_t seed, int n)
{
    ReconnectBackoff b;
    BackoffInit(b, seed);
    std::vector<double> out;
    for (int i = 0; i < n; i++) out.push_back(BackoffNextDelay(b));
    return out;
}
} // namespace

TEST_SUITE_BEGIN("room/room_policy");

TEST_CASE("the reconnect backoff gives the same delays for the same seed, other delays for another seed")
{
    CHECK(Delays(7, 8) == Delays(7, 8));
    CHECK(Delays(7, 8) != Delays(8, 8));
}

TEST_CASE("each backoff delay lies in its jitter band, growing from the base up to the cap")
{
    ReconnectBackoff b;
    BackoffInit(b, 42);
    double ideal = b.BaseDelay;
    for (int i = 0; i < 20; i++)
    {
        const double d = BackoffNextDelay(b);
        const double capped = ideal < b.MaxDelay ? ideal : b.MaxDelay;
        CHECK(d <= capped + 1e-9);
        CHECK(d >= capped * (1.0 - b.Jitter) - 1e-9);
        ideal *= b.Multiplier;
    }
    CHECK(b.Attempt == 20);
}

TEST_CASE("jitter spreads reconnects of many clients")
{
    // 100 widgets that lost the relay together: their first retries must not all land at once.
    double lo = 1e9, hi = 0.0;
    for (std::uint64_t seed = 1; seed <= 100; seed++)
    {
        const double d = Delays(seed, 1)[0];
        lo = d < lo ? d : lo;
        hi = d > hi ? d : hi;
    }
    CHECK(hi - lo > 0.15); // the band is [0.25, 0.5] s
}

TEST_CASE("a backoff reset starts again from the base delay")
{
    ReconnectBackoff b;
    BackoffInit(b, 3);
    for (int i = 0; i < 10; i++) BackoffNextDelay(b);
    CHECK(BackoffNextDelay(b) > b.BaseDelay);
    BackoffReset(b);
    CHECK(BackoffNextDelay(b) <= b.BaseDelay);
}

TEST_CASE("backoff delays stay finite and positive for huge attempt counts and odd settings")
{
    ReconnectBackoff b;
    BackoffInit(b, 9);
    b.Attempt = 0xFFFFFFF0u;
    b.Multiplier = 1e300;
    b.Jitter = 5.0;
    for (int i = 0; i < 40; i++)
    {
        const double d = BackoffNextDelay(b);
        CHECK(d > 0.0);
        CHECK(d <= b.MaxDelay);
    }
}

TEST_CASE("a comment id is new once, then seen; empty ids are never deduped")
{
    CommentDedupe d;
    CHECK(DedupeInsert(d, "c1"));
    CHECK_FALSE(DedupeInsert(d, "c1"));
    CHECK(DedupeContains(d, "c1"));
    CHECK(DedupeInsert(d, "c2"));
    CHECK(DedupeInsert(d, ""));
    CHECK(DedupeInsert(d, ""));
    CHECK(d.Order.size() == 2);
}

TEST_CASE("beyond the dedupe capacity the oldest ids are forgotten first")
{
    CommentDedupe d;
    d.Capacity = 3;
    for (const char* id : {"a", "b", "c", "d"}) CHECK(DedupeInsert(d, id));
    CHECK_FALSE(DedupeContains(d, "a"));
    CHECK(DedupeContains(d, "b"));
    CHECK(DedupeContains(d, "d"));
    CHECK(d.Seen.size() == 3);
}

TEST_SUITE_END();
