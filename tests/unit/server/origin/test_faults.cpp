// Tests for the origin's fault plan (src/server/origin/faults.h).
#include <livescope/server/origin/faults.h>
#include <livescope/server/origin/fmp4.h>
#include "mp4_builder.h"

#include <doctest/doctest.h>

using namespace livescope;

TEST_SUITE_BEGIN("origin/faults");

TEST_CASE("drop and corrupt count their own requests")
{
    FaultPlan plan;
    std::string error;
    REQUIRE(plan.Configure("drop=2&corrupt=1", error));
    FaultAction a = plan.Next();
    CHECK(a.Drop);
    CHECK(plan.Next().Drop);
    a = plan.Next();
    CHECK_FALSE(a.Drop);
    CHECK(a.Corrupt);
    a = plan.Next();
    CHECK_FALSE(a.Corrupt);
    CHECK(plan.Idle());
}

TEST_CASE("delay and status apply to the next count requests")
{
    FaultPlan plan;
    std::string error;
    REQUIRE(plan.Configure("delay_ms=500&status=503&count=2", error));
    for (int i = 0; i < 2; i++)
    {
        const FaultAction a = plan.Next();
        CHECK(a.DelayMs == 500);
        CHECK(a.Status == 503);
    }
    const FaultAction after = plan.Next();
    CHECK(after.DelayMs == 0);
    CHECK(after.Status == 0);
}

TEST_CASE("bad queries change nothing, clear resets")
{
    FaultPlan plan;
    std::string error;
    REQUIRE(plan.Configure("drop=1", error));
    CHECK_FALSE(plan.Configure("drop=x", error));
    CHECK_FALSE(plan.Configure("explode=1", error));
    CHECK_FALSE(plan.Configure("status=200", error));
    CHECK_FALSE(error.empty());
    CHECK_FALSE(plan.Idle());
    REQUIRE(plan.Configure("clear=1", error));
    CHECK(plan.Idle());
    CHECK(plan.DescribeJson().find("\"drop\":0") != std::string::npos);
}

TEST_CASE("corruption flips bytes inside the mdat only")
{
    const auto fragment = livescope::test::Fragment(0, 6, true, 400);
    std::vector<uint8_t> corrupted = fragment;
    REQUIRE(CorruptMdat(corrupted));
    size_t offset = 0, length = 0;
    REQUIRE(FindMdatPayload(fragment.data(), fragment.size(), offset, length));
    CHECK(std::equal(fragment.begin(), fragment.begin() + std::ptrdiff_t(offset), corrupted.begin()));
    CHECK(corrupted != fragment);
    std::vector<uint8_t> no_mdat = livescope::test::Box("moof", livescope::test::Zeros(8));
    CHECK_FALSE(CorruptMdat(no_mdat));
}


TEST_CASE("a rate limit holds for every request until it is set to 0 or cleared, and leaves the plan idle")
{
    FaultPlan plan;
    std::string error;
    REQUIRE(plan.Configure("rate_kbps=800", error));
    CHECK(plan.Idle()); // parts keep streaming under a rate limit
    for (int i = 0; i < 5; i++)
        CHECK(plan.Next().RateKbps == 800);
    CHECK(plan.RateKbps() == 800);
    REQUIRE(plan.Configure("rate_kbps=0", error));
    CHECK(plan.Next().RateKbps == 0);
    REQUIRE(plan.Configure("rate_kbps=300", error));
    REQUIRE(plan.Configure("clear=1", error));
    CHECK(plan.RateKbps() == 0);
    CHECK_FALSE(plan.Configure("rate_kbps=99999999", error));
    CHECK(error.find("rate_kbps") != std::string::npos);
}

TEST_CASE("pacing waits until the bytes sent are due at the rate, and slices are about 50 ms each")
{
    CHECK(PaceDelayMs(100000, 0, 0.0) == 0);        // unpaced
    CHECK(PaceDelayMs(100000, 800, 0.0) == 1000);   // 800 kbit = 100 kB per second
    CHECK(PaceDelayMs(100000, 800, 400.0) == 600);  // partly elapsed
    CHECK(PaceDelayMs(100000, 800, 1500.0) == 0);   // behind schedule: no wait
    CHECK(PaceSliceBytes(800) == 5000);             // 50 ms at 100 kB/s
    CHECK(PaceSliceBytes(8) == 1400);               // floor: one packet
    CHECK(PaceSliceBytes(100000000) == 65536);      // ceiling
    CHECK(PaceSliceBytes(0) == 65536);
}

TEST_SUITE_END();
