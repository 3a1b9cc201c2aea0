// libFuzzer target: the origin's first look at a publisher's stream (input_probe.h) and the refusal helpers that read
// request headers (ingest_close.h) never crash, and are consistent: a decision on a prefix of the stream stays the
// decision on the whole stream, Known means video or audio, a close reason is a prefix that fits a close frame, the
// refusal subprotocol is one of the offered items.
#include <livescope/server/origin/ingest_close.h>
#include <livescope/server/origin/input_probe.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

using namespace livescope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    const InputLayout whole = ProbeInputLayout(bytes);
    if (whole.LayoutKind == InputLayout::Kind::Known && !whole.Video && !whole.Audio)
        std::abort();
    for (size_t cut : {size / 4, size / 2, size - size / 8})
    {
        const InputLayout prefix = ProbeInputLayout(bytes.substr(0, cut));
        if (prefix.LayoutKind != InputLayout::Kind::NeedMore &&
            (prefix.LayoutKind != whole.LayoutKind || prefix.Video != whole.Video || prefix.Audio != whole.Audio))
            std::abort();
    }

    const std::string reason = IngestCloseReason(bytes);
    if (reason.size() > 123 || bytes.substr(0, reason.size()) != reason)
        std::abort();
    const std::string protocol = IngestRefusalSubprotocol(bytes);
    if (protocol.find(',') != std::string::npos || (!protocol.empty() && bytes.find(protocol) == std::string_view::npos))
        std::abort();
    (void)IngestCloseCode(size > 0 ? 300 + data[0] : 0, bytes);
    return 0;
}
