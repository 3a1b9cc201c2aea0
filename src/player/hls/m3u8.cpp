// M3U8 parser: text plus base URL in, HlsPlaylist out; errors are values with a line number and a reason.
//
// [SECTION] Numbers
// [SECTION] Attribute lists
// [SECTION] Parser state
// [SECTION] Tag handlers
// [SECTION] Tag table
// [SECTION] ParsePlaylist
#include <livescope/player/hls/m3u8.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <iterator>

namespace livescope {

// [SECTION] Numbers

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }

// decimal-integer: 1-19 digits, no sign.
std::optional<int64_t> ParseInteger(std::string_view s)
{
    if (s.empty() || s.size() > 18) return std::nullopt;
    int64_t v = 0;
    for (char c : s)
    {
        if (!IsDigit(c)) return std::nullopt;
        v = v * 10 + (c - '0');
    }
    return v;
}

// decimal-floating-point (optionally signed): digits with one optional '.', finite.
std::optional<double> ParseFloat(std::string_view s, bool allow_negative)
{
    if (s.empty() || s.size() > 64) return std::nullopt;
    size_t i = 0;
    if (s[0] == '-')
    {
        if (!allow_negative) return std::nullopt;
        i = 1;
    }
    bool digits = false, dot = false;
    for (size_t k = i; k < s.size(); k++)
    {
        if (IsDigit(s[k]))
            digits = true;
        else if (s[k] == '.' && !dot)
            dot = true;
        else
            return std::nullopt;
    }
    if (!digits) return std::nullopt;
    std::string tmp(s);
    char* end = nullptr;
    double v = std::strtod(tmp.c_str(), &end);
    if (end != tmp.c_str() + tmp.size() || !std::isfinite(v)) return std::nullopt;
    return v;
}

} // namespace

// [SECTION] Attribute lists

namespace {

struct Attr
{
    std::string Name;
    std::string Value;
    bool Quoted = false;
};

struct AttrList
{
    std::vector<Attr> Items;
    const Attr* Find(std::string_view name) const
    {
        for (const Attr& a : Items)
            if (a.Name == name) return &a;
        return nullptr;
    }
};

bool IsBlank(char c) { return c == ' ' || c == '\t'; }

// Returns an empty string on success, else the reason. Tolerates blanks after a comma and around values
// (the spec's writers emit none, but real servers do, and a client may accept them).
std::string ParseAttributes(std::string_view s, size_t max_attrs, AttrList& out, bool& over_limit)
{
    over_limit = false;
    size_t i = 0;
    while (i < s.size())
    {
        while (i < s.size() && IsBlank(s[i])) i++;
        if (i >= s.size()) break; // a trailing comma (and blanks)
        size_t eq = i;
        while (eq < s.size() && s[eq] != '=' && s[eq] != ',') eq++;
        if (eq >= s.size() || s[eq] != '=') return "attribute '" + std::string(s.substr(i, std::min<size_t>(eq - i, 40))) + "' has no value";
        Attr a;
        size_t name_end = eq;
        while (name_end > i && IsBlank(s[name_end - 1])) name_end--;
        a.Name = std::string(s.substr(i, name_end - i));
        if (a.Name.empty()) return "empty attribute name";
        for (char c : a.Name)
        {
            if (!((c >= 'A' && c <= 'Z') || IsDigit(c) || c == '-')) return "invalid attribute name '" + a.Name.substr(0, 40) + "'";
        }
        i = eq + 1;
        while (i < s.size() && IsBlank(s[i])) i++;
        if (i < s.size() && s[i] == '"')
        {
            const size_t close = s.find('"', i + 1);
            if (close == std::string_view::npos) return "unterminated quoted string in attribute " + a.Name;
            a.Value = std::string(s.substr(i + 1, close - i - 1));
            a.Quoted = true;
            i = close + 1;
            while (i < s.size() && IsBlank(s[i])) i++;
            if (i < s.size() && s[i] != ',') return "unexpected character after quoted value of " + a.Name;
        }
        else
        {
            size_t end = s.find(',', i);
            if (end == std::string_view::npos) end = s.size();
            size_t value_end = end;
            while (value_end > i && IsBlank(s[value_end - 1])) value_end--;
            a.Value = std::string(s.substr(i, value_end - i));
            if (a.Value.empty()) return "attribute " + a.Name + " has an empty value";
            i = end;
        }
        if (out.Find(a.Name)) return "duplicate attribute " + a.Name;
        out.Items.push_back(std::move(a));
        if (out.Items.size() > max_attrs) over_limit = true;
        if (over_limit) return "attribute list too long (more than " + std::to_string(max_attrs) + " attributes)";
        if (i < s.size()) i++; // the comma
    }
    return {};
}

// "<n>[@<o>]"
bool ParseByteRangeSpec(std::string_view s, int64_t& length, std::optional<int64_t>& offset)
{
    const size_t at = s.find('@');
    auto n = ParseInteger(s.substr(0, at));
    if (!n) return false;
    length = *n;
    offset.reset();
    if (at != std::string_view::npos)
    {
        auto o = ParseInteger(s.substr(at + 1));
        if (!o) return false;
        offset = *o;
    }
    return true;
}

// [SECTION] Parser state

struct Parser
{
    const HlsParseLimits& Limits;
    HlsPlaylist Pl;
    HlsParseError Err;
    bool Failed = false;
    int Line = 0;

