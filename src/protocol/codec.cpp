// Room protocol v2 codec (v1 still read and written): strict JSON validation into message structs and compact encoding back (never throws).
// [SECTION] Names
// [SECTION] Validators
// [SECTION] Field reader
// [SECTION] Field lists: each message described once, for both directions
// [SECTION] Reader and Writer
// [SECTION] Message types
// [SECTION] Decoding
// [SECTION] Encoding
#include "livescope/protocol/messages.h"
#include "livescope/protocol/utf8.h"

#include <nlohmann/json.hpp>

#include <array>
#include <optional>
#include <string>
#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace livescope {
namespace {
using Json = nlohmann::json;

//-----------------------------------------------------------------------------
// [SECTION] Names
//-----------------------------------------------------------------------------

struct ErrorCodeEntry
{
    ErrorCode Code;
    const char* Name;
};
constexpr std::array<ErrorCodeEntry, 18> ErrorCodeTable = {{
    {ErrorCode::BadJson, "bad_json"},
    {ErrorCode::BadUtf8, "bad_utf8"},
    {ErrorCode::TooLarge, "too_large"},
    {ErrorCode::BadMessage, "bad_message"},
    {ErrorCode::UnknownType, "unknown_type"},
    {ErrorCode::UnsupportedVersion, "unsupported_version"},
    {ErrorCode::RateLimited, "rate_limited"},
    {ErrorCode::Forbidden, "forbidden"},
    {ErrorCode::BadToken, "bad_token"},
    {ErrorCode::NotJoined, "not_joined"},
    {ErrorCode::AlreadyJoined, "already_joined"},
    {ErrorCode::Muted, "muted"},
    {ErrorCode::NotFound, "not_found"},
    {ErrorCode::Internal, "internal"},
    {ErrorCode::SlowMode, "slow_mode"},
    {ErrorCode::Blocked, "blocked"},
    {ErrorCode::Held, "held"},
    {ErrorCode::Ended, "ended"},
}};

ProtocolError MakeError(ErrorCode code, std::string reason)
{
    return ProtocolError{code, std::move(reason)};
}

} // namespace

const char* ErrorCodeName(ErrorCode code)
{
    for (const auto& entry : ErrorCodeTable)
        if (entry.Code == code)
            return entry.Name;
    return "internal";
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name)
{
    for (const auto& entry : ErrorCodeTable)
        if (name == entry.Name)
            return entry.Code;
    return std::nullopt;
}

ErrorCode V1ErrorCode(ErrorCode code)
{
    switch (code)
    {
    case ErrorCode::SlowMode: return ErrorCode::RateLimited;
    case ErrorCode::Blocked:
    case ErrorCode::Held:
    case ErrorCode::Ended: return ErrorCode::Forbidden;
    default: return code;
    }
}

//-----------------------------------------------------------------------------
// [SECTION] Validators
//-----------------------------------------------------------------------------

