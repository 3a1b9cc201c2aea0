// Fuzz target for the relay's room log HTTP parsing (room_log_http.h): any request target and Accept header parse to
// a value or an error, never a crash; a parsed request answers from an in-memory log and renders valid JSON.
#include <livescope/server/relay/room_log.h>
#include <livescope/server/relay/room_log_http.h>

#include <nlohmann/json.hpp>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size)
{
    using namespace livescope;
    const std::string_view input(reinterpret_cast<const char*>(data), size);
    // The first line is the target, the rest the Accept header.
    const size_t newline = input.find('\n');
    const std::string_view target = input.substr(0, newline);
    const std::string_view accept = newline == std::string_view::npos ? std::string_view() : input.substr(newline + 1);
    const ParsedRoomLogRequest parsed = ParseRoomLogRequest(target, accept);
    if (parsed.Ok() == !parsed.Error.empty())
        std::abort(); // exactly one of a value and an error
    static MemoryRoomLog* log = [] {
        auto* l = new MemoryRoomLog();
        std::vector<LogRecord> seed(3);
        for (size_t i = 0; i < seed.size(); i++)
        {
            seed[i].Room = "talk";
            seed[i].T = 1000 + static_cast<int64_t>(i) * 500;
            seed[i].Type = i == 0 ? LogType::Comment : LogType::Answered;
            seed[i].Ref = "c-1";
            seed[i].Question = true;
            seed[i].Author = User{"u-a", "A", "#112233"};
            seed[i].Text = "why?";
        }
        l->Append(seed);
        return l;
    }();
    const RoomLogAnswer answer = AnswerRoomLog(target, accept, log);
    if (answer.ContentType == "application/json" && !nlohmann::json::accept(answer.Body))
        std::abort();
    if (parsed.Ok() && answer.Status != 200)
        std::abort();
    return 0;
}
