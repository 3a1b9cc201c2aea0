// libFuzzer target: the protocol codec (v1 and v2) never crashes on any bytes, whatever it accepts re-encodes to the same
// value, and its v1 encoding (what a v1 peer gets) is a valid v1 frame.
#include <livescope/protocol/messages.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace livescope;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    const std::string_view text(reinterpret_cast<const char*>(data), size);

    const auto client = DecodeClientMessage(text);
    if (client.Ok())
    {
        const auto again = DecodeClientMessage(EncodeClientMessage(client.Value));
        if (!again.Ok() || !(again.Value == client.Value))
            std::abort();
        const auto v1 = DecodeClientMessage(EncodeClientMessage(client.Value, 1));
        if (!v1.Ok() || v1.Version != 1)
            std::abort();
    }

    const auto server = DecodeServerFrame(text);
    if (server.Ok())
    {
        const auto& messages = server.Value;
        const std::string encoded = messages.size() == 1 ? EncodeServerMessage(messages[0]) : EncodeServerBatch(messages);
        const auto again = DecodeServerFrame(encoded);
        if (!again.Ok() || !(again.Value == messages))
            std::abort();
        // What a v1 peer gets: v2-only messages left out, the rest a valid v1 frame with no v2 content.
        const std::string old = EncodeServerBatch(messages, 0, 1);
        const auto v1 = DecodeServerFrame(old);
        if (!v1.Ok() || v1.Version != 1)
            std::abort();
        for (const ServerMessage& m : v1.Value)
            if (IsV2Only(m))
                std::abort();
    }
    return 0;
}
