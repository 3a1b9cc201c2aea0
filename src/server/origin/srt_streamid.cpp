// Pure SRT ingest rules: stream id parsing, the pre-accept key check, reject codes (srt_streamid.h).
#include <livescope/server/origin/srt_streamid.h>

#include <livescope/server/common/token.h>
#include <livescope/server/origin/broadcasts.h>

namespace livescope {

namespace {

constexpr std::string_view AccessControlPrefix = "#!::";

} // namespace

bool ParseSrtStreamId(std::string_view text, SrtStreamId& out, std::string& error, int& status)
{
    out = {};
    status = 400;
    if (text.size() > SrtStreamIdMaxBytes)
    {
        error = "the stream id is longer than 512 bytes";
        return false;
    }
    if (text.substr(0, AccessControlPrefix.size()) != AccessControlPrefix)
    {
        out.Key = std::string(text); // the whole stream id is the key
        return true;
    }
    text.remove_prefix(AccessControlPrefix.size());
    bool seen_r = false, seen_s = false, seen_m = false, seen_t = false;
    while (!text.empty())
    {
        const size_t comma = text.find(',');
        const std::string_view item = text.substr(0, comma);
        text = comma == std::string_view::npos ? std::string_view() : text.substr(comma + 1);
        if (item.empty())
            continue;
        const size_t equals = item.find('=');
        if (equals == std::string_view::npos || equals == 0)
        {
            error = "malformed stream id: '" + std::string(item.substr(0, 32)) + "' is not key=value";
            return false;
        }
        const std::string_view key = item.substr(0, equals);
        const std::string_view value = item.substr(equals + 1);
        bool* seen = key == "r" ? &seen_r : key == "s" ? &seen_s : key == "m" ? &seen_m : key == "t" ? &seen_t : nullptr;
        if (!seen)
            continue; // u (user), h (host) and keys of other services mean nothing here
        if (*seen)
        {
            error = "malformed stream id: '" + std::string(key) + "' given twice";
            return false;
        }
        *seen = true;
        if (key == "r")
        {
            std::string_view name = value;
            if (name.substr(0, 5) == "live/")
                name.remove_prefix(5);
            out.Name = std::string(name);
            if (out.Name.empty())
            {
                error = "malformed stream id: r= names no broadcast";
                return false;
            }
        }
        else if (key == "s")
            out.Key = std::string(value);
        else if (key == "m" && value != "publish")
        {
            status = 405;
            error = "this origin only takes publishers over SRT (m=publish), not m=" + std::string(value.substr(0, 32));
            return false;
        }
        else if (key == "t" && value != "stream")
        {
            status = 415;
            error = "this origin only takes live streams over SRT (t=stream), not t=" + std::string(value.substr(0, 32));
            return false;
        }
    }
    return true;
}

SrtKeyCheck CheckSrtStreamId(std::string_view secret, std::string_view stream_id, int64_t now_s)
{
    SrtKeyCheck check;
    SrtStreamId parsed;
    std::string error;
    int status = 400;
    if (!ParseSrtStreamId(stream_id, parsed, error, status))
        return {status, {}, {}, error};
    const bool named = !parsed.Name.empty();
    if (named && (!ValidBroadcastName(parsed.Name) || parsed.Name == DemoBroadcastName))
        return {400, parsed.Name, parsed.Key,
                parsed.Name == DemoBroadcastName ? "'demo' is the test pattern's name" : PublishRefusal(PublishVerdict::BadName, parsed.Name, 0)};
    if (secret.empty())
        return {503, parsed.Name, parsed.Key, "this origin takes no publishers (no secret: --secret-file or LIVESCOPE_SECRET)"};
    if (parsed.Key.empty())
        return {401, parsed.Name, {}, "a stream key is required (streamid=<key>, or streamid=#!::r=<name>,s=<key>)"};
    if (!named)
    {
        // The broadcast is the one the key names; a key that does not verify is refused below with its reason.
        const TokenResult token = VerifyToken(secret, parsed.Key, now_s);
        if (token.Ok())
            parsed.Name = token.Claims.Room ? *token.Claims.Room : token.Claims.Name;
    }
    const KeyCheck key = CheckStreamKey(secret, parsed.Key, parsed.Name, now_s);
    if (key.Status != 200)
        return {key.Status, parsed.Name, parsed.Key, key.Message};
    if (!ValidBroadcastName(parsed.Name) || parsed.Name == DemoBroadcastName)
        return {400, parsed.Name, parsed.Key,
                parsed.Name == DemoBroadcastName ? "'demo' is the test pattern's name" : PublishRefusal(PublishVerdict::BadName, parsed.Name, 0)};
    check.Name = std::move(parsed.Name);
    check.Key = std::move(parsed.Key);
    return check;
}

int SrtRejectReason(int status)
{
    return status >= 400 && status < 600 ? 1000 + status : 1000; // SRT_REJX_FALLBACK otherwise
}

} // namespace livescope
