// Unit tests for the protocol's UTF-8 validation and counting.
#include <doctest/doctest.h>

#include "livescope/protocol/utf8.h"

#include <string>

using namespace livescope;

TEST_CASE("[utf8] valid text of every sequence length is accepted and counted by code point")
{
    const std::string text = "a\xC3\xA9\xE2\x9D\xA4\xF0\x9F\x98\x80"; // a, é, ❤, 😀
    CHECK(Utf8IsValid(text));
    CHECK(Utf8CountCodePoints(text) == 4);
    CHECK(Utf8IsValid(""));
}

TEST_CASE("[utf8] malformed sequences are rejected")
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
