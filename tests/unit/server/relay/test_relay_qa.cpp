// Unit tests for the relay core's Q&A (protocol v2): board through the relay, permissions (every action x every
// role), slow mode, hold-for-review, blocked words, timed mutes, end, late joiners, batching, and v1 compatibility.
#include <doctest/doctest.h>
#include <nlohmann/json.hpp>

#include <livescope/server/common/token.h>
#include <livescope/server/relay/relay_core.h>

#include <map>
#include <string>
#include <vector>

using namespace livescope;

namespace {
constexpr int64_t T0 = 1764000000000; // ms since the epoch

struct QaHarness
{
    InProcessRoomBus Bus;
    RelayCore Core;
    std::map<ConnId, std::vector<ServerMessage>> Inbox;
    std::map<ConnId, std::vector<std::string>> Raw; // frames as sent
    int64_t Now = T0;

    QaHarness() : Core(MakeConfig(), Bus) {}

    static RelayConfig MakeConfig()
    {
        RelayConfig c;
        c.Secret = "test-secret";
        c.Seed = 7;
        return c;
    }

    void Pump()
    {
        for (const Outgoing& o : Core.TakeOutgoing())
        {
            Raw[o.Conn].push_back(*o.Frame);
            const auto decoded = DecodeServerFrame(*o.Frame);
            REQUIRE_MESSAGE(decoded.Ok(), *o.Frame);
            for (const ServerMessage& m : decoded.Value)
                Inbox[o.Conn].push_back(m);
        }
        Core.TakeCloses();
    }
    void SendRaw(ConnId id, const std::string& frame)
    {
        Core.Receive(id, frame, Now);
        Pump();
    }
    void Send(ConnId id, const ClientMessage& m) { SendRaw(id, EncodeClientMessage(m)); }
    void Tick(int64_t advance_ms = 200)
    {
        Now += advance_ms;
        Core.Tick(Now);
        Pump();
    }
    std::string Token(Role role, const std::string& subject)
    {
        return MintToken("test-secret", TokenClaims{subject, role, T0 / 1000 + 36000, subject, std::nullopt});
    }
    ConnId Enter(std::optional<std::string> token = std::nullopt, std::optional<std::string> client_id = std::nullopt)
    {
        const ConnId id = Core.Open();
        Send(id, Join{"room", std::move(token), std::move(client_id)});
        return id;
    }
    ConnId JoinAs(Role role, const std::string& subject) { return Enter(Token(role, subject)); }
    ConnId JoinV1()
    {
        const ConnId id = Core.Open();
        SendRaw(id, R"({"type":"join","v":1,"room":"room"})");
        return id;
    }

    template <class T>
    std::vector<T> Taken(ConnId id)
    {
        std::vector<T> out;
        for (ServerMessage& m : Inbox[id])
            if (T* t = std::get_if<T>(&m))
                out.push_back(std::move(*t));
        std::erase_if(Inbox[id], [](const ServerMessage& m) { return std::holds_alternative<T>(m); });
        return out;
    }
    std::vector<ErrorMessage> Errors(ConnId id) { return Taken<ErrorMessage>(id); }

    void Say(ConnId id, const std::string& text, bool question = false, const std::string& nonce = "n1")
    {
        CommentPost p;
        p.Text = text;
        p.Question = question;
        p.Nonce = nonce;
        Send(id, p);
    }
    // The id of the last comment `id` received.
    std::string LastCommentId(ConnId id)
    {
        const auto comments = Taken<livescope::Comment>(id);
        REQUIRE_FALSE(comments.empty());
        return comments.back().Id;
    }
    std::optional<BoardState> LastBoard(ConnId id)
    {
        auto boards = Taken<Board>(id);
        if (boards.empty())
            return std::nullopt;
        return boards.back().State;
    }
};

std::vector<std::string> Ids(const std::vector<Question>& qs)
{
    std::vector<std::string> ids;
    for (const Question& q : qs)
        ids.push_back(q.Id);
    return ids;
}
} // namespace

TEST_SUITE_BEGIN("relay/qa");

