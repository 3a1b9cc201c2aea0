// RedisRoomBus: rooms shared between relay nodes over Redis pub/sub (hiredis async, bound to asio), and its pure parts.
// [SECTION] Envelope codec
// [SECTION] Dedupe and counts
// [SECTION] hiredis on asio
// [SECTION] The driver
#include <livescope/server/relay/room_bus_redis.h>

#include <hiredis/async.h>
#include <hiredis/hiredis.h>
#include <nlohmann/json.hpp>

#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <set>

namespace livescope {

namespace asio = boost::asio;
using nlohmann::json;

//-----------------------------------------------------------------------------
// [SECTION] Envelope codec
//-----------------------------------------------------------------------------

namespace {
json UserJson(const User& u) { return json{{"id", u.Id}, {"name", u.Name}, {"color", u.Color}}; }
User UserFrom(const json& j) { return User{j.at("id").get<std::string>(), j.at("name").get<std::string>(), j.at("color").get<std::string>()}; }

json CommentJson(const Comment& c)
{
    json j{{"id", c.Id}, {"author", UserJson(c.Author)}, {"text", c.Text}, {"at", c.ServerTime}, {"q", c.Question}};
    if (c.StreamTime)
        j["st"] = *c.StreamTime;
    return j;
}
Comment CommentFrom(const json& j)
{
    Comment c;
    c.Id = j.at("id").get<std::string>();
    c.Author = UserFrom(j.at("author"));
    c.Text = j.at("text").get<std::string>();
    c.ServerTime = j.at("at").get<int64_t>();
    c.Question = j.at("q").get<bool>();
    if (j.contains("st"))
        c.StreamTime = j.at("st").get<int64_t>();
    return c;
}

void PutStreamTime(json& j, const std::optional<int64_t>& t)
{
    if (t)
        j["st"] = *t;
}
std::optional<int64_t> StreamTimeFrom(const json& j)
{
    if (j.contains("st"))
        return j.at("st").get<int64_t>();
    return std::nullopt;
}

json EventJson(const RoomEvent& event)
{
    return std::visit(
        [](const auto& e) -> json {
            using T = std::decay_t<decltype(e)>;
            if constexpr (std::is_same_v<T, Comment>)
                return json{{"t", "comment"}, {"c", CommentJson(e)}};
            else if constexpr (std::is_same_v<T, HeartsEvent>)
            {
                json j{{"t", "hearts"}, {"color", e.Color}, {"count", e.Count}};
                PutStreamTime(j, e.StreamTime);
                return j;
            }
            else if constexpr (std::is_same_v<T, Pinned>)
                return json{{"t", "pin"}, {"c", CommentJson(e.Item)}};
            else if constexpr (std::is_same_v<T, Unpinned>)
                return json{{"t", "unpin"}};
            else if constexpr (std::is_same_v<T, Deleted>)
                return json{{"t", "delete"}, {"id", e.CommentId}};
            else if constexpr (std::is_same_v<T, Muted>)
            {
                json j{{"t", "mute"}, {"user", e.UserId}};
                if (e.DurationS)
                    j["dur"] = *e.DurationS;
                return j;
            }
            else if constexpr (std::is_same_v<T, Presence>)
                return json{{"t", "presence"}, {"left", e.Event == PresenceEvent::Left}, {"who", UserJson(e.Who)}};
            else if constexpr (std::is_same_v<T, VoteEvent>)
            {
                json j{{"t", "vote"}, {"id", e.QuestionId}, {"voter", e.VoterId}, {"on", e.On}};
                PutStreamTime(j, e.StreamTime);
                return j;
            }
            else if constexpr (std::is_same_v<T, BoardEvent>)
                return json{{"t", "board"}, {"what", static_cast<int>(e.What)}, {"id", e.QuestionId}, {"at", e.AtMs}};
            else if constexpr (std::is_same_v<T, ModesRequest>)
            {
                json j{{"t", "modes"}};
                if (e.SlowS)
                    j["slow"] = *e.SlowS;
                if (e.Hold)
                    j["hold"] = *e.Hold;
                if (e.BlockedWords)
                    j["words"] = *e.BlockedWords;
                return j;
            }
            else if constexpr (std::is_same_v<T, Held>)
                return json{{"t", "held"}, {"c", CommentJson(e.Item)}};
            else if constexpr (std::is_same_v<T, RejectRequest>)
                return json{{"t", "reject"}, {"id", e.CommentId}};
            else if constexpr (std::is_same_v<T, RoomStateAsk>)
                return json{{"t", "ask"}, {"from", e.Asker}};
            else if constexpr (std::is_same_v<T, RoomStateTell>)
            {
                json mutes = json::array();
                for (const auto& [user, until] : e.Mutes)
                    mutes.push_back(json::array({user, until}));
                return json{{"t", "tell"}, {"to", e.Asker}, {"slow", e.Modes.SlowS}, {"hold", e.Modes.Hold}, {"words", e.BlockedWords}, {"mutes", std::move(mutes)}};
            }
            else
            {
                static_assert(std::is_same_v<T, Ended>);
                return json{{"t", "ended"}};
            }
        },
        event);
}

RoomEvent EventFrom(const json& j)
{
    const std::string t = j.at("t").get<std::string>();
    if (t == "comment")
        return CommentFrom(j.at("c"));
    if (t == "hearts")
        return HeartsEvent{j.at("color").get<std::string>(), j.at("count").get<int64_t>(), StreamTimeFrom(j)};
    if (t == "pin")
        return Pinned{CommentFrom(j.at("c"))};
    if (t == "unpin")
        return Unpinned{};
    if (t == "delete")
        return Deleted{j.at("id").get<std::string>()};
    if (t == "mute")
    {
        Muted m{j.at("user").get<std::string>()};
        if (j.contains("dur"))
            m.DurationS = j.at("dur").get<int64_t>();
        return m;
    }
    if (t == "presence")
        return Presence{j.at("left").get<bool>() ? PresenceEvent::Left : PresenceEvent::Joined, UserFrom(j.at("who"))};
    if (t == "vote")
        return VoteEvent{j.at("id").get<std::string>(), j.at("voter").get<std::string>(), j.at("on").get<bool>(), StreamTimeFrom(j)};
    if (t == "board")
    {
        const int what = j.at("what").get<int>();
        if (what < 0 || what > static_cast<int>(BoardEvent::Action::Dismiss))
            throw std::out_of_range("board action");
        return BoardEvent{static_cast<BoardEvent::Action>(what), j.at("id").get<std::string>(), j.at("at").get<int64_t>()};
    }
    if (t == "modes")
    {
        ModesRequest m;
        if (j.contains("slow"))
            m.SlowS = j.at("slow").get<int64_t>();
        if (j.contains("hold"))
            m.Hold = j.at("hold").get<bool>();
        if (j.contains("words"))
            m.BlockedWords = j.at("words").get<std::vector<std::string>>();
        return m;
    }
    if (t == "held")
        return Held{CommentFrom(j.at("c"))};
    if (t == "reject")
        return RejectRequest{j.at("id").get<std::string>()};
    if (t == "ended")
        return Ended{};
    const auto node_id = [&j](const char* key) {
        if (!j.at(key).is_number_unsigned())
            throw std::out_of_range("node id");
        return j.at(key).get<uint64_t>();
    };
    if (t == "ask")
        return RoomStateAsk{node_id("from")};
    if (t == "tell")
    {
        RoomStateTell tell;
        tell.Asker = node_id("to");
        tell.Modes.SlowS = j.at("slow").get<int64_t>();
        tell.Modes.Hold = j.at("hold").get<bool>();
        tell.BlockedWords = j.at("words").get<std::vector<std::string>>();
        const json& mutes = j.at("mutes");
        if (tell.Modes.SlowS < 0 || tell.Modes.SlowS > MaxSlowModeS || tell.BlockedWords.size() > MaxBlockedWords || !mutes.is_array() ||
            mutes.size() > MaxStateMutes)
            throw std::out_of_range("tell");
        for (const json& m : mutes)
        {
            if (!m.is_array() || m.size() != 2)
                throw std::out_of_range("tell mute");
            tell.Mutes.emplace_back(m.at(0).get<std::string>(), m.at(1).get<int64_t>());
            if (tell.Mutes.back().first.empty() || tell.Mutes.back().first.size() > MaxIdChars || tell.Mutes.back().second < 0)
                throw std::out_of_range("tell mute");
        }
        return tell;
    }
    throw std::out_of_range("unknown event type");
}
} // namespace

std::string EncodeBusEnvelope(const BusEnvelope& envelope)
{
    char node[17];
    std::snprintf(node, sizeof node, "%016llx", static_cast<unsigned long long>(envelope.Node));
    json j{{"n", node}, {"s", envelope.Seq}, {"r", envelope.Room}};
    if (envelope.Event)
        j["e"] = EventJson(*envelope.Event);
    else if (!envelope.Batch.empty())
    {
        json batch = json::array();
        for (const RoomEvent& e : envelope.Batch)
            batch.push_back(EventJson(e));
        j["b"] = std::move(batch);
    }
    else if (envelope.Usage)
    {
        json users = json::array();
        for (const UsageReport::Entry& e : envelope.Usage->Users)
            users.push_back(json::array({e.UserId, e.Comments, e.Hearts, e.Votes}));
        j["u"] = std::move(users);
    }
    else
        j["v"] = json{{"live", envelope.Counts.Live}, {"total", envelope.Counts.Total}, {"ttl", envelope.TtlMs}};
    return j.dump();
}

std::optional<BusEnvelope> DecodeBusEnvelope(std::string_view text)
{
    const json j = json::parse(text.begin(), text.end(), nullptr, false);
    if (j.is_discarded() || !j.is_object())
        return std::nullopt;
    try
    {
        BusEnvelope out;
        const std::string node = j.at("n").get<std::string>();
        char* end = nullptr;
        if (node.size() != 16 || node.find_first_not_of("0123456789abcdef") != std::string::npos)
            return std::nullopt;
        out.Node = std::strtoull(node.c_str(), &end, 16);
        out.Seq = j.at("s").get<uint64_t>();
        out.Room = j.at("r").get<std::string>();
        if (!IsValidRoomName(out.Room) || out.Seq == 0)
            return std::nullopt;
        if (j.contains("e"))
            out.Event = EventFrom(j.at("e"));
        else if (j.contains("b"))
        {
            const json& batch = j.at("b");
            if (!batch.is_array() || batch.empty() || batch.size() > MaxBatchEvents)
                return std::nullopt;
            for (const json& e : batch)
                out.Batch.push_back(EventFrom(e));
        }
        else if (j.contains("u"))
        {
            const json& users = j.at("u");
            if (!users.is_array() || users.size() > MaxUsageUsers)
                return std::nullopt;
            UsageReport report;
            report.Users.reserve(users.size());
            for (const json& u : users)
            {
                if (!u.is_array() || u.size() != 4)
                    return std::nullopt;
                UsageReport::Entry e{u.at(0).get<std::string>(), u.at(1).get<int64_t>(), u.at(2).get<int64_t>(), u.at(3).get<int64_t>()};
                for (const int64_t n : {e.Comments, e.Hearts, e.Votes})
                    if (n < 0 || n > MaxUsagePerUser)
                        return std::nullopt;
                if (e.UserId.empty() || e.UserId.size() > MaxIdChars)
                    return std::nullopt;
                report.Users.push_back(std::move(e));
            }
            out.Usage = std::move(report);
        }
        else
        {
            const json& v = j.at("v");
            out.Counts = Viewers{v.at("live").get<int64_t>(), v.at("total").get<int64_t>()};
            out.TtlMs = v.at("ttl").get<int64_t>();
            if (out.Counts.Live < 0 || out.Counts.Total < 0 || out.TtlMs <= 0 || out.TtlMs > 60000)
                return std::nullopt;
        }
        return out;
    }
    catch (const std::exception&)
    {
        return std::nullopt;
    }
}

//-----------------------------------------------------------------------------
// [SECTION] Dedupe and counts
//-----------------------------------------------------------------------------

bool BusDedupe::Accept(uint64_t node, uint64_t seq, int64_t now_ms)
{
    if (now_ms - LastPruneMs >= 1000)
    {
        LastPruneMs = now_ms;
        for (auto it = Last.begin(); it != Last.end();)
            it = now_ms - it->second.AtMs >= ForgetAfterMs ? Last.erase(it) : std::next(it);
    }
    auto it = Last.find(node);
    if (it != Last.end())
    {
        if (seq <= it->second.Seq)
            return false;
        it->second = Seen{seq, now_ms};
        return true;
    }
    if (Last.size() >= MaxNodes)
    {
        auto stalest = std::min_element(Last.begin(), Last.end(), [](const auto& a, const auto& b) { return a.second.AtMs < b.second.AtMs; });
        Last.erase(stalest);
    }
    Last.emplace(node, Seen{seq, now_ms});
    return true;
}

void NodeCountTable::Set(const std::string& room, uint64_t node, Viewers counts, int64_t expires_at_ms)
{
    Rooms[room][node] = Entry{counts, expires_at_ms};
}

Viewers NodeCountTable::Sum(const std::string& room, int64_t now_ms) const
{
    Viewers sum;
    const auto it = Rooms.find(room);
    if (it == Rooms.end())
        return sum;
    for (const auto& [node, entry] : it->second)
        if (entry.ExpiresAtMs > now_ms)
        {
            sum.Live += entry.Counts.Live;
            sum.Total += entry.Counts.Total;
        }
    return sum;
}

void NodeCountTable::Prune(int64_t now_ms)
{
    for (auto room = Rooms.begin(); room != Rooms.end();)
    {
        auto& nodes = room->second;
        for (auto it = nodes.begin(); it != nodes.end();)
            it = it->second.ExpiresAtMs <= now_ms ? nodes.erase(it) : std::next(it);
        room = nodes.empty() ? Rooms.erase(room) : std::next(room);
    }
}

size_t NodeCountTable::Entries() const
{
    size_t n = 0;
    for (const auto& [room, nodes] : Rooms)
        n += nodes.size();
    return n;
}

bool BusOutbox::Take(const std::string& room, const RoomEvent& event)
{
    const HeartsEvent* hearts = std::get_if<HeartsEvent>(&event);
    const Presence* presence = std::get_if<Presence>(&event);
    if (!hearts && !presence)
        return false;
    auto it = Rooms.find(room);
    if (it == Rooms.end())
    {
        if (Rooms.size() >= MaxRooms)
            return false;
        it = Rooms.emplace(room, Gathered{}).first;
    }
    Gathered& g = it->second;
    if (hearts)
    {
        HeartsEvent& sum = g.Hearts.try_emplace(hearts->Color, HeartsEvent{hearts->Color, 0, std::nullopt}).first->second;
        sum.Count += hearts->Count;
        if (hearts->StreamTime && (!sum.StreamTime || *hearts->StreamTime > *sum.StreamTime))
            sum.StreamTime = hearts->StreamTime;
        HeartsTaken++;
        return true;
    }
    if (g.Joins.size() < MaxPresencePerFlush)
        g.Joins.push_back(*presence);
    else
        PresenceDrops++;
    return true;
}

std::vector<std::pair<std::string, std::vector<RoomEvent>>> BusOutbox::Flush()
{
    std::vector<std::pair<std::string, std::vector<RoomEvent>>> out;
    for (auto& [room, g] : Rooms)
    {
        std::vector<RoomEvent> batch;
        for (auto& [color, hearts] : g.Hearts)
            if (batch.size() < MaxBatchEvents) // 12 palette colours; a forged colour list cannot grow a batch
                batch.emplace_back(std::move(hearts));
        for (Presence& p : g.Joins)
            if (batch.size() < MaxBatchEvents)
                batch.emplace_back(std::move(p));
        out.emplace_back(room, std::move(batch));
    }
    Rooms.clear();
    return out;
}

bool ParseRedisUrl(std::string_view url, std::string& host, int& port)
{
    constexpr std::string_view scheme = "redis://";
    if (url.substr(0, scheme.size()) != scheme)
        return false;
    std::string_view rest = url.substr(scheme.size());
    if (!rest.empty() && rest.back() == '/')
        rest.remove_suffix(1);
    const size_t colon = rest.rfind(':');
    std::string_view h = colon == std::string_view::npos ? rest : rest.substr(0, colon);
    port = 6379;
    if (colon != std::string_view::npos)
    {
        const std::string_view p = rest.substr(colon + 1);
        if (p.empty() || p.size() > 5 || p.find_first_not_of("0123456789") != std::string_view::npos)
            return false;
        port = std::atoi(std::string(p).c_str());
        if (port < 1 || port > 65535)
            return false;
    }
    if (h.empty() || h.find_first_of("/@?# ") != std::string_view::npos)
        return false;
    host = std::string(h);
    return true;
}

//-----------------------------------------------------------------------------
// [SECTION] hiredis on asio
//-----------------------------------------------------------------------------

namespace {
int64_t SteadyMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

std::string ChannelOf(const std::string& room) { return "livescope:room:" + room; }
std::string UniqueKeyOf(const std::string& room) { return "livescope:viewers:" + room; }

// One hiredis async connection whose socket is watched by asio on the relay's io_context (hiredis 0.14 has no asio
// adapter: these are its event hooks). Handlers hold the link alive; once hiredis frees the context (Cleanup),
// they do nothing.
struct RedisLink : std::enable_shared_from_this<RedisLink>
{
    explicit RedisLink(asio::io_context& io) : Io(io), ConnectTimer(io) {}

