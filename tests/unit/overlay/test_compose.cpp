// Tests for src/overlay/compose.h.
#include <doctest/doctest.h>

#include <livescope/overlay/compose.h>

#include <string>

using namespace livescope;

TEST_SUITE("overlay/compose")
{
    TEST_CASE("the limit counts code points, so multibyte input fits 280 characters")
    {
        ComposeModel m;
        std::string e300;
        for (int i = 0; i < 300; ++i)
            e300 += "\xC3\xA9"; // é, 2 bytes
        CHECK(ComposeInsert(m, e300) == 280);
        CHECK(m.CodePoints == 280);
        CHECK(m.Text.size() == 560);
        CHECK(ComposeRemaining(m) == 0);
        CHECK(ComposeInsert(m, "x") == 0);
    }

    TEST_CASE("truncation at the limit never splits a code point")
    {
        ComposeModel m;
        m.MaxCodePoints = 3;
        ComposeInsert(m, "a\xE2\x82\xAC"
                         "b\xE2\x82\xAC"); // a€b€
        CHECK(m.Text == "a\xE2\x82\xAC"
                        "b");
    }

    TEST_CASE("backspace removes a whole é")
    {
        ComposeModel m;
        ComposeInsert(m, "caf\xC3\xA9");
        CHECK(ComposeBackspace(m));
        CHECK(m.Text == "caf");
        CHECK(m.CodePoints == 3);
        ComposeSetText(m, "");
        CHECK_FALSE(ComposeBackspace(m));
    }

    TEST_CASE("enter submits the trimmed text and clears the box")
    {
        ComposeModel m;
        ComposeInsert(m, "  Hola, \xC2\xBFqu\xC3\xA9 tal?  ");
        std::string out;
        CHECK(ComposeSubmit(m, out));
        CHECK(out == "Hola, \xC2\xBFqu\xC3\xA9 tal?");
        CHECK(m.Text.empty());
        CHECK(m.CodePoints == 0);
    }

    TEST_CASE("enter on a blank box submits nothing")
    {
        ComposeModel m;
        ComposeInsert(m, "   ");
        std::string out = "unchanged";
        CHECK_FALSE(ComposeSubmit(m, out));
        CHECK(out == "unchanged");
        CHECK(m.Text == "   ");
    }

    TEST_CASE("set text from the hidden input is sanitized and limited")
    {
        ComposeModel m;
        m.MaxCodePoints = 5;
        ComposeSetText(m, "ab\ncd\xFF"
                          "efg");
        CHECK(m.Text == "ab cd");
        CHECK(m.CodePoints == 5);
    }
}
