// Unit tests for HLS date-times (hls_date.h): ISO 8601 / RFC 3339 forms to epoch seconds, and refused text.
#include <doctest/doctest.h>

#include <livescope/player/hls/hls_date.h>

using namespace livescope;

TEST_SUITE_BEGIN("player_hls/hls_date");

TEST_CASE("ParseIsoDateTime accepts offsets and fractions, rejects junk")
{
    CHECK(*ParseIsoDateTime("1970-01-01T00:00:00Z") == 0.0);
    CHECK(*ParseIsoDateTime("1970-01-01T01:00:00+01:00") == 0.0);
    CHECK(*ParseIsoDateTime("2000-03-01T00:00:00.25Z") == doctest::Approx(951868800.25));
    CHECK(*ParseIsoDateTime("1970-01-01T00:00:00-0130") == doctest::Approx(5400.0));
    CHECK_FALSE(ParseIsoDateTime("2000-13-01T00:00:00Z"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01T00:00:00Zjunk"));
}

TEST_CASE("ParseIsoDateTime takes the separators and zone forms servers write")
{
    CHECK(*ParseIsoDateTime("1970-01-01t00:00:00z") == 0.0);
    CHECK(*ParseIsoDateTime("1970-01-01 00:00:00Z") == 0.0);
    CHECK(*ParseIsoDateTime("1970-01-01T00:00:00,5Z") == doctest::Approx(0.5));
    CHECK(*ParseIsoDateTime("1970-01-01T00:00:00+01") == doctest::Approx(-3600.0));
    CHECK(*ParseIsoDateTime("1970-01-02T00:00:00") == doctest::Approx(86400.0)); // no zone: read as UTC
    CHECK(*ParseIsoDateTime("1969-12-31T23:59:59Z") == doctest::Approx(-1.0));
    CHECK(ParseIsoDateTime("1972-06-30T23:59:60Z")); // a leap second
}

TEST_CASE("ParseIsoDateTime refuses out-of-range fields and cut-off fractions and zones")
{
    CHECK_FALSE(ParseIsoDateTime("2000-01-01T24:00:00Z"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-32T00:00:00Z"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01T00:60:00Z"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01T00:00:00.Z"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01T00:00:00+1"));
    CHECK_FALSE(ParseIsoDateTime("2000-01-01X00:00:00Z"));
    CHECK_FALSE(ParseIsoDateTime(""));
}

TEST_SUITE_END();