    bool SeenMultivariantTag = false, SeenMediaTag = false;
    int MultivariantTagLine = 0, MediaTagLine = 0;
    uint64_t SeenOnce = 0;            // bit i: the tag of kTagRules[i], a tag that may appear once, has appeared
    std::optional<HlsKey> CurrentKey; // EXT-X-KEY METHOD=AES-128 in effect
    int FirstPartLine = 0, SkipLine = 0;
    // Pending segment state (tags that apply to the next URI line)
    bool HaveExtinf = false;
    int ExtinfLine = 0;
    double PendingDuration = 0.0;
    std::string PendingTitle;
    bool PendingDiscontinuity = false;
    std::optional<double> PendingPdt;
    bool PendingGap = false;
    bool HavePendingRange = false;
    int64_t PendingRangeLength = 0;
    std::optional<int64_t> PendingRangeOffset;
    std::optional<HlsMap> CurrentMap;
    std::vector<HlsPart> PendingParts;
    std::string LastPartUri; // for implicit part byte-range offsets
    int64_t LastPartEnd = -1;
    // Multivariant pending
    bool HaveStreamInf = false;
    int StreamInfLine = 0;
    HlsVariant PendingVariant;
    int64_t DiscSeq = 0;

    explicit Parser(const HlsParseLimits& limits) : Limits(limits) {}

    bool Fail(std::string reason, int line = -1, HlsParseErrorKind kind = HlsParseErrorKind::Invalid)
    {
        if (!Failed)
        {
            Failed = true;
            Err.Line = line < 0 ? Line : line;
            Err.Reason = std::move(reason);
            Err.Kind = kind;
        }
        return false;
    }
    // Valid (or possibly valid) input that livescope does not play, or that exceeds its limits.
    bool Unsupported(std::string reason, int line = -1) { return Fail(std::move(reason), line, HlsParseErrorKind::Unsupported); }

    bool MarkMultivariant()
    {
        if (!SeenMultivariantTag)
        {
            SeenMultivariantTag = true;
            MultivariantTagLine = Line;
        }
        if (SeenMediaTag) return Fail("multivariant tag in a media playlist (media tag at line " + std::to_string(MediaTagLine) + ")");
        return true;
    }
    bool MarkMedia()
    {
        if (!SeenMediaTag)
        {
            SeenMediaTag = true;
            MediaTagLine = Line;
        }
        if (SeenMultivariantTag) return Fail("media playlist tag in a multivariant playlist (multivariant tag at line " + std::to_string(MultivariantTagLine) + ")");
        return true;
    }

    bool Attrs(std::string_view value, AttrList& out)
    {
        bool over_limit = false;
        std::string reason = ParseAttributes(value, Limits.MaxAttributes, out, over_limit);
        if (!reason.empty()) return over_limit ? Unsupported(reason) : Fail(reason);
        return true;
    }

    bool Resolve(std::string_view ref, std::string& out)
    {
        HlsUrlResult r = ResolveUrl(Pl.Url, ref);
        if (!r.Ok) return Fail("unresolvable URI: " + r.Reason);
        out = std::move(r.Url);
        return true;
    }

    bool Require(const AttrList& a, const char* tag, const char* name, const Attr*& out)
    {
        out = a.Find(name);
        if (!out) return Fail(std::string(tag) + " is missing required attribute " + name);
        return true;
    }

    bool Int(const Attr& a, int64_t& out)
    {
        auto v = ParseInteger(a.Value);
        if (!v || a.Quoted) return Fail("attribute " + a.Name + " is not a decimal integer: '" + a.Value.substr(0, 40) + "'");
        out = *v;
        return true;
    }
    bool Float(const Attr& a, double& out, bool allow_negative = false)
    {
        auto v = ParseFloat(a.Value, allow_negative);
        if (!v || a.Quoted) return Fail("attribute " + a.Name + " is not a valid " + (allow_negative ? "" : "non-negative ") + "number: '" + a.Value.substr(0, 40) + "'");
        out = *v;
        return true;
    }
    bool Bool(const Attr& a, bool& out)
    {
        if (a.Value == "YES")
            out = true;
        else if (a.Value == "NO")
            out = false;
        else
            return Fail("attribute " + a.Name + " must be YES or NO");
        return true;
    }
    bool QuotedString(const Attr& a, std::string& out)
    {
        if (!a.Quoted) return Fail("attribute " + a.Name + " must be a quoted string");
        out = a.Value;
        return true;
    }

    bool ApplyPart(HlsPart& p, bool has_range, int64_t len, std::optional<int64_t> off)
    {
        if (has_range)
        {
            int64_t o = 0;
            if (off)
                o = *off;
            else if (LastPartEnd >= 0 && LastPartUri == p.Uri)
                o = LastPartEnd;
            else
                return Fail("EXT-X-PART BYTERANGE without an offset must follow a part of the same resource");
            p.Range = HlsByteRange{o, len};
            LastPartUri = p.Uri;
            LastPartEnd = o + len;
        }
        else
        {
            LastPartUri = p.Uri;
            LastPartEnd = -1;
        }
        return true;
    }

