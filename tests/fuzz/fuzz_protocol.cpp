// libFuzzer target: the protocol codec never crashes on any bytes, and whatever it accepts re-encodes to the same value.
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
    }

    const auto server = DecodeServerFrame(text);
    if (server.Ok())
    {
        const auto& messages = server.Value;
        const std::string encoded = messages.size() == 1 ? EncodeServerMessage(messages[0]) : EncodeServerBatch(messages);
        const auto again = DecodeServerFrame(encoded);
        if (!again.Ok() || !(again.Value == messages))
            std::abort();
    }
    return 0;
}