    asio::io_context& Io;
    redisAsyncContext* Ctx = nullptr;
    std::unique_ptr<asio::posix::stream_descriptor> Fd;
    asio::steady_timer ConnectTimer;
    bool WantRead = false, WantWrite = false, ReadArmed = false, WriteArmed = false;
    bool Up = false;
    std::function<void()> OnUp;                    // connected
    std::function<void(const std::string&)> OnDown; // a failed attempt or a lost connection (the context is gone after it)

    bool Start(const std::string& host, int port, std::string& error)
    {
        Ctx = redisAsyncConnect(host.c_str(), port);
        if (!Ctx || Ctx->err)
        {
            error = Ctx ? Ctx->errstr : "out of memory";
            if (Ctx)
                redisAsyncFree(Ctx);
            Ctx = nullptr;
            return false;
        }
        Ctx->data = this;
        Fd = std::make_unique<asio::posix::stream_descriptor>(Io, Ctx->c.fd);
        Ctx->ev.data = this;
        Ctx->ev.addRead = [](void* p) { static_cast<RedisLink*>(p)->WantRead = true, static_cast<RedisLink*>(p)->ArmRead(); };
        Ctx->ev.delRead = [](void* p) { static_cast<RedisLink*>(p)->WantRead = false; };
        Ctx->ev.addWrite = [](void* p) { static_cast<RedisLink*>(p)->WantWrite = true, static_cast<RedisLink*>(p)->ArmWrite(); };
        Ctx->ev.delWrite = [](void* p) { static_cast<RedisLink*>(p)->WantWrite = false; };
        Ctx->ev.cleanup = [](void* p) { static_cast<RedisLink*>(p)->Cleanup(); };
        redisAsyncSetConnectCallback(Ctx, [](const redisAsyncContext* c, int status) {
            auto* self = static_cast<RedisLink*>(c->data);
            self->ConnectTimer.cancel();
            if (status == REDIS_OK)
            {
                self->Up = true;
                if (self->OnUp)
                    self->OnUp();
            }
            else if (self->OnDown)
                self->OnDown(c->errstr); // hiredis frees the context after this
        });
        redisAsyncSetDisconnectCallback(Ctx, [](const redisAsyncContext* c, int status) {
            auto* self = static_cast<RedisLink*>(c->data);
            self->Up = false;
            if (self->OnDown)
                self->OnDown(status == REDIS_OK ? "disconnected" : c->errstr);
        });
        ConnectTimer.expires_after(std::chrono::milliseconds(RedisRoomBus::ConnectTimeoutMs));
        ConnectTimer.async_wait([self = shared_from_this()](const boost::system::error_code& ec) {
            if (ec || !self->Ctx || self->Up)
                return;
            redisAsyncFree(self->Ctx); // no callback for a context that never connected
            if (self->OnDown)
                self->OnDown("connection timed out");
        });
        return true;
    }

