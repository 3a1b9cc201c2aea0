// Room client, pure: the widget's side of the room protocol. The JS WebSocket edge feeds it socket
// events and text frames and sends what it queues; it hands the app neutral RoomUpdates (no protocol
// or overlay types here, so the app can include this beside the overlay headers).
//
// Threading: page main thread only. Ownership: plain value; several clients may coexist.
// Clock: every `now` is seconds on one monotonic clock (the page passes performance.now() / 1000).
#pragma once

#include <livescope/room/room_policy.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace livescope {

struct RoomClientConfig
{
    std::string Room;       // room name, [A-Za-z0-9._-]{1,64}
    std::string Token;      // publisher-signed join token, empty for a guest
    std::string ClientId;   // stable per browser, empty for none
    std::uint64_t Seed = 1; // backoff jitter seed
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
    Error,    // fired for the relay's `error` messages (Code, Text)
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
    bool Broadcaster = false;           // Welcome: your role
    std::vector<RoomHeart> Hearts;      // Hearts
    double WindowMs = 200.0;            // Hearts: milliseconds aggregated over
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
    std::string YourId;                       // from the last welcome
    std::uint64_t Joins = 0;                  // welcomes received
    std::uint64_t BadFrames = 0;              // frames the codec refused (ignored)
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
// Own hearts tapped (already shown locally). Sent only while joined; otherwise dropped.
void RoomClientSendHearts(RoomClient& c, int taps);
// A submitted comment. Queued while not joined (at most 3, oldest dropped) and sent after `welcome`.
void RoomClientSendComment(RoomClient& c, std::string_view text);
// Moves the queued frames / updates out.
std::vector<std::string> RoomClientTakeOutgoing(RoomClient& c);
std::vector<RoomUpdate> RoomClientTakeUpdates(RoomClient& c);

// "#rrggbb" -> 0xRRGGBB; `fallback` when malformed.
std::uint32_t RoomParseColor(std::string_view color, std::uint32_t fallback);

} // namespace livescope
