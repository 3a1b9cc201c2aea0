// Room protocol v2 (v1 still spoken): message structs for both directions and the pure JSON codec (text in, struct or error out).
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

inline constexpr int ProtocolVersion = 2;                 // what this build speaks and sends by default
inline constexpr int MinProtocolVersion = 1;              // the oldest version still accepted (v1 clients keep chatting)
inline constexpr size_t MaxClientFrameBytes = 4096;       // bytes, one client -> server frame
inline constexpr size_t MaxModesFrameBytes = 16 * 1024;   // bytes, a `modes` frame (it may carry the blocked-words list)
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
// v2
inline constexpr size_t MaxNonceBytes = 64;                                 // bytes, a comment's client-chosen nonce
inline constexpr size_t MaxBoardOpen = 50;                                  // open questions sent in a `board`
inline constexpr size_t MaxBoardAnswered = 20;                              // answered questions sent in a `board` (the latest)
inline constexpr size_t MaxYourVotes = MaxBoardOpen + MaxBoardAnswered + 1; // ids in welcome's `your_votes`
inline constexpr int64_t MaxSlowModeS = 3600;                               // seconds, `modes.slow_s`
inline constexpr size_t MaxBlockedWords = 100;                              // words in `modes.blocked_words`
inline constexpr size_t MaxBlockedWordChars = 40;                           // Unicode code points per blocked word
inline constexpr int64_t MaxMuteDurationS = 7 * 24 * 3600;                  // seconds, `mute.duration_s` (absent: rest of the broadcast)
inline constexpr int64_t MaxVotes = int64_t{1} << 40;                       // a question's vote count

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
    UnsupportedVersion, // unsupported_version: `v` is not 1 or 2
    RateLimited,        // rate_limited: over the per-connection rate limit; the input was dropped
    Forbidden,          // forbidden: an action the sender's role may not take (see the permissions table)
    BadToken,           // bad_token: the join token is malformed, forged or expired
    NotJoined,          // not_joined: a message other than join/ping before `join`
    AlreadyJoined,      // already_joined: a second `join` on one connection
    Muted,              // muted: the sender was muted by the broadcaster (v2: retry_after_ms when timed)
    NotFound,           // not_found: the comment or question named is not in the room's history or board
    Internal,           // internal: anything else
    // v2 only (a v1 connection gets rate_limited or forbidden instead, see V1ErrorCode)
    SlowMode, // slow_mode: slow mode is on; retry_after_ms says when the next comment is accepted
    Blocked,  // blocked: the comment holds a word of the room's blocked-words list
    Held,     // held: not a failure: the comment awaits a moderator's review (hold-for-review)
    Ended,    // ended: the broadcaster ended the broadcast; no more comments or votes
};
const char* ErrorCodeName(ErrorCode code);
std::optional<ErrorCode> ErrorCodeFromName(std::string_view name);
// The code a v1 connection gets for `code`: v2-only codes become rate_limited (slow_mode) or forbidden.
ErrorCode V1ErrorCode(ErrorCode code);

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
    Moderator, // v2: delete, mute, dismiss, approve, reject (a v1 connection is told "viewer")
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
    bool Question = false;             // v2: asked as a question (it is also on the board, with this id)
    bool operator==(const Comment&) const = default;
};

// v2: a question on the board (a comment asked with question:true; same id).
struct Question
{
    std::string Id;
    User Author;
    std::string Text;                  // 1..280 code points
    int64_t Votes = 0;                 // distinct identities voting for it
    int64_t AskedAt = 0;               // ms since the Unix epoch
    std::optional<int64_t> AnsweredAt{}; // ms since the Unix epoch, once answered
    bool operator==(const Question&) const = default;
};

// v2: the question board as every viewer sees it.
struct BoardState
{
    std::vector<Question> Open;         // votes descending, then older first; at most MaxBoardOpen
    std::optional<Question> Answering;  // "Now answering", at most one
    std::vector<Question> Answered;     // the latest MaxBoardAnswered, latest first
    bool operator==(const BoardState&) const = default;
};

