// Pure: close codes, reasons and the subprotocol answer for refused publishers (ingest_close.h).
#include <livescope/server/origin/ingest_close.h>

#include <livescope/server/origin/broadcasts.h>

namespace livescope {

int IngestCloseCode(int status, std::string_view message)
{
    if (status == 401 && message.find("expired") != std::string_view::npos)
        return 4410;
    if (status == 503 && message.find("max-broadcasts") != std::string_view::npos)
        return 4429;
    if (status < 400 || status > 599)
        return 4500;
    return 4000 + status;
}

std::string IngestCloseReason(std::string_view message)
{
    constexpr size_t MaxBytes = 123; // a close frame's payload is at most 125 bytes, 2 of them the code
    if (message.size() <= MaxBytes)
        return std::string(message);
    size_t cut = MaxBytes;
    while (cut > 0 && (static_cast<unsigned char>(message[cut]) & 0xC0) == 0x80)
        cut--; // message[cut] continues a character: cut before that character
    return std::string(message.substr(0, cut));
}

std::string IngestRefusalSubprotocol(std::string_view protocols)
{
    const std::vector<std::string_view> items = SplitSubprotocols(protocols);
    for (std::string_view item : items)
        if (item == IngestSubprotocol)
            return std::string(item);
    return items.empty() ? std::string() : std::string(items.front());
}

} // namespace livescope
