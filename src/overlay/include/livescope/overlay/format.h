// Pure text formatting for the overlay header: compact viewer counts and elapsed broadcast time.
#pragma once

#include <cstdint>
#include <string>

namespace livescope {

// Plain English compact form, truncated (never overstated): 999 -> "999", 1234 -> "1.2K",
// 15000 -> "15K", 999999 -> "999K", 3400000 -> "3.4M", 1250000000 -> "1.2B". A trailing ".0" is
// dropped ("1K", not "1.0K"). The locale-aware version lives in JS (Intl.NumberFormat).
std::string FormatCompactCount(std::uint64_t n);

// Elapsed time: "mm:ss" below one hour ("00:07", "59:59"), "h:mm:ss" from then on ("1:02:03").
// Negative or non-finite input gives "00:00".
std::string FormatElapsed(double seconds);

} // namespace livescope