    // EXT-X-KEY: AES-128 is kept (and applies to the following segments and maps), NONE clears it.
    bool Key(std::string_view value, bool)
    {
        AttrList a;
        const Attr* m = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-KEY", "METHOD", m)) return false;
        const std::string& method = m->Value;
        if (method == "NONE")
        {
            CurrentKey.reset();
            return true;
        }
        if (method == "SAMPLE-AES" || method == "SAMPLE-AES-CTR")
            return Unsupported("unsupported encryption: EXT-X-KEY METHOD=" + method + " (livescope plays METHOD=NONE and AES-128)");
        if (method != "AES-128") return Fail("EXT-X-KEY METHOD must be NONE, AES-128, SAMPLE-AES or SAMPLE-AES-CTR, not '" + method.substr(0, 40) + "'");
        std::string format = "identity";
        if (const Attr* f = a.Find("KEYFORMAT"); f && !QuotedString(*f, format)) return false;
        if (format != "identity") return Unsupported("unsupported encryption: EXT-X-KEY KEYFORMAT=\"" + format.substr(0, 60) + "\" (livescope plays the identity key format only)");
        const Attr* u = nullptr;
        if (!Require(a, "EXT-X-KEY", "URI", u)) return false;
        HlsKey k;
        std::string uri;
        if (!QuotedString(*u, uri) || !Resolve(uri, k.Uri)) return false;
        if (const Attr* iv = a.Find("IV"))
        {
            std::string_view hex = iv->Value;
            if (iv->Quoted || hex.size() < 3 || hex[0] != '0' || (hex[1] != 'x' && hex[1] != 'X') || hex.size() > 34) return Fail("EXT-X-KEY IV must be a 128-bit hexadecimal-sequence (0x followed by up to 32 hex digits)");
            hex.remove_prefix(2);
            std::array<uint8_t, 16> bytes{};
            const size_t pad = 32 - hex.size(); // fewer digits: leading zeros
            for (size_t i = 0; i < hex.size(); i++)
            {
                const char c = hex[i];
                const int d = IsDigit(c) ? c - '0' : (c >= 'a' && c <= 'f') ? c - 'a' + 10
                                                 : (c >= 'A' && c <= 'F')   ? c - 'A' + 10
                                                                            : -1;
                if (d < 0) return Fail("EXT-X-KEY IV has a character that is not a hex digit");
                const size_t nibble = pad + i;
                bytes[nibble / 2] = static_cast<uint8_t>(bytes[nibble / 2] | (nibble % 2 ? d : d << 4));
            }
            k.Iv = bytes;
        }
        CurrentKey = std::move(k);
        return true;
    }

    // [SECTION] Tag handlers
    //
    // One member per tag (or pair of sibling tags), called by Tag() through kTagRules once the tag's group
    // (media or multivariant playlist) and its "at most once" rule have been checked. `value` is what
    // follows the ':' with leading blanks removed; `has_value` tells whether there was a ':'.

    bool Ignore(std::string_view, bool) { return true; }

    bool Version(std::string_view value, bool)
    {
        auto v = ParseInteger(value);
        if (!v || *v > 1000) return Fail("EXT-X-VERSION is not a decimal integer");
        Pl.Version = static_cast<int>(*v);
        return true;
    }

    bool IndependentSegments(std::string_view, bool)
    {
        Pl.IndependentSegments = true;
        return true;
    }

    bool Start(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-START", "TIME-OFFSET", at)) return false;
        HlsStart st;
        if (!Float(*at, st.TimeOffset, true)) return false;
        if (const Attr* p = a.Find("PRECISE"); p && !Bool(*p, st.Precise)) return false;
        Pl.Start = st;
        return true;
    }

    // ---- media segment tags (they apply to the next URI line)

    bool Extinf(std::string_view value, bool has_value)
    {
        if (!has_value) return Fail("EXTINF has no duration");
        const size_t comma = value.find(',');
        const std::string_view dur = value.substr(0, comma);
        if (!dur.empty() && dur[0] == '-') return Fail("negative EXTINF duration");
        auto d = ParseFloat(dur, false);
        if (!d) return Fail("EXTINF duration is not a finite non-negative number: '" + std::string(dur.substr(0, 40)) + "'");
        HaveExtinf = true;
        ExtinfLine = Line;
        PendingDuration = *d;
        PendingTitle = comma == std::string_view::npos ? std::string() : std::string(value.substr(comma + 1));
        return true;
    }

    bool Discontinuity(std::string_view, bool)
    {
        PendingDiscontinuity = true;
        return true;
    }

    bool ProgramDateTime(std::string_view value, bool)
    {
        auto t = ParseIsoDateTime(value);
        if (!t) return Fail("EXT-X-PROGRAM-DATE-TIME is not an ISO 8601 date-time: '" + std::string(value.substr(0, 40)) + "'");
        PendingPdt = *t;
        return true;
    }

    bool Map(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-MAP", "URI", at)) return false;
        HlsMap m;
        if (CurrentKey)
        {
            if (!CurrentKey->Iv) return Fail("EXT-X-MAP under an EXT-X-KEY METHOD=AES-128 without an IV attribute (the spec requires one)");
            m.Key = CurrentKey;
        }
        std::string uri;
        if (!QuotedString(*at, uri) || !Resolve(uri, m.Uri)) return false;
        if (const Attr* br = a.Find("BYTERANGE"))
        {
            int64_t len = 0;
            std::optional<int64_t> off;
            if (!br->Quoted || !ParseByteRangeSpec(br->Value, len, off)) return Fail("EXT-X-MAP BYTERANGE must be a quoted \"<n>[@<o>]\"");
            m.Range = HlsByteRange{off.value_or(0), len};
        }
        CurrentMap = std::move(m);
        return true;
    }

    bool ByteRange(std::string_view value, bool)
    {
        if (!ParseByteRangeSpec(value, PendingRangeLength, PendingRangeOffset)) return Fail("EXT-X-BYTERANGE must be <n>[@<o>]");
        HavePendingRange = true;
        return true;
    }

    bool Gap(std::string_view, bool)
    {
        PendingGap = true;
        return true;
    }

