// Pure: URL query strings (`a=1&b=x%20y`): walking the pairs and percent-decoding a value. Shared by the origin's and
// the relay's HTTP routes.
#pragma once
#include <string>
#include <string_view>

namespace livescope {

// Takes the next `key[=value]` pair off the front of `query` (empty pairs between '&'s are skipped). `value` is the raw,
// still escaped text (empty when there is no '='). Returns false when `query` holds no more pairs.
bool NextQueryPair(std::string_view& query, std::string_view& key, std::string_view& value);

// Percent-decoding of one query value ('+' is a space). False on a broken escape or a decoded NUL.
bool PercentDecode(std::string_view text, std::string& out);

// The value of the first `key` in `query`, decoded; empty when absent or badly escaped.
std::string QueryValue(std::string_view query, std::string_view key);

} // namespace livescope