TEST_CASE("questions go on the board, votes reorder it, and repeats count once")
{
    QaHarness h;
    const ConnId a = h.Enter(std::nullopt, std::string("ca"));
    const ConnId b = h.Enter(std::nullopt, std::string("cb"));
    const ConnId c = h.Enter(std::nullopt, std::string("cc"));
    h.Say(a, "first question?", true);
    h.Tick();
    h.Tick(1000); // comment budget
    h.Say(b, "second question?", true);
    h.Tick();
    const std::string q1 = "c-1", q2 = "c-2";
    auto board = h.LastBoard(c);
    REQUIRE(board.has_value());
    CHECK(Ids(board->Open) == std::vector<std::string>{q1, q2});
    const auto comments = h.Taken<Comment>(c);
    REQUIRE(comments.size() == 2);
    CHECK(comments[1].Question);

    h.Send(c, VoteRequest{q2, true});
    h.Send(c, VoteRequest{q2, true}); // a repeat
    h.Send(a, VoteRequest{q2, true});
    h.Send(b, VoteRequest{q1, true});
    h.Tick();
    board = h.LastBoard(c);
    REQUIRE(board.has_value());
    CHECK(Ids(board->Open) == std::vector<std::string>{q2, q1});
    CHECK(board->Open[0].Votes == 2);
    CHECK(board->Open[1].Votes == 1);
    h.Send(c, VoteRequest{q2, false});
    h.Tick();
    board = h.LastBoard(c);
    CHECK(board->Open[0].Votes == 1);
    CHECK(Ids(board->Open) == std::vector<std::string>{q1, q2}); // a tie: older first
    h.Send(c, VoteRequest{"c-99", true});
    CHECK(h.Errors(c).at(0).Code == ErrorCode::NotFound);
}

TEST_CASE("each action is allowed exactly to the roles of the permissions table")
{
    struct Action
    {
        const char* Name;
        ClientMessage Message;
        bool Viewer, Moderator, Broadcaster;
    };
    MuteRequest mute;
    mute.UserId = "g-x";
    CommentPost post;
    post.Text = "hi";
    const std::vector<Action> actions = {
        {"comment", post, true, true, true},
        {"vote", VoteRequest{"c-1", true}, true, true, true},
        {"hearts", HeartsTap{1}, true, true, true},
        {"delete", DeleteRequest{"c-1"}, false, true, true},
        {"mute", mute, false, true, true},
        {"dismiss", DismissRequest{"c-1"}, false, true, true},
        {"approve", ApproveRequest{"c-1"}, false, true, true},
        {"reject", RejectRequest{"c-1"}, false, true, true},
        {"pin", PinRequest{"c-1"}, false, false, true},
        {"unpin", UnpinRequest{}, false, false, true},
        {"answer", AnswerRequest{"c-1"}, false, false, true},
        {"answered", AnsweredRequest{"c-1"}, false, false, true},
        {"modes", ModesRequest{}, false, false, true},
        {"end", EndRequest{}, false, false, true},
    };
    for (const Action& action : actions)
    {
        for (const Role role : {Role::Viewer, Role::Moderator, Role::Broadcaster})
        {
            CAPTURE(action.Name);
            CAPTURE(RoleName(role));
            QaHarness h;
            const ConnId asker = h.Enter();
            h.Say(asker, "a question?", true);
            h.Tick();
            const ConnId actor = h.JoinAs(role, "actor");
            h.Errors(actor);
            h.Send(actor, action.Message);
            const bool allowed = role == Role::Viewer ? action.Viewer : role == Role::Moderator ? action.Moderator : action.Broadcaster;
            CHECK(RoleMay(role, action.Message) == allowed);
            bool forbidden = false;
            for (const ErrorMessage& e : h.Errors(actor))
                forbidden = forbidden || e.Code == ErrorCode::Forbidden;
            CHECK(forbidden == !allowed);
        }
    }
}

TEST_CASE("a moderator's delete and mute take effect, and delete takes a question off the board")
{
    QaHarness h;
    const ConnId viewer = h.Enter();
    const ConnId mod = h.JoinAs(Role::Moderator, "mod");
    CHECK(h.Taken<Welcome>(mod).at(0).YourRole == Role::Moderator);
    h.Say(viewer, "delete me?", true);
    h.Tick();
    REQUIRE(h.LastBoard(mod)->Open.size() == 1);
    h.Send(mod, DeleteRequest{"c-1"});
    h.Tick();
    CHECK(h.Taken<Deleted>(viewer).size() == 1);
    CHECK(h.LastBoard(viewer)->Open.empty());
}