    bool Part(std::string_view value, bool)
    {
        if (FirstPartLine == 0) FirstPartLine = Line;
        AttrList a;
        if (!Attrs(value, a)) return false;
        const Attr* du = nullptr;
        const Attr* at = nullptr;
        if (!Require(a, "EXT-X-PART", "DURATION", du) || !Require(a, "EXT-X-PART", "URI", at)) return false;
        HlsPart p;
        std::string uri;
        if (!Float(*du, p.Duration) || !QuotedString(*at, uri) || !Resolve(uri, p.Uri)) return false;
        if (const Attr* x = a.Find("INDEPENDENT"); x && !Bool(*x, p.Independent)) return false;
        if (const Attr* x = a.Find("GAP"); x && !Bool(*x, p.Gap)) return false;
        bool has_range = false;
        int64_t len = 0;
        std::optional<int64_t> off;
        if (const Attr* br = a.Find("BYTERANGE"))
        { // quoted per the spec; Apple's examples and hls.js take it unquoted too
            if (!ParseByteRangeSpec(br->Value, len, off)) return Fail("EXT-X-PART BYTERANGE must be \"<n>[@<o>]\"");
            has_range = true;
        }
        if (!ApplyPart(p, has_range, len, off)) return false;
        PendingParts.push_back(std::move(p));
        if (PendingParts.size() > 10000) return Unsupported("too many EXT-X-PART tags in one segment (livescope's limit is 10000)");
        return true;
    }

    // ---- media metadata tags

    bool DateRange(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-DATERANGE", "ID", at)) return false;
        HlsDateRange dr;
        if (!QuotedString(*at, dr.Id)) return false;
        if (const Attr* c = a.Find("CLASS"); c && !QuotedString(*c, dr.Class)) return false;
        if (const Attr* sd = a.Find("START-DATE"))
        {
            dr.StartDate = ParseIsoDateTime(sd->Value);
            if (!sd->Quoted || !dr.StartDate) return Fail("EXT-X-DATERANGE START-DATE is not a quoted ISO 8601 date-time");
        }
        if (const Attr* du = a.Find("DURATION"))
        {
            double d = 0;
            if (!Float(*du, d)) return false;
            dr.Duration = d;
        }
        for (const Attr& x : a.Items) dr.Attributes.emplace_back(x.Name, x.Value);
        Pl.DateRanges.push_back(std::move(dr));
        return true;
    }

    // ---- media playlist tags

    bool TargetDuration(std::string_view value, bool)
    {
        auto v = ParseInteger(value);
        if (!v) return Fail("EXT-X-TARGETDURATION is not a decimal integer");
        Pl.TargetDuration = static_cast<double>(*v);
        return true;
    }

    // EXT-X-MEDIA-SEQUENCE and EXT-X-DISCONTINUITY-SEQUENCE: before the first media segment (and, for the
    // latter, before any EXT-X-DISCONTINUITY).
    bool SequenceNumber(std::string_view tag, bool msn, std::string_view value)
    {
        if (!Pl.Segments.empty() || HaveExtinf || !PendingParts.empty() || Pl.Skip) return Fail(std::string(tag) + " after the first media segment");
        if (!msn && PendingDiscontinuity) return Fail("EXT-X-DISCONTINUITY-SEQUENCE after an EXT-X-DISCONTINUITY");
        auto v = ParseInteger(value);
        if (!v) return Fail(std::string(tag) + " is not a decimal integer");
        (msn ? Pl.MediaSequence : Pl.DiscontinuitySequence) = *v;
        if (!msn) DiscSeq = *v;
        return true;
    }
    bool MediaSequence(std::string_view value, bool) { return SequenceNumber("EXT-X-MEDIA-SEQUENCE", true, value); }
    bool DiscontinuitySequence(std::string_view value, bool) { return SequenceNumber("EXT-X-DISCONTINUITY-SEQUENCE", false, value); }

    bool EndList(std::string_view, bool)
    {
        Pl.EndList = true;
        return true;
    }

    bool PlaylistType(std::string_view value, bool)
    {
        if (value != "EVENT" && value != "VOD") return Fail("EXT-X-PLAYLIST-TYPE must be EVENT or VOD");
        Pl.PlaylistType = std::string(value);
        return true;
    }

    bool IFramesOnly(std::string_view, bool)
    {
        Pl.IFramesOnly = true;
        return true;
    }

    bool PartInf(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-PART-INF", "PART-TARGET", at)) return false;
        double t = 0;
        if (!Float(*at, t)) return false;
        if (t <= 0) return Fail("EXT-X-PART-INF PART-TARGET must be positive");
        Pl.PartTarget = t;
        return true;
    }

    bool ServerControl(std::string_view value, bool)
    {
        Pl.HasServerControl = true;
        AttrList a;
        if (!Attrs(value, a)) return false;
        HlsServerControl& sc = Pl.ServerControl;
        double d = 0;
        if (const Attr* x = a.Find("CAN-BLOCK-RELOAD"); x && !Bool(*x, sc.CanBlockReload)) return false;
        if (const Attr* x = a.Find("CAN-SKIP-DATERANGES"); x && !Bool(*x, sc.CanSkipDateRanges)) return false;
        if (const Attr* x = a.Find("HOLD-BACK"))
        {
            if (!Float(*x, d)) return false;
            sc.HoldBack = d;
        }
        if (const Attr* x = a.Find("PART-HOLD-BACK"))
        {
            if (!Float(*x, d)) return false;
            sc.PartHoldBack = d;
        }
        if (const Attr* x = a.Find("CAN-SKIP-UNTIL"))
        {
            if (!Float(*x, d)) return false;
            sc.CanSkipUntil = d;
        }
        if (sc.CanSkipDateRanges && !sc.CanSkipUntil) return Fail("CAN-SKIP-DATERANGES requires CAN-SKIP-UNTIL");
        return true;
    }

