// Room client, pure: the widget's side of the room protocol. The JS WebSocket edge feeds it socket
// events and text frames and sends what it queues; it hands the app neutral RoomUpdates (no protocol
// or overlay types here, so the app can include this beside the overlay headers).
//
// Threading: page main thread only. Ownership: plain value; several clients may coexist.
// Clock: every `now` is seconds on one monotonic clock (the page passes performance.now() / 1000).
#pragma once

#include <livescope/room/room_policy.h>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <unordered_set>
#include <vector>

namespace livescope {

struct RoomClientConfig
{
    std::string Room;       // room name, [A-Za-z0-9._-]{1,64}
    std::string Token;      // publisher-signed join token, empty for a guest
    std::string ClientId;   // stable per browser, empty for none
    std::uint64_t Seed = 1; // backoff jitter seed
};

enum class RoomRole
{
    Viewer,
    Moderator,   // may delete, mute, dismiss, approve, reject
    Broadcaster, // may also pin, unpin, answer, answered, set modes and end
};

enum class RoomQuestionState
{
    Open,
    Answering, // "Now answering"
    Answered,
};

// A question on the board as the app shows it.
struct RoomQuestion
{
    std::string Id; // the question's comment id
    std::string UserId;
    std::string Author;
    std::uint32_t AuthorRgb = 0xFFFFFF; // 0xRRGGBB
    std::string Text;
    std::int64_t Votes = 0;
    bool VotedByMe = false;
    std::int64_t AskedAtMs = 0;    // ms since the Unix epoch
    std::int64_t AnsweredAtMs = 0; // ms since the Unix epoch, 0 until answered
    RoomQuestionState State = RoomQuestionState::Open;
};

struct RoomBoard
{
    std::vector<RoomQuestion> Open; // votes descending, then older first
    std::optional<RoomQuestion> Answering;
    std::vector<RoomQuestion> Answered; // latest first
};

enum class RoomConnState
{
    Waiting,    // no socket; RoomClientWantsConnect says when to open one
    Connecting, // the edge is opening a socket
    Open,       // socket open, `join` sent, no `welcome` yet
    Joined,     // `welcome` received
};

// What the app applies to its overlay. Each member says when it is fired.
enum class RoomUpdateKind
{
    Welcome,  // fired on `welcome` (first join and every resync): identity, counts, pinned (Has* fields)
    Comment,  // fired for each comment not shown before (live, or from a welcome's history)
    Presence, // fired when another viewer joins (a faint "X joined" line)
    Hearts,   // fired for each aggregated hearts window from the relay
    Viewers,  // fired when the relay sends new viewer counts (also right after Welcome)
    Pinned,   // fired when the broadcaster pins a comment (Id, Author, Text)
    Unpinned, // fired when the pinned question is removed
    Deleted,  // fired when a comment is deleted (Id)
    Muted,    // fired when a user is muted (UserId): their comments go
    Error,    // fired for the relay's `error` messages that refuse no comment of yours (Code, Text, RetryAfterMs)
    Board,    // fired when the board changed (welcome, `board`, or your own vote at once): the whole board is RoomClient::Board
    Refused,  // fired when your comment/question was refused: Code ("slow_mode", "muted", "rate_limited", "blocked",
              // "ended", "forbidden", ...), Text = the relay's message, RetryAfterMs, Original = the text you sent
    Held,     // fired (moderators and the broadcaster) when a comment awaits review: Id, UserId, Author, AuthorRgb, Text
    Notice,   // fired when your comment awaits review (Code "held"): Code, Text, Original
    Modes,    // fired when slow mode / hold changed (and on welcome): SlowS, Hold; on a staff welcome also BlockedWords
    Ended,    // fired when the broadcaster ended the broadcast (once per `ended`)
};

struct RoomHeart
{
    std::uint32_t Rgb = 0xFF3B5C; // 0xRRGGBB
    std::uint32_t Count = 0;
};

struct RoomUpdate
{
    RoomUpdateKind Kind = RoomUpdateKind::Comment;
    std::string Id;                     // comment id (Comment, Pinned, Deleted)
    std::string UserId;                 // author (Comment, Pinned), subject (Presence, Muted), you (Welcome)
    std::string Author;                 // display name (Comment, Pinned, Presence), yours (Welcome)
    std::uint32_t AuthorRgb = 0xFFFFFF; // 0xRRGGBB
    std::string Text;                   // comment text (Comment, Pinned), message (Error)
    std::string Code;                   // error code name (Error)
    std::int64_t Live = 0;              // viewers now (Viewers, Welcome)
    std::int64_t Total = 0;             // unique viewers (Viewers, Welcome)
    bool HasPinned = false;             // Welcome: a question is pinned (the Pinned* fields)
    std::string PinnedAuthor;           // Welcome
    std::uint32_t PinnedRgb = 0xFFFFFF; // Welcome, 0xRRGGBB
    std::string PinnedText;             // Welcome
    bool Broadcaster = false;           // Welcome: your role is Broadcaster (same as Role == RoomRole::Broadcaster)
    RoomRole Role = RoomRole::Viewer;   // Welcome: your role
    std::vector<RoomHeart> Hearts;      // Hearts
    double WindowMs = 200.0;            // Hearts: milliseconds aggregated over
    bool Question = false;              // Comment: asked as a question (it is on the board with this Id)
    std::string Original;               // Refused, Notice: the text you sent (to put back in the box)
    std::int64_t RetryAfterMs = 0;      // Refused, Error: ms until it would be accepted, 0 when unknown
    std::int64_t SlowS = 0;             // Modes: seconds between comments; 0: off
    bool Hold = false;                  // Modes: guests' comments wait for review
    std::optional<std::vector<std::string>> BlockedWords; // Modes: the room's blocked words (a moderator's welcome only)
};

// What RoomClientModerate sends. Fields other than Action are read only by the actions that use them.
enum class RoomAction
{
    Pin,      // Id: comment
    Unpin,    //
    Delete,   // Id: comment (or question)
    Mute,     // Id: user id; DurationS
    Answer,   // Id: question ("Now answering")
    Answered, // Id: question
    Dismiss,  // Id: question
    Approve,  // Id: held comment
    Reject,   // Id: held comment
    Modes,    // SlowS, Hold, BlockedWords (with SetWords)
    End,      //
};

struct RoomModeration
{
    RoomAction Action = RoomAction::Delete;
    std::string Id{};                      // comment/question id, or the user id for Mute
    std::int64_t DurationS = 0;            // Mute: seconds; 0: the rest of the broadcast
    std::int64_t SlowS = -1;               // Modes: seconds between comments; -1: unchanged
    int Hold = -1;                         // Modes: 0 off, 1 on, -1 unchanged
    std::vector<std::string> BlockedWords{}; // Modes: the whole list, sent when SetWords
    bool SetWords = false;                 // Modes: replace the blocked-words list with BlockedWords
};

struct RoomClient
{
    RoomClientConfig Config;
    RoomConnState State = RoomConnState::Waiting;
    ReconnectBackoff Backoff;
    CommentDedupe Seen;                       // keys "id@server_time" of comments already handed out
    double NextConnectAt = 0.0;               // seconds, when Waiting ends
    std::vector<std::string> Outgoing;        // text frames for the edge to send, oldest first
    std::vector<RoomUpdate> Updates;          // for the app, oldest first
    std::vector<std::string> PendingComments; // submitted while not joined, sent after `welcome`
    std::vector<bool> PendingQuestions;       // beside PendingComments: asked as a question
    std::vector<std::optional<std::int64_t>> PendingStreamTimes; // beside PendingComments: the stream time when submitted
    std::optional<std::int64_t> StreamTimeMs; // ms since the Unix epoch: PROGRAM-DATE-TIME of the frame on screen (unknown: none)
    std::string YourId;                       // from the last welcome
    std::uint64_t Joins = 0;                  // welcomes received
    std::uint64_t BadFrames = 0;              // frames the codec refused (ignored)
    // v2: Q&A
    RoomBoard Board;                            // the last board from the relay, with your own votes applied at once
    RoomRole Role = RoomRole::Viewer;           // from the last welcome
    std::unordered_set<std::string> MyVotes;    // question ids you voted for
    std::int64_t SlowS = 0;                     // seconds; the room's slow mode
    bool Hold = false;                          // the room holds guests' comments for review
    bool Ended = false;                         // the broadcaster ended the broadcast
    std::uint64_t NextNonce = 1;                // nonces are "n<counter>"
    std::unordered_map<std::string, std::string> SentTexts; // nonce -> text of comments sent and not yet echoed (bounded)
    std::vector<std::string> SentOrder;         // nonces, oldest first (bounds SentTexts)
};

void RoomClientInit(RoomClient& c, const RoomClientConfig& config);
// Returns true once when the edge should open a socket now (and moves to Connecting).
bool RoomClientWantsConnect(RoomClient& c, double now);
// The socket opened: queues `join`.
void RoomClientOnOpen(RoomClient& c);
// The socket closed or failed (at any stage): drops unsent frames and schedules a reconnect.
void RoomClientOnClose(RoomClient& c, double now);
// One text frame from the relay: decodes it (bad frames are counted and ignored), queues updates,
// answers `ping` with `pong`. Never throws.
void RoomClientOnFrame(RoomClient& c, std::string_view text);
// The PROGRAM-DATE-TIME (ms since the Unix epoch) of the frame on screen now, or none when unknown (no PDT in the
// stream, nothing shown yet). Comments, questions, hearts and votes carry it as `stream_time` (the room log's timeline).
void RoomClientSetStreamTime(RoomClient& c, std::optional<std::int64_t> stream_time_ms);
// Own hearts tapped (already shown locally). Sent only while joined; otherwise dropped.
void RoomClientSendHearts(RoomClient& c, int taps);
// A submitted comment (a question when `question`). Queued while not joined (at most 3, oldest dropped) and sent
// after `welcome`. Each carries a nonce, so a refusal comes back as Refused with the original text.
void RoomClientSendComment(RoomClient& c, std::string_view text, bool question = false);
// Your vote on a question (on: vote, off: take it back). Optimistic: Board, VotedByMe and MyVotes change at once
// (a Board update is queued); sent only while joined, and only when it changes your vote.
void RoomClientVote(RoomClient& c, std::string_view question_id, bool on);
// A moderation request (the relay refuses what your role may not do with `forbidden`). Sent only while joined.
void RoomClientModerate(RoomClient& c, const RoomModeration& m);
// Moves the queued frames / updates out.
std::vector<std::string> RoomClientTakeOutgoing(RoomClient& c);
std::vector<RoomUpdate> RoomClientTakeUpdates(RoomClient& c);

// True when the trimmed text ends in '?' (or the fullwidth U+FF1F): the compose box offers it as a question.
bool RoomLooksLikeQuestion(std::string_view text);

// "#rrggbb" -> 0xRRGGBB; `fallback` when malformed.
std::uint32_t RoomParseColor(std::string_view color, std::uint32_t fallback);

} // namespace livescope