TEST_CASE("slow mode refuses a second comment with retry_after_ms and the nonce, and spares the broadcaster")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId viewer = h.Enter();
    ModesRequest modes;
    modes.SlowS = 10;
    h.Send(host, modes);
    h.Tick();
    const auto changed = h.Taken<ModesChanged>(viewer);
    REQUIRE(changed.size() == 1);
    CHECK(changed[0].Modes.SlowS == 10);
    h.Say(viewer, "one", false, "n1");
    h.Tick(1000);
    h.Say(viewer, "two", false, "n2");
    auto errors = h.Errors(viewer);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].Code == ErrorCode::SlowMode);
    CHECK(errors[0].Nonce == std::optional<std::string>("n2"));
    REQUIRE(errors[0].RetryAfterMs.has_value());
    CHECK(*errors[0].RetryAfterMs == 9000);
    h.Tick(9000);
    h.Say(viewer, "three", false, "n3");
    CHECK(h.Errors(viewer).empty());
    h.Say(host, "host one");
    h.Tick(1000);
    h.Say(host, "host two");
    CHECK(h.Errors(host).empty());
}

TEST_CASE("hold-for-review holds guests' comments for staff until approved or rejected")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId mod = h.JoinAs(Role::Moderator, "mod");
    const ConnId guest = h.Enter();
    const ConnId member = h.JoinAs(Role::Viewer, "member");
    const ConnId other = h.Enter();
    ModesRequest modes;
    modes.Hold = true;
    h.Send(host, modes);
    h.Tick();
    h.Say(guest, "please approve", false, "n5");
    const auto errors = h.Errors(guest);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].Code == ErrorCode::Held);
    CHECK(errors[0].Nonce == std::optional<std::string>("n5"));
    h.Say(member, "signed-in viewers are not held");
    CHECK(h.Errors(member).empty());
    h.Tick();
    const auto held = h.Taken<Held>(mod);
    REQUIRE(held.size() == 1);
    CHECK(held[0].Item.Text == "please approve");
    CHECK(h.Taken<Held>(host).size() == 1);
    CHECK(h.Taken<Held>(other).empty());
    std::vector<std::string> seen;
    for (const Comment& c : h.Taken<Comment>(other))
        seen.push_back(c.Text);
    CHECK(seen == std::vector<std::string>{"signed-in viewers are not held"});
    // A moderator joining late gets the queue.
    const ConnId late_mod = h.JoinAs(Role::Moderator, "mod2");
    CHECK(h.Taken<Held>(late_mod).size() == 1);

    h.Send(mod, ApproveRequest{held[0].Item.Id});
    h.Tick();
    const auto released = h.Taken<Comment>(other);
    REQUIRE(released.size() == 1);
    CHECK(released[0].Text == "please approve");
    h.Send(mod, ApproveRequest{held[0].Item.Id}); // already released
    CHECK(h.Errors(mod).at(0).Code == ErrorCode::NotFound);

    h.Tick(1000);
    h.Say(guest, "reject me");
    h.Tick();
    const auto held2 = h.Taken<Held>(host);
    REQUIRE(held2.size() == 1);
    h.Send(host, RejectRequest{held2[0].Item.Id});
    h.Tick();
    CHECK(h.Taken<Comment>(other).empty());
    CHECK(h.Taken<Deleted>(mod).size() == 1); // the other moderators' queues drop it
}

TEST_CASE("a blocked word refuses the comment with blocked and the nonce; longer words pass")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId viewer = h.Enter();
    ModesRequest modes;
    modes.BlockedWords = std::vector<std::string>{"Spam"};
    h.Send(host, modes);
    h.Tick();
    CHECK(h.Taken<ModesChanged>(viewer).empty()); // the list is not broadcast
    h.Say(viewer, "this is SPAM!", false, "n9");
    const auto errors = h.Errors(viewer);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].Code == ErrorCode::Blocked);
    CHECK(errors[0].Nonce == std::optional<std::string>("n9"));
    h.Tick(1000);
    h.Say(viewer, "a spammer is not spam-free");
    CHECK(h.Errors(viewer).at(0).Code == ErrorCode::Blocked); // "spam" in "spam-free" is a whole word
    h.Tick(1000);
    h.Say(viewer, "a spammer");
    CHECK(h.Errors(viewer).empty());
}

