// Room protocol v1 codec: strict JSON validation into message structs and compact encoding back (never throws).
// [SECTION] Names
// [SECTION] Validators
// [SECTION] Field reader
// [SECTION] Decoding records
// [SECTION] Decoding client messages
// [SECTION] Decoding server messages
// [SECTION] Encoding
#include "livescope/protocol/messages.h"
#include "livescope/protocol/utf8.h"

#include <nlohmann/json.hpp>

#include <array>
#include <utility>

namespace livescope
{
namespace
{
using Json = nlohmann::json;

//-----------------------------------------------------------------------------
// [SECTION] Names
//-----------------------------------------------------------------------------

struct ErrorCodeEntry
{
    ErrorCode Code;
    const char* Name;
};
constexpr std::array<ErrorCodeEntry, 14> ErrorCodeTable = {{
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

const char* RoleName(Role role)
{
    return role == Role::Broadcaster ? "broadcaster" : "viewer";
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

namespace
{

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
// [SECTION] Decoding records
//-----------------------------------------------------------------------------

std::optional<ProtocolError> ReadUser(const Json& j, User& out, const char* context)
{
    FieldReader r(j, context);
    r.String("id", out.Id, MaxIdChars);
    r.String("name", out.Name, MaxNameChars);
    r.String("color", out.Color, 7);
    if (!r.Error && !IsValidDisplayName(out.Name))
        r.Fail(ErrorCode::BadMessage, "field 'name' is not a valid display name");
    if (!r.Error && !IsValidColor(out.Color))
        r.Fail(ErrorCode::BadMessage, "field 'color' must be #rrggbb");
    return r.Error;
}

std::optional<ProtocolError> ReadComment(const Json& j, Comment& out)
{
    if (!j.is_object())
        return MakeError(ErrorCode::BadMessage, "a comment must be an object");
    FieldReader r(j, "");
    r.String("id", out.Id, MaxIdChars);
    if (const Json* author = r.ObjectField("author"))
        r.Adopt(ReadUser(*author, out.Author, "author"));
    r.String("text", out.Text, MaxCommentChars);
    r.Integer("server_time", out.ServerTime, 0, MaxTime);
    r.OptInteger("stream_time", out.StreamTime, 0, MaxTime);
    return r.Error;
}

bool ReadRole(FieldReader& r, const char* key, Role& out)
{
    std::string s;
    if (!r.String(key, s, 16))
        return false;
    if (s == "viewer")
        out = Role::Viewer;
    else if (s == "broadcaster")
        out = Role::Broadcaster;
    else
        return r.Fail(ErrorCode::BadMessage, std::string("field '") + key + "' must be viewer or broadcaster");
    return true;
}

// Parses a frame into a JSON object and checks `type` and `v`. On success `type` is set.
std::optional<ProtocolError> ParseEnvelope(std::string_view text, size_t max_bytes, Json& out, std::string& type)
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
    int64_t version = 0;
    r.String("type", type, 32);
    if (!r.Error && r.Integer("v", version, INT64_MIN, INT64_MAX) && version != ProtocolVersion)
        return MakeError(ErrorCode::UnsupportedVersion, "unsupported protocol version " + std::to_string(version));
    return r.Error;
}

//-----------------------------------------------------------------------------
// [SECTION] Decoding client messages
//-----------------------------------------------------------------------------

Decoded<ClientMessage> DecodeClientImpl(std::string_view text)
{
    Decoded<ClientMessage> result;
    Json j;
    std::string type;
    if (auto err = ParseEnvelope(text, MaxClientFrameBytes, j, type))
    {
        result.Error = std::move(err);
        return result;
    }
    FieldReader r(j, type);
    if (type == "join")
    {
        Join m;
        r.String("room", m.Room, MaxRoomChars);
        if (!r.Error && !IsValidRoomName(m.Room))
            r.Fail(ErrorCode::BadMessage, "field 'room' must be 1..64 of [A-Za-z0-9._-]");
        r.OptString("token", m.Token, MaxTokenBytes);
        r.OptString("client_id", m.ClientId, MaxIdChars);
        result.Value = std::move(m);
    }
    else if (type == "comment")
    {
        CommentPost m;
        r.String("text", m.Text, MaxCommentChars);
        // Controls are refused (nobody types them); bidi embeddings, overrides and isolates are stripped (pasted
        // right-to-left text may carry them; they could reorder other lines); what is left must show something.
        if (!r.Error && Utf8HasControls(m.Text, true))
            r.Fail(ErrorCode::BadMessage, "field 'text' must not hold control characters (C0, DEL or C1; a newline is fine)");
        if (!r.Error && Utf8HasBidiControls(m.Text))
            m.Text = Utf8StripBidiControls(m.Text);
        if (!r.Error && Utf8IsInvisible(m.Text))
            r.Fail(ErrorCode::BadMessage, "field 'text' must not be blank or invisible (only spaces or zero-width characters)");
        r.OptInteger("stream_time", m.StreamTime, 0, MaxTime);
        result.Value = std::move(m);
    }
    else if (type == "hearts")
    {
        HeartsTap m;
        r.Integer("count", m.Count, 1, MaxHeartsPerTap);
        result.Value = m;
    }
    else if (type == "pin")
    {
        PinRequest m;
        r.String("comment_id", m.CommentId, MaxIdChars);
        result.Value = std::move(m);
    }
    else if (type == "unpin")
        result.Value = UnpinRequest{};
    else if (type == "delete")
    {
        DeleteRequest m;
        r.String("comment_id", m.CommentId, MaxIdChars);
        result.Value = std::move(m);
    }
    else if (type == "mute")
    {
        MuteRequest m;
        r.String("user_id", m.UserId, MaxIdChars);
        result.Value = std::move(m);
    }
    else if (type == "ping")
        result.Value = Ping{};
    else if (type == "pong")
        result.Value = Pong{};
    else
        r.Fail(ErrorCode::UnknownType, "unknown message type '" + type + "'");
    result.Error = r.Error;
    return result;
}

//-----------------------------------------------------------------------------
// [SECTION] Decoding server messages
//-----------------------------------------------------------------------------

std::optional<ProtocolError> DecodeServerObject(const Json& j, const std::string& type, ServerMessage& out)
{
    FieldReader r(j, type);
    if (type == "welcome")
    {
        Welcome m;
        if (const Json* you = r.ObjectField("you"))
        {
            r.Adopt(ReadUser(*you, m.You, "you"));
            FieldReader ry(*you, type + ": you");
            ReadRole(ry, "role", m.YourRole);
            r.Adopt(ry.Error);
        }
        if (const Json* viewers = r.ObjectField("viewers"))
        {
            FieldReader rv(*viewers, type + ": viewers");
            rv.Integer("live", m.Counts.Live, 0, MaxTime);
            rv.Integer("total", m.Counts.Total, 0, MaxTime);
            r.Adopt(rv.Error);
        }
        if (const Json* comments = r.ArrayField("comments", HistoryComments))
        {
            for (const Json& c : *comments)
            {
                Comment comment;
                r.Adopt(ReadComment(c, comment));
                if (r.Error)
                    break;
                m.Comments.push_back(std::move(comment));
            }
        }
        if (const Json* pinned = r.Find("pinned", false))
        {
            Comment comment;
            r.Adopt(ReadComment(*pinned, comment));
            m.Pinned = std::move(comment);
        }
        out = std::move(m);
    }
    else if (type == "comment")
    {
        Comment m;
        r.Adopt(ReadComment(j, m));
        out = std::move(m);
    }
    else if (type == "hearts")
    {
        HeartsWindow m;
        r.Integer("window_ms", m.WindowMs, 1, 60000);
        if (const Json* counts = r.ArrayField("counts", 64))
        {
            for (const Json& c : *counts)
            {
                if (!c.is_object())
                {
                    r.Fail(ErrorCode::BadMessage, "field 'counts' must hold objects");
                    break;
                }
                HeartCount hc;
                FieldReader rc(c, type + ": counts");
                rc.String("color", hc.Color, 7);
                if (!rc.Error && !IsValidColor(hc.Color))
                    rc.Fail(ErrorCode::BadMessage, "field 'color' must be #rrggbb");
                rc.Integer("count", hc.Count, 0, MaxTime);
                r.Adopt(rc.Error);
                if (r.Error)
                    break;
                m.Counts.push_back(std::move(hc));
            }
        }
        out = std::move(m);
    }
    else if (type == "viewers")
    {
        Viewers m;
        r.Integer("live", m.Live, 0, MaxTime);
        r.Integer("total", m.Total, 0, MaxTime);
        out = m;
    }
    else if (type == "pin")
    {
        Pinned m;
        if (const Json* c = r.ObjectField("comment"))
            r.Adopt(ReadComment(*c, m.Item));
        out = std::move(m);
    }
    else if (type == "unpin")
        out = Unpinned{};
    else if (type == "delete")
    {
        Deleted m;
        r.String("comment_id", m.CommentId, MaxIdChars);
        out = std::move(m);
    }
    else if (type == "mute")
    {
        Muted m;
        r.String("user_id", m.UserId, MaxIdChars);
        out = std::move(m);
    }
    else if (type == "presence")
    {
        Presence m;
        std::string event;
        if (r.String("event", event, 16))
        {
            if (event == "join")
                m.Event = PresenceEvent::Joined;
            else if (event == "leave")
                m.Event = PresenceEvent::Left;
            else
                r.Fail(ErrorCode::BadMessage, "field 'event' must be join or leave");
        }
        if (const Json* user = r.ObjectField("user"))
            r.Adopt(ReadUser(*user, m.Who, "user"));
        out = std::move(m);
    }
    else if (type == "error")
    {
        ErrorMessage m;
        std::string code;
        if (r.String("code", code, 32))
        {
            const auto parsed = ErrorCodeFromName(code);
            m.Code = parsed.value_or(ErrorCode::Internal); // codes from newer relays read as internal
        }
        r.String("message", m.Message, MaxMessageChars, true, true);
        out = std::move(m);
    }
    else if (type == "ping")
        out = Ping{};
    else if (type == "pong")
        out = Pong{};
    else
        r.Fail(ErrorCode::UnknownType, "unknown message type '" + type + "'");
    return r.Error;
}

Decoded<std::vector<ServerMessage>> DecodeServerImpl(std::string_view text)
{
    Decoded<std::vector<ServerMessage>> result;
    Json j;
    std::string type;
    if (auto err = ParseEnvelope(text, MaxServerFrameBytes, j, type))
    {
        result.Error = std::move(err);
        return result;
    }
    if (type != "batch")
    {
        ServerMessage m;
        result.Error = DecodeServerObject(j, type, m);
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
                ri.Adopt(DecodeServerObject(item, item_type, m));
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

Json Envelope(const char* type)
{
    Json j = Json::object();
    j["type"] = type;
    j["v"] = ProtocolVersion;
    return j;
}

Json UserJson(const User& u)
{
    return Json{{"id", u.Id}, {"name", u.Name}, {"color", u.Color}};
}

Json CommentFields(Json j, const Comment& c)
{
    j["id"] = c.Id;
    j["author"] = UserJson(c.Author);
    j["text"] = c.Text;
    j["server_time"] = c.ServerTime;
    if (c.StreamTime)
        j["stream_time"] = *c.StreamTime;
    return j;
}

struct ClientToJson
{
    Json operator()(const Join& m) const
    {
        Json j = Envelope("join");
        j["room"] = m.Room;
        if (m.Token)
            j["token"] = *m.Token;
        if (m.ClientId)
            j["client_id"] = *m.ClientId;
        return j;
    }
    Json operator()(const CommentPost& m) const
    {
        Json j = Envelope("comment");
        j["text"] = m.Text;
        if (m.StreamTime)
            j["stream_time"] = *m.StreamTime;
        return j;
    }
    Json operator()(const HeartsTap& m) const
    {
        Json j = Envelope("hearts");
        j["count"] = m.Count;
        return j;
    }
    Json operator()(const PinRequest& m) const
    {
        Json j = Envelope("pin");
        j["comment_id"] = m.CommentId;
        return j;
    }
    Json operator()(const UnpinRequest&) const { return Envelope("unpin"); }
    Json operator()(const DeleteRequest& m) const
    {
        Json j = Envelope("delete");
        j["comment_id"] = m.CommentId;
        return j;
    }
    Json operator()(const MuteRequest& m) const
    {
        Json j = Envelope("mute");
        j["user_id"] = m.UserId;
        return j;
    }
    Json operator()(const Ping&) const { return Envelope("ping"); }
    Json operator()(const Pong&) const { return Envelope("pong"); }
};

struct ServerToJson
{
    Json operator()(const Welcome& m) const
    {
        Json j = Envelope("welcome");
        Json you = UserJson(m.You);
        you["role"] = RoleName(m.YourRole);
        j["you"] = std::move(you);
        j["viewers"] = Json{{"live", m.Counts.Live}, {"total", m.Counts.Total}};
        Json comments = Json::array();
        for (const Comment& c : m.Comments)
            comments.push_back(CommentFields(Json::object(), c));
        j["comments"] = std::move(comments);
        j["pinned"] = m.Pinned ? CommentFields(Json::object(), *m.Pinned) : Json(nullptr);
        return j;
    }
    Json operator()(const Comment& m) const { return CommentFields(Envelope("comment"), m); }
    Json operator()(const HeartsWindow& m) const
    {
        Json j = Envelope("hearts");
        j["window_ms"] = m.WindowMs;
        Json counts = Json::array();
        for (const HeartCount& c : m.Counts)
            counts.push_back(Json{{"color", c.Color}, {"count", c.Count}});
        j["counts"] = std::move(counts);
        return j;
    }
    Json operator()(const Viewers& m) const
    {
        Json j = Envelope("viewers");
        j["live"] = m.Live;
        j["total"] = m.Total;
        return j;
    }
    Json operator()(const Pinned& m) const
    {
        Json j = Envelope("pin");
        j["comment"] = CommentFields(Json::object(), m.Item);
        return j;
    }
    Json operator()(const Unpinned&) const { return Envelope("unpin"); }
    Json operator()(const Deleted& m) const
    {
        Json j = Envelope("delete");
        j["comment_id"] = m.CommentId;
        return j;
    }
    Json operator()(const Muted& m) const
    {
        Json j = Envelope("mute");
        j["user_id"] = m.UserId;
        return j;
    }
    Json operator()(const Presence& m) const
    {
        Json j = Envelope("presence");
        j["event"] = m.Event == PresenceEvent::Joined ? "join" : "leave";
        j["user"] = UserJson(m.Who);
        return j;
    }
    Json operator()(const ErrorMessage& m) const
    {
        Json j = Envelope("error");
        j["code"] = ErrorCodeName(m.Code);
        j["message"] = m.Message;
        return j;
    }
    Json operator()(const Ping&) const { return Envelope("ping"); }
    Json operator()(const Pong&) const { return Envelope("pong"); }
};

std::string Dump(const Json& j)
{
    // `replace` keeps dump() from throwing on invalid UTF-8 in caller-supplied strings.
    return j.dump(-1, ' ', false, Json::error_handler_t::replace);
}

} // namespace

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

std::string EncodeClientMessage(const ClientMessage& message)
{
    try
    {
        return Dump(std::visit(ClientToJson{}, message));
    }
    catch (...)
    {
        return std::string();
    }
}

std::string EncodeServerMessage(const ServerMessage& message)
{
    try
    {
        return Dump(std::visit(ServerToJson{}, message));
    }
    catch (...)
    {
        return std::string();
    }
}

std::string EncodeServerBatch(const std::vector<ServerMessage>& messages, int64_t dropped)
{
    try
    {
        Json j = Envelope("batch");
        Json items = Json::array();
        for (const ServerMessage& m : messages)
            items.push_back(std::visit(ServerToJson{}, m));
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

namespace
{
constexpr std::array<const char*, 9> ClientTypeNames = {"join", "comment", "hearts", "pin", "unpin", "delete", "mute", "ping", "pong"};
constexpr std::array<const char*, 12> ServerTypeNames = {"welcome", "comment", "hearts", "viewers", "pin", "unpin", "delete", "mute", "presence", "error", "ping", "pong"};
static_assert(ClientTypeNames.size() == std::variant_size_v<ClientMessage>);
static_assert(ServerTypeNames.size() == std::variant_size_v<ServerMessage>);
} // namespace

const char* MessageTypeName(const ClientMessage& message)
{
    return ClientTypeNames[message.index()];
}

const char* MessageTypeName(const ServerMessage& message)
{
    return ServerTypeNames[message.index()];
}

} // namespace livescope
