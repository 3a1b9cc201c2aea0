// Tests of room_client.h's Q&A part: board from welcome and `board`, optimistic votes, refusals with the original
// text, held comments, modes, ended, moderation frames, and RoomLooksLikeQuestion.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/room/room_client.h>

#include <livescope/protocol/messages.h>

#include <algorithm>

using namespace livescope;

namespace {

Question MakeQuestion(const std::string& id, int64_t votes, int64_t asked_at)
{
    Question q;
    q.Id = id;
    q.Author = User{"u-" + id, "Asker " + id, "#00ff80"};
    q.Text = "why " + id + "?";
    q.Votes = votes;
    q.AskedAt = asked_at;
    return q;
}

RoomClient JoinedWith(const Welcome& w)
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    RoomClientOnFrame(c, EncodeServerMessage(w));
    REQUIRE(c.State == RoomConnState::Joined);
    return c;
}

Welcome BasicWelcome()
{
    Welcome w;
    w.You = User{"me", "Guest 1", "#ff0000"};
    w.Counts = Viewers{2, 3};
    BoardState b;
    b.Open = {MakeQuestion("c-2", 3, 200), MakeQuestion("c-1", 3, 300), MakeQuestion("c-3", 1, 50)};
    b.Answering = MakeQuestion("c-0", 7, 10);
    w.Board = b;
    w.YourVotes = {"c-1"};
    w.Modes = RoomModes{30, true};
    return w;
}

nlohmann::json LastSent(RoomClient& c)
{
    auto out = RoomClientTakeOutgoing(c);
    REQUIRE_FALSE(out.empty());
    return nlohmann::json::parse(out.back());
}

bool Has(const std::vector<RoomUpdate>& updates, RoomUpdateKind kind)
{
    return std::any_of(updates.begin(), updates.end(), [&](const RoomUpdate& u) { return u.Kind == kind; });
}

} // namespace

TEST_SUITE_BEGIN("room/room_client_qa");

TEST_CASE("join says v2, and a late joiner gets the board, its votes and the modes from welcome")
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    CHECK(LastSent(c)["v"] == 2);
    Welcome w = BasicWelcome();
    w.YourRole = Role::Moderator;
    RoomClientOnFrame(c, EncodeServerMessage(w));
    const auto updates = RoomClientTakeUpdates(c);
    CHECK(Has(updates, RoomUpdateKind::Board));
    CHECK(Has(updates, RoomUpdateKind::Modes));
    CHECK(updates.front().Role == RoomRole::Moderator);
    CHECK_FALSE(updates.front().Broadcaster);
    CHECK(c.Role == RoomRole::Moderator);
    REQUIRE(c.Board.Open.size() == 3);
    CHECK(c.Board.Open[1].Id == "c-1");
    CHECK(c.Board.Open[1].VotedByMe);
    CHECK_FALSE(c.Board.Open[0].VotedByMe);
    REQUIRE(c.Board.Answering.has_value());
    CHECK(c.Board.Answering->State == RoomQuestionState::Answering);
    CHECK(c.SlowS == 30);
    CHECK(c.Hold);
    CHECK(c.MyVotes.count("c-1") == 1);
}

TEST_CASE("a moderator's welcome hands the room's blocked words on with the modes, a viewer's has none")
{
    for (const bool staff : {true, false})
    {
        RoomClient c;
        RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
        REQUIRE(RoomClientWantsConnect(c, 0.0));
        RoomClientOnOpen(c);
        Welcome w = BasicWelcome();
        w.YourRole = staff ? Role::Moderator : Role::Viewer;
        if (staff)
            w.BlockedWords = std::vector<std::string>{"spam", "eggs"};
        RoomClientOnFrame(c, EncodeServerMessage(w));
        const auto updates = RoomClientTakeUpdates(c);
        const auto modes = std::find_if(updates.begin(), updates.end(), [](const RoomUpdate& u) { return u.Kind == RoomUpdateKind::Modes; });
        REQUIRE(modes != updates.end());
        CHECK(modes->BlockedWords.has_value() == staff);
        if (staff)
            CHECK(*modes->BlockedWords == std::vector<std::string>{"spam", "eggs"});
    }
}

