// BlockedWords: a room's blocked-words list, matched case-insensitively as whole words (pure).
#pragma once
#include <string>
#include <string_view>
#include <unordered_set>
#include <vector>

namespace livescope {

class BlockedWords
{
public:
    // Replaces the list (the codec already bounded it: at most 100 words of 1..40 code points, valid UTF-8).
    void Set(const std::vector<std::string>& words);
    // True when `text` (valid UTF-8) holds one of the words as a whole word: the characters around the match are
    // not letters or digits. Case-insensitive for Latin, Greek and Cyrillic letters.
    bool Matches(std::string_view text) const;
    bool Empty() const { return Single.empty() && Phrases.empty(); }

private:
    std::unordered_set<std::u32string> Single; // entries that are one word: looked up per word of the text
    std::vector<std::u32string> Phrases;       // entries with spaces or punctuation inside: searched with boundaries
};

// Lower-cased code points of valid UTF-8 (exposed for tests).
std::u32string FoldWordText(std::string_view text);

} // namespace livescope