bool IsValidColor(std::string_view color)
{
    if (color.size() != 7 || color[0] != '#')
        return false;
    for (size_t i = 1; i < 7; i++)
    {
        const char c = color[i];
        const bool hex = (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
        if (!hex)
            return false;
    }
    return true;
}

bool IsValidRoomName(std::string_view room)
{
    if (room.empty() || room.size() > MaxRoomChars)
        return false;
    for (const char c : room)
    {
        const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
        if (!ok)
            return false;
    }
    return true;
}

bool IsValidDisplayName(std::string_view name)
{
    // Names are refused, not repaired: they come from tokens the operator mints, so the operator gets the error.
    if (!Utf8IsValid(name) || Utf8IsInvisible(name) || Utf8HasControls(name, false) || Utf8HasBidiControls(name))
        return false;
    const size_t n = Utf8CountCodePoints(name);
    return n >= 1 && n <= MaxNameChars;
}

namespace {

//-----------------------------------------------------------------------------
// [SECTION] Field reader
//-----------------------------------------------------------------------------

// Reads typed fields of one JSON object; the first failure is kept and later reads become no-ops.
class FieldReader
{
public:
    FieldReader(const Json& object, std::string context) : Object(object), Context(std::move(context)) {}

    std::optional<ProtocolError> Error;

    const Json* Find(const char* key, bool required)
    {
        if (Error)
            return nullptr;
        const auto it = Object.find(key);
        if (it == Object.end() || (!required && it->is_null()))
        {
            if (required)
                Fail(ErrorCode::BadMessage, std::string("missing field '") + key + "'");
            return nullptr;
        }
        return &*it;
    }

    // A string of 1..max_chars code points (0 allowed when allow_empty); valid UTF-8 is already guaranteed.
    bool String(const char* key, std::string& out, size_t max_chars, bool required = true, bool allow_empty = false)
    {
        const Json* j = Find(key, required);
        if (!j)
            return false;
        if (!j->is_string())
            return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be a string");
        const auto& s = j->get_ref<const std::string&>();
        if (!Utf8IsValid(s))
            return Fail(ErrorCode::BadUtf8, std::string("field '") + key + "' is not valid UTF-8");
        if (Utf8CountCodePoints(s) > max_chars)
            return Fail(ErrorCode::TooLarge, std::string("field '") + key + "' is longer than " + std::to_string(max_chars) + " characters");
        if (!allow_empty && s.empty())
            return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must not be empty");
        out = s;
        return true;
    }

    bool OptString(const char* key, std::optional<std::string>& out, size_t max_chars)
    {
        std::string s;
        if (String(key, s, max_chars, false))
            out = std::move(s);
        return !Error;
    }

    bool Integer(const char* key, int64_t& out, int64_t min_value, int64_t max_value, bool required = true)
    {
        const Json* j = Find(key, required);
        if (!j)
            return false;
        if (!j->is_number_integer())
            return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be an integer");
        int64_t v = 0;
        if (j->is_number_unsigned())
        {
            const auto u = j->get<uint64_t>();
            if (u > static_cast<uint64_t>(max_value))
                return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' is out of range");
            v = static_cast<int64_t>(u);
        }
        else
        {
            v = j->get<int64_t>();
        }
        if (v < min_value || v > max_value)
            return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' is out of range");
        out = v;
        return true;
    }

    bool OptInteger(const char* key, std::optional<int64_t>& out, int64_t min_value, int64_t max_value)
    {
        int64_t v = 0;
        if (Integer(key, v, min_value, max_value, false))
            out = v;
        return !Error;
    }

    bool Boolean(const char* key, bool& out, bool required = true)
    {
        const Json* j = Find(key, required);
        if (!j)
            return false;
        if (!j->is_boolean())
            return Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be true or false");
        out = j->get<bool>();
        return true;
    }

    const Json* ObjectField(const char* key, bool required = true)
    {
        const Json* j = Find(key, required);
        if (j && !j->is_object())
        {
            Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be an object");
            return nullptr;
        }
        return j;
    }

    const Json* ArrayField(const char* key, size_t max_items, bool required = true)
    {
        const Json* j = Find(key, required);
        if (!j)
            return nullptr;
        if (!j->is_array())
        {
            Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be an array");
            return nullptr;
        }
        if (j->size() > max_items)
        {
            Fail(ErrorCode::TooLarge, std::string("field '") + key + "' has too many items");
            return nullptr;
        }
        return j;
    }

    bool Fail(ErrorCode code, std::string reason)
    {
        if (!Error)
            Error = MakeError(code, Context.empty() ? reason : Context + ": " + reason);
        return false;
    }

    void Adopt(const std::optional<ProtocolError>& inner)
    {
        if (inner && !Error)
            Error = inner;
    }

private:
    const Json& Object;
    std::string Context;
};

constexpr int64_t MaxTime = int64_t{1} << 53; // ms; the largest integer every JSON reader keeps exactly

//-----------------------------------------------------------------------------
// [SECTION] Field lists: each message described once, for both directions
//-----------------------------------------------------------------------------
// Each message and record is described once, by a Fields(visitor, value) function: the Reader below
// decodes with it (checking every limit), the Writer encodes with it. A visitor offers:
//   Text(key, string or optional string, max code points[, allow empty])
//   Int(key, int64 or optional int64, min, max)
//   Object(key, context, fn) / Object(key, record, context): a nested object (errors inside name `context`)
//   List(key, records, max items, context) / Nullable(key, optional record, context)
//   Choice(key, enum, names) and Code(key, error code): enums sent by name
//   Require(ok, reason): decoding only, once the fields before it are valid, refuse unless ok()
//   Repair(fn): decoding only, once the fields before it are valid, fix the value in place
// A missing or null optional field is absent; an absent optional is not written (Nullable: written as null).

template <class E>
struct Named
{
    E Value;
    const char* Name;
};
constexpr std::array<Named<Role>, 3> RoleNames = {{{Role::Viewer, "viewer"}, {Role::Broadcaster, "broadcaster"}, {Role::Moderator, "moderator"}}};
constexpr std::array<Named<PresenceEvent>, 2> PresenceNames = {{{PresenceEvent::Joined, "join"}, {PresenceEvent::Left, "leave"}}};

// Records nested in messages

template <class V>
void Fields(V& v, User& m)
{
    v.Text("id", m.Id, MaxIdChars);
    v.Text("name", m.Name, MaxNameChars);
    v.Text("color", m.Color, 7);
    v.Require([&] { return IsValidDisplayName(m.Name); }, "field 'name' is not a valid display name");
    v.Require([&] { return IsValidColor(m.Color); }, "field 'color' must be #rrggbb");
}

template <class V>
void Fields(V& v, Comment& m)
{
    v.Text("id", m.Id, MaxIdChars);
    v.Object("author", m.Author, "author");
    v.Text("text", m.Text, MaxCommentChars);
    v.Int("server_time", m.ServerTime, 0, MaxTime);
    v.Int("stream_time", m.StreamTime, 0, MaxTime);
    if (v.Since(2))
        v.Flag("question", m.Question);
}

template <class V>
void Fields(V& v, Question& m)
{
    v.Text("id", m.Id, MaxIdChars);
    v.Object("author", m.Author, "author");
    v.Text("text", m.Text, MaxCommentChars);
    v.Int("votes", m.Votes, 0, MaxVotes);
    v.Int("asked_at", m.AskedAt, 0, MaxTime);
    v.Int("answered_at", m.AnsweredAt, 0, MaxTime);
}

template <class V>
void Fields(V& v, BoardState& m)
{
    v.List("open", m.Open, MaxBoardOpen, "board: open");
    v.Nullable("answering", m.Answering, "board: answering");
    v.List("answered", m.Answered, MaxBoardAnswered, "board: answered");
}

template <class V>
void Fields(V& v, RoomModes& m)
{
    v.Int("slow_s", m.SlowS, 0, MaxSlowModeS);
    v.Bool("hold", m.Hold);
}

template <class V>
void Fields(V& v, HeartCount& m)
{
    v.Text("color", m.Color, 7);
    v.Require([&] { return IsValidColor(m.Color); }, "field 'color' must be #rrggbb");
    v.Int("count", m.Count, 0, MaxTime);
}

template <class V>
void Fields(V& v, Viewers& m)
{
    v.Int("live", m.Live, 0, MaxTime);
    v.Int("total", m.Total, 0, MaxTime);
}

// Client -> server

template <class V>
void Fields(V& v, Join& m)
{
    v.Text("room", m.Room, MaxRoomChars);
    v.Require([&] { return IsValidRoomName(m.Room); }, "field 'room' must be 1..64 of [A-Za-z0-9._-]");
    v.Text("token", m.Token, MaxTokenBytes);
    v.Text("client_id", m.ClientId, MaxIdChars);
}

template <class V>
void Fields(V& v, CommentPost& m)
{
    v.Text("text", m.Text, MaxCommentChars);
    // Controls are refused (nobody types them); bidi embeddings, overrides and isolates are stripped (pasted
    // right-to-left text may carry them; they could reorder other lines); what is left must show something.
    v.Require([&] { return !Utf8HasControls(m.Text, true); }, "field 'text' must not hold control characters (C0, DEL or C1; a newline is fine)");
    v.Repair([&] {
        if (Utf8HasBidiControls(m.Text))
            m.Text = Utf8StripBidiControls(m.Text);
    });
    v.Require([&] { return !Utf8IsInvisible(m.Text); }, "field 'text' must not be blank or invisible (only spaces or zero-width characters)");
    v.Int("stream_time", m.StreamTime, 0, MaxTime);
    if (v.Since(2))
    {
        v.Flag("question", m.Question);
        v.Text("nonce", m.Nonce, MaxNonceBytes);
        v.Require([&] { return !m.Nonce || m.Nonce->size() <= MaxNonceBytes; }, "field 'nonce' is longer than 64 bytes");
    }
}

template <class V>
void Fields(V& v, HeartsTap& m)
{
    v.Int("count", m.Count, 1, MaxHeartsPerTap);
    if (v.Since(2))
        v.Int("stream_time", m.StreamTime, 0, MaxTime);
}
template <class V>
void Fields(V& v, PinRequest& m) { v.Text("comment_id", m.CommentId, MaxIdChars); }
template <class V>
void Fields(V&, UnpinRequest&) {}
template <class V>
void Fields(V& v, DeleteRequest& m) { v.Text("comment_id", m.CommentId, MaxIdChars); }
template <class V>
void Fields(V& v, MuteRequest& m)
{
    v.Text("user_id", m.UserId, MaxIdChars);
    if (v.Since(2))
        v.Int("duration_s", m.DurationS, 1, MaxMuteDurationS);
}
template <class V>
void Fields(V& v, VoteRequest& m)
{
    v.Text("id", m.QuestionId, MaxIdChars);
    v.Bool("on", m.On);
    v.Int("stream_time", m.StreamTime, 0, MaxTime);
}
template <class V>
void Fields(V& v, AnswerRequest& m) { v.Text("id", m.QuestionId, MaxIdChars); }
template <class V>
void Fields(V& v, AnsweredRequest& m) { v.Text("id", m.QuestionId, MaxIdChars); }
template <class V>
void Fields(V& v, DismissRequest& m) { v.Text("id", m.QuestionId, MaxIdChars); }
template <class V>
void Fields(V& v, ApproveRequest& m) { v.Text("id", m.CommentId, MaxIdChars); }
template <class V>
void Fields(V& v, RejectRequest& m) { v.Text("id", m.CommentId, MaxIdChars); }
template <class V>
void Fields(V&, EndRequest&) {}
template <class V>
void Fields(V& v, ModesRequest& m)
{
    v.Int("slow_s", m.SlowS, 0, MaxSlowModeS);
    v.Bool("hold", m.Hold);
    v.Texts("blocked_words", m.BlockedWords, MaxBlockedWords, MaxBlockedWordChars);
    v.Require(
        [&] {
            if (!m.BlockedWords)
                return true;
            for (const std::string& w : *m.BlockedWords)
                if (Utf8HasControls(w, false) || Utf8IsInvisible(w))
                    return false;
            return true;
        },
        "field 'blocked_words' must hold visible words without control characters");
}
template <class V>
void Fields(V&, Ping&) {}
template <class V>
void Fields(V&, Pong&) {}

// Server -> client

template <class V>
void Fields(V& v, Welcome& m)
{
    v.Object("you", "you", [&](auto& you) {
        Fields(you, m.You);
        you.Choice("role", m.YourRole, RoleNames);
    });
    v.Object("viewers", m.Counts, "welcome: viewers");
    v.List("comments", m.Comments, HistoryComments, "");
    v.Nullable("pinned", m.Pinned, "");
    if (v.Since(2))
    {
        v.Optional("board", m.Board, "welcome: board");
        v.Texts("your_votes", m.YourVotes, MaxYourVotes, MaxIdChars);
        v.Optional("modes", m.Modes, "welcome: modes");
        v.Texts("blocked_words", m.BlockedWords, MaxBlockedWords, MaxBlockedWordChars);
    }
}

template <class V>
void Fields(V& v, HeartsWindow& m)
{
    v.Int("window_ms", m.WindowMs, 1, 60000);
    v.List("counts", m.Counts, 64, "hearts: counts");
}

template <class V>
void Fields(V& v, Pinned& m) { v.Object("comment", m.Item, ""); }
template <class V>
void Fields(V&, Unpinned&) {}
template <class V>
void Fields(V& v, Deleted& m) { v.Text("comment_id", m.CommentId, MaxIdChars); }
template <class V>
void Fields(V& v, Muted& m)
{
    v.Text("user_id", m.UserId, MaxIdChars);
    if (v.Since(2))
        v.Int("duration_s", m.DurationS, 1, MaxMuteDurationS);
}
template <class V>
void Fields(V& v, Board& m) { Fields(v, m.State); }
template <class V>
void Fields(V& v, ModesChanged& m) { Fields(v, m.Modes); }
template <class V>
void Fields(V& v, Held& m) { v.Object("comment", m.Item, ""); }
template <class V>
void Fields(V&, Ended&) {}

template <class V>
void Fields(V& v, Presence& m)
{
    v.Choice("event", m.Event, PresenceNames);
    v.Object("user", m.Who, "user");
}

template <class V>
void Fields(V& v, ErrorMessage& m)
{
    v.Code("code", m.Code); // codes from newer relays read as internal
    v.Text("message", m.Message, MaxMessageChars, true);
    if (v.Since(2))
    {
        v.Int("retry_after_ms", m.RetryAfterMs, 0, MaxTime);
        v.Text("nonce", m.Nonce, MaxNonceBytes);
    }
}

//-----------------------------------------------------------------------------
// [SECTION] Reader and Writer
//-----------------------------------------------------------------------------

// Decodes fields through a FieldReader: the first failure is kept and later fields are not read.
class Reader
{
public:
    explicit Reader(FieldReader& r) : R(r) {}

    void Text(const char* key, std::string& out, size_t max_chars, bool allow_empty = false) { R.String(key, out, max_chars, true, allow_empty); }
    void Text(const char* key, std::optional<std::string>& out, size_t max_chars) { R.OptString(key, out, max_chars); }
    void Int(const char* key, int64_t& out, int64_t min_value, int64_t max_value) { R.Integer(key, out, min_value, max_value); }
    void Int(const char* key, std::optional<int64_t>& out, int64_t min_value, int64_t max_value) { R.OptInteger(key, out, min_value, max_value); }
    void Bool(const char* key, bool& out) { R.Boolean(key, out); }
    void Bool(const char* key, std::optional<bool>& out)
    {
        bool b = false;
        if (R.Boolean(key, b, false))
            out = b;
    }
    // An optional flag: absent reads as false.
    void Flag(const char* key, bool& out) { R.Boolean(key, out, false); }
    // Fields added in `version`: read whenever present (they are all optional), whatever the frame's version.
    bool Since(int) const { return true; }

    // A list of strings, each 1..max_chars code points; absent: unchanged.
    void Texts(const char* key, std::vector<std::string>& out, size_t max_items, size_t max_chars)
    {
        const Json* items = R.Find(key, false) ? R.ArrayField(key, max_items, false) : nullptr;
        if (!items)
            return;
        std::vector<std::string> values;
        for (const Json& item : *items)
        {
            if (!item.is_string())
            {
                R.Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must hold strings");
                return;
            }
            const auto& s = item.get_ref<const std::string&>();
            if (!Utf8IsValid(s))
            {
                R.Fail(ErrorCode::BadUtf8, std::string("field '") + key + "' holds invalid UTF-8");
                return;
            }
            const size_t n = Utf8CountCodePoints(s);
            if (n == 0 || n > max_chars)
            {
                R.Fail(n == 0 ? ErrorCode::BadMessage : ErrorCode::TooLarge,
                       std::string("field '") + key + "' items must be 1.." + std::to_string(max_chars) + " characters");
                return;
            }
            values.push_back(s);
        }
        out = std::move(values);
    }
    void Texts(const char* key, std::optional<std::vector<std::string>>& out, size_t max_items, size_t max_chars)
    {
        std::vector<std::string> values;
        const bool present = R.Find(key, false) != nullptr;
        Texts(key, values, max_items, max_chars);
        if (present && !R.Error)
            out = std::move(values);
    }

    // An optional object (absent or null: nullopt).
    template <class T>
    void Optional(const char* key, std::optional<T>& out, const char* context) { Nullable(key, out, context); }

    template <class Fn>
    void Object(const char* key, const char* context, Fn&& fn)
    {
        if (const Json* j = R.ObjectField(key))
        {
            FieldReader inner(*j, context);
            Reader sub(inner);
            fn(sub);
            R.Adopt(inner.Error);
        }
    }
    template <class T>
    void Object(const char* key, T& out, const char* context)
    {
        Object(key, context, [&](Reader& sub) { Fields(sub, out); });
    }

    template <class T>
    void List(const char* key, std::vector<T>& out, size_t max_items, const char* context)
    {
        const Json* items = R.ArrayField(key, max_items);
        if (!items)
            return;
        for (const Json& item : *items)
        {
            if (!item.is_object())
            {
                R.Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must hold objects");
                return;
            }
            T value;
            FieldReader inner(item, context);
            Reader sub(inner);
            Fields(sub, value);
            R.Adopt(inner.Error);
            if (R.Error)
                return;
            out.push_back(std::move(value));
        }
    }

    template <class T>
    void Nullable(const char* key, std::optional<T>& out, const char* context)
    {
        const Json* j = R.Find(key, false);
        if (!j)
            return;
        if (!j->is_object())
        {
            R.Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be an object");
            return;
        }
        T value;
        FieldReader inner(*j, context);
        Reader sub(inner);
        Fields(sub, value);
        R.Adopt(inner.Error);
        out = std::move(value);
    }

    template <class E, size_t N>
    void Choice(const char* key, E& out, const std::array<Named<E>, N>& names)
    {
        std::string s;
        if (!R.String(key, s, 16))
            return;
        for (const Named<E>& n : names)
        {
            if (s == n.Name)
            {
                out = n.Value;
                return;
            }
        }
        std::string choices;
        for (size_t i = 0; i < N; i++)
            choices += std::string(i == 0 ? "" : i + 1 == N ? " or "
                                                            : ", ") +
                       names[i].Name;
        R.Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be " + choices);
    }

    void Code(const char* key, ErrorCode& out)
    {
        std::string code;
        if (R.String(key, code, 32))
            out = ErrorCodeFromName(code).value_or(ErrorCode::Internal);
    }

    template <class Ok>
    void Require(Ok&& ok, const char* reason)
    {
        if (!R.Error && !ok())
            R.Fail(ErrorCode::BadMessage, reason);
    }
    template <class Fn>
    void Repair(Fn&& fn)
    {
        if (!R.Error)
            fn();
    }

private:
    FieldReader& R;
};

// Encodes fields into a JSON object. It only reads the value (Fields takes it non-const for the Reader).
class Writer
{
public:
    Writer(Json& j, int version) : J(j), Version(version) {}

    void Text(const char* key, const std::string& value, size_t, bool = false) { J[key] = value; }
    void Text(const char* key, const std::optional<std::string>& value, size_t)
    {
        if (value)
            J[key] = *value;
    }
    void Int(const char* key, int64_t value, int64_t, int64_t) { J[key] = value; }
    void Int(const char* key, const std::optional<int64_t>& value, int64_t, int64_t)
    {
        if (value)
            J[key] = *value;
    }
    void Bool(const char* key, bool value) { J[key] = value; }
    void Bool(const char* key, const std::optional<bool>& value)
    {
        if (value)
            J[key] = *value;
    }
    void Flag(const char* key, bool value)
    {
        if (value)
            J[key] = true;
    }
    bool Since(int version) const { return Version >= version; }
    void Texts(const char* key, const std::vector<std::string>& values, size_t, size_t) { J[key] = values; }
    void Texts(const char* key, const std::optional<std::vector<std::string>>& values, size_t, size_t)
    {
        if (values)
            J[key] = *values;
    }
    template <class T>
    void Optional(const char* key, std::optional<T>& value, const char*)
    {
        if (value)
            J[key] = Record(*value);
    }

    template <class Fn>
    void Object(const char* key, const char*, Fn&& fn)
    {
        Json sub = Json::object();
        Writer w(sub, Version);
        fn(w);
        J[key] = std::move(sub);
    }
    template <class T>
    void Object(const char* key, T& value, const char* context)
    {
        Object(key, context, [&](Writer& w) { Fields(w, value); });
    }

    template <class T>
    void List(const char* key, std::vector<T>& values, size_t, const char*)
    {
        Json items = Json::array();
        for (T& value : values)
            items.push_back(Record(value));
        J[key] = std::move(items);
    }

    template <class T>
    void Nullable(const char* key, std::optional<T>& value, const char*)
    {
        J[key] = value ? Record(*value) : Json(nullptr);
    }

    template <class E, size_t N>
    void Choice(const char* key, E value, const std::array<Named<E>, N>& names)
    {
        for (const Named<E>& n : names)
            if (n.Value == value)
                J[key] = n.Name;
    }

    void Code(const char* key, ErrorCode value) { J[key] = ErrorCodeName(value); }

    template <class Ok>
    void Require(Ok&&, const char*)
    {
    }
    template <class Fn>
    void Repair(Fn&&)
    {
    }

    template <class T>
    Json Record(T& value) const
    {
        Json j = Json::object();
        Writer w(j, Version);
        Fields(w, value);
        return j;
    }

private:
    Json& J;
    int Version;
};

//-----------------------------------------------------------------------------
// [SECTION] Message types
//-----------------------------------------------------------------------------

constexpr std::array<const char*, 17> ClientTypeNames = {"join", "comment", "hearts", "pin",   "unpin",    "delete",  "mute",   "ping",  "pong",
                                                         "vote", "answer",  "answered", "dismiss", "modes", "approve", "reject", "end"};
constexpr std::array<const char*, 16> ServerTypeNames = {"welcome", "comment", "hearts", "viewers", "pin",  "unpin", "delete", "mute",
                                                         "presence", "error",  "ping",   "pong",    "board", "modes", "held",  "ended"};
static_assert(ClientTypeNames.size() == std::variant_size_v<ClientMessage>);
static_assert(ServerTypeNames.size() == std::variant_size_v<ServerMessage>);

// Decodes the fields of the message named `type` (an alternative of Message, by its index in `names`)
// from `j`. Returns the error; an unknown type is unknown_type.
template <class Message, size_t N, size_t... I>
std::optional<ProtocolError> DecodeMessage(const Json& j, const std::string& type, const std::array<const char*, N>& names, Message& out,
                                           std::index_sequence<I...>)
{
    FieldReader r(j, type);
    const auto decode_as = [&](auto alternative) {
        Reader reader(r);
        Fields(reader, alternative);
        out = std::move(alternative);
        return true;
    };
    const bool known = ((type == names[I] && decode_as(std::variant_alternative_t<I, Message>{})) || ...);
    if (!known)
        r.Fail(ErrorCode::UnknownType, "unknown message type '" + type + "'");
    return r.Error;
}

template <class Message, size_t N>
std::optional<ProtocolError> DecodeMessage(const Json& j, const std::string& type, const std::array<const char*, N>& names, Message& out)
{
    return DecodeMessage(j, type, names, out, std::make_index_sequence<N>{});
}

Json EncodeMessage(const auto& message, const char* type, int version)
{
    Json j = Json::object();
    j["type"] = type;
    j["v"] = version;
    Writer w(j, version);
    std::visit([&](const auto& m) { Fields(w, const_cast<std::remove_cvref_t<decltype(m)>&>(m)); }, message);
    return j;
}

// What a v1 peer may read: v2 error codes and the moderator role mapped to v1 ones (v2 fields are left out by
// the Writer's Since).
ServerMessage DowngradeToV1(const ServerMessage& message)
{
    ServerMessage out = message;
    if (auto* e = std::get_if<ErrorMessage>(&out))
        e->Code = V1ErrorCode(e->Code);
    else if (auto* w = std::get_if<Welcome>(&out); w && w->YourRole == Role::Moderator)
        w->YourRole = Role::Viewer;
    return out;
}

int ClampVersion(int version) { return version <= MinProtocolVersion ? MinProtocolVersion : ProtocolVersion; }

//-----------------------------------------------------------------------------
// [SECTION] Decoding
//-----------------------------------------------------------------------------

// Parses a frame into a JSON object and checks `type` and `v`. On success `type` is set.
std::optional<ProtocolError> ParseEnvelope(std::string_view text, size_t max_bytes, Json& out, std::string& type, int& version_out)
{
    if (text.size() > max_bytes)
        return MakeError(ErrorCode::TooLarge, "frame is larger than " + std::to_string(max_bytes) + " bytes");
    if (!Utf8IsValid(text))
        return MakeError(ErrorCode::BadUtf8, "frame is not valid UTF-8");
    out = Json::parse(text.begin(), text.end(), nullptr, false);
    if (out.is_discarded())
        return MakeError(ErrorCode::BadJson, "frame is not valid JSON");
    if (!out.is_object())
        return MakeError(ErrorCode::BadJson, "frame must be a JSON object");
    FieldReader r(out, "");
    int64_t version = MinProtocolVersion; // absent: a v1 peer
    r.String("type", type, 32);
    if (!r.Error)
        r.Integer("v", version, INT64_MIN, INT64_MAX, false);
    if (!r.Error && (version < MinProtocolVersion || version > ProtocolVersion))
        return MakeError(ErrorCode::UnsupportedVersion, "unsupported protocol version " + std::to_string(version));
    if (!r.Error)
        version_out = static_cast<int>(version);
    return r.Error;
}

Decoded<ClientMessage> DecodeClientImpl(std::string_view text)
{
    Decoded<ClientMessage> result;
    Json j;
    std::string type;
    // Only `modes` (it may carry the blocked-words list) may exceed MaxClientFrameBytes.
    if (auto err = ParseEnvelope(text, MaxModesFrameBytes, j, type, result.Version))
    {
        result.Error = std::move(err);
        return result;
    }
    if (text.size() > MaxClientFrameBytes && type != "modes")
    {
        result.Error = MakeError(ErrorCode::TooLarge, "frame is larger than " + std::to_string(MaxClientFrameBytes) + " bytes");
        return result;
    }
    result.Error = DecodeMessage(j, type, ClientTypeNames, result.Value);
    return result;
}

Decoded<std::vector<ServerMessage>> DecodeServerImpl(std::string_view text)
{
    Decoded<std::vector<ServerMessage>> result;
    Json j;
    std::string type;
    if (auto err = ParseEnvelope(text, MaxServerFrameBytes, j, type, result.Version))
    {
        result.Error = std::move(err);
        return result;
    }
    if (type != "batch")
    {
        ServerMessage m;
        result.Error = DecodeMessage(j, type, ServerTypeNames, m);
        if (result.Ok())
            result.Value.push_back(std::move(m));
        return result;
    }
    FieldReader r(j, "batch");
    int64_t dropped = 0;
    r.Integer("dropped", dropped, 0, MaxTime, false);
    if (const Json* messages = r.ArrayField("messages", MaxBatchMessages))
    {
        for (const Json& item : *messages)
        {
            if (!item.is_object())
            {
                r.Fail(ErrorCode::BadMessage, "batch items must be objects");
                break;
            }
            FieldReader ri(item, "batch");
            std::string item_type;
            ri.String("type", item_type, 32);
            if (!ri.Error && item_type == "batch")
                ri.Fail(ErrorCode::BadMessage, "batches do not nest");
            ServerMessage m;
            if (!ri.Error)
                ri.Adopt(DecodeMessage(item, item_type, ServerTypeNames, m));
            r.Adopt(ri.Error);
            if (r.Error)
                break;
            result.Value.push_back(std::move(m));
        }
    }
    result.Error = r.Error;
    if (!result.Ok())
        result.Value.clear();
    return result;
}

//-----------------------------------------------------------------------------
// [SECTION] Encoding
//-----------------------------------------------------------------------------

std::string Dump(const Json& j)
{
    // `replace` keeps dump() from throwing on invalid UTF-8 in caller-supplied strings.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

const char* RoleName(Role role)
{
    for (const auto& n : RoleNames)
        if (n.Value == role)
            return n.Name;
    return "viewer";
}

const char* MessageTypeName(const ClientMessage& message)
{
    return ClientTypeNames[message.index()];
}

const char* MessageTypeName(const ServerMessage& message)
{
    return ServerTypeNames[message.index()];
}

Decoded<ClientMessage> DecodeClientMessage(std::string_view text)
{
    try
    {
        return DecodeClientImpl(text);
    }
    catch (...)
    {
        Decoded<ClientMessage> result;
        result.Error = MakeError(ErrorCode::Internal, "decoder failure");
        return result;
    }
}

Decoded<std::vector<ServerMessage>> DecodeServerFrame(std::string_view text)
{
    try
    {
        return DecodeServerImpl(text);
    }
    catch (...)
    {
        Decoded<std::vector<ServerMessage>> result;
        result.Error = MakeError(ErrorCode::Internal, "decoder failure");
        return result;
    }
}

bool IsV2Only(const ServerMessage& message)
{
    return std::holds_alternative<Board>(message) || std::holds_alternative<ModesChanged>(message) || std::holds_alternative<Held>(message) ||
           std::holds_alternative<Ended>(message);
}

std::string EncodeClientMessage(const ClientMessage& message, int version)
{
    try
    {
        return Dump(EncodeMessage(message, MessageTypeName(message), ClampVersion(version)));
    }
    catch (...)
    {
        return std::string();
    }
}

std::string EncodeServerMessage(const ServerMessage& message, int version)
{
    try
    {
        version = ClampVersion(version);
        if (version < 2)
            return IsV2Only(message) ? std::string() : Dump(EncodeMessage(DowngradeToV1(message), MessageTypeName(message), version));
        return Dump(EncodeMessage(message, MessageTypeName(message), version));
    }
    catch (...)
    {
        return std::string();
    }
}

std::string EncodeServerBatch(const std::vector<ServerMessage>& messages, int64_t dropped, int version)
{
    try
    {
        version = ClampVersion(version);
        Json j = Json::object();
        j["type"] = "batch";
        j["v"] = version;
        Json items = Json::array();
        for (const ServerMessage& m : messages)
        {
            if (version < 2 && IsV2Only(m))
                continue;
            items.push_back(version < 2 ? EncodeMessage(DowngradeToV1(m), MessageTypeName(m), version) : EncodeMessage(m, MessageTypeName(m), version));
        }
        j["messages"] = std::move(items);
        if (dropped > 0)
            j["dropped"] = dropped;
        return Dump(j);
    }
    catch (...)
    {
        return std::string();
    }
}

} // namespace livescope