TEST_CASE("a vote changes the board at once, sends one vote, and a repeat sends nothing")
{
    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeUpdates(c);
    RoomClientTakeOutgoing(c);
    RoomClientVote(c, "c-3", true); // 1 -> 2: still last
    RoomClientVote(c, "c-3", true); // a repeat
    auto out = RoomClientTakeOutgoing(c);
    REQUIRE(out.size() == 1);
    const auto j = nlohmann::json::parse(out[0]);
    CHECK(j["type"] == "vote");
    CHECK(j["id"] == "c-3");
    CHECK(j["on"] == true);
    CHECK(Has(RoomClientTakeUpdates(c), RoomUpdateKind::Board));
    RoomClientVote(c, "c-1", false); // c-1: 3 -> 2, now below c-2 (3), then older first against c-3 (2, asked 50)
    REQUIRE(c.Board.Open.size() == 3);
    CHECK(c.Board.Open[0].Id == "c-2");
    CHECK(c.Board.Open[1].Id == "c-3");
    CHECK(c.Board.Open[1].Votes == 2);
    CHECK(c.Board.Open[1].VotedByMe);
    CHECK(c.Board.Open[2].Id == "c-1");
    CHECK_FALSE(c.Board.Open[2].VotedByMe);
    CHECK(LastSent(c)["on"] == false);
}

TEST_CASE("the relay's board replaces the local one and keeps your votes marked")
{
    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeUpdates(c);
    BoardState b;
    b.Open = {MakeQuestion("c-1", 10, 300)};
    RoomClientOnFrame(c, EncodeServerMessage(Board{b}));
    CHECK(Has(RoomClientTakeUpdates(c), RoomUpdateKind::Board));
    REQUIRE(c.Board.Open.size() == 1);
    CHECK(c.Board.Open[0].Votes == 10);
    CHECK(c.Board.Open[0].VotedByMe);
    CHECK_FALSE(c.Board.Answering.has_value());
}

TEST_CASE("a refused comment comes back as Refused with its original text; held is a notice")
{
    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeUpdates(c);
    RoomClientSendComment(c, "is this live?", true);
    const auto sent = LastSent(c);
    CHECK(sent["question"] == true);
    REQUIRE(sent.contains("nonce"));
    ErrorMessage e;
    e.Code = ErrorCode::SlowMode;
    e.Message = "slow mode";
    e.RetryAfterMs = 12000;
    e.Nonce = sent["nonce"].get<std::string>();
    RoomClientOnFrame(c, EncodeServerMessage(e));
    auto updates = RoomClientTakeUpdates(c);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].Kind == RoomUpdateKind::Refused);
    CHECK(updates[0].Code == "slow_mode");
    CHECK(updates[0].Original == "is this live?");
    CHECK(updates[0].RetryAfterMs == 12000);

    RoomClientSendComment(c, "hello");
    e.Code = ErrorCode::Held;
    e.RetryAfterMs.reset();
    e.Nonce = LastSent(c)["nonce"].get<std::string>();
    RoomClientOnFrame(c, EncodeServerMessage(e));
    updates = RoomClientTakeUpdates(c);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].Kind == RoomUpdateKind::Notice);
    CHECK(updates[0].Original == "hello");

    // An error naming no comment of ours stays an Error.
    RoomClientOnFrame(c, EncodeServerMessage(ErrorMessage{ErrorCode::Forbidden, "no", std::nullopt, std::nullopt}));
    updates = RoomClientTakeUpdates(c);
    REQUIRE(updates.size() == 1);
    CHECK(updates[0].Kind == RoomUpdateKind::Error);
}

TEST_CASE("comments queued before welcome keep their question flag")
{
    RoomClient c;
    RoomClientInit(c, RoomClientConfig{"lobby", "", "client-1", 5});
    RoomClientSendComment(c, "early question?", true);
    REQUIRE(RoomClientWantsConnect(c, 0.0));
    RoomClientOnOpen(c);
    RoomClientTakeOutgoing(c);
    RoomClientOnFrame(c, EncodeServerMessage(BasicWelcome()));
    const auto j = LastSent(c);
    CHECK(j["text"] == "early question?");
    CHECK(j["question"] == true);
}

