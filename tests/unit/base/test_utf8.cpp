// Tests for src/base/utf8.h: decoding, stepping and sanitizing (the overlay's uses), strict validation and counting
// (the protocol's uses).
#include <doctest/doctest.h>

#include <livescope/base/utf8.h>

#include <string>

using namespace livescope;

TEST_SUITE("base/utf8")
{
    TEST_CASE("code points are counted, not bytes")
    {
        CHECK(Utf8CountCodePoints("abc") == 3);
        CHECK(Utf8CountCodePoints("\xC3\xA9t\xC3\xA9") == 3); // "été"
        CHECK(Utf8CountCodePoints("\xE2\x99\xA5") == 1);      // U+2665
        CHECK(Utf8CountCodePoints("\xF0\x9F\x98\x80") == 1);  // U+1F600
    }

    TEST_CASE("stepping back never lands inside a multi-byte sequence")
    {
        const std::string s = "a\xC5\x82\xE2\x82\xAC"; // "ał€"
        CHECK(Utf8Prev(s, s.size()) == 3);
        CHECK(Utf8Prev(s, 3) == 1);
        CHECK(Utf8Prev(s, 1) == 0);
        CHECK(Utf8Next(s, 1) == 3);
    }

    TEST_CASE("malformed bytes decode as one replacement each")
    {
        std::size_t i = 0;
        const std::string bad = "\xC3(";
        CHECK(Utf8Decode(bad, i) == kUtf8Replacement);
        CHECK(i == 1);
        CHECK(Utf8Sanitize("\xC0\xAF") == "\xEF\xBF\xBD\xEF\xBF\xBD"); // overlong '/'
        CHECK(Utf8Sanitize("\xED\xA0\x80").size() == 9);               // a surrogate: three replacements
    }

    TEST_CASE("sanitizing drops controls and turns line breaks into spaces")
    {
        CHECK(Utf8Sanitize("a\tb\nc\x01"
                           "d\x7F") == "a b cd");
    }

    TEST_CASE("valid text of every sequence length is accepted and counted by code point")
    {
        const std::string text = "a\xC3\xA9\xE2\x9D\xA4\xF0\x9F\x98\x80"; // a, é, ❤, 😀
        CHECK(Utf8IsValid(text));
        CHECK(Utf8CountCodePoints(text) == 4);
        CHECK(Utf8IsValid(""));
    }

    TEST_CASE("malformed sequences are rejected")
    {
        const char* bad[] = {
            "\x80",             // lone continuation
            "\xC3",             // truncated 2-byte
            "\xE2\x9D",         // truncated 3-byte
            "\xC0\xAF",         // overlong '/'
            "\xE0\x80\xAF",     // overlong
            "\xED\xA0\x80",     // surrogate U+D800
            "\xF4\x90\x80\x80", // above U+10FFFF
            "\xFF",             // never valid
            "ok\xC3(",          // bad continuation
        };
        for (const char* s : bad)
        {
            CAPTURE(std::string(s));
            CHECK_FALSE(Utf8IsValid(s));
        }
    }
}
