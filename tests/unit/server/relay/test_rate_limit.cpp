// Unit tests for the token-bucket rate limiter (injected clock).
#include <doctest/doctest.h>

#include <livescope/server/relay/rate_limit.h>

using namespace livescope;

TEST_SUITE_BEGIN("relay/rate_limit");

TEST_CASE("a comment bucket allows a burst of 3 then one per second")
{
    TokenBucket b(1.0, 3.0);
    CHECK(b.TryTake(0));
    CHECK(b.TryTake(0));
    CHECK(b.TryTake(0));
    CHECK_FALSE(b.TryTake(0));
    CHECK_FALSE(b.TryTake(999));
    CHECK(b.TryTake(1000));
    CHECK_FALSE(b.TryTake(1500));
    CHECK(b.TryTake(2000));
}

TEST_CASE("the bucket refills to its burst and no further")
{
    TokenBucket b(1.0, 3.0);
    for (int i = 0; i < 3; i++)
        CHECK(b.TryTake(0));
    CHECK(b.Available(100000) == doctest::Approx(3.0));
    int taken = 0;
    while (b.TryTake(100000))
        taken++;
    CHECK(taken == 3);
}

TEST_CASE("time going backwards adds no tokens")
{
    TokenBucket b(10.0, 1.0);
    CHECK(b.TryTake(5000));
    CHECK_FALSE(b.TryTake(1000));
    CHECK_FALSE(b.TryTake(5000));
    CHECK(b.TryTake(5100));
}

TEST_CASE("hearts take what is available and report the excess")
{
    TokenBucket b(20.0, 20.0);
    CHECK(b.TakeUpTo(0, 15) == 15);
    CHECK(b.TakeUpTo(0, 15) == 5); // 10 excess
    CHECK(b.TakeUpTo(0, 1) == 0);
    CHECK(b.TakeUpTo(500, 100) == 10);   // 20/s for half a second
    CHECK(b.TakeUpTo(10000, 100) == 20); // capped at the burst
}

TEST_SUITE_END();