    void ArmRead()
    {
        if (!WantRead || ReadArmed || !Fd)
            return;
        ReadArmed = true;
        Fd->async_wait(asio::posix::stream_descriptor::wait_read, [self = shared_from_this()](const boost::system::error_code& ec) {
            self->ReadArmed = false;
            if (ec || !self->Ctx)
                return;
            redisAsyncHandleRead(self->Ctx); // may free the context (Cleanup)
            self->ArmRead();
        });
    }

    void ArmWrite()
    {
        if (!WantWrite || WriteArmed || !Fd)
            return;
        WriteArmed = true;
        Fd->async_wait(asio::posix::stream_descriptor::wait_write, [self = shared_from_this()](const boost::system::error_code& ec) {
            self->WriteArmed = false;
            if (ec || !self->Ctx)
                return;
            redisAsyncHandleWrite(self->Ctx); // may free the context (Cleanup)
            self->ArmWrite();
        });
    }

    // hiredis frees the context (it closes the socket itself): asio lets go of the descriptor without closing it.
    void Cleanup()
    {
        Ctx = nullptr;
        Up = false;
        WantRead = WantWrite = false;
        if (Fd)
        {
            Fd->release();
            Fd.reset();
        }
    }

    // Frees the context now (no callbacks run into the owner afterwards).
    void Close()
    {
        OnUp = nullptr;
        OnDown = nullptr;
        ConnectTimer.cancel();
        if (Ctx)
            redisAsyncFree(Ctx);
    }

