// Room log over HTTP (pure): parsing `GET /rooms/<room>/events|transcript` targets and rendering the answers as JSON or
// Markdown. The Beast edge only moves the bytes (server.cpp).
#pragma once
#include <livescope/server/relay/room_log.h>

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

inline constexpr size_t MaxEventsLimit = 1000;       // events per page
inline constexpr size_t DefaultEventsLimit = 500;    // events per page when `limit` is absent
inline constexpr size_t MaxTranscriptQuestions = 1000; // questions in one transcript
inline constexpr size_t MaxReplayUrlBytes = 2048;    // bytes, the transcript's `replay` parameter once decoded
inline constexpr size_t MaxLogTargetBytes = 4096;    // bytes, a whole request target

struct RoomLogRequest
{
    enum class Kind
    {
        Events,
        Transcript,
    };
    Kind What = Kind::Events;
    std::string Room;
    std::optional<int64_t> From{}; // ms, stream time
    std::optional<int64_t> To{};   // ms, exclusive
    std::optional<int64_t> AfterT{};
    int64_t AfterSeq = 0;
    size_t Limit = DefaultEventsLimit;
    bool Markdown = false;  // transcript: format=md or Accept: text/markdown
    std::string Replay{};   // transcript: the replay URL links point into ("" = none)
    bool operator==(const RoomLogRequest&) const = default;
};

// A parsed request or the reason for a 400.
struct ParsedRoomLogRequest
{
    std::optional<RoomLogRequest> Value;
    std::string Error; // human-readable, names the parameter at fault (when Value is empty)
    bool Ok() const { return Value.has_value(); }
};

// True when `target` is for the room log (its path starts with "/rooms/"); other targets are not ours.
bool IsRoomLogTarget(std::string_view target);
// `target`: the request target (path and query, percent-encoded). `accept`: the Accept header. Never throws.
// Rules: from/to 0..2^53 (epoch ms), from < to when both; after: a cursor from a previous `next`; limit 1..1000;
// format json|md; replay: an http(s) URL of at most 2048 bytes. Unknown parameters are ignored; a repeated one: 400.
ParsedRoomLogRequest ParseRoomLogRequest(std::string_view target, std::string_view accept = {});

// The cursor of a record (`next`): "<t>_<seq>".
std::string LogCursor(const LogRecord& record);

// One event as the contract writes it: {"seq","t","at","type",...}.
std::string RenderLogEvent(const LogRecord& record);
// `{"room":R,"events":[...],"next":cursor|null}`. `full`: the page reached its limit (more may follow).
std::string RenderEventsPage(const std::string& room, const std::vector<LogRecord>& events, bool full);
// `{"room":R,"questions":[{id,author,text,votes,asked_t,answered_t,replay_offset_s[,link]}]}`.
std::string RenderTranscriptJson(const RoomLogRequest& request, const std::vector<LogQuestion>& questions);
// The same as Markdown a publisher pastes under a post.
std::string RenderTranscriptMarkdown(const RoomLogRequest& request, const std::vector<LogQuestion>& questions);

// A whole answer: status, content type and body (the edge adds CORS and the rest).
struct RoomLogAnswer
{
    int Status = 200;
    std::string ContentType = "application/json";
    std::string Body;
};
// Parses, reads `log` (null: the log is off: 503) and renders. An unknown room is 200 with nothing in it.
RoomLogAnswer AnswerRoomLog(std::string_view target, std::string_view accept, RoomLog* log);

} // namespace livescope
