// Tests for src/base/query.h: walking query pairs and percent-decoding values.
#include <doctest/doctest.h>

#include <livescope/base/query.h>

#include <string>
#include <vector>

using namespace livescope;

TEST_SUITE("base/query")
{
    TEST_CASE("the pairs of a query come out in order, empty ones skipped, values still escaped")
    {
        std::string_view query = "a=1&&b&c=x%20y&=v&";
        std::vector<std::pair<std::string, std::string>> pairs;
        std::string_view key, value;
        while (NextQueryPair(query, key, value))
            pairs.emplace_back(key, value);
        REQUIRE(pairs.size() == 4);
        CHECK(pairs[0] == std::pair<std::string, std::string>{"a", "1"});
        CHECK(pairs[1] == std::pair<std::string, std::string>{"b", ""});
        CHECK(pairs[2] == std::pair<std::string, std::string>{"c", "x%20y"});
        CHECK(pairs[3] == std::pair<std::string, std::string>{"", "v"});
        CHECK(query.empty());
    }

    TEST_CASE("percent escapes and '+' decode; broken escapes and NULs are refused")
    {
        std::string out;
        CHECK(PercentDecode("a%2Fb+c%e2%82%ac", out));
        CHECK(out == "a/b c\xe2\x82\xac");
        CHECK_FALSE(PercentDecode("50%", out));
        CHECK_FALSE(PercentDecode("%4", out));
        CHECK_FALSE(PercentDecode("%zz", out));
        CHECK_FALSE(PercentDecode("a%00b", out));
        CHECK(PercentDecode("", out));
        CHECK(out.empty());
    }

    TEST_CASE("a query value is the first one for its key, decoded, or empty")
    {
        CHECK(QueryValue("token=a%2Bb&title=My+show&token=second", "token") == "a+b");
        CHECK(QueryValue("token=a%2Bb&title=My+show", "title") == "My show");
        CHECK(QueryValue("title=My+show", "token").empty());
        CHECK(QueryValue("token=%zz", "token").empty());
        CHECK(QueryValue("token", "token").empty());
    }
}