    // Bytes waiting in hiredis's output buffer.
    size_t Queued() const { return Ctx ? sdslen(Ctx->c.obuf) : 0; }
};
} // namespace

//-----------------------------------------------------------------------------
// [SECTION] The driver
//-----------------------------------------------------------------------------

struct RedisRoomBus::Impl : std::enable_shared_from_this<RedisRoomBus::Impl>
{
    static constexpr size_t MaxQueuedBytes = size_t{16} << 20; // bytes in the publisher's output buffer; beyond: events stay local
    static constexpr size_t MaxPendingUsage = 256;             // usage reports kept per room between two drains (the oldest goes)

    Impl(asio::io_context& io, std::string host, int port) : Io(io), Host(std::move(host)), Port(port), CountsTimer(io), OutboxTimer(io)
    {
        std::random_device rd;
        Node = (static_cast<uint64_t>(rd()) << 32) ^ rd();
        if (Node == 0)
            Node = 1;
    }

    asio::io_context& Io;
    std::string Host;
    int Port = 0;
    uint64_t Node = 0;
    uint64_t NextSeq = 1;
    asio::steady_timer CountsTimer;
    asio::steady_timer OutboxTimer;
    BusOutbox Outbox;         // hearts and presence gathered for the next flush
    bool OutboxArmed = false; // OutboxTimer waits
    bool Closing = false;

