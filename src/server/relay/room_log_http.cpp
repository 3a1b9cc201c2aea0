// Room log over HTTP: target parsing (errors as values), event pages and the Q&A transcript in JSON and Markdown.
// [SECTION] Parsing
// [SECTION] Rendering
#include <livescope/server/relay/room_log_http.h>

#include <livescope/base/query.h>

#include <nlohmann/json.hpp>

#include <cinttypes>
#include <cstdio>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] Parsing
//-----------------------------------------------------------------------------

namespace {
constexpr int64_t MaxTimeMs = int64_t{1} << 53; // ms; JSON-safe integers

bool ParseInteger(std::string_view text, int64_t min_value, int64_t max_value, int64_t& out)
{
    if (text.empty() || text.size() > 16)
        return false;
    int64_t v = 0;
    for (const char c : text)
    {
        if (c < '0' || c > '9')
            return false;
        v = v * 10 + (c - '0');
    }
    if (v < min_value || v > max_value)
        return false;
    out = v;
    return true;
}

ParsedRoomLogRequest Fail(std::string message)
{
    return ParsedRoomLogRequest{std::nullopt, std::move(message)};
}
} // namespace

bool IsRoomLogTarget(std::string_view target)
{
    return target.rfind("/rooms/", 0) == 0;
}

ParsedRoomLogRequest ParseRoomLogRequest(std::string_view target, std::string_view accept)
{
    if (target.size() > MaxLogTargetBytes)
        return Fail("the request target is longer than 4096 bytes");
    if (!IsRoomLogTarget(target))
        return Fail("the path must be /rooms/<room>/events or /rooms/<room>/transcript");
    const size_t question = target.find('?');
    const std::string_view path = target.substr(0, question);
    std::string_view query = question == std::string_view::npos ? std::string_view() : target.substr(question + 1);
    std::string_view rest = path.substr(7); // after "/rooms/"
    const size_t slash = rest.find('/');
    if (slash == std::string_view::npos)
        return Fail("the path must be /rooms/<room>/events or /rooms/<room>/transcript");
    RoomLogRequest r;
    if (!PercentDecode(rest.substr(0, slash), r.Room) || !IsValidRoomName(r.Room))
        return Fail("the room must be 1..64 of [A-Za-z0-9._-]");
    const std::string_view what = rest.substr(slash + 1);
    if (what == "events")
        r.What = RoomLogRequest::Kind::Events;
    else if (what == "transcript")
        r.What = RoomLogRequest::Kind::Transcript;
    else
        return Fail("the path must be /rooms/<room>/events or /rooms/<room>/transcript");

    bool seen[6] = {false, false, false, false, false, false}; // from, to, after, limit, format, replay
    std::optional<std::string> format;
    std::string_view key, raw;
    while (NextQueryPair(query, key, raw))
    {
        std::string value;
        if (!PercentDecode(raw, value))
            return Fail("parameter '" + std::string(key.substr(0, 32)) + "' has a broken %-escape");
        static constexpr std::string_view Keys[6] = {"from", "to", "after", "limit", "format", "replay"};
        int index = -1;
        for (int i = 0; i < 6; i++)
            if (key == Keys[i])
                index = i;
        if (index < 0)
            continue; // unknown parameters (cache busters) are ignored
        if (seen[index])
            return Fail("parameter '" + std::string(key) + "' is given twice");
        seen[index] = true;
        int64_t v = 0;
        switch (index)
        {
        case 0:
        case 1:
            if (!ParseInteger(value, 0, MaxTimeMs, v))
                return Fail("parameter '" + std::string(key) + "' must be a stream time in epoch milliseconds (0..2^53)");
            (index == 0 ? r.From : r.To) = v;
            break;
        case 2:
        {
            const size_t sep = value.find('_');
            int64_t t = 0, seq = 0;
            if (sep == std::string::npos || !ParseInteger(std::string_view(value).substr(0, sep), 0, MaxTimeMs, t) ||
                !ParseInteger(std::string_view(value).substr(sep + 1), 0, MaxTimeMs, seq))
                return Fail("parameter 'after' must be a cursor from a previous answer's 'next'");
            r.AfterT = t;
            r.AfterSeq = seq;
            break;
        }
        case 3:
            if (!ParseInteger(value, 1, static_cast<int64_t>(MaxEventsLimit), v))
                return Fail("parameter 'limit' must be 1..1000");
            r.Limit = static_cast<size_t>(v);
            break;
        case 4:
            if (value != "json" && value != "md")
                return Fail("parameter 'format' must be json or md");
            format = value;
            break;
        case 5:
            if (value.size() > MaxReplayUrlBytes || !(value.rfind("http://", 0) == 0 || value.rfind("https://", 0) == 0 || value.rfind("/", 0) == 0))
                return Fail("parameter 'replay' must be an http(s) URL or a path of at most 2048 bytes");
            for (const char c : value)
                if (static_cast<unsigned char>(c) < 0x20 || c == ' ' || c == '"' || c == '<' || c == '>' || c == '(' || c == ')' || c == '\x7f')
                    return Fail("parameter 'replay' holds a character a link cannot carry");
            r.Replay = value;
            break;
        default: break;
        }
    }
    if (r.From && r.To && *r.From >= *r.To)
        return Fail("parameter 'from' must be before 'to'");
    if (r.What == RoomLogRequest::Kind::Transcript)
        r.Markdown = format ? *format == "md" : accept.find("text/markdown") != std::string_view::npos;
    return ParsedRoomLogRequest{std::move(r), {}};
}

