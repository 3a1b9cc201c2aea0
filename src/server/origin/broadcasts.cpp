// Pure broadcast rules of the origin: names, life, admission, /live/ path split, /live/index.json.
#include <livescope/server/origin/broadcasts.h>

#include <livescope/base/query.h>

#include <livescope/server/origin/live_playlist.h>

#include <livescope/server/common/token.h>

#include <nlohmann/json.hpp>

namespace livescope {

bool ValidBroadcastName(std::string_view name)
{
    if (name.empty() || name.size() > BroadcastNameMaxBytes)
        return false;
    for (char c : name)
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-'))
            return false;
    return true;
}

const char* BroadcastStateName(BroadcastPhase phase)
{
    switch (phase)
    {
        case BroadcastPhase::Starting: return "starting";
        case BroadcastPhase::Live:
        case BroadcastPhase::Stalled: return "live";
        case BroadcastPhase::Ended: return "ended";
    }
    return "ended";
}

void BroadcastLife::PublisherConnected()
{
    Publishing = true;
    if (Phase == BroadcastPhase::Stalled)
        Phase = BroadcastPhase::Live;
}

bool BroadcastLife::PartArrived(int64_t now_ms, int64_t first_pdt_ms)
{
    if (Phase != BroadcastPhase::Starting)
        return false;
    Phase = BroadcastPhase::Live;
    StartedMs = first_pdt_ms > 0 && first_pdt_ms <= now_ms ? first_pdt_ms : now_ms;
    return true;
}

bool BroadcastLife::PublisherGone(int64_t now_ms)
{
    Publishing = false;
    GoneSinceMs = now_ms;
    if (Phase == BroadcastPhase::Starting)
        return true;
    if (Phase == BroadcastPhase::Live)
        Phase = BroadcastPhase::Stalled;
    return false;
}

bool BroadcastLife::Expire(int64_t now_ms, int64_t grace_ms)
{
    if (Phase != BroadcastPhase::Stalled || Publishing || now_ms - GoneSinceMs < grace_ms)
        return false;
    Phase = BroadcastPhase::Ended;
    EndedMs = now_ms;
    return true;
}

PublishVerdict DecidePublish(std::string_view name, const BroadcastLife* existing, size_t active, size_t max_broadcasts)
{
    if (!ValidBroadcastName(name))
        return PublishVerdict::BadName;
    if (existing && existing->Active())
    {
        if (existing->Publishing)
            return PublishVerdict::Busy;
        return PublishVerdict::Resume; // it counts already
    }
    if (active >= max_broadcasts)
        return PublishVerdict::Full;
    return PublishVerdict::Start;
}

std::string PublishRefusal(PublishVerdict verdict, std::string_view name, size_t max_broadcasts)
{
    switch (verdict)
    {
        case PublishVerdict::Start:
        case PublishVerdict::Resume: return {};
        case PublishVerdict::BadName: return "a broadcast name is 1 to 64 of a-z, 0-9 and '-'";
        case PublishVerdict::Busy: return "broadcast '" + std::string(name) + "' already has a publisher";
        case PublishVerdict::Full:
            return "this origin already carries its maximum of " + std::to_string(max_broadcasts) + " broadcast(s) (--max-broadcasts); try later";
    }
    return {};
}

LivePath SplitLivePath(std::string_view path)
{
    LivePath out;
    if (path.rfind("/live/", 0) != 0)
        return out;
    const std::string_view rest = path.substr(6);
    if (rest == "index.json")
    {
        out.PathKind = LivePath::Kind::Index;
        return out;
    }
    std::vector<std::string_view> parts;
    size_t start = 0;
    while (true)
    {
        const size_t slash = rest.find('/', start);
        parts.push_back(rest.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
        if (slash == std::string_view::npos)
            break;
        start = slash + 1;
    }
    for (std::string_view part : parts)
        if (part.empty())
            return out;
    if (parts.size() == 1 && parts[0] == "master.m3u8")
    {
        out = LivePath{LivePath::Kind::Broadcast, DemoBroadcastName, std::string(path)};
        return out;
    }
    if (parts.size() == 2)
    {
        if (parts[1] == "master.m3u8")
            out = LivePath{LivePath::Kind::Broadcast, std::string(parts[0]), "/live/master.m3u8"};
        else
            out = LivePath{LivePath::Kind::Broadcast, DemoBroadcastName, std::string(path)};
        return out;
    }
    if (parts.size() == 3)
        out = LivePath{LivePath::Kind::Broadcast, std::string(parts[0]), "/live/" + std::string(parts[1]) + "/" + std::string(parts[2])};
    return out;
}

std::string RenderBroadcastIndex(const std::vector<BroadcastSummary>& broadcasts)
{
    nlohmann::json list = nlohmann::json::array();
    for (const BroadcastSummary& broadcast : broadcasts)
    {
        if (broadcast.Phase == BroadcastPhase::Starting)
            continue;
        nlohmann::json entry = {
            {"name", broadcast.Name},
            {"title", broadcast.Title},
            {"state", BroadcastStateName(broadcast.Phase)},
            {"publishing", broadcast.Publishing},
            {"started_at", FormatProgramDateTime(broadcast.StartedMs)},
            {"master", "/live/" + broadcast.Name + "/master.m3u8"},
        };
        if (broadcast.Phase == BroadcastPhase::Ended)
            entry["ended_at"] = FormatProgramDateTime(broadcast.EndedMs);
        entry["started"] = broadcast.StartedMs;
        if (broadcast.Phase == BroadcastPhase::Ended)
            entry["ended"] = broadcast.EndedMs;
        if (!broadcast.Id.empty())
            entry["id"] = broadcast.Id;
        if (!broadcast.Replay.empty())
            entry["replay"] = broadcast.Replay;
        if (!broadcast.Top.empty())
            entry["top"] = broadcast.Top;
        list.push_back(std::move(entry));
    }
    const nlohmann::json body = {{"broadcasts", std::move(list)}};
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n";
}

KeyCheck CheckStreamKey(std::string_view secret, std::string_view token, std::string_view name, int64_t now_s)
{
    if (secret.empty())
        return {503, "this origin takes no publishers (no secret: --secret-file or LIVESCOPE_SECRET)"};
    if (token.empty())
        return {401, "a stream key is required (?token=<key> or Sec-WebSocket-Protocol)"};
    const TokenResult result = VerifyToken(secret, token, now_s);
    if (!result.Ok())
        return {401, std::string("stream key refused: ") + TokenErrorName(result.Error)};
    if (result.Claims.UserRole != Role::Broadcaster)
        return {403, "stream key refused: not a broadcaster token"};
    const std::string& keyed = result.Claims.Room ? *result.Claims.Room : result.Claims.Name;
    if (keyed != name)
        return {403, "stream key refused: it is for another broadcast"};
    return {};
}

std::vector<std::string_view> SplitSubprotocols(std::string_view protocols)
{
    std::vector<std::string_view> out;
    while (!protocols.empty())
    {
        const size_t comma = protocols.find(',');
        std::string_view item = protocols.substr(0, comma);
        protocols = comma == std::string_view::npos ? std::string_view() : protocols.substr(comma + 1);
        while (!item.empty() && (item.front() == ' ' || item.front() == '\t'))
            item.remove_prefix(1);
        while (!item.empty() && (item.back() == ' ' || item.back() == '\t'))
            item.remove_suffix(1);
        if (!item.empty())
            out.push_back(item);
    }
    return out;
}

std::string FindStreamKey(std::string_view query, std::string_view protocols, std::string& subprotocol)
{
    subprotocol.clear();
    std::string key = QueryValue(query, "token");
    if (!key.empty())
        return key;
    bool offered_ours = false;
    for (std::string_view item : SplitSubprotocols(protocols))
    {
        if (item == IngestSubprotocol)
            offered_ours = true;
        else if (key.empty())
            key = std::string(item);
    }
    if (!key.empty())
        subprotocol = offered_ours ? IngestSubprotocol : key;
    return key;
}

std::string WebhookBody(std::string_view event, const BroadcastSummary& broadcast, int64_t now_ms)
{
    nlohmann::json body = {
        {"event", std::string(event)},
        {"name", broadcast.Name},
        {"title", broadcast.Title},
        {"state", BroadcastStateName(broadcast.Phase)},
        {"started_at", FormatProgramDateTime(broadcast.StartedMs)},
        {"master", "/live/" + broadcast.Name + "/master.m3u8"},
        {"at", FormatProgramDateTime(now_ms)},
    };
    if (broadcast.Phase == BroadcastPhase::Ended)
        body["ended_at"] = FormatProgramDateTime(broadcast.EndedMs);
    if (!broadcast.Id.empty())
        body["id"] = broadcast.Id;
    if (!broadcast.Replay.empty())
        body["replay"] = broadcast.Replay;
    return body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

std::string WebhookSignature(std::string_view secret, std::string_view body)
{
    static constexpr char Hex[] = "0123456789abcdef";
    const std::string mac = HmacSha256(secret, body);
    std::string out = "sha256=";
    for (unsigned char c : mac)
    {
        out += Hex[c >> 4];
        out += Hex[c & 15];
    }
    return out;
}

bool ParseHttpUrl(std::string_view url, HttpUrl& out, std::string& error)
{
    out = HttpUrl{};
    if (url.rfind("http://", 0) != 0)
    {
        error = "only http:// URLs are supported";
        return false;
    }
    std::string_view rest = url.substr(7);
    const size_t slash = rest.find('/');
    std::string_view authority = rest.substr(0, slash);
    if (slash != std::string_view::npos)
        out.Target = std::string(rest.substr(slash));
    const size_t colon = authority.rfind(':');
    if (colon != std::string_view::npos && authority.find(']', colon) == std::string_view::npos)
    {
        out.Port = std::string(authority.substr(colon + 1));
        authority = authority.substr(0, colon);
        if (out.Port.empty() || out.Port.size() > 5 || out.Port.find_first_not_of("0123456789") != std::string::npos)
        {
            error = "bad port in URL";
            return false;
        }
    }
    if (authority.size() >= 2 && authority.front() == '[' && authority.back() == ']')
        authority = authority.substr(1, authority.size() - 2);
    if (authority.empty())
    {
        error = "no host in URL";
        return false;
    }
    out.Host = std::string(authority);
    return true;
}

} // namespace livescope