TEST_CASE("held comments, modes, ended and question comments become updates")
{
    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeUpdates(c);
    Comment h;
    h.Id = "c-9";
    h.Author = User{"g-1", "Guest 1001", "#aabbcc"};
    h.Text = "hold me";
    h.ServerTime = 5;
    RoomClientOnFrame(c, EncodeServerMessage(Held{h}));
    h.Id = "c-10";
    h.Question = true;
    RoomClientOnFrame(c, EncodeServerMessage(h));
    RoomClientOnFrame(c, EncodeServerMessage(ModesChanged{RoomModes{0, false}}));
    RoomClientOnFrame(c, EncodeServerMessage(Ended{}));
    const auto updates = RoomClientTakeUpdates(c);
    REQUIRE(updates.size() == 4);
    CHECK(updates[0].Kind == RoomUpdateKind::Held);
    CHECK(updates[0].Id == "c-9");
    CHECK(updates[0].UserId == "g-1");
    CHECK(updates[1].Kind == RoomUpdateKind::Comment);
    CHECK(updates[1].Question);
    CHECK(updates[2].Kind == RoomUpdateKind::Modes);
    CHECK(updates[2].SlowS == 0);
    CHECK(updates[3].Kind == RoomUpdateKind::Ended);
    CHECK(c.Ended);
    CHECK(c.SlowS == 0);
    CHECK_FALSE(c.Hold);
}

TEST_CASE("a deleted question leaves the local board at once")
{
    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeUpdates(c);
    RoomClientOnFrame(c, EncodeServerMessage(Deleted{"c-2"}));
    CHECK(Has(RoomClientTakeUpdates(c), RoomUpdateKind::Board));
    CHECK(c.Board.Open.size() == 2);
}

TEST_CASE("moderation requests become their frames, only while joined")
{
    RoomClient idle;
    RoomClientInit(idle, RoomClientConfig{"lobby", "", "", 1});
    RoomClientModerate(idle, RoomModeration{RoomAction::End});
    CHECK(RoomClientTakeOutgoing(idle).empty());

    RoomClient c = JoinedWith(BasicWelcome());
    RoomClientTakeOutgoing(c);
    const std::vector<std::pair<RoomAction, std::string>> simple = {
        {RoomAction::Pin, "pin"},         {RoomAction::Unpin, "unpin"},     {RoomAction::Delete, "delete"},   {RoomAction::Answer, "answer"},
        {RoomAction::Answered, "answered"}, {RoomAction::Dismiss, "dismiss"}, {RoomAction::Approve, "approve"}, {RoomAction::Reject, "reject"},
        {RoomAction::End, "end"},
    };
    for (const auto& [action, type] : simple)
    {
        RoomModeration m;
        m.Action = action;
        m.Id = "c-1";
        RoomClientModerate(c, m);
        const auto j = LastSent(c);
        CHECK(j["type"] == type);
        const auto decoded = DecodeClientMessage(j.dump());
        CHECK(decoded.Ok());
    }
    RoomModeration mute;
    mute.Action = RoomAction::Mute;
    mute.Id = "g-1";
    mute.DurationS = 600;
    RoomClientModerate(c, mute);
    auto j = LastSent(c);
    CHECK(j["user_id"] == "g-1");
    CHECK(j["duration_s"] == 600);
    mute.DurationS = 0;
    RoomClientModerate(c, mute);
    CHECK_FALSE(LastSent(c).contains("duration_s"));
    RoomModeration modes;
    modes.Action = RoomAction::Modes;
    modes.SlowS = 10;
    RoomClientModerate(c, modes);
    j = LastSent(c);
    CHECK(j["slow_s"] == 10);
    CHECK_FALSE(j.contains("hold"));
    CHECK_FALSE(j.contains("blocked_words"));
    modes.SlowS = -1;
    modes.Hold = 1;
    modes.SetWords = true;
    modes.BlockedWords = {"spam"};
    RoomClientModerate(c, modes);
    j = LastSent(c);
    CHECK(j["hold"] == true);
    CHECK(j["blocked_words"][0] == "spam");
}

TEST_CASE("a text looks like a question when it ends in a question mark")
{
    CHECK(RoomLooksLikeQuestion("is it live?"));
    CHECK(RoomLooksLikeQuestion("is it live?  \n"));
    CHECK(RoomLooksLikeQuestion("ライブですか\xEF\xBC\x9F"));
    CHECK(RoomLooksLikeQuestion("ライブですか\xEF\xBC\x9F\xE3\x80\x80"));
    CHECK_FALSE(RoomLooksLikeQuestion("great talk"));
    CHECK_FALSE(RoomLooksLikeQuestion("? not at the end"));
    CHECK_FALSE(RoomLooksLikeQuestion(""));
    CHECK_FALSE(RoomLooksLikeQuestion("   "));
}

TEST_SUITE_END();
