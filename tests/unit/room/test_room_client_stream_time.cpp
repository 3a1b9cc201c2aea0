// Tests of room_client.h's stream time: comments, questions, hearts and votes carry the PDT of the frame on screen
// (the room log's timeline), none when it is unknown, and a comment queued before `welcome` keeps its own.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/room/room_client.h>

#include <livescope/protocol/messages.h>

#include <vector>

using namespace livescope;

namespace {
constexpr std::int64_t Pdt = 1764427200000; // ms since the epoch

void Connect(RoomClient& c)
{
    RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
}

void Welcomed(RoomClient& c)
{
    Welcome w;
    w.You = User{"me", "Guest 1", "#ff0000"};
    BoardState b;
    Question q;
    q.Id = "c-7";
    q.Author = User{"u-a", "A", "#00ff80"};
    q.Text = "why?";
    b.Open = {q};
    w.Board = b;
    RoomClientOnFrame(c, EncodeServerMessage(w));
    REQUIRE(c.State == RoomConnState::Joined);
}

std::vector<nlohmann::json> Sent(RoomClient& c)
{
    std::vector<nlohmann::json> out;
    for (const std::string& frame : RoomClientTakeOutgoing(c))
        out.push_back(nlohmann::json::parse(frame));
    return out;
}
} // namespace

TEST_SUITE_BEGIN("room/client_stream_time");

TEST_CASE("comments, questions, hearts and votes carry the stream time of the frame on screen")
{
    RoomClient c;
    Connect(c);
    Welcomed(c);
    Sent(c); // the join
    RoomClientSetStreamTime(c, Pdt);
    RoomClientSendComment(c, "hello");
    RoomClientSetStreamTime(c, Pdt + 1500);
    RoomClientSendComment(c, "why?", true);
    RoomClientSendHearts(c, 3);
    RoomClientVote(c, "c-7", true);
    const auto sent = Sent(c);
    REQUIRE(sent.size() == 4);
    CHECK(sent[0]["type"] == "comment");
    CHECK(sent[0]["stream_time"] == Pdt);
    CHECK(sent[1]["question"] == true);
    CHECK(sent[1]["stream_time"] == Pdt + 1500);
    CHECK(sent[2]["type"] == "hearts");
    CHECK(sent[2]["count"] == 3);
    CHECK(sent[2]["stream_time"] == Pdt + 1500);
    CHECK(sent[3]["type"] == "vote");
    CHECK(sent[3]["stream_time"] == Pdt + 1500);
    // The relay's codec accepts each of them as sent.
    for (const auto& frame : sent)
        CHECK(DecodeClientMessage(frame.dump()).Ok());
}

TEST_CASE("no stream time is sent while it is unknown, or when it is out of range")
{
    RoomClient c;
    Connect(c);
    Welcomed(c);
    Sent(c);
    RoomClientSendComment(c, "before the first frame");
    RoomClientSetStreamTime(c, -5);
    RoomClientSendHearts(c, 1);
    RoomClientSetStreamTime(c, Pdt);
    RoomClientSetStreamTime(c, std::nullopt);
    RoomClientVote(c, "c-7", true);
    for (const auto& frame : Sent(c))
        CHECK_FALSE(frame.contains("stream_time"));
}

TEST_CASE("a comment submitted before welcome keeps the stream time it was written at")
{
    RoomClient c;
    Connect(c);
    RoomClientSetStreamTime(c, Pdt);
    RoomClientSendComment(c, "early");
    RoomClientSetStreamTime(c, Pdt + 9000);
    Welcomed(c);
    std::vector<nlohmann::json> comments;
    for (const auto& frame : Sent(c))
        if (frame["type"] == "comment")
            comments.push_back(frame);
    REQUIRE(comments.size() == 1);
    CHECK(comments[0]["text"] == "early");
    CHECK(comments[0]["stream_time"] == Pdt);
}

TEST_SUITE_END();
