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
    uint32_t RateKbps = 0; // kbit/s: pace the body at this rate (0 = as fast as the socket takes it)
};

// Counters set by POST /control/faults?drop=N&corrupt=N&delay_ms=M&status=S&count=N&clear=1.
// drop and corrupt count their own requests; delay_ms and status apply to the next `count` (default 1) requests.
// rate_kbps=R paces every media body (parts, segments, init, streamed parts) on each connection at R kbit/s until
// rate_kbps=0 or clear: a per-connection bandwidth limit (ABR tests).
class FaultPlan
{
public:
    // Applies a query. Unknown keys or bad values fail with a reason and change nothing.
    bool Configure(std::string_view query, std::string& error);
    // Consumes the plan for one media request.
    FaultAction Next();
    bool Idle() const; // no per-request fault pending (a rate limit alone is idle: parts still stream)
    uint32_t RateKbps() const { return Rate; }
    // {"drop":N,"corrupt":N,"delay":{"ms":M,"left":N},"status":{"code":S,"left":N}}
    std::string DescribeJson() const;

private:
    uint32_t DropLeft = 0;
    uint32_t CorruptLeft = 0;
    uint32_t DelayLeft = 0;
    uint32_t DelayMs = 0;
    uint32_t StatusLeft = 0;
    int Status = 0;
    uint32_t Rate = 0; // kbit/s, 0 = off
};

// Flips bytes in the first mdat payload of a fragment (every 97th byte, from the middle to the end). False when there is no mdat.
bool CorruptMdat(std::vector<uint8_t>& fragment);
bool CorruptMdat(std::string& fragment);

// Pacing at `rate_kbps`: ms to wait before sending more, once `sent_bytes` went out `elapsed_ms` after the body began
// (0 when on schedule or when rate_kbps is 0).
uint32_t PaceDelayMs(uint64_t sent_bytes, uint32_t rate_kbps, double elapsed_ms);
// Bytes to send in one paced write: about 50 ms at `rate_kbps`, at least 1,400 and at most 64 KiB.
size_t PaceSliceBytes(uint32_t rate_kbps);

} // namespace livescope