    bool Skip(std::string_view value, bool)
    {
        if (!Pl.Segments.empty() || HaveExtinf) return Fail("EXT-X-SKIP after the first media segment");
        SkipLine = Line;
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-SKIP", "SKIPPED-SEGMENTS", at)) return false;
        HlsSkip sk;
        if (!Int(*at, sk.SkippedSegments)) return false;
        if (const Attr* r = a.Find("RECENTLY-REMOVED-DATERANGES"))
        {
            std::string v;
            if (!QuotedString(*r, v)) return false;
            size_t i = 0;
            while (i <= v.size())
            {
                size_t j = v.find('\t', i);
                if (j == std::string::npos) j = v.size();
                if (j > i) sk.RecentlyRemovedDateRanges.push_back(v.substr(i, j - i));
                i = j + 1;
            }
        }
        Pl.Skip = std::move(sk);
        return true;
    }

    bool PreloadHint(std::string_view value, bool)
    {
        AttrList a;
        if (!Attrs(value, a)) return false;
        const Attr* ty = nullptr;
        const Attr* at = nullptr;
        if (!Require(a, "EXT-X-PRELOAD-HINT", "TYPE", ty) || !Require(a, "EXT-X-PRELOAD-HINT", "URI", at)) return false;
        HlsPreloadHint h;
        if (ty->Value == "PART")
            h.Type = HlsHintType::Part;
        else if (ty->Value == "MAP")
            h.Type = HlsHintType::Map;
        else
            return Fail("EXT-X-PRELOAD-HINT TYPE must be PART or MAP");
        for (const HlsPreloadHint& o : Pl.PreloadHints)
        {
            if (o.Type == h.Type) return Fail("more than one EXT-X-PRELOAD-HINT of TYPE=" + ty->Value);
        }
        std::string uri;
        if (!QuotedString(*at, uri) || !Resolve(uri, h.Uri)) return false;
        if (const Attr* s = a.Find("BYTERANGE-START"); s && !Int(*s, h.ByteRangeStart)) return false;
        if (const Attr* l = a.Find("BYTERANGE-LENGTH"))
        {
            int64_t v = 0;
            if (!Int(*l, v)) return false;
            h.ByteRangeLength = v;
        }
        Pl.PreloadHints.push_back(std::move(h));
        return true;
    }

    bool RenditionReport(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-RENDITION-REPORT", "URI", at)) return false;
        HlsRenditionReport rr;
        std::string uri;
        if (!QuotedString(*at, uri) || !Resolve(uri, rr.Uri)) return false;
        int64_t v = 0;
        if (const Attr* x = a.Find("LAST-MSN"))
        {
            if (!Int(*x, v)) return false;
            rr.LastMsn = v;
        }
        if (const Attr* x = a.Find("LAST-PART"))
        {
            if (!Int(*x, v)) return false;
            rr.LastPart = v;
        }
        Pl.RenditionReports.push_back(std::move(rr));
        return true;
    }

    // ---- multivariant playlist tags