    struct LinkState
    {
        explicit LinkState(const char* name) : Name(name) {}
        const char* Name = "";
        std::shared_ptr<RedisLink> Link;
        std::unique_ptr<asio::steady_timer> Retry;
        int64_t BackoffMs = RedisRoomBus::BackoffMinMs;
        std::string LastError = "connecting";
        bool Up() const { return Link && Link->Up; }
    };
    LinkState Pub{"publish"};
    LinkState Sub{"subscribe"};

    struct RoomState
    {
        std::deque<RoomEvent> Pending;
        std::deque<bool> PendingHere; // beside Pending: published by this node (true) or received (false)
        std::deque<UsageReport> Usage; // other nodes' usage reports, not yet drained (at most MaxPendingUsage)
        int64_t Live = 0;
        std::unordered_set<std::string> Unique;
        int64_t UniqueOverflow = 0;
        std::vector<std::string> NewUnique; // keys first seen here since the last PFADD (at most MaxNewUnique)
        int64_t SharedTotal = -1;           // the room's unique viewers over all nodes (PFCOUNT); -1: not known
        Viewers LastPublished{-1, -1};
        int64_t Total() const { return static_cast<int64_t>(Unique.size()) + UniqueOverflow; }
    };
    static constexpr size_t MaxNewUnique = 10000; // keys held for one PFADD; beyond it they count on this node only
    std::unordered_map<std::string, RoomState> Rooms; // the rooms this node serves (subscribed)
    std::vector<bool> LastDrainHere;                  // PendingHere of the last Drain
    NodeCountTable Others;
    BusDedupe Seen;
    std::function<void()> Wakeup;
    int64_t DroppedRemote = 0; // events kept local because the publisher was down or backed up
    int PendingSubscribes = 0; // SUBSCRIBEs sent on the current subscriber connection and not yet confirmed
    bool PingOutstanding = false; // a PING on the publisher connection waits for its reply
    int64_t PingSentMs = 0;       // ms, steady

    void Connect(LinkState& s)
    {
        if (Closing)
            return;
        s.Link = std::make_shared<RedisLink>(Io);
        std::weak_ptr<Impl> weak = weak_from_this();
        LinkState* state = &s;
        s.Link->OnUp = [weak, state] {
            if (auto self = weak.lock())
                self->LinkUp(*state);
        };
        s.Link->OnDown = [weak, state](const std::string& why) {
            if (auto self = weak.lock())
                self->LinkDown(*state, why);
        };
        std::string error;
        if (!s.Link->Start(Host, Port, error))
            LinkDown(s, error);
    }

    void LinkUp(LinkState& s)
    {
        s.BackoffMs = RedisRoomBus::BackoffMinMs;
        if (&s == &Sub)
            s.LastError.clear();
        std::fprintf(stderr, "livescope-relay: redis %s connection up (redis://%s:%d)\n", s.Name, Host.c_str(), Port);
        if (&s == &Sub)
            PendingSubscribes = 0;
        if (&s == &Sub)
            for (const auto& [room, state] : Rooms)
                Subscribe(room);
        if (&s == &Pub)
        {
            // Healthy once Redis answers: a stopped Redis still accepts connections (the kernel does).
            PingOutstanding = false;
            SendPing();
        }
        if (&s == &Pub)
            for (auto& [room, state] : Rooms)
            {
                state.LastPublished = Viewers{-1, -1}; // republish counts at once
                state.NewUnique.assign(state.Unique.begin(), state.Unique.end()); // re-add what Redis may have lost
                if (state.NewUnique.size() > MaxNewUnique)
                    state.NewUnique.resize(MaxNewUnique);
            }
    }

