// Pure fault plan for the origin's media responses (parts, segments, init): drop, delay, corrupt, error status.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

// What to do to one media response.
struct FaultAction
{
    uint32_t DelayMs = 0; // ms to stall before answering (or before dropping)
    bool Drop = false;    // close the connection instead of answering
    int Status = 0;       // answer with this status instead (0 = no)
    bool Corrupt = false; // flip bytes in the mdat payload
};

// Counters set by POST /control/faults?drop=N&corrupt=N&delay_ms=M&status=S&count=N&clear=1.
// drop and corrupt count their own requests; delay_ms and status apply to the next `count` (default 1) requests.
class FaultPlan
{
public:
    // Applies a query. Unknown keys or bad values fail with a reason and change nothing.
    bool Configure(std::string_view query, std::string& error);
    // Consumes the plan for one media request.
    FaultAction Next();
    bool Idle() const;
    // {"drop":N,"corrupt":N,"delay":{"ms":M,"left":N},"status":{"code":S,"left":N}}
    std::string DescribeJson() const;

private:
    uint32_t DropLeft = 0;
    uint32_t CorruptLeft = 0;
    uint32_t DelayLeft = 0;
    uint32_t DelayMs = 0;
    uint32_t StatusLeft = 0;
    int Status = 0;
};

// Flips bytes in the first mdat payload of a fragment (every 97th byte, from the middle to the end). False when there is no mdat.
bool CorruptMdat(std::vector<uint8_t>& fragment);
bool CorruptMdat(std::string& fragment);

} // namespace livescope