    // EXT-X-STREAM-INF (its URI is the next URI line) and EXT-X-I-FRAME-STREAM-INF (URI attribute).
    bool Variant(const char* tag, bool iframe, std::string_view value)
    {
        if (HaveStreamInf) return Fail("EXT-X-STREAM-INF at line " + std::to_string(StreamInfLine) + " has no URI line");
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, tag, "BANDWIDTH", at)) return false;
        HlsVariant v;
        v.IFrameOnly = iframe;
        if (!Int(*at, v.Bandwidth)) return false;
        int64_t n = 0;
        if (const Attr* x = a.Find("AVERAGE-BANDWIDTH"))
        {
            if (!Int(*x, n)) return false;
            v.AverageBandwidth = n;
        }
        if (const Attr* x = a.Find("CODECS"); x && !QuotedString(*x, v.Codecs)) return false;
        if (const Attr* x = a.Find("RESOLUTION"))
        {
            const size_t xpos = x->Value.find('x');
            auto w = ParseInteger(std::string_view(x->Value).substr(0, xpos));
            auto h = xpos == std::string::npos ? std::nullopt : ParseInteger(std::string_view(x->Value).substr(xpos + 1));
            if (!w || !h || *w > 100000 || *h > 100000) return Fail("RESOLUTION must be <width>x<height>");
            v.Resolution = HlsResolution{static_cast<int>(*w), static_cast<int>(*h)};
        }
        if (const Attr* x = a.Find("FRAME-RATE"))
        {
            double f = 0;
            if (!Float(*x, f)) return false;
            v.FrameRate = f;
        }
        if (const Attr* x = a.Find("AUDIO"); x && !QuotedString(*x, v.Audio)) return false;
        if (const Attr* x = a.Find("VIDEO"); x && !QuotedString(*x, v.Video)) return false;
        if (const Attr* x = a.Find("SUBTITLES"); x && !QuotedString(*x, v.Subtitles)) return false;
        if (const Attr* x = a.Find("CLOSED-CAPTIONS")) v.ClosedCaptions = x->Value;
        if (iframe)
        {
            const Attr* u = nullptr;
            std::string uri;
            if (!Require(a, tag, "URI", u) || !QuotedString(*u, uri) || !Resolve(uri, v.Uri)) return false;
            Pl.IFrameVariants.push_back(std::move(v));
        }
        else
        {
            HaveStreamInf = true;
            StreamInfLine = Line;
            PendingVariant = std::move(v);
        }
        return true;
    }
    bool StreamInf(std::string_view value, bool) { return Variant("EXT-X-STREAM-INF", false, value); }
    bool IFrameStreamInf(std::string_view value, bool) { return Variant("EXT-X-I-FRAME-STREAM-INF", true, value); }

    bool SessionData(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-SESSION-DATA", "DATA-ID", at)) return false;
        std::string id;
        if (!QuotedString(*at, id)) return false;
        const bool with_value = a.Find("VALUE") != nullptr, with_uri = a.Find("URI") != nullptr;
        if (with_value == with_uri) return Fail("EXT-X-SESSION-DATA needs exactly one of VALUE and URI");
        return true;
    }

    bool SessionKey(std::string_view value, bool)
    {
        AttrList a;
        const Attr* at = nullptr;
        if (!Attrs(value, a) || !Require(a, "EXT-X-SESSION-KEY", "METHOD", at)) return false;
        if (at->Value == "NONE") return Fail("EXT-X-SESSION-KEY METHOD must not be NONE");
        return true; // advisory (keys are preloaded from it); the media playlists' EXT-X-KEY tags decide
    }

    bool Media(std::string_view value, bool)
    {
        AttrList a;
        if (!Attrs(value, a)) return false;
        HlsMedia m;
        const Attr* ty = nullptr;
        const Attr* gid = nullptr;
        const Attr* nm = nullptr;
        if (!Require(a, "EXT-X-MEDIA", "TYPE", ty) || !Require(a, "EXT-X-MEDIA", "GROUP-ID", gid) || !Require(a, "EXT-X-MEDIA", "NAME", nm)) return false;
        m.Type = ty->Value;
        if (m.Type != "AUDIO" && m.Type != "VIDEO" && m.Type != "SUBTITLES" && m.Type != "CLOSED-CAPTIONS") return Fail("EXT-X-MEDIA TYPE must be AUDIO, VIDEO, SUBTITLES or CLOSED-CAPTIONS");
        if (!QuotedString(*gid, m.GroupId) || !QuotedString(*nm, m.Name)) return false;
        if (const Attr* x = a.Find("LANGUAGE"); x && !QuotedString(*x, m.Language)) return false;
        if (const Attr* x = a.Find("CHANNELS"); x && !QuotedString(*x, m.Channels)) return false;
        if (const Attr* x = a.Find("DEFAULT"); x && !Bool(*x, m.Default)) return false;
        if (const Attr* x = a.Find("AUTOSELECT"); x && !Bool(*x, m.Autoselect)) return false;
        if (const Attr* x = a.Find("URI"))
        {
            if (m.Type == "CLOSED-CAPTIONS") return Fail("EXT-X-MEDIA TYPE=CLOSED-CAPTIONS must not have a URI");
            std::string uri;
            if (!QuotedString(*x, uri) || !Resolve(uri, m.Uri)) return false;
        }
        else if (m.Type == "SUBTITLES")
        {
            return Fail("EXT-X-MEDIA TYPE=SUBTITLES requires a URI");
        }
        Pl.Media.push_back(std::move(m));
        return true;
    }

    // Looks `name` up in kTagRules, applies its group and "at most once" rules, then its handler.
    // Unknown tags are ignored, as the spec requires.
    bool Tag(std::string_view name, std::string_view value, bool has_value);
    bool Seen(std::string_view name) const;

    bool UriLine(std::string_view line)
    {
        if (HaveStreamInf)
        {
            HaveStreamInf = false;
            if (!Resolve(line, PendingVariant.Uri)) return false;
            Pl.Variants.push_back(std::move(PendingVariant));
            PendingVariant = HlsVariant{};
            return true;
        }
        if (SeenMultivariantTag) return Fail("URI line without EXT-X-STREAM-INF");
        if (!HaveExtinf) return Fail("media segment URI without EXTINF");
        if (Pl.Segments.size() >= Limits.MaxSegments) return Unsupported("too many media segments (livescope's limit is " + std::to_string(Limits.MaxSegments) + ")");
        HlsSegment s;
        if (!Resolve(line, s.Uri)) return false;
        s.Duration = PendingDuration;
        s.Title = std::move(PendingTitle);
        FinishEntry(s);
        if (HavePendingRange)
        {
            int64_t off = 0;
            if (PendingRangeOffset)
                off = *PendingRangeOffset;
            else
            {
                const HlsSegment* prev = Pl.Segments.empty() ? nullptr : &Pl.Segments.back();
                if (!prev || !prev->Range || prev->Uri != s.Uri) return Fail("EXT-X-BYTERANGE without an offset must follow a sub-range of the same resource");
                off = prev->Range->Offset + prev->Range->Length;
            }
            s.Range = HlsByteRange{off, PendingRangeLength};
        }
        HaveExtinf = false;
        HavePendingRange = false;
        PendingGap = false;
        Pl.Segments.push_back(std::move(s));
        return true;
    }

    // Shared by full segments and the trailing parts entry: numbering, discontinuity, date, map, parts.
    void FinishEntry(HlsSegment& s)
    {
        s.Msn = Pl.MediaSequence + (Pl.Skip ? Pl.Skip->SkippedSegments : 0) + static_cast<int64_t>(Pl.Segments.size());
        s.Discontinuity = PendingDiscontinuity;
        if (s.Discontinuity) DiscSeq++;
        s.DiscontinuitySeq = DiscSeq;
        if (PendingPdt)
            s.ProgramDateTime = PendingPdt;
        else if (!Pl.Segments.empty() && !s.Discontinuity && Pl.Segments.back().ProgramDateTime)
        {
            s.ProgramDateTime = *Pl.Segments.back().ProgramDateTime + Pl.Segments.back().Duration;
        }
        s.Gap = PendingGap;
        s.Map = CurrentMap;
        s.Key = CurrentKey;
        s.Parts = std::move(PendingParts);
        PendingParts.clear();
        PendingDiscontinuity = false;
        PendingPdt.reset();
    }

    bool Finish()
    {
        if (HaveExtinf) return Fail("EXTINF has no URI line (truncated playlist?)", ExtinfLine);
        if (HaveStreamInf) return Fail("EXT-X-STREAM-INF has no URI line (truncated playlist?)", StreamInfLine);
        if (SeenMultivariantTag)
        {
            Pl.Kind = HlsPlaylistKind::Multivariant;
            if (Pl.Variants.empty()) return Fail("multivariant playlist without a variant stream (no EXT-X-STREAM-INF with a URI line)", 0);
            return true;
        }
        Pl.Kind = HlsPlaylistKind::Media;
        if (!SeenMediaTag) return Fail("empty playlist: no media segments and no variant streams (neither EXT-X-TARGETDURATION nor EXT-X-STREAM-INF)", 0);
        if (!Seen("#EXT-X-TARGETDURATION")) return Fail("missing EXT-X-TARGETDURATION (not a media playlist, or truncated)", 0);
        if (FirstPartLine && !Seen("#EXT-X-PART-INF")) return Fail("EXT-X-PART without EXT-X-PART-INF", FirstPartLine);
        if (Pl.Skip && !(Pl.HasServerControl && Pl.ServerControl.CanSkipUntil)) return Fail("EXT-X-SKIP without EXT-X-SERVER-CONTROL CAN-SKIP-UNTIL", SkipLine);
        if (!PendingParts.empty())
        {
            HlsSegment s;
            for (const HlsPart& p : PendingParts) s.Duration += p.Duration;
            FinishEntry(s);
            Pl.Segments.push_back(std::move(s));
        }
        return true;
    }
};

