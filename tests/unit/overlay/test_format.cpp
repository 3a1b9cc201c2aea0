// Tests for src/overlay/format.h.
#include <doctest/doctest.h>

#include <livescope/overlay/format.h>

using namespace livescope;

TEST_SUITE("overlay/format")
{
    TEST_CASE("compact counts keep small numbers whole")
    {
        CHECK(FormatCompactCount(0) == "0");
        CHECK(FormatCompactCount(999) == "999");
    }

    TEST_CASE("compact counts use one decimal below ten units and truncate")
    {
        CHECK(FormatCompactCount(1000) == "1K");
        CHECK(FormatCompactCount(1234) == "1.2K");
        CHECK(FormatCompactCount(1999) == "1.9K");
        CHECK(FormatCompactCount(15000) == "15K");
        CHECK(FormatCompactCount(15999) == "15K");
        CHECK(FormatCompactCount(999999) == "999K");
        CHECK(FormatCompactCount(1000000) == "1M");
        CHECK(FormatCompactCount(3400000) == "3.4M");
        CHECK(FormatCompactCount(3450000) == "3.4M");
        CHECK(FormatCompactCount(120000000) == "120M");
        CHECK(FormatCompactCount(1250000000) == "1.2B");
    }

    TEST_CASE("elapsed time is mm:ss under an hour and h:mm:ss after")
    {
        CHECK(FormatElapsed(0.0) == "00:00");
        CHECK(FormatElapsed(7.9) == "00:07");
        CHECK(FormatElapsed(3599.0) == "59:59");
        CHECK(FormatElapsed(3600.0) == "1:00:00");
        CHECK(FormatElapsed(3723.0) == "1:02:03");
        CHECK(FormatElapsed(-5.0) == "00:00");
    }
}
