// Compose box edit model: UTF-8 text with a code-point limit, edited at the end. Pure; the ImGui box
// draws from it and the browser's hidden <input> glue sets it, so there is one source of truth.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace livescope {

inline constexpr std::size_t kComposeMaxCodePoints = 280;

struct ComposeModel
{
    std::string Text;                                  // valid UTF-8, no control characters
    std::size_t CodePoints = 0;                        // code points in Text
    std::size_t MaxCodePoints = kComposeMaxCodePoints; // limit, in code points
};

// Appends `utf8` (sanitized: malformed bytes become U+FFFD, controls are dropped, tab/newline become
// spaces), truncated at the limit on a code-point boundary. Returns the code points appended.
std::size_t ComposeInsert(ComposeModel& m, std::string_view utf8);

// Replaces the whole text (the hidden-input glue calls this on each `input` event), sanitized and
// truncated like ComposeInsert.
void ComposeSetText(ComposeModel& m, std::string_view utf8);

// Removes the last code point. Returns false when the text was already empty.
bool ComposeBackspace(ComposeModel& m);

// Enter: when the text holds anything but spaces, moves the trimmed text into `out`, clears the model
// and returns true. Otherwise leaves both alone and returns false.
bool ComposeSubmit(ComposeModel& m, std::string& out);

// Code points still allowed (the counter shows this).
inline std::size_t ComposeRemaining(const ComposeModel& m)
{
    return m.CodePoints >= m.MaxCodePoints ? 0 : m.MaxCodePoints - m.CodePoints;
}

} // namespace livescope