// [SECTION] Tag table

// Where a tag belongs (RFC 8216bis section 4.4). Basic tags go in either kind of playlist. Media segment
// tags apply to the next URI line; they, media metadata and media playlist tags make a media playlist.
// Multivariant tags make a multivariant playlist. A playlist that mixes the two kinds is refused.
enum class TagGroup
{
    Basic,
    MediaSegment,
    MediaMetadata,
    MediaPlaylist,
    Multivariant
};

struct TagRule
{
    std::string_view Name; // with its leading '#'
    TagGroup Group;
    bool Once; // may appear at most once ("duplicate <tag>" otherwise)
    bool (Parser::*Handle)(std::string_view value, bool has_value);
};

constexpr bool kOnce = true, kRepeats = false;

constexpr TagRule kTagRules[] = {
    // Basic
    {"#EXTM3U", TagGroup::Basic, kRepeats, &Parser::Ignore}, // the header; a repeat later is harmless
    {"#EXT-X-VERSION", TagGroup::Basic, kOnce, &Parser::Version},
    {"#EXT-X-INDEPENDENT-SEGMENTS", TagGroup::Basic, kOnce, &Parser::IndependentSegments},
    {"#EXT-X-START", TagGroup::Basic, kOnce, &Parser::Start},
    // Media segment
    {"#EXTINF", TagGroup::MediaSegment, kRepeats, &Parser::Extinf},
    {"#EXT-X-BYTERANGE", TagGroup::MediaSegment, kRepeats, &Parser::ByteRange},
    {"#EXT-X-DISCONTINUITY", TagGroup::MediaSegment, kRepeats, &Parser::Discontinuity},
    {"#EXT-X-KEY", TagGroup::MediaSegment, kRepeats, &Parser::Key},
    {"#EXT-X-MAP", TagGroup::MediaSegment, kRepeats, &Parser::Map},
    {"#EXT-X-PROGRAM-DATE-TIME", TagGroup::MediaSegment, kRepeats, &Parser::ProgramDateTime},
    {"#EXT-X-GAP", TagGroup::MediaSegment, kRepeats, &Parser::Gap},
    {"#EXT-X-BITRATE", TagGroup::MediaSegment, kRepeats, &Parser::Ignore},
    {"#EXT-X-PART", TagGroup::MediaSegment, kRepeats, &Parser::Part},
    // Media metadata
    {"#EXT-X-DATERANGE", TagGroup::MediaMetadata, kRepeats, &Parser::DateRange},
    {"#EXT-X-SKIP", TagGroup::MediaMetadata, kOnce, &Parser::Skip},
    {"#EXT-X-PRELOAD-HINT", TagGroup::MediaMetadata, kRepeats, &Parser::PreloadHint}, // one per TYPE
    {"#EXT-X-RENDITION-REPORT", TagGroup::MediaMetadata, kRepeats, &Parser::RenditionReport},
    // Media playlist
    {"#EXT-X-TARGETDURATION", TagGroup::MediaPlaylist, kOnce, &Parser::TargetDuration},
    {"#EXT-X-MEDIA-SEQUENCE", TagGroup::MediaPlaylist, kOnce, &Parser::MediaSequence},
    {"#EXT-X-DISCONTINUITY-SEQUENCE", TagGroup::MediaPlaylist, kOnce, &Parser::DiscontinuitySequence},
    {"#EXT-X-ENDLIST", TagGroup::MediaPlaylist, kOnce, &Parser::EndList},
    {"#EXT-X-PLAYLIST-TYPE", TagGroup::MediaPlaylist, kOnce, &Parser::PlaylistType},
    {"#EXT-X-I-FRAMES-ONLY", TagGroup::MediaPlaylist, kOnce, &Parser::IFramesOnly},
    {"#EXT-X-PART-INF", TagGroup::MediaPlaylist, kOnce, &Parser::PartInf},
    {"#EXT-X-SERVER-CONTROL", TagGroup::MediaPlaylist, kOnce, &Parser::ServerControl},
    // Multivariant playlist
    {"#EXT-X-MEDIA", TagGroup::Multivariant, kRepeats, &Parser::Media},
    {"#EXT-X-STREAM-INF", TagGroup::Multivariant, kRepeats, &Parser::StreamInf},
    {"#EXT-X-I-FRAME-STREAM-INF", TagGroup::Multivariant, kRepeats, &Parser::IFrameStreamInf},
    {"#EXT-X-SESSION-DATA", TagGroup::Multivariant, kRepeats, &Parser::SessionData},
    {"#EXT-X-SESSION-KEY", TagGroup::Multivariant, kRepeats, &Parser::SessionKey},
    {"#EXT-X-CONTENT-STEERING", TagGroup::Multivariant, kRepeats, &Parser::Ignore},
};
static_assert(std::size(kTagRules) <= 64, "Parser::SeenOnce has one bit per rule");

