// RedisRoomLog's pure part: a LogRecord as the field/value pairs of a stream entry, and back (errors as values).
#include <livescope/server/relay/room_log_redis.h>

#include <charconv>

namespace livescope {

namespace {
bool ParseInt64(std::string_view text, int64_t& out)
{
    if (text.empty())
        return false;
    const char* end = text.data() + text.size();
    const auto [ptr, ec] = std::from_chars(text.data(), end, out);
    return ec == std::errc() && ptr == end;
}

} // namespace

std::vector<std::pair<std::string, std::string>> EncodeLogFields(const LogRecord& r)
{
    std::vector<std::pair<std::string, std::string>> out;
    out.emplace_back("t", std::to_string(r.T));
    out.emplace_back("at", std::to_string(r.At));
    out.emplace_back("type", LogTypeName(r.Type));
    if (!r.Ref.empty())
        out.emplace_back("ref", r.Ref);
    if (r.Num != 0)
        out.emplace_back("num", std::to_string(r.Num));
    if (r.Num2 != 0)
        out.emplace_back("num2", std::to_string(r.Num2));
    if (r.Type == LogType::Comment)
    {
        out.emplace_back("aid", r.Author.Id);
        out.emplace_back("aname", r.Author.Name);
        out.emplace_back("acolor", r.Author.Color);
        out.emplace_back("text", r.Text);
        if (r.Question)
            out.emplace_back("q", "1");
    }
    if (!r.Hearts.empty())
        out.emplace_back("hearts", EncodeHearts(r.Hearts));
    return out;
}

std::optional<LogRecord> DecodeLogFields(std::string_view room, const std::vector<std::string_view>& flat)
{
    if (flat.size() % 2 != 0)
        return std::nullopt;
    LogRecord r;
    r.Room = std::string(room);
    bool has_seq = false, has_t = false, has_at = false, has_type = false;
    for (size_t i = 0; i < flat.size(); i += 2)
    {
        const std::string_view key = flat[i];
        const std::string_view value = flat[i + 1];
        bool ok = true;
        if (key == "seq")
            ok = has_seq = ParseInt64(value, r.Seq);
        else if (key == "t")
            ok = has_t = ParseInt64(value, r.T);
        else if (key == "at")
            ok = has_at = ParseInt64(value, r.At);
        else if (key == "type")
        {
            const std::optional<LogType> type = LogTypeFromName(value);
            ok = has_type = type.has_value() && *type != LogType::Deleted;
            if (ok)
                r.Type = *type;
        }
        else if (key == "ref")
            r.Ref = std::string(value);
        else if (key == "num")
            ok = ParseInt64(value, r.Num);
        else if (key == "num2")
            ok = ParseInt64(value, r.Num2);
        else if (key == "aid")
            r.Author.Id = std::string(value);
        else if (key == "aname")
            r.Author.Name = std::string(value);
        else if (key == "acolor")
            r.Author.Color = std::string(value);
        else if (key == "text")
            r.Text = std::string(value);
        else if (key == "q")
            r.Question = value == "1";
        else if (key == "hearts")
        {
            r.Hearts.clear();
            ok = DecodeHearts(value, r.Hearts);
        }
        if (!ok)
            return std::nullopt;
    }
    if (!has_seq || !has_t || !has_at || !has_type || r.Seq <= 0)
        return std::nullopt;
    return r;
}

} // namespace livescope
