// Unit tests for the Redis bus's pure parts: the envelope codec (node id + sequence), dedupe, count summing with expiry.
#include <doctest/doctest.h>

#include <livescope/server/relay/room_bus_redis.h>

#include <boost/asio/io_context.hpp>

#include <chrono>

using namespace livescope;

TEST_SUITE_BEGIN("relay/room_bus_redis");

namespace {
BusEnvelope EventEnvelope(RoomEvent event, uint64_t node = 0xfeedbeef12345678ULL, uint64_t seq = 7)
{
    BusEnvelope e;
    e.Node = node;
    e.Seq = seq;
    e.Room = "room-1";
    e.Event = std::move(event);
    return e;
}

RoomEvent RoundTrip(const RoomEvent& event)
{
    const std::optional<BusEnvelope> back = DecodeBusEnvelope(EncodeBusEnvelope(EventEnvelope(event)));
    REQUIRE(back.has_value());
    REQUIRE(back->Event.has_value());
    return *back->Event;
}
} // namespace

TEST_CASE("an event envelope keeps its node id, sequence number and room")
{
    Comment c{"c-1000000000001", User{"g-1", "Ann", "#ff0000"}, "hello \"you\" é", 1700000000000, 1699999999000, true};
    const std::optional<BusEnvelope> back = DecodeBusEnvelope(EncodeBusEnvelope(EventEnvelope(c, 0xfeedbeef12345678ULL, 42)));
    REQUIRE(back.has_value());
    CHECK(back->Node == 0xfeedbeef12345678ULL);
    CHECK(back->Seq == 42);
    CHECK(back->Room == "room-1");
    REQUIRE(back->Event.has_value());
    CHECK(std::get<Comment>(*back->Event) == c);
}

TEST_CASE("every kind of room event survives the envelope")
{
    const User u{"u-7", "Bo", "#00ff00"};
    const Comment c{"c-5", u, "text", 10, std::nullopt, false};
    const std::vector<RoomEvent> events = {
        c,
        HeartsEvent{"#123456", 4, 99},
        HeartsEvent{"#123456", 1, std::nullopt},
        Pinned{c},
        Unpinned{},
        Deleted{"c-5"},
        Muted{"g-9", 60},
        Muted{"u-1", std::nullopt},
        Presence{PresenceEvent::Left, u},
        VoteEvent{"c-5", "g-2", false, 123},
        BoardEvent{BoardEvent::Action::Dismiss, "c-5", 77},
        ModesRequest{30, true, std::vector<std::string>{"spam", "eggs"}},
        ModesRequest{std::nullopt, false, std::nullopt},
        Held{c},
        RejectRequest{"c-6"},
        Ended{},
        RoomStateAsk{0xfedcba9876543210ULL},
        RoomStateTell{0xfedcba9876543210ULL, RoomModes{30, true}, {"spam"}, {{"u-a", 0}, {"g-b", 1764000000000}}},
        RoomStateTell{1, RoomModes{}, {}, {}},
    };
    for (const RoomEvent& e : events)
    {
        const RoomEvent back = RoundTrip(e);
        CHECK(back.index() == e.index());
        // Bus-only event types have no operator==: the same event encodes to the same text, field by field.
        CHECK(EncodeBusEnvelope(EventEnvelope(back)) == EncodeBusEnvelope(EventEnvelope(e)));
    }
}

TEST_CASE("a counts envelope carries the sender's counts and their time to live")
{
    BusEnvelope e;
    e.Node = 1;
    e.Seq = 3;
    e.Room = "r";
    e.Counts = Viewers{12, 30};
    e.TtlMs = 2000;
    const std::optional<BusEnvelope> back = DecodeBusEnvelope(EncodeBusEnvelope(e));
    REQUIRE(back.has_value());
    CHECK_FALSE(back->Event.has_value());
    CHECK(back->Counts == Viewers{12, 30});
    CHECK(back->TtlMs == 2000);
}

