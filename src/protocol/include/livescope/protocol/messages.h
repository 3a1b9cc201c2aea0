// Room protocol v1: message structs for both directions and the pure JSON codec (text in, struct or error out).
// [SECTION] Limits
// [SECTION] Errors
// [SECTION] Shared records
// [SECTION] Client -> server messages
// [SECTION] Server -> client messages
// [SECTION] Codec
#pragma once
#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace livescope {

//-----------------------------------------------------------------------------
// [SECTION] Limits
//-----------------------------------------------------------------------------

inline constexpr int ProtocolVersion = 1;
inline constexpr size_t MaxClientFrameBytes = 4096;       // bytes, one client -> server frame
inline constexpr size_t MaxServerFrameBytes = 256 * 1024; // bytes, one server -> client frame (welcome, batches)
inline constexpr size_t MaxCommentChars = 280;            // Unicode code points
inline constexpr size_t MaxNameChars = 32;                // Unicode code points
inline constexpr size_t MaxRoomChars = 64;                // ASCII [A-Za-z0-9._-]
inline constexpr size_t MaxIdChars = 64;                  // bytes, ids of users and comments
inline constexpr size_t MaxTokenBytes = 1024;             // bytes
inline constexpr size_t MaxMessageChars = 200;            // Unicode code points, error messages
inline constexpr int MaxHeartsPerTap = 100;               // taps in one `hearts` message
inline constexpr size_t HistoryComments = 50;             // comments sent in `welcome`
inline constexpr size_t MaxBatchMessages = 256;           // messages in one `batch` frame

//-----------------------------------------------------------------------------
// [SECTION] Errors
//-----------------------------------------------------------------------------

// Error codes, sent as snake_case strings in `error` messages.
enum class ErrorCode
{
    BadJson,            // bad_json: the frame is not JSON (or not a JSON object)
    BadUtf8,            // bad_utf8: the frame is not valid UTF-8
    TooLarge,           // too_large: the frame or a field is over its size limit
    BadMessage,         // bad_message: a field is missing, of the wrong type or out of range
    UnknownType,        // unknown_type: `type` names no message of this direction
    UnsupportedVersion, // unsupported_version: `v` is not 1
    RateLimited,        // rate_limited: over the per-connection rate limit; the input was dropped
    Forbidden,          // forbidden: a moderation action by a non-broadcaster
    BadToken,           // bad_token: the join token is malformed, forged or expired
    NotJoined,          // not_joined: a message other than join/ping before `join`
    AlreadyJoined,      // already_joined: a second `join` on one connection
    Muted,              // muted: the sender was muted by the broadcaster
    NotFound,           // not_found: the comment named by pin/delete is not in the room's history
    Internal,           // internal: anything else
};
const char* ErrorCodeName(ErrorCode code);
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);

// An error as a value: what the codec returns instead of throwing.
struct ProtocolError
{
    ErrorCode Code = ErrorCode::Internal;
    std::string Reason; // human-readable, names the field at fault
    bool operator==(const ProtocolError&) const = default;
};

//-----------------------------------------------------------------------------
// [SECTION] Shared records
//-----------------------------------------------------------------------------

enum class Role
{
    Viewer,
    Broadcaster,
};
const char* RoleName(Role role);

// A comment author or a presence subject as every viewer sees them.
struct User
{
    std::string Id;
    std::string Name;  // 1..32 code points
    std::string Color; // "#rrggbb"
    bool operator==(const User&) const = default;
};

struct Comment
{
    std::string Id; // server-assigned, unique per relay
    User Author;
    std::string Text;                  // 1..280 code points
    int64_t ServerTime = 0;            // ms since the Unix epoch, when the relay accepted it
    std::optional<int64_t> StreamTime; // ms since the Unix epoch, EXT-X-PROGRAM-DATE-TIME the sender was watching
    bool operator==(const Comment&) const = default;
};

struct HeartCount
{
    std::string Color; // "#rrggbb"
    int64_t Count = 0; // taps in the window
    bool operator==(const HeartCount&) const = default;
};

//-----------------------------------------------------------------------------
// [SECTION] Client -> server messages
//-----------------------------------------------------------------------------