    // A failed attempt or a lost connection: try again after the backoff (doubling up to BackoffMaxMs, with jitter).
    void LinkDown(LinkState& s, const std::string& why)
    {
        if (Closing)
            return;
        if (s.LastError.empty() || s.LastError == "connecting")
            std::fprintf(stderr, "livescope-relay: redis %s connection down (%s); serving this node's viewers only, retrying\n", s.Name, why.c_str());
        s.LastError = why.empty() ? "unreachable" : why;
        if (&s == &Pub)
            for (auto& [room, state] : Rooms)
                state.SharedTotal = -1; // back to the sum of the nodes' counts until Redis answers again
        if (!s.Retry)
            s.Retry = std::make_unique<asio::steady_timer>(Io);
        const int64_t wait_ms = s.BackoffMs / 2 + static_cast<int64_t>(std::rand() % (s.BackoffMs / 2 + 1));
        s.BackoffMs = std::min(s.BackoffMs * 2, RedisRoomBus::BackoffMaxMs);
        s.Retry->expires_after(std::chrono::milliseconds(wait_ms));
        std::weak_ptr<Impl> weak = weak_from_this();
        LinkState* state = &s;
        // Post: hiredis is still inside its callback and frees the old context after it returns.
        s.Retry->async_wait([weak, state](const boost::system::error_code& ec) {
            if (ec)
                return;
            if (auto self = weak.lock())
                self->Connect(*state);
        });
    }

    void Subscribe(const std::string& room)
    {
        if (!Sub.Up())
            return;
        const std::string channel = ChannelOf(room);
        PendingSubscribes++;
        redisAsyncCommand(
            Sub.Link->Ctx,
            [](redisAsyncContext*, void* r, void* priv) {
                auto* self = static_cast<Impl*>(priv);
                const auto* reply = static_cast<redisReply*>(r);
                if (!reply || self->Closing || reply->type != REDIS_REPLY_ARRAY || reply->elements != 3)
                    return;
                const redisReply* kind = reply->element[0];
                const redisReply* payload = reply->element[2];
                if (kind->type == REDIS_REPLY_STRING && std::string_view(kind->str, kind->len) == "subscribe")
                    self->PendingSubscribes = std::max(0, self->PendingSubscribes - 1);
                if (kind->type != REDIS_REPLY_STRING || std::string_view(kind->str, kind->len) != "message" || payload->type != REDIS_REPLY_STRING)
                    return;
                self->Receive(std::string_view(payload->str, payload->len));
            },
            this, "SUBSCRIBE %b", channel.data(), channel.size());
    }

    void Unsubscribe(const std::string& room)
    {
        if (!Sub.Up())
            return;
        const std::string channel = ChannelOf(room);
        redisAsyncCommand(Sub.Link->Ctx, nullptr, nullptr, "UNSUBSCRIBE %b", channel.data(), channel.size());
    }

    RoomState& Serve(const std::string& room)
    {
        auto [it, added] = Rooms.try_emplace(room);
        if (added)
            Subscribe(room);
        return it->second;
    }

    void Send(const BusEnvelope& envelope)
    {
        if (!Pub.Up() || Pub.Link->Queued() > MaxQueuedBytes)
        {
            DroppedRemote++;
            return;
        }
        const std::string channel = ChannelOf(envelope.Room);
        const std::string payload = EncodeBusEnvelope(envelope);
        redisAsyncCommand(Pub.Link->Ctx, nullptr, nullptr, "PUBLISH %b %b", channel.data(), channel.size(), payload.data(), payload.size());
    }

    void SendEvent(const std::string& room, const RoomEvent& event)
    {
        BusEnvelope envelope;
        envelope.Node = Node;
        envelope.Seq = NextSeq++;
        envelope.Room = room;
        envelope.Event = event;
        Send(envelope);
    }