TEST_CASE("a moderator who joins again gets the blocked words in welcome, a viewer never does")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    ModesRequest modes;
    modes.BlockedWords = std::vector<std::string>{"spam", "eggs"};
    h.Send(host, modes);
    h.Tick();
    h.Core.Close(host, h.Now); // the console reloads
    const ConnId again = h.JoinAs(Role::Broadcaster, "host");
    const ConnId mod = h.JoinAs(Role::Moderator, "mod");
    const ConnId viewer = h.JoinAs(Role::Viewer, "viewer");
    for (const ConnId staff : {again, mod})
    {
        const auto w = h.Taken<Welcome>(staff);
        REQUIRE(w.size() == 1);
        CHECK(w[0].BlockedWords == std::optional<std::vector<std::string>>(std::vector<std::string>{"spam", "eggs"}));
    }
    const auto wv = h.Taken<Welcome>(viewer);
    REQUIRE(wv.size() == 1);
    CHECK_FALSE(wv[0].BlockedWords.has_value());
}

TEST_CASE("a timed mute ends by itself; a mute for the broadcast does not")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId timed = h.JoinAs(Role::Viewer, "timed");
    const ConnId forever = h.JoinAs(Role::Viewer, "forever");
    MuteRequest m1;
    m1.UserId = "u-timed";
    m1.DurationS = 600;
    h.Send(host, m1);
    MuteRequest m2;
    m2.UserId = "u-forever";
    h.Send(host, m2);
    h.Tick();
    h.Say(timed, "hello");
    auto e = h.Errors(timed);
    REQUIRE(e.size() == 1);
    CHECK(e[0].Code == ErrorCode::Muted);
    REQUIRE(e[0].RetryAfterMs.has_value());
    CHECK(*e[0].RetryAfterMs == 600000); // the mute took effect at the tick, when this comment came
    h.Say(forever, "hello");
    e = h.Errors(forever);
    REQUIRE(e.size() == 1);
    CHECK_FALSE(e[0].RetryAfterMs.has_value());
    h.Tick(600000);
    h.Say(timed, "back");
    CHECK(h.Errors(timed).empty());
    h.Say(forever, "back?");
    CHECK(h.Errors(forever).at(0).Code == ErrorCode::Muted);
}

TEST_CASE("end tells everyone, and later comments and votes get ended")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId viewer = h.Enter();
    h.Say(viewer, "q?", true);
    h.Tick();
    h.Send(host, EndRequest{});
    h.Tick();
    CHECK(h.Taken<Ended>(viewer).size() == 1);
    h.Tick(1000);
    h.Say(viewer, "after", false, "n4");
    auto e = h.Errors(viewer);
    REQUIRE(e.size() == 1);
    CHECK(e[0].Code == ErrorCode::Ended);
    CHECK(e[0].Nonce == std::optional<std::string>("n4"));
    h.Send(viewer, VoteRequest{"c-1", true});
    CHECK(h.Errors(viewer).at(0).Code == ErrorCode::Ended);
    const ConnId late = h.Enter();
    CHECK(h.Taken<Ended>(late).size() == 1);
}

TEST_CASE("a late joiner gets the board, its own votes and the modes in welcome")
{
    QaHarness h;
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId asker = h.Enter();
    h.Say(asker, "q one?", true);
    h.Tick();
    h.Send(host, AnswerRequest{"c-1"});
    ModesRequest modes;
    modes.SlowS = 5;
    h.Send(host, modes);
    h.Tick(1000);
    h.Say(asker, "q two?", true);
    h.Tick();
    const ConnId voter = h.JoinAs(Role::Viewer, "voter");
    h.Send(voter, VoteRequest{"c-2", true});
    h.Tick();
    h.Core.Close(voter, h.Now);
    const ConnId again = h.JoinAs(Role::Viewer, "voter");
    const auto w = h.Taken<Welcome>(again);
    REQUIRE(w.size() == 1);
    REQUIRE(w[0].Board.has_value());
    REQUIRE(w[0].Board->Answering.has_value());
    CHECK(w[0].Board->Answering->Id == "c-1");
    CHECK(Ids(w[0].Board->Open) == std::vector<std::string>{"c-2"});
    CHECK(w[0].YourVotes == std::vector<std::string>{"c-2"});
    REQUIRE(w[0].Modes.has_value());
    CHECK(w[0].Modes->SlowS == 5);
}

