// Pure: the capture-time anchor of a broadcast's PROGRAM-DATE-TIME and the publisher's text control message.
#include <livescope/server/origin/capture_clock.h>

#include <nlohmann/json.hpp>

namespace livescope {

MediaAnchor ChooseMediaAnchor(int64_t output_anchor_ms, bool have_capture, int64_t capture_anchor_ms, int64_t input_arrival_ms)
{
    if (have_capture && capture_anchor_ms <= output_anchor_ms + CaptureClockMaxLeadMs && capture_anchor_ms >= output_anchor_ms - CaptureClockMaxLagMs)
        return {capture_anchor_ms, true, false};
    if (input_arrival_ms > 0 && input_arrival_ms <= output_anchor_ms && input_arrival_ms >= output_anchor_ms - InputArrivalMaxLeadMs)
        return {input_arrival_ms, false, true};
    return {output_anchor_ms, false, false};
}

bool ParseIngestControl(std::string_view text, int64_t& capture_ms, std::string& error)
{
    error.clear();
    const nlohmann::json message = nlohmann::json::parse(text, nullptr, false);
    if (message.is_discarded() || !message.is_object())
    {
        error = "a text message must be a JSON object";
        return false;
    }
    const auto it = message.find("capture_ms");
    if (it == message.end())
        return false;
    if (!it->is_number_integer() || it->get<int64_t>() <= 0)
    {
        error = "capture_ms must be a positive integer (ms since the epoch)";
        return false;
    }
    capture_ms = it->get<int64_t>();
    return true;
}

} // namespace livescope
