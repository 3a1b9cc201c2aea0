// Unit tests for the text policy of names and comments: C1 controls, bidi overrides and invisible-only text.
#include <doctest/doctest.h>

#include <livescope/protocol/messages.h>
#include <livescope/protocol/utf8.h>

#include <string>

using namespace livescope;

namespace {
// A comment frame whose text is `text` (raw UTF-8, no JSON escaping needed for these cases).
Decoded<ClientMessage> DecodeComment(const std::string& text)
{
    return DecodeClientMessage(R"({"type":"comment","v":1,"text":")" + text + "\"}");
}

std::optional<ErrorCode> CommentError(const std::string& text)
{
    const auto decoded = DecodeComment(text);
    return decoded.Ok() ? std::nullopt : std::optional<ErrorCode>(decoded.Error->Code);
}

std::string CommentText(const std::string& text)
{
    const auto decoded = DecodeComment(text);
    REQUIRE(decoded.Ok());
    return std::get<CommentPost>(decoded.Value).Text;
}

const std::string Nel = "\xC2\x85";        // U+0085 NEXT LINE, a C1 control
const std::string Csi = "\xC2\x9B";        // U+009B CONTROL SEQUENCE INTRODUCER, a C1 control
const std::string Rlo = "\xE2\x80\xAE";    // U+202E RIGHT-TO-LEFT OVERRIDE
const std::string Lre = "\xE2\x80\xAA";    // U+202A LEFT-TO-RIGHT EMBEDDING
const std::string Rli = "\xE2\x81\xA7";    // U+2067 RIGHT-TO-LEFT ISOLATE
const std::string Pdi = "\xE2\x81\xA9";    // U+2069 POP DIRECTIONAL ISOLATE
const std::string Zwsp = "\xE2\x80\x8B";   // U+200B ZERO WIDTH SPACE
const std::string Zwnj = "\xE2\x80\x8C";   // U+200C
const std::string Zwj = "\xE2\x80\x8D";    // U+200D ZERO WIDTH JOINER
const std::string Wj = "\xE2\x81\xA0";     // U+2060 WORD JOINER
const std::string Bom = "\xEF\xBB\xBF";    // U+FEFF
const std::string Nbsp = "\xC2\xA0";       // U+00A0
const std::string Ideo = "\xE3\x80\x80";   // U+3000 IDEOGRAPHIC SPACE
const std::string Hangul = "\xE3\x85\xA4"; // U+3164 HANGUL FILLER
} // namespace

TEST_SUITE_BEGIN("protocol/text_policy");

TEST_CASE("a comment with a C1 control is refused with bad_message")
{
    CHECK(CommentError("hi" + Csi + "31m red") == ErrorCode::BadMessage);
    CHECK(CommentError("line" + Nel + "break") == ErrorCode::BadMessage);
    CHECK(CommentError("del\x7f") == ErrorCode::BadMessage);
    CHECK_FALSE(CommentError("two\\nlines").has_value()); // a newline stays allowed
}

TEST_CASE("a display name with a C1 control is refused")
{
    CHECK_FALSE(IsValidDisplayName("Ann" + Csi));
    CHECK_FALSE(IsValidDisplayName(Nel + "Bob"));
    CHECK(IsValidDisplayName("Ann"));
}

TEST_CASE("bidi overrides, embeddings and isolates are stripped from a comment, the rest kept")
{
    CHECK(CommentText("abc" + Rlo + "gnp.exe") == "abcgnp.exe");
    CHECK(CommentText(Lre + "x" + Rli + "y" + Pdi) == "xy");
    // Hebrew text stays as it is: only the explicit direction controls go.
    CHECK(CommentText("\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D " + Rlo + "ok") == "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D ok");
}

TEST_CASE("a comment of nothing but bidi controls is refused, not sent empty")
{
    CHECK(CommentError(Rlo + Lre + Pdi) == ErrorCode::BadMessage);
}

TEST_CASE("a display name with a bidi override is refused")
{
    CHECK_FALSE(IsValidDisplayName("Admin" + Rlo));
    CHECK_FALSE(IsValidDisplayName(Rli + "Bob" + Pdi));
}

TEST_CASE("a zero-width-only comment is refused")
{
    CHECK(CommentError(Zwsp) == ErrorCode::BadMessage);
    CHECK(CommentError(Zwsp + Zwnj + Zwj + Wj + Bom) == ErrorCode::BadMessage);
    CHECK(CommentError(Hangul + Hangul) == ErrorCode::BadMessage);
}

TEST_CASE("a whitespace-only comment is refused, Unicode spaces included")
{
    CHECK(CommentError("   ") == ErrorCode::BadMessage);
    CHECK(CommentError(Nbsp + Ideo + " \\n ") == ErrorCode::BadMessage);
}

TEST_CASE("zero-width characters inside visible text are kept (emoji sequences need the joiner)")
{
    const std::string family = "\xF0\x9F\x91\xA9" + Zwj + "\xF0\x9F\x91\xA7"; // woman ZWJ girl
    CHECK(CommentText(family) == family);
    CHECK(IsValidDisplayName("Zo" + Zwsp + "e"));
}

TEST_CASE("a zero-width-only or whitespace-only display name is refused")
{
    CHECK_FALSE(IsValidDisplayName(Zwsp + Zwj));
    CHECK_FALSE(IsValidDisplayName(Nbsp + Nbsp));
    CHECK_FALSE(IsValidDisplayName(Hangul));
}

TEST_CASE("the helpers agree on plain text")
{
    CHECK_FALSE(Utf8HasControls("plain text", false));
    CHECK_FALSE(Utf8HasBidiControls("plain text"));
    CHECK(Utf8StripBidiControls("plain text") == "plain text");
    CHECK_FALSE(Utf8IsInvisible("."));
    CHECK(Utf8IsInvisible(""));
}

TEST_SUITE_END();
