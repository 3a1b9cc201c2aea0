// Pure fault plan: query parsing, per-request consumption and mdat corruption.
#include <livescope/server/origin/faults.h>

#include <livescope/base/query.h>

#include <livescope/server/origin/fmp4.h>

#include <charconv>

#include <nlohmann/json.hpp>

namespace livescope {

namespace {

bool ParseU32(std::string_view text, uint32_t& value)
{
    if (text.empty() || text.size() > 9)
        return false;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), value);
    return result.ec == std::errc() && result.ptr == text.data() + text.size();
}

template <typename Bytes>
bool CorruptBytes(Bytes& fragment)
{
    size_t offset = 0, length = 0;
    if (!FindMdatPayload(reinterpret_cast<const uint8_t*>(fragment.data()), fragment.size(), offset, length) || length == 0)
        return false;
    for (size_t i = offset + length / 2; i < offset + length; i += 97)
        fragment[i] = static_cast<typename Bytes::value_type>(fragment[i] ^ 0x5a);
    return true;
}

} // namespace

bool FaultPlan::Configure(std::string_view query, std::string& error)
{
    FaultPlan next = *this;
    uint32_t count = 1;
    bool have_delay = false, have_status = false;
    uint32_t delay = 0, status = 0;
    std::string_view key, value;
    while (NextQueryPair(query, key, value))
    {
        uint32_t number = 0;
        if (key == "clear")
        {
            next = FaultPlan{};
            continue;
        }
        if (!ParseU32(value, number))
        {
            error = "fault '" + std::string(key) + "' needs a non-negative integer";
            return false;
        }
        if (key == "drop")
            next.DropLeft = number;
        else if (key == "corrupt")
            next.CorruptLeft = number;
        else if (key == "count")
            count = number;
        else if (key == "delay_ms")
        {
            if (number > 60000)
            {
                error = "delay_ms must be at most 60000";
                return false;
            }
            have_delay = true;
            delay = number;
        }
        else if (key == "rate_kbps")
        {
            if (number > 10000000)
            {
                error = "rate_kbps must be at most 10000000";
                return false;
            }
            next.Rate = number;
        }
        else if (key == "status")
        {
            if (number < 400 || number > 599)
            {
                error = "status must be 400..599";
                return false;
            }
            have_status = true;
            status = number;
        }
        else
        {
            error = "unknown fault '" + std::string(key) + "'";
            return false;
        }
    }
    if (have_delay)
    {
        next.DelayMs = delay;
        next.DelayLeft = delay > 0 ? count : 0;
    }
    if (have_status)
    {
        next.Status = int(status);
        next.StatusLeft = count;
    }
    *this = next;
    return true;
}

FaultAction FaultPlan::Next()
{
    FaultAction action;
    action.RateKbps = Rate;
    if (DelayLeft > 0)
    {
        DelayLeft--;
        action.DelayMs = DelayMs;
    }
    if (DropLeft > 0)
    {
        DropLeft--;
        action.Drop = true;
        return action;
    }
    if (StatusLeft > 0)
    {
        StatusLeft--;
        action.Status = Status;
        return action;
    }
    if (CorruptLeft > 0)
    {
        CorruptLeft--;
        action.Corrupt = true;
    }
    return action;
}

bool FaultPlan::Idle() const { return DropLeft == 0 && CorruptLeft == 0 && DelayLeft == 0 && StatusLeft == 0; }

std::string FaultPlan::DescribeJson() const
{
    const nlohmann::json plan = {
        {"drop", DropLeft},
        {"corrupt", CorruptLeft},
        {"delay", {{"ms", DelayMs}, {"left", DelayLeft}}},
        {"status", {{"code", Status}, {"left", StatusLeft}}},
        {"rate_kbps", Rate},
    };
    return plan.dump();
}

bool CorruptMdat(std::vector<uint8_t>& fragment) { return CorruptBytes(fragment); }
bool CorruptMdat(std::string& fragment) { return CorruptBytes(fragment); }

uint32_t PaceDelayMs(uint64_t sent_bytes, uint32_t rate_kbps, double elapsed_ms)
{
    if (rate_kbps == 0)
        return 0;
    const double due_ms = double(sent_bytes) * 8.0 / double(rate_kbps); // kbit/s == bit/ms
    return due_ms > elapsed_ms ? uint32_t(due_ms - elapsed_ms + 0.5) : 0;
}

size_t PaceSliceBytes(uint32_t rate_kbps)
{
    const double bytes = double(rate_kbps) * 50.0 / 8.0; // 50 ms worth
    if (rate_kbps == 0 || bytes > 65536.0)
        return 65536;
    return bytes < 1400.0 ? 1400 : size_t(bytes);
}

} // namespace livescope