    // Arms the outbox flush (once per FlushEveryMs, only while something is gathered).
    void ScheduleOutbox()
    {
        if (OutboxArmed)
            return;
        OutboxArmed = true;
        OutboxTimer.expires_after(std::chrono::milliseconds(BusOutbox::FlushEveryMs));
        OutboxTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (!self)
                return;
            self->OutboxArmed = false;
            if (ec || self->Closing)
                return;
            for (auto& [room, batch] : self->Outbox.Flush())
            {
                BusEnvelope envelope;
                envelope.Node = self->Node;
                envelope.Seq = self->NextSeq++;
                envelope.Room = room;
                envelope.Batch = std::move(batch);
                self->Send(envelope);
            }
        });
    }

    void Receive(std::string_view payload)
    {
        std::optional<BusEnvelope> envelope = DecodeBusEnvelope(payload);
        if (!envelope || envelope->Node == Node || !Seen.Accept(envelope->Node, envelope->Seq, SteadyMs()))
            return; // malformed, our own echo, or seen already
        const auto it = Rooms.find(envelope->Room);
        if (it == Rooms.end())
            return; // a room this node no longer serves
        if (envelope->Usage)
        {
            // Drained by the core on its next input or tick of the room: no wakeup needed.
            auto& usage = it->second.Usage;
            usage.push_back(std::move(*envelope->Usage));
            while (usage.size() > MaxPendingUsage)
                usage.pop_front();
            return;
        }
        if (!envelope->Batch.empty())
        {
            const bool was_empty = it->second.Pending.empty();
            for (RoomEvent& e : envelope->Batch)
            {
                it->second.Pending.push_back(std::move(e));
                it->second.PendingHere.push_back(false);
            }
            if (was_empty && Wakeup)
                Wakeup();
            return;
        }
        if (!envelope->Event)
        {
            Others.Set(envelope->Room, envelope->Node, envelope->Counts, SteadyMs() + envelope->TtlMs);
            return;
        }
        const bool was_empty = it->second.Pending.empty();
        it->second.Pending.push_back(std::move(*envelope->Event));
        it->second.PendingHere.push_back(false);
        if (was_empty && Wakeup)
            Wakeup();
    }

    void ScheduleCounts()
    {
        CountsTimer.expires_after(std::chrono::milliseconds(RedisRoomBus::CountsEveryMs));
        CountsTimer.async_wait([weak = weak_from_this()](const boost::system::error_code& ec) {
            auto self = weak.lock();
            if (ec || !self || self->Closing)
                return;
            self->PublishCounts();
            self->ScheduleCounts();
        });
    }

    // A Redis that stops answering without closing the connection (stopped, a network partition): a PING on the
    // publisher connection every CountsEveryMs; none answered for StallMs: the connection is dropped and retried.
    // False when it was dropped.
    bool CheckAlive()
    {
        constexpr int64_t stall_ms = 3000; // ms
        const int64_t now = SteadyMs();
        if (PingOutstanding && now - PingSentMs > stall_ms)
        {
            Pub.Link->Close();
            LinkDown(Pub, "no reply for 3 s");
            return false;
        }
        if (!PingOutstanding)
            SendPing();
        return true;
    }

    void SendPing()
    {
        PingOutstanding = true;
        PingSentMs = SteadyMs();
        redisAsyncCommand(
            Pub.Link->Ctx,
            [](redisAsyncContext*, void* r, void* priv) {
                auto* self = static_cast<Impl*>(priv);
                if (!r || self->Closing)
                    return;
                self->PingOutstanding = false;
                self->Pub.LastError.clear(); // answered: healthy
            },
            this, "PING");
    }

    // Every CountsEveryMs: this node's counts of each room it serves with viewers (or whose counts changed), with a TTL.
    void PublishCounts()
    {
        Others.Prune(SteadyMs());
        if (!Pub.Up())
            return;
        if (!CheckAlive())
            return;
        for (auto& [room, state] : Rooms)
        {
            const Viewers own{state.Live, state.Total()};
            if (own.Live == 0 && own == state.LastPublished)
                continue;
            BusEnvelope envelope;
            envelope.Node = Node;
            envelope.Seq = NextSeq++;
            envelope.Room = room;
            envelope.Counts = own;
            envelope.TtlMs = RedisRoomBus::CountsTtlMs;
            Send(envelope);
            state.LastPublished = own;
        }
        for (auto& [room, state] : Rooms)
            ShareUnique(room, state);
    }

    // The room's unique viewers over all nodes: this node PFADDs the keys first seen here into one HyperLogLog per
    // room (UniqueKeyOf; it expires UniqueTtlS after the last node with viewers refreshed it) and reads PFCOUNT back.
    // So "total" neither counts a viewer seen on two nodes twice nor loses a dead node's viewers.
    void ShareUnique(const std::string& room, RoomState& state)
    {
        if (state.Live == 0 && state.NewUnique.empty())
            return;
        const std::string key = UniqueKeyOf(room);
        if (!state.NewUnique.empty())
        {
            std::vector<const char*> argv{"PFADD", key.c_str()};
            std::vector<size_t> lens{5, key.size()};
            for (const std::string& k : state.NewUnique)
            {
                argv.push_back(k.data());
                lens.push_back(k.size());
            }
            redisAsyncCommandArgv(Pub.Link->Ctx, nullptr, nullptr, static_cast<int>(argv.size()), argv.data(), lens.data());
            state.NewUnique.clear();
        }
        redisAsyncCommand(Pub.Link->Ctx, nullptr, nullptr, "EXPIRE %b %d", key.data(), key.size(), static_cast<int>(RedisRoomBus::UniqueTtlS));
        struct Asked
        {
            Impl* Self;
            std::string Room;
        };
        auto* asked = new Asked{this, room}; // freed by the callback, which hiredis runs once (on disconnect too)
        const int rc = redisAsyncCommand(
            Pub.Link->Ctx,
            [](redisAsyncContext*, void* r, void* priv) {
                std::unique_ptr<Asked> a(static_cast<Asked*>(priv));
                const auto* reply = static_cast<redisReply*>(r);
                if (!reply || a->Self->Closing || reply->type != REDIS_REPLY_INTEGER)
                    return;
                const auto it = a->Self->Rooms.find(a->Room);
                if (it != a->Self->Rooms.end())
                    it->second.SharedTotal = reply->integer;
            },
            asked, "PFCOUNT %b", key.data(), key.size());
        if (rc != REDIS_OK)
            delete asked;
    }
};