//-----------------------------------------------------------------------------
// [SECTION] Rendering
//-----------------------------------------------------------------------------

namespace {
nlohmann::json UserJson(const User& u)
{
    return nlohmann::json{{"id", u.Id}, {"name", u.Name}, {"color", u.Color}};
}

std::string Dump(const nlohmann::json& j)
{
    // Invalid UTF-8 (never accepted by the codec, but the log is a file) is replaced, never thrown.
    return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::optional<double> OffsetS(const RoomLogRequest& request, const LogQuestion& q)
{
    if (!request.From || !q.AnsweredT)
        return std::nullopt;
    return static_cast<double>(*q.AnsweredT - *request.From) / 1000.0;
}

std::string FormatSeconds(double seconds)
{
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%.1f", seconds);
    return buf;
}

// m:ss (h:mm:ss past an hour).
std::string Clock(double seconds)
{
    const int64_t s = seconds < 0 ? 0 : static_cast<int64_t>(seconds);
    char buf[32];
    if (s >= 3600)
        std::snprintf(buf, sizeof(buf), "%" PRId64 ":%02d:%02d", s / 3600, static_cast<int>(s / 60 % 60), static_cast<int>(s % 60));
    else
        std::snprintf(buf, sizeof(buf), "%" PRId64 ":%02d", s / 60, static_cast<int>(s % 60));
    return buf;
}

// HH:MM:SS UTC of an epoch time in ms.
std::string UtcClock(int64_t ms)
{
    const int64_t day_s = ((ms / 1000) % 86400 + 86400) % 86400;
    char buf[32];
    std::snprintf(buf, sizeof(buf), "%02d:%02d:%02d UTC", static_cast<int>(day_s / 3600), static_cast<int>(day_s / 60 % 60), static_cast<int>(day_s % 60));
    return buf;
}

// Text shown as Markdown text: characters Markdown or HTML would read are escaped; newlines become spaces.
std::string MarkdownText(std::string_view text)
{
    std::string out;
    for (const char c : text)
    {
        if (c == '\n' || c == '\r')
        {
            out.push_back(' ');
            continue;
        }
        if (std::string_view("\\`*_{}[]()#+-.!|<>~&").find(c) != std::string_view::npos)
            out.push_back('\\');
        out.push_back(c);
    }
    return out;
}
} // namespace

std::string LogCursor(const LogRecord& record)
{
    return std::to_string(record.T) + "_" + std::to_string(record.Seq);
}

namespace {
nlohmann::json EventJson(const LogRecord& r)
{
    nlohmann::json e{{"seq", r.Seq}, {"t", r.T}, {"at", r.At}, {"type", LogTypeName(r.Type)}};
    switch (r.Type)
    {
    case LogType::Comment:
        e["id"] = r.Ref;
        e["author"] = UserJson(r.Author);
        e["text"] = r.Text;
        e["question"] = r.Question;
        break;
    case LogType::Hearts:
    {
        nlohmann::json counts = nlohmann::json::array();
        for (const HeartCount& h : r.Hearts)
            counts.push_back({{"color", h.Color}, {"count", h.Count}});
        e["counts"] = std::move(counts);
        break;
    }
    case LogType::Vote:
        e["id"] = r.Ref;
        e["votes"] = r.Num;
        break;
    case LogType::Answering:
    case LogType::Answered:
    case LogType::Dismissed:
    case LogType::Pinned: e["id"] = r.Ref; break;
    case LogType::Viewers:
        e["live"] = r.Num;
        e["total"] = r.Num2;
        break;
    case LogType::Muted:
        e["user"] = r.Ref;
        if (r.Num > 0)
            e["until"] = r.Num;
        break;
    default: break;
    }
    return e;
}
} // namespace

std::string RenderLogEvent(const LogRecord& record)
{
    return Dump(EventJson(record));
}

std::string RenderEventsPage(const std::string& room, const std::vector<LogRecord>& events, bool full)
{
    nlohmann::json list = nlohmann::json::array();
    for (const LogRecord& r : events)
        list.push_back(EventJson(r));
    nlohmann::json page{{"room", room}, {"events", std::move(list)}, {"next", nullptr}};
    if (full && !events.empty())
        page["next"] = LogCursor(events.back());
    return Dump(page);
}

std::string RenderTranscriptJson(const RoomLogRequest& request, const std::vector<LogQuestion>& questions)
{
    nlohmann::json list = nlohmann::json::array();
    for (const LogQuestion& q : questions)
    {
        nlohmann::json item{{"id", q.Id},           {"author", UserJson(q.Author)}, {"text", q.Text}, {"votes", q.Votes},
                            {"asked_t", q.AskedT}, {"answered_t", nullptr},        {"replay_offset_s", nullptr}};
        if (q.AnsweredT)
            item["answered_t"] = *q.AnsweredT;
        if (const auto offset = OffsetS(request, q))
        {
            item["replay_offset_s"] = *offset;
            if (!request.Replay.empty())
                item["link"] = request.Replay + "#t=" + FormatSeconds(*offset);
        }
        list.push_back(std::move(item));
    }
    return Dump(nlohmann::json{{"room", request.Room}, {"questions", std::move(list)}});
}

std::string RenderTranscriptMarkdown(const RoomLogRequest& request, const std::vector<LogQuestion>& questions)
{
    std::string out = "## Questions and answers: " + MarkdownText(request.Room) + "\n\n";
    if (questions.empty())
        out += "No questions were asked.\n";
    int n = 1;
    for (const LogQuestion& q : questions)
    {
        out += std::to_string(n++) + ". **" + MarkdownText(q.Text) + "** (" + MarkdownText(q.Author.Name) + ", " + std::to_string(q.Votes) +
               (q.Votes == 1 ? " vote)" : " votes)");
        if (const auto offset = OffsetS(request, q))
        {
            out += ": answered at " + Clock(*offset);
            if (!request.Replay.empty())
                out += " ([watch](" + request.Replay + "#t=" + FormatSeconds(*offset) + "))";
        }
        else if (q.AnsweredT)
            out += ": answered at " + UtcClock(*q.AnsweredT);
        else
            out += ": not answered";
        out += "\n";
    }
    return out;
}

RoomLogAnswer AnswerRoomLog(std::string_view target, std::string_view accept, RoomLog* log)
{
    const ParsedRoomLogRequest parsed = ParseRoomLogRequest(target, accept);
    if (!parsed.Ok())
        return RoomLogAnswer{400, "application/json", Dump(nlohmann::json{{"error", parsed.Error}})};
    const RoomLogRequest& r = *parsed.Value;
    if (!log)
        return RoomLogAnswer{503, "application/json", Dump(nlohmann::json{{"error", "the room log is off (livescope-relay --no-log)"}})};
    const int64_t from = r.From.value_or(0);
    const int64_t to = r.To.value_or(INT64_MAX);
    if (r.What == RoomLogRequest::Kind::Events)
    {
        LogQuery q;
        q.Room = r.Room;
        q.From = from;
        q.To = to;
        q.AfterT = r.AfterT;
        q.AfterSeq = r.AfterSeq;
        q.Limit = r.Limit;
        const std::vector<LogRecord> events = log->Events(q);
        return RoomLogAnswer{200, "application/json", RenderEventsPage(r.Room, events, events.size() >= r.Limit)};
    }
    const std::vector<LogQuestion> questions = log->Questions(r.Room, from, to, MaxTranscriptQuestions);
    if (r.Markdown)
        return RoomLogAnswer{200, "text/markdown; charset=utf-8", RenderTranscriptMarkdown(r, questions)};
    return RoomLogAnswer{200, "application/json", RenderTranscriptJson(r, questions)};
}

} // namespace livescope
