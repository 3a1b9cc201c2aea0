// Fuzz target for the shared room log's stream-entry codec (room_log_redis.h): any field/value list decodes to a
// record or to nothing, never a crash; a decoded record encodes back to fields that decode to the same record.
#include <livescope/server/relay/room_log_redis.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>
#include <vector>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace livescope;
    // The input is the entry's flat list, items separated by NUL bytes (Redis values may hold any byte but NUL here).
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    std::vector<std::string_view> flat;
    size_t start = 0;
    while (start <= input.size() && flat.size() < 256)
    {
        const size_t end = input.find('\0', start);
        flat.push_back(input.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
        if (end == std::string_view::npos)
            break;
        start = end + 1;
    }
    const std::optional<LogRecord> record = DecodeLogFields("room", flat);
    if (!record)
        return 0;
    std::vector<std::string> again = {"seq", std::to_string(record->Seq)};
    for (const auto& [name, value] : EncodeLogFields(*record))
    {
        again.push_back(name);
        again.push_back(value);
    }
    const std::vector<std::string_view> views(again.begin(), again.end());
    const std::optional<LogRecord> back = DecodeLogFields("room", views);
    if (!back)
        std::abort(); // what we wrote we must read
    // Fields only a comment carries are dropped from other types on the way back; compare what is kept.
    LogRecord expect = *record;
    if (expect.Type != LogType::Comment)
    {
        expect.Author = User{};
        expect.Text.clear();
        expect.Question = false;
    }
    if (!(*back == expect))
        std::abort();
    return 0;
}