RedisRoomBus::RedisRoomBus(asio::io_context& io, std::string host, int port) : State(std::make_shared<Impl>(io, std::move(host), port))
{
    State->Connect(State->Pub);
    State->Connect(State->Sub);
    State->ScheduleCounts();
}

RedisRoomBus::~RedisRoomBus()
{
    State->Closing = true;
    State->CountsTimer.cancel();
    State->OutboxTimer.cancel();
    for (Impl::LinkState* s : {&State->Pub, &State->Sub})
    {
        if (s->Retry)
            s->Retry->cancel();
        if (s->Link)
            s->Link->Close();
    }
}

void RedisRoomBus::Publish(const std::string& room, RoomEvent event)
{
    Impl& s = *State;
    Impl::RoomState& state = s.Serve(room);
    if (s.Outbox.Take(room, event))
        s.ScheduleOutbox(); // hearts and presence: gathered, out within BusOutbox::FlushEveryMs
    else
        s.SendEvent(room, event);
    const bool was_empty = state.Pending.empty();
    state.Pending.push_back(std::move(event));
    state.PendingHere.push_back(true);
    if (was_empty && s.Wakeup)
        s.Wakeup();
}

std::vector<RoomEvent> RedisRoomBus::Drain(const std::string& room)
{
    std::vector<RoomEvent> out;
    State->LastDrainHere.clear();
    const auto it = State->Rooms.find(room);
    if (it == State->Rooms.end())
        return out;
    out.assign(std::make_move_iterator(it->second.Pending.begin()), std::make_move_iterator(it->second.Pending.end()));
    State->LastDrainHere.assign(it->second.PendingHere.begin(), it->second.PendingHere.end());
    it->second.Pending.clear();
    it->second.PendingHere.clear();
    return out;
}

bool RedisRoomBus::DrainedHere(size_t index) const { return index >= State->LastDrainHere.size() || State->LastDrainHere[index]; }

Viewers RedisRoomBus::Enter(const std::string& room, const std::string& viewer_key)
{
    constexpr size_t max_unique_keys = 100000; // as the in-process bus
    Impl::RoomState& state = State->Serve(room);
    state.Live++;
    if (state.Unique.size() < max_unique_keys)
    {
        if (state.Unique.insert(viewer_key).second && state.NewUnique.size() < Impl::MaxNewUnique)
            state.NewUnique.push_back(viewer_key);
    }
    else if (!state.Unique.count(viewer_key))
        state.UniqueOverflow++;
    return Counts(room);
}

Viewers RedisRoomBus::Leave(const std::string& room, const std::string& /*viewer_key*/)
{
    Impl::RoomState& state = State->Serve(room);
    if (state.Live > 0)
        state.Live--;
    return Counts(room);
}

Viewers RedisRoomBus::Counts(const std::string& room) const
{
    const auto it = State->Rooms.find(room);
    if (it == State->Rooms.end())
        return Viewers{};
    Viewers sum = State->Others.Sum(room, SteadyMs());
    sum.Live += it->second.Live;
    sum.Total += it->second.Total();
    if (it->second.SharedTotal >= 0) // Redis' count over all nodes; never below what this node saw itself
        sum.Total = std::max(it->second.SharedTotal, it->second.Total());
    return sum;
}

void RedisRoomBus::Forget(const std::string& room)
{
    if (State->Rooms.erase(room))
        State->Unsubscribe(room);
    State->Others.Forget(room);
}

void RedisRoomBus::ShareUsage(const std::string& room, UsageReport report)
{
    Impl& s = *State;
    s.Serve(room);
    BusEnvelope envelope;
    envelope.Node = s.Node;
    envelope.Seq = s.NextSeq++;
    envelope.Room = room;
    envelope.Usage = std::move(report);
    s.Send(envelope); // Redis down: lost, and each node keeps its own limits
}

std::vector<UsageReport> RedisRoomBus::DrainUsage(const std::string& room)
{
    std::vector<UsageReport> out;
    const auto it = State->Rooms.find(room);
    if (it == State->Rooms.end())
        return out;
    out.assign(std::make_move_iterator(it->second.Usage.begin()), std::make_move_iterator(it->second.Usage.end()));
    it->second.Usage.clear();
    return out;
}

void RedisRoomBus::SetWakeup(std::function<void()> wakeup) { State->Wakeup = std::move(wakeup); }

std::string RedisRoomBus::Health() const
{
    for (const Impl::LinkState* s : {&State->Pub, &State->Sub})
        if (!s->Up() || !s->LastError.empty())
            return "redis redis://" + State->Host + ":" + std::to_string(State->Port) + " " + s->Name + " connection: " + s->LastError;
    if (State->PendingSubscribes > 0)
        return "redis: subscribing to " + std::to_string(State->PendingSubscribes) + " room(s)";
    return std::string();
}

uint64_t RedisRoomBus::CommentNumberBase() const
{
    // A block of 10^12 ids picked by the node id: 2^20 blocks (a collision between two nodes: about 1 in a million).
    return ((State->Node % (uint64_t{1} << 20)) + 1) * 1000000000000ULL;
}

uint64_t RedisRoomBus::NodeId() const { return State->Node; }

} // namespace livescope
