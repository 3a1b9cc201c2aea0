// Tests for src/overlay/utf8.h.
#include <doctest/doctest.h>

#include "overlay/utf8.h"

using namespace livescope;

TEST_SUITE("overlay/utf8") {

TEST_CASE("code points are counted, not bytes")
{
    CHECK(OverlayUtf8CountCodePoints("abc") == 3);
    CHECK(OverlayUtf8CountCodePoints("\xC3\xA9t\xC3\xA9") == 3);         // "été"
    CHECK(OverlayUtf8CountCodePoints("\xE2\x99\xA5") == 1);              // U+2665
    CHECK(OverlayUtf8CountCodePoints("\xF0\x9F\x98\x80") == 1);          // U+1F600
}

TEST_CASE("stepping back never lands inside a multi-byte sequence")
{
    const std::string s = "a\xC5\x82\xE2\x82\xAC"; // "ał€"
    CHECK(OverlayUtf8Prev(s, s.size()) == 3);
    CHECK(OverlayUtf8Prev(s, 3) == 1);
    CHECK(OverlayUtf8Prev(s, 1) == 0);
    CHECK(OverlayUtf8Next(s, 1) == 3);
}

TEST_CASE("malformed bytes decode as one replacement each")
{
    std::size_t i = 0;
    const std::string bad = "\xC3(";
    CHECK(OverlayUtf8Decode(bad, i) == kOverlayUtf8Replacement);
    CHECK(i == 1);
    CHECK(OverlayUtf8Sanitize("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD"); // overlong '/'
    CHECK(OverlayUtf8Sanitize("\xED\xA0\x80") .size() == 9);             // a surrogate: three replacements
}

TEST_CASE("sanitizing drops controls and turns line breaks into spaces")
{
    CHECK(OverlayUtf8Sanitize("a\tb\nc\x01" "d\x7F") == "a b cd");
}

}
