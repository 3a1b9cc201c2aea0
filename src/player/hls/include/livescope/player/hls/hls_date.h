// ISO 8601 / RFC 3339 date-times for HLS (EXT-X-PROGRAM-DATE-TIME, EXT-X-DATERANGE START-DATE): pure parser.
#pragma once

#include <optional>
#include <string_view>

namespace livescope {

// Parses "YYYY-MM-DDTHH:MM:SS[.fff][Z|+HH:MM|+HHMM|+HH]" ('t' or ' ' may stand for 'T', ',' for '.')
// into epoch seconds. Returns nullopt for anything else (out-of-range fields, trailing text). Never throws.
std::optional<double> ParseIsoDateTime(std::string_view text);

} // namespace livescope