// v2: the room's modes every viewer sees (the blocked-words list is not sent back).
struct RoomModes
{
    int64_t SlowS = 0; // seconds between comments per viewer; 0: off
    bool Hold = false; // guests' comments wait for a moderator's approval
    bool operator==(const RoomModes&) const = default;
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
    bool Question = false;             // v2: ask it as a question (it goes on the board too)
    std::optional<std::string> Nonce{};  // v2: 1..64 bytes, echoed in the error that refuses this comment
    bool operator==(const CommentPost&) const = default;
};
struct HeartsTap // "hearts"
{
    int64_t Count = 1; // 1..100 taps since the last hearts message
    std::optional<int64_t> StreamTime{}; // v2: ms since the Unix epoch, PROGRAM-DATE-TIME of the frame on screen (the last tap's)
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
    std::optional<int64_t> DurationS{}; // v2: seconds, 1..MaxMuteDurationS; absent: the rest of the broadcast
    bool operator==(const MuteRequest&) const = default;
}; // "mute"
struct VoteRequest // "vote" (v2): one vote per identity per question; on:false takes it back
{
    std::string QuestionId;
    bool On = true;
    std::optional<int64_t> StreamTime{}; // ms since the Unix epoch, PROGRAM-DATE-TIME of the frame on screen
    bool operator==(const VoteRequest&) const = default;
};
struct AnswerRequest // "answer" (v2): Answer now; a question already answering becomes answered
{
    std::string QuestionId;
    bool operator==(const AnswerRequest&) const = default;
};
struct AnsweredRequest // "answered" (v2)
{
    std::string QuestionId;
    bool operator==(const AnsweredRequest&) const = default;
};
struct DismissRequest // "dismiss" (v2): hidden from the board; the comment stays
{
    std::string QuestionId;
    bool operator==(const DismissRequest&) const = default;
};
struct ModesRequest // "modes" (v2): each field absent = unchanged
{
    std::optional<int64_t> SlowS;                           // 0..MaxSlowModeS
    std::optional<bool> Hold;
    std::optional<std::vector<std::string>> BlockedWords;   // at most MaxBlockedWords, each 1..MaxBlockedWordChars
    bool operator==(const ModesRequest&) const = default;
};
struct ApproveRequest // "approve" (v2): a held comment goes out to everyone
{
    std::string CommentId;
    bool operator==(const ApproveRequest&) const = default;
};
struct RejectRequest // "reject" (v2): a held comment is dropped
{
    std::string CommentId;
    bool operator==(const RejectRequest&) const = default;
};
struct EndRequest // "end" (v2): the broadcaster ends the broadcast
{
    bool operator==(const EndRequest&) const = default;
};
struct Ping
{
    bool operator==(const Ping&) const = default;
}; // "ping", both ways
struct Pong
{
    bool operator==(const Pong&) const = default;
}; // "pong", both ways

using ClientMessage = std::variant<Join, CommentPost, HeartsTap, PinRequest, UnpinRequest, DeleteRequest, MuteRequest, Ping, Pong, VoteRequest,
                                   AnswerRequest, AnsweredRequest, DismissRequest, ModesRequest, ApproveRequest, RejectRequest, EndRequest>;

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
    std::optional<BoardState> Board{};    // v2
    std::vector<std::string> YourVotes{}; // v2: ids of the board's questions you voted for
    std::optional<RoomModes> Modes{};     // v2
    std::optional<std::vector<std::string>> BlockedWords{}; // v2: the room's blocked words, to moderators and the broadcaster only
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
    std::optional<int64_t> DurationS{}; // v2: seconds; absent: the rest of the broadcast
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
    std::optional<int64_t> RetryAfterMs{}; // v2: ms until the input would be accepted (slow_mode, timed muted, rate_limited)
    std::optional<std::string> Nonce{};    // v2: the refused comment's nonce
    bool operator==(const ErrorMessage&) const = default;
};
struct Board // "board" (v2): the whole board, at most once per tick when it changed
{
    BoardState State;
    bool operator==(const Board&) const = default;
};
struct ModesChanged // "modes" (v2)
{
    RoomModes Modes;
    bool operator==(const ModesChanged&) const = default;
};
struct Held // "held" (v2): to moderators and the broadcaster only
{
    Comment Item;
    bool operator==(const Held&) const = default;
};
struct Ended // "ended" (v2)
{
    bool operator==(const Ended&) const = default;
};

using ServerMessage = std::variant<Welcome, Comment, HeartsWindow, Viewers, Pinned, Unpinned, Deleted, Muted, Presence, ErrorMessage, Ping, Pong, Board,
                                   ModesChanged, Held, Ended>;
// A message that exists in v2 only (a v1 connection never gets it).
bool IsV2Only(const ServerMessage& message);

//-----------------------------------------------------------------------------
// [SECTION] Codec
//-----------------------------------------------------------------------------

// A decoded value or the reason it was refused.
template <class T>
struct Decoded
{
    T Value{};
    std::optional<ProtocolError> Error;
    int Version = ProtocolVersion; // the frame's `v` (1 or 2) once its envelope parsed
    bool Ok() const { return !Error.has_value(); }
};

// Client frame -> message. Enforces every limit above; unknown fields are ignored. Never throws.
Decoded<ClientMessage> DecodeClientMessage(std::string_view text);
// Server frame -> messages. A `batch` frame yields its messages in order; any other frame yields one. Never throws.
Decoded<std::vector<ServerMessage>> DecodeServerFrame(std::string_view text);

// Message -> frame (compact JSON with `type` and `v`). Never throws; strings are emitted as given.
// `version` 1 writes what a v1 peer reads: no v2 fields, v2 error codes as V1ErrorCode, moderator as viewer;
// a v2-only message encodes to an empty string then.
std::string EncodeClientMessage(const ClientMessage& message, int version = ProtocolVersion);
std::string EncodeServerMessage(const ServerMessage& message, int version = ProtocolVersion);
// Several messages -> one `batch` frame; `dropped` counts messages left out to bound the client's rate.
// Version 1 leaves the v2-only messages out.
std::string EncodeServerBatch(const std::vector<ServerMessage>& messages, int64_t dropped = 0, int version = ProtocolVersion);

// The `type` string of a message.
const char* MessageTypeName(const ClientMessage& message);
const char* MessageTypeName(const ServerMessage& message);

// Validators the relay reuses (guest names it generates, tokens' claims).
bool IsValidColor(std::string_view color);      // "#rrggbb", lower or upper hex
bool IsValidRoomName(std::string_view room);    // 1..64 of [A-Za-z0-9._-]
bool IsValidDisplayName(std::string_view name); // valid UTF-8, 1..32 code points, no control characters

} // namespace livescope