struct Join // "join": enter a room; must be the first message
{
    std::string Room;
    std::optional<std::string> Token;    // publisher-signed, see docs/protocol.md
    std::optional<std::string> ClientId; // stable per browser, for unique-viewer counts and guest names
    bool operator==(const Join&) const = default;
};
struct CommentPost // "comment"
{
    std::string Text;
    std::optional<int64_t> StreamTime; // ms since the Unix epoch, when known
    bool operator==(const CommentPost&) const = default;
};
struct HeartsTap // "hearts"
{
    int64_t Count = 1; // 1..100 taps since the last hearts message
    bool operator==(const HeartsTap&) const = default;
};
struct PinRequest
{
    std::string CommentId;
    bool operator==(const PinRequest&) const = default;
}; // "pin"
struct UnpinRequest
{
    bool operator==(const UnpinRequest&) const = default;
}; // "unpin"
struct DeleteRequest
{
    std::string CommentId;
    bool operator==(const DeleteRequest&) const = default;
}; // "delete"
struct MuteRequest
{
    std::string UserId;
    bool operator==(const MuteRequest&) const = default;
}; // "mute"
struct Ping
{
    bool operator==(const Ping&) const = default;
}; // "ping", both ways
struct Pong
{
    bool operator==(const Pong&) const = default;
}; // "pong", both ways

using ClientMessage = std::variant<Join, CommentPost, HeartsTap, PinRequest, UnpinRequest, DeleteRequest, MuteRequest, Ping, Pong>;

//-----------------------------------------------------------------------------
// [SECTION] Server -> client messages
//-----------------------------------------------------------------------------

struct Viewers // "viewers"
{
    int64_t Live = 0;  // connections in the room now
    int64_t Total = 0; // unique viewers over the broadcast
    bool operator==(const Viewers&) const = default;
};
struct Welcome // "welcome": the answer to join
{
    User You;
    Role YourRole = Role::Viewer;
    Viewers Counts;
    std::vector<Comment> Comments; // the last 50, oldest first
    std::optional<Comment> Pinned;
    bool operator==(const Welcome&) const = default;
};
struct HeartsWindow // "hearts": taps aggregated over one window
{
    int64_t WindowMs = 0; // ms
    std::vector<HeartCount> Counts;
    bool operator==(const HeartsWindow&) const = default;
};
struct Pinned
{
    Comment Item;
    bool operator==(const Pinned&) const = default;
}; // "pin"
struct Unpinned
{
    bool operator==(const Unpinned&) const = default;
}; // "unpin"
struct Deleted
{
    std::string CommentId;
    bool operator==(const Deleted&) const = default;
}; // "delete"
struct Muted
{
    std::string UserId;
    bool operator==(const Muted&) const = default;
}; // "mute"
enum class PresenceEvent
{
    Joined, // "join"
    Left,   // "leave"
};
struct Presence // "presence": a faint "X joined" line
{
    PresenceEvent Event = PresenceEvent::Joined;
    User Who;
    bool operator==(const Presence&) const = default;
};
struct ErrorMessage // "error"
{
    ErrorCode Code = ErrorCode::Internal;
    std::string Message;
    bool operator==(const ErrorMessage&) const = default;
};

using ServerMessage = std::variant<Welcome, Comment, HeartsWindow, Viewers, Pinned, Unpinned, Deleted, Muted, Presence, ErrorMessage, Ping, Pong>;

//-----------------------------------------------------------------------------
// [SECTION] Codec
//-----------------------------------------------------------------------------

// A decoded value or the reason it was refused.
template <class T>
struct Decoded
{
    T Value{};
    std::optional<ProtocolError> Error;
    bool Ok() const { return !Error.has_value(); }
};

// Client frame -> message. Enforces every limit above; unknown fields are ignored. Never throws.
Decoded<ClientMessage> DecodeClientMessage(std::string_view text);
// Server frame -> messages. A `batch` frame yields its messages in order; any other frame yields one. Never throws.
Decoded<std::vector<ServerMessage>> DecodeServerFrame(std::string_view text);

// Message -> frame (compact JSON with `type` and `v`). Never throws; strings are emitted as given.
std::string EncodeClientMessage(const ClientMessage& message);
std::string EncodeServerMessage(const ServerMessage& message);
// Several messages -> one `batch` frame; `dropped` counts messages left out to bound the client's rate.
std::string EncodeServerBatch(const std::vector<ServerMessage>& messages, int64_t dropped = 0);

// The `type` string of a message.
const char* MessageTypeName(const ClientMessage& message);
const char* MessageTypeName(const ServerMessage& message);

// Validators the relay reuses (guest names it generates, tokens' claims).
bool IsValidColor(std::string_view color);      // "#rrggbb", lower or upper hex
bool IsValidRoomName(std::string_view room);    // 1..64 of [A-Za-z0-9._-]
bool IsValidDisplayName(std::string_view name); // valid UTF-8, 1..32 code points, no control characters

} // namespace livescope