TEST_CASE("many votes in one tick cost each viewer one frame with one board")
{
    QaHarness h;
    std::vector<ConnId> viewers;
    for (int i = 0; i < 200; i++)
        viewers.push_back(h.Enter(std::nullopt, "client-" + std::to_string(i)));
    h.Say(viewers[0], "q?", true);
    h.Tick();
    h.Raw.clear();
    h.Inbox.clear();
    for (const ConnId v : viewers)
        h.Send(v, VoteRequest{"c-1", true});
    CHECK(h.Raw.empty()); // votes are not answered one by one
    h.Tick();
    for (const ConnId v : viewers)
    {
        CHECK(h.Raw[v].size() == 1);
        const auto boards = h.Taken<Board>(v);
        REQUIRE(boards.size() == 1);
        CHECK(boards[0].State.Open.at(0).Votes == 200);
    }
    h.Tick();
    CHECK(h.Taken<Board>(viewers[0]).empty()); // unchanged: no board
}

TEST_CASE("votes are rate-limited per connection, with one rate_limited a second")
{
    QaHarness h;
    const ConnId v = h.Enter();
    h.Say(v, "q?", true);
    h.Tick();
    for (int i = 0; i < 30; i++)
        h.Send(v, VoteRequest{"c-1", i % 2 == 0});
    const auto errors = h.Errors(v);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].Code == ErrorCode::RateLimited);
    CHECK(errors[0].RetryAfterMs.has_value());
    CHECK(h.Core.Stats().VotesDropped == 20);
}

TEST_CASE("a v1 connection still joins and chats, and gets only v1 frames")
{
    QaHarness h;
    const ConnId old = h.JoinV1();
    const ConnId host = h.JoinAs(Role::Broadcaster, "host");
    const ConnId asker = h.Enter();
    h.Say(asker, "q?", true);
    h.Tick();
    h.SendRaw(old, R"({"type":"comment","v":1,"text":"hello from v1"})");
    h.Tick();
    ModesRequest modes;
    modes.SlowS = 30;
    h.Send(host, modes);
    h.Send(host, AnswerRequest{"c-1"});
    h.Tick();
    h.SendRaw(old, R"({"type":"comment","v":1,"text":"again"})");
    h.SendRaw(old, R"({"type":"comment","v":1,"text":"too soon"})"); // slow mode: refused
    h.Send(host, EndRequest{});
    h.Tick();
    bool saw_question = false, saw_own = false, saw_refusal = false;
    for (const std::string& frame : h.Raw[old])
    {
        const auto j = nlohmann::json::parse(frame);
        CHECK(j["v"] == 1);
        const auto items = j["type"] == "batch" ? j["messages"] : nlohmann::json::array({j});
        for (const auto& m : items)
        {
            const std::string type = m["type"];
            CHECK(type != "board");
            CHECK(type != "modes");
            CHECK(type != "ended");
            CHECK(type != "held");
            CHECK_FALSE(m.contains("question"));
            CHECK_FALSE(m.contains("retry_after_ms"));
            if (type == "welcome")
            {
                CHECK_FALSE(m.contains("board"));
                CHECK_FALSE(m.contains("your_votes"));
            }
            if (type == "comment" && m["text"] == "q?")
                saw_question = true;
            if (type == "comment" && m["text"] == "hello from v1")
                saw_own = true;
            if (type == "error")
            {
                CHECK(m["code"] == "rate_limited"); // slow_mode, for a v1 client
                saw_refusal = true;
            }
        }
    }
    CHECK(saw_question);
    CHECK(saw_own);
    CHECK(saw_refusal);
}

TEST_SUITE_END();