bool Parser::Tag(std::string_view name, std::string_view value, bool has_value)
{
    for (size_t i = 0; i < std::size(kTagRules); i++)
    {
        const TagRule& rule = kTagRules[i];
        if (rule.Name != name) continue;
        if (rule.Group == TagGroup::Multivariant)
        {
            if (!MarkMultivariant()) return false;
        }
        else if (rule.Group != TagGroup::Basic)
        {
            if (!MarkMedia()) return false;
        }
        if (rule.Once)
        {
            const uint64_t bit = uint64_t{1} << i;
            if (SeenOnce & bit) return Fail("duplicate " + std::string(name.substr(1)));
            SeenOnce |= bit;
        }
        return (this->*rule.Handle)(value, has_value);
    }
    return true; // unknown tags are ignored, as the spec requires
}

bool Parser::Seen(std::string_view name) const
{
    for (size_t i = 0; i < std::size(kTagRules); i++)
    {
        if (kTagRules[i].Name == name) return (SeenOnce >> i) & 1;
    }
    return false;
}

} // namespace

// [SECTION] ParsePlaylist

const char* HlsParseErrorKindName(HlsParseErrorKind kind) { return kind == HlsParseErrorKind::Unsupported ? "unsupported" : "invalid"; }

std::array<uint8_t, 16> HlsKeyIv(const HlsKey& key, int64_t msn)
{
    if (key.Iv) return *key.Iv;
    std::array<uint8_t, 16> iv{};
    auto v = static_cast<uint64_t>(msn);
    for (int i = 15; i >= 8; i--)
    {
        iv[static_cast<size_t>(i)] = static_cast<uint8_t>(v & 0xff);
        v >>= 8;
    }
    return iv;
}

HlsParseResult ParsePlaylist(std::string_view text, std::string_view base_url, const HlsParseLimits& limits)
{
    HlsParseResult result;
    Parser p(limits);
    p.Pl.Url = std::string(base_url);
    if (text.size() > limits.MaxBytes)
    {
        result.Error = {0, "playlist too large (" + std::to_string(text.size()) + " bytes; livescope's limit is " + std::to_string(limits.MaxBytes) + ")",
                        HlsParseErrorKind::Unsupported};
        return result;
    }
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    size_t pos = 0;
    bool first = true;
    while (pos < text.size() || first)
    {
        p.Line++;
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos) end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.size() > limits.MaxLineBytes)
        {
            p.Unsupported("line too long (" + std::to_string(line.size()) + " bytes; livescope's limit is " + std::to_string(limits.MaxLineBytes) + ")");
            break;
        }
        for (char c : line)
        {
            const auto u = static_cast<unsigned char>(c);
            if (u == 0 || (u < 0x20 && c != '\t' && c != '\r'))
            {
                p.Fail("binary data (control character 0x" + std::string(1, "0123456789abcdef"[u >> 4]) + std::string(1, "0123456789abcdef"[u & 15]) + ")");
                break;
            }
        }
        if (p.Failed) break;
        while (!line.empty() && (line.back() == '\r' || line.back() == ' ' || line.back() == '\t')) line.remove_suffix(1);
        if (first)
        {
            first = false;
            if (line != "#EXTM3U")
            {
                p.Fail("missing #EXTM3U header");
                break;
            }
            continue;
        }
        if (line.empty()) continue;
        if (line[0] == '#')
        {
            if (line.substr(0, 4) != "#EXT") continue; // comment
            const size_t colon = line.find(':');
            const std::string_view name = line.substr(0, colon);
            std::string_view value = colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
            while (!value.empty() && IsBlank(value.front())) value.remove_prefix(1); // "#EXT-X-MEDIA-SEQUENCE: 0"
            if (!p.Tag(name, value, colon != std::string_view::npos)) break;
        }
        else
        {
            while (!line.empty() && line.front() == ' ') line.remove_prefix(1);
            if (!p.UriLine(line)) break;
        }
        if (pos > text.size()) break;
    }
    if (!p.Failed) p.Finish();
    if (p.Failed)
    {
        result.Error = p.Err;
        return result;
    }
    result.Ok = true;
    result.Playlist = std::move(p.Pl);
    return result;
}

} // namespace livescope