TEST_CASE("malformed envelopes are refused, never thrown")
{
    const std::string good = EncodeBusEnvelope(EventEnvelope(Ended{}));
    CHECK(DecodeBusEnvelope(good).has_value());
    for (const char* bad : {"", "{", "[]", "null", "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\"}",
                            "{\"n\":\"xyz\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"ended\"}}",
                            "{\"n\":\"0000000000000001\",\"s\":0,\"r\":\"r\",\"e\":{\"t\":\"ended\"}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"bad room!\",\"e\":{\"t\":\"ended\"}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"nope\"}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"board\",\"what\":9,\"id\":\"c\",\"at\":1}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"comment\",\"c\":{\"id\":3}}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"v\":{\"live\":-1,\"total\":0,\"ttl\":2000}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"v\":{\"live\":1,\"total\":0,\"ttl\":0}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"ask\",\"from\":-1}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"tell\",\"to\":1,\"slow\":-1,\"hold\":false,\"words\":[],\"mutes\":[]}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"tell\",\"to\":1,\"slow\":0,\"hold\":false,\"words\":[],\"mutes\":[[\"u-a\"]]}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"e\":{\"t\":\"tell\",\"to\":1,\"slow\":0,\"hold\":false,\"words\":[],\"mutes\":[[\"u-a\",-5]]}}"})
        CHECK_MESSAGE(!DecodeBusEnvelope(bad).has_value(), bad);
    CHECK(std::get<HeartsEvent>(RoundTrip(HeartsEvent{"#010203", 9, 5})).StreamTime == 5);
    CHECK(std::get<VoteEvent>(RoundTrip(VoteEvent{"c-1", "g-1", false, std::nullopt})).On == false);
    CHECK(std::get<BoardEvent>(RoundTrip(BoardEvent{BoardEvent::Action::Answered, "c-2", 8})).What == BoardEvent::Action::Answered);
    CHECK_FALSE(DecodeBusEnvelope(good.substr(0, good.size() - 1)).has_value());
}

