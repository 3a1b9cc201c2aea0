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

TEST_SUITE_END();