TEST_CASE("a usage report envelope carries each user's accepted counts, and bad ones are refused")
{
    BusEnvelope e;
    e.Node = 2;
    e.Seq = 9;
    e.Room = "r";
    e.Usage = UsageReport{{{"u-alice", 3, 20, 1}, {"g-0123456789ab", 0, 5, 0}}};
    const std::optional<BusEnvelope> back = DecodeBusEnvelope(EncodeBusEnvelope(e));
    REQUIRE(back.has_value());
    CHECK_FALSE(back->Event.has_value());
    REQUIRE(back->Usage.has_value());
    CHECK(*back->Usage == *e.Usage);
    for (const char* bad : {"{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":{}}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":[[\"u-a\",1,2]]}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":[[\"u-a\",-1,0,0]]}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":[[\"\",1,0,0]]}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":[[\"u-a\",1,0,2000000]]}",
                            "{\"n\":\"0000000000000001\",\"s\":1,\"r\":\"r\",\"u\":[[7,1,0,0]]}"})
        CHECK_MESSAGE(!DecodeBusEnvelope(bad).has_value(), bad);
}

TEST_CASE("dedupe lets each node's new numbers through once and drops repeats")
{
    BusDedupe d;
    CHECK(d.Accept(1, 1, 0));
    CHECK(d.Accept(1, 2, 0));
    CHECK_FALSE(d.Accept(1, 2, 0)); // the same message again
    CHECK_FALSE(d.Accept(1, 1, 0)); // an older one (a replay after a reconnect)
    CHECK(d.Accept(2, 1, 0));       // another node counts on its own
    CHECK(d.Accept(1, 10, 0));      // gaps (rooms this node does not serve) are fine
    CHECK_FALSE(d.Accept(1, 9, 0));
}

TEST_CASE("dedupe forgets silent nodes and keeps a bounded table")
{
    BusDedupe d;
    CHECK(d.Accept(1, 5, 0));
    CHECK(d.Accept(2, 5, BusDedupe::ForgetAfterMs + 1000)); // prunes node 1
    CHECK(d.Nodes() == 1);
    BusDedupe full;
    for (uint64_t n = 0; n < BusDedupe::MaxNodes + 10; n++)
        CHECK(full.Accept(n + 1, 1, static_cast<int64_t>(n)));
    CHECK(full.Nodes() == BusDedupe::MaxNodes);
}

TEST_CASE("counts of other nodes are summed until they expire")
{
    NodeCountTable t;
    t.Set("r", 1, Viewers{3, 10}, 2000);
    t.Set("r", 2, Viewers{4, 5}, 3000);
    t.Set("other", 1, Viewers{100, 100}, 3000);
    CHECK(t.Sum("r", 1000) == Viewers{7, 15});
    CHECK(t.Sum("r", 2000) == Viewers{4, 5}); // node 1 stopped refreshing: gone at its expiry
    t.Set("r", 2, Viewers{1, 6}, 5000);       // a refresh replaces, never adds
    CHECK(t.Sum("r", 2500) == Viewers{1, 6});
    CHECK(t.Sum("nobody", 0) == Viewers{});
    t.Prune(4000);
    CHECK(t.Entries() == 1);
    t.Forget("r");
    CHECK(t.Entries() == 0);
}

TEST_CASE("the outbox sums a room's hearts per colour between flushes and keeps the latest stream time")
{
    BusOutbox box;
    CHECK(box.Take("r", HeartsEvent{"#ff0000", 2, 1000}));
    CHECK(box.Take("r", HeartsEvent{"#ff0000", 3, 1500}));
    CHECK(box.Take("r", HeartsEvent{"#ff0000", 1, 1200})); // late: the stream time stays the latest
    CHECK(box.Take("r", HeartsEvent{"#00ff00", 4, std::nullopt}));
    CHECK(box.Take("s", HeartsEvent{"#ff0000", 1, 9}));
    CHECK(box.TakenHearts() == 5);
    const auto out = box.Flush();
    REQUIRE(out.size() == 2); // one batch per room: 5 messages became 2 publishes
    CHECK(out[0].first == "r");
    REQUIRE(out[0].second.size() == 2); // one event per colour
    const auto& green = std::get<HeartsEvent>(out[0].second[0]);
    const auto& red = std::get<HeartsEvent>(out[0].second[1]);
    CHECK(green.Color == "#00ff00");
    CHECK(green.Count == 4);
    CHECK(!green.StreamTime);
    CHECK(red.Color == "#ff0000");
    CHECK(red.Count == 6);
    CHECK(red.StreamTime == 1500);
    CHECK(out[1].first == "s");
    CHECK(out[1].second.size() == 1);
    CHECK(box.Empty());
    CHECK(box.Flush().empty());
}

TEST_CASE("the outbox sends order-sensitive events at once and caps presence per room per flush")
{
    BusOutbox box;
    const User u{"u-1", "Ann", "#ff0000"};
    CHECK_FALSE(box.Take("r", Comment{"c-1", u, "hi", 1, std::nullopt, false}));
    CHECK_FALSE(box.Take("r", VoteEvent{"c-1", "u-1", true, 2}));
    CHECK_FALSE(box.Take("r", Deleted{"c-1"}));
    CHECK(box.Empty());
    for (size_t i = 0; i < BusOutbox::MaxPresencePerFlush + 5; i++)
        CHECK(box.Take("r", Presence{i % 2 ? PresenceEvent::Left : PresenceEvent::Joined, User{"u-" + std::to_string(i), "x", "#000000"}}));
    CHECK(box.Take("r", HeartsEvent{"#ff0000", 1, std::nullopt}));
    CHECK(box.PresenceDropped() == 5);
    const auto out = box.Flush();
    REQUIRE(out.size() == 1);
    REQUIRE(out[0].second.size() == BusOutbox::MaxPresencePerFlush + 1);
    CHECK(std::holds_alternative<HeartsEvent>(out[0].second[0])); // hearts first, then presence in arrival order
    for (size_t i = 0; i < BusOutbox::MaxPresencePerFlush; i++)
        CHECK(std::get<Presence>(out[0].second[i + 1]).Who.Id == "u-" + std::to_string(i));
}

TEST_CASE("a batch envelope carries its events in order, and an empty or oversized batch is refused")
{
    BusEnvelope e;
    e.Node = 1;
    e.Seq = 2;
    e.Room = "room-1";
    e.Batch = {HeartsEvent{"#123456", 4, 99}, Presence{PresenceEvent::Joined, User{"u-1", "Ann", "#ff0000"}}};
    const std::optional<BusEnvelope> back = DecodeBusEnvelope(EncodeBusEnvelope(e));
    REQUIRE(back.has_value());
    CHECK(!back->Event);
    REQUIRE(back->Batch.size() == 2);
    CHECK(std::get<HeartsEvent>(back->Batch[0]).Count == 4);
    CHECK(std::get<Presence>(back->Batch[1]).Who.Name == "Ann");
    CHECK(!DecodeBusEnvelope(R"({"n":"0000000000000001","s":3,"r":"room-1","b":[]})"));
    std::string big = R"({"n":"0000000000000001","s":3,"r":"room-1","b":[)";
    for (size_t i = 0; i < MaxBatchEvents; i++)
        big += std::string(i ? "," : "") + R"({"t":"hearts","color":"#123456","count":1})";
    const std::optional<BusEnvelope> full = DecodeBusEnvelope(big + "]}");
    REQUIRE(full.has_value()); // MaxBatchEvents is allowed...
    CHECK(full->Batch.size() == MaxBatchEvents);
    CHECK(!DecodeBusEnvelope(big + R"(,{"t":"hearts","color":"#123456","count":1}]})")); // ...one more is not
    CHECK(!DecodeBusEnvelope(R"({"n":"0000000000000001","s":3,"r":"room-1","b":[{"t":"nonsense"}]})"));
}

TEST_CASE("the bus flag takes redis://host:port and nothing else")
{
    std::string host;
    int port = 0;
    CHECK(ParseRedisUrl("redis://127.0.0.1:6380", host, port));
    CHECK(host == "127.0.0.1");
    CHECK(port == 6380);
    CHECK(ParseRedisUrl("redis://cache.local", host, port));
    CHECK(port == 6379);
    for (const char* bad : {"", "127.0.0.1:6379", "redis://", "redis://h:", "redis://h:0", "redis://h:70000", "redis://u@h:1", "redis://h:1x"})
        CHECK_MESSAGE(!ParseRedisUrl(bad, host, port), bad);
}

TEST_CASE("without redis the bus serves this node alone and says why it is degraded")
{
    boost::asio::io_context io(1);
    RedisRoomBus bus(io, "127.0.0.1", 1); // nothing listens on port 1
    io.run_for(std::chrono::milliseconds(300)); // a few refused attempts (never a wait for them: the io thread ran freely)
    const std::string health = bus.Health();
    CHECK(health.find("redis redis://127.0.0.1:1") == 0);
    CHECK(bus.Enter("r", "viewer-1") == Viewers{1, 1});
    CHECK(bus.Enter("r", "viewer-2") == Viewers{2, 2});
    bus.Publish("r", Deleted{"c-1"});
    const std::vector<RoomEvent> drained = bus.Drain("r");
    REQUIRE(drained.size() == 1);
    CHECK(std::get<Deleted>(drained[0]).CommentId == "c-1");
    CHECK(bus.Drain("r").empty());
    CHECK(bus.Leave("r", "viewer-1") == Viewers{1, 2});
    CHECK(bus.CommentNumberBase() >= 1000000000000ULL);
    bus.ShareUsage("r", UsageReport{{{"u-a", 1, 0, 0}}}); // Redis down: lost, never queued for this node
    CHECK(bus.DrainUsage("r").empty());
    bus.Forget("r");
    CHECK(bus.Counts("r") == Viewers{});
}

TEST_SUITE_END();
