// livescope-probe: print a playlist as JSON, or follow a live LL-HLS stream exactly as the player does.
//
//   livescope-probe FILE_OR_URL                    parsed playlist as JSON on stdout. Exit codes (docs/hls.md):
//                                                  0 parsed; 1 other failures (unreadable, unreachable, usage);
//                                                  2 invalid playlist: "line N: reason (invalid playlist)" on stderr;
//                                                  3 valid but unsupported: "line N: reason (unsupported by livescope)"
//   livescope-probe --follow SECONDS URL           drive HlsSession with real HTTP; one line per request,
//     [--verbose] [--no-low-latency] [--no-preload-hints] [--variant N (pinned) | --start-variant N (then ABR)]
//                                                  then a summary and a final "summary-json {...}" line; exits
//                                                  2 or 3 as above when the session stops on a playlist error
//   livescope-probe --parse-bench ITERATIONS FILE  parser throughput (for tests/bench/hls.sh)
#include "http_client.h"
#include "playlist_json.h"
#include <livescope/player/hls/hls_session.h>

#include <livescope/player/decode/aes128.h>
#include <nlohmann/json.hpp>

#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <sstream>
#include <string>

using namespace livescope;

namespace {

int Usage()
{
    std::fprintf(stderr,
                 "usage: livescope-probe FILE_OR_URL\n"
                 "       livescope-probe --follow SECONDS [--verbose] [--no-low-latency] [--no-preload-hints] [--variant N | --start-variant N] URL\n"
                 "       livescope-probe --parse-bench ITERATIONS FILE   (parser throughput)\n");
    return 1;
}

constexpr int kExitInvalid = 2, kExitUnsupported = 3;

int ExitFor(HlsParseErrorKind kind) { return kind == HlsParseErrorKind::Unsupported ? kExitUnsupported : kExitInvalid; }
const char* KindNote(HlsParseErrorKind kind) { return kind == HlsParseErrorKind::Unsupported ? "unsupported by livescope" : "invalid playlist"; }

int ReportParseError(const HlsParseError& e)
{
    std::fprintf(stderr, "line %d: %s (%s)\n", e.Line, e.Reason.c_str(), KindNote(e.Kind));
    return ExitFor(e.Kind);
}

bool IsHttp(const std::string& s) { return s.rfind("http://", 0) == 0 || s.rfind("https://", 0) == 0; }

int PrintPlaylist(const std::string& source)
{
    std::string text, base = source, error;
    if (IsHttp(source))
    {
        if (!HttpGet(source, text, error))
        {
            std::fprintf(stderr, "livescope-probe: cannot fetch %s: %s\n", source.c_str(), error.c_str());
            return 1;
        }
    }
    else
    {
        std::ifstream in(source, std::ios::binary);
        if (!in)
        {
            std::fprintf(stderr, "livescope-probe: cannot read %s\n", source.c_str());
            return 1;
        }
        std::ostringstream ss;
        ss << in.rdbuf();
        text = ss.str();
        std::error_code ec;
        std::filesystem::path abs = std::filesystem::absolute(source, ec);
        if (!ec) base = abs.lexically_normal().string();
    }
    HlsParseResult r = ParsePlaylist(text, base);
    if (!r.Ok) return ReportParseError(r.Error);
    std::cout << PlaylistToJson(r.Playlist).dump(2) << "\n";
    return 0;
}

int ParseBench(int iterations, const std::string& file)
{
    std::ifstream in(file, std::ios::binary);
    if (!in)
    {
        std::fprintf(stderr, "livescope-probe: cannot read %s\n", file.c_str());
        return 1;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    const std::string text = ss.str();
    HttpPool clock; // only its steady clock
    size_t segments = 0;
    const double t0 = clock.Now();
    for (int i = 0; i < iterations; i++)
    {
        HlsParseResult r = ParsePlaylist(text, "http://127.0.0.1/live/index.m3u8");
        if (!r.Ok) return ReportParseError(r.Error);
        segments = r.Playlist.Segments.size();
    }
    const double dt = clock.Now() - t0;
    std::printf("parse-bench %s: %zu bytes, %zu segments, %d iterations, %.3f ms per parse, %.1f MB/s\n", file.c_str(), text.size(), segments,
                iterations, dt / iterations * 1000.0, static_cast<double>(text.size()) * iterations / dt / 1e6);
    return 0;
}

struct ReqLog
{
    HlsLoadRequest R;
    double Start = 0.0, FirstByte = -1.0;
    int Status = 0;
    int64_t Bytes = 0;
};

std::string Ms(double seconds)
{
    if (seconds < 0) return "-";
    char b[32];
    std::snprintf(b, sizeof b, "%.1f", seconds * 1000.0);
    return b;
}

int Follow(double seconds, const std::string& url, bool verbose, HlsSessionConfig cfg)
{
    HttpPool pool;
    HlsSession session(cfg);
    std::map<uint64_t, ReqLog> open;
    std::map<std::string, int64_t> event_counts;
    int64_t http4xx = 0, http5xx = 0, transport_errors = 0, media_chunks = 0, media_bytes = 0, init_bytes = 0;
    int64_t blocking_answered = 0;
    bool any_playlist = false;

    auto print_line = [&](const ReqLog& l, const std::string& status, double end, const std::string& extra) {
        std::printf("%-13s %s status=%s ttfb_ms=%s total_ms=%s bytes=%lld%s\n", HlsRequestKindName(l.R.Kind), l.R.Url.c_str(), status.c_str(),
                    Ms(l.FirstByte >= 0 ? l.FirstByte - l.Start : -1).c_str(), Ms(end - l.Start).c_str(), static_cast<long long>(l.Bytes), extra.c_str());
        std::fflush(stdout);
    };
    auto drain = [&](double now) -> bool { // returns true when a BlockingMiss was among the events
        bool miss = false;
        for (const HlsEventRecord& e : session.TakeEvents())
        {
            event_counts[HlsEventName(e.Type)]++;
            if (e.Type == HlsEvent::BlockingMiss) miss = true;
            if (e.Type == HlsEvent::PlaylistLoaded || e.Type == HlsEvent::PlaylistUpdated || e.Type == HlsEvent::PlaylistUnchanged) any_playlist = true;
            if (verbose || e.Type == HlsEvent::ParseFailed || e.Type == HlsEvent::RequestFailed)
            {
                std::fprintf(stderr, "[%8.3f] %s %s\n", now, HlsEventName(e.Type), e.Detail.c_str());
            }
        }
        for (const HlsMediaChunk& c : session.TakeMedia())
        {
            media_chunks++;
            (c.IsInit ? init_bytes : media_bytes) += static_cast<int64_t>(c.Bytes.size());
        }
        return miss;
    };
    auto pump = [&](double now) {
        for (HlsLoadRequest& r : session.TakeRequests())
        {
            ReqLog l;
            l.R = r;
            l.Start = now;
            open[r.Id] = l;
            pool.Start(r.Id, r.Url, r.Range ? r.Range->Offset : -1, r.Range && r.Range->Length ? *r.Range->Length : -1);
        }
        for (uint64_t id : session.TakeCancellations())
        {
            pool.Cancel(id);
            auto it = open.find(id);
            if (it != open.end())
            {
                const HlsLoadRequest& r = it->second.R;
                print_line(it->second, "cancelled", now, r.Blocking ? " blocking=" + std::to_string(r.Expect.Msn) + "." + std::to_string(r.Expect.Part) + " answered=cancelled" : "");
                open.erase(it);
            }
        }
    };

    session.Start(url, pool.Now());
    pump(pool.Now());
    while (pool.Now() < seconds && !session.Ended() && !session.FatalError())
    {
        const double wake = std::min(session.NextWakeup(), seconds);
        for (HttpEvent& e : pool.Wait(wake))
        {
            auto it = open.find(e.Id);
            if (it == open.end()) continue;
            ReqLog& l = it->second;
            switch (e.Kind)
            {
                case HttpEvent::Type::Response:
                    l.Status = e.Status;
                    if (e.Status >= 500)
                        http5xx++;
                    else if (e.Status >= 400)
                        http4xx++;
                    session.OnResponse(e.Id, e.Status, e.Time);
                    break;
                case HttpEvent::Type::Data:
                    if (l.FirstByte < 0) l.FirstByte = e.Time;
                    l.Bytes += static_cast<int64_t>(e.Bytes.size());
                    session.OnData(e.Id, reinterpret_cast<const uint8_t*>(e.Bytes.data()), e.Bytes.size(), e.Time);
                    break;
                case HttpEvent::Type::Complete: {
                    session.OnComplete(e.Id, e.Time);
                    const bool miss = drain(e.Time);
                    std::string extra;
                    if (l.R.Blocking)
                    {
                        extra = " blocking=" + std::to_string(l.R.Expect.Msn) + "." + std::to_string(l.R.Expect.Part) + " answered=" + (miss ? "no" : "yes");
                        if (!miss && l.Status < 400) blocking_answered++;
                    }
                    print_line(l, std::to_string(l.Status), e.Time, extra);
                    open.erase(it);
                    break;
                }
                case HttpEvent::Type::Error:
                    transport_errors++;
                    session.OnError(e.Id, e.Reason, e.Time);
                    print_line(l, "error(" + e.Reason + ")", e.Time, "");
                    open.erase(it);
                    break;
            }
            // A 4xx/5xx response is failed by the session at OnResponse and shows up as a cancellation.
            if (e.Kind == HttpEvent::Type::Response && e.Status >= 400)
            {
                auto again = open.find(e.Id);
                if (again != open.end())
                {
                    print_line(again->second, std::to_string(e.Status), e.Time, "");
                    open.erase(again);
                }
            }
            drain(e.Time);
            pump(e.Time);
        }
        const double now = pool.Now();
        session.Tick(now);
        drain(now);
        pump(now);
    }
    const double end = pool.Now();
    for (auto& [id, l] : open)
    {
        pool.Cancel(id);
        print_line(l, "in-flight-at-exit", end, "");
    }
    session.Tick(end);
    drain(end);
    const HlsStats& st = session.Stats();
    const double lead_avg = st.HintLeadCount > 0 ? st.HintLeadSum / static_cast<double>(st.HintLeadCount) : 0.0;
    const double edge_avg = st.PartEdgeDelayCount > 0 ? st.PartEdgeDelaySum / static_cast<double>(st.PartEdgeDelayCount) : 0.0;
    std::printf("summary: %.1f s, %lld requests, %lld errors (%lld 4xx, %lld 5xx, %lld transport), %lld playlist loads, "
                "%lld/%lld blocking reloads answered with the asked part, average playlist age %.3f s\n",
                end, static_cast<long long>(st.Requests), static_cast<long long>(st.Errors), static_cast<long long>(http4xx),
                static_cast<long long>(http5xx), static_cast<long long>(transport_errors), static_cast<long long>(st.PlaylistLoads),
                static_cast<long long>(blocking_answered), static_cast<long long>(st.BlockingRequests), st.PlaylistAgeAverage);
    std::printf("summary: hinted parts: %lld requested, %lld used, %lld cancelled, average lead %.3f s over %lld; "
                "media: %lld parts, %lld segments, %lld bytes (+%lld init); part edge delay %.2f ms over %lld; throughput estimate %.2f Mbit/s; variant %d\n",
                static_cast<long long>(st.HintsRequested), static_cast<long long>(st.HintsUsed), static_cast<long long>(st.HintsCancelled),
                lead_avg, static_cast<long long>(st.HintLeadCount), static_cast<long long>(st.PartsLoaded), static_cast<long long>(st.SegmentsLoaded),
                static_cast<long long>(media_bytes), static_cast<long long>(init_bytes), edge_avg * 1000.0, static_cast<long long>(st.PartEdgeDelayCount),
                st.ThroughputEstimate / 1e6, st.CurrentVariant);
    nlohmann::json j{{"duration", end}, {"requests", st.Requests}, {"errors", st.Errors}, {"http4xx", http4xx}, {"http5xx", http5xx}, {"transportErrors", transport_errors}, {"playlistLoads", st.PlaylistLoads}, {"playlistChanges", st.PlaylistChanges}, {"blockingRequests", st.BlockingRequests}, {"blockingAnswered", blocking_answered}, {"blockingMisses", st.BlockingMisses}, {"deltaUpdates", st.DeltaUpdates}, {"deltaMergeFailures", st.DeltaMergeFailures}, {"avgPlaylistAge", st.PlaylistAgeAverage}, {"hintsRequested", st.HintsRequested}, {"hintsUsed", st.HintsUsed}, {"hintsCancelled", st.HintsCancelled}, {"hintLeadCount", st.HintLeadCount}, {"hintLeadAvg", lead_avg}, {"partEdgeDelayAvg", edge_avg}, {"partEdgeDelayCount", st.PartEdgeDelayCount}, {"partsLoaded", st.PartsLoaded}, {"segmentsLoaded", st.SegmentsLoaded}, {"mediaBytes", media_bytes}, {"initBytes", init_bytes}, {"mediaChunks", media_chunks}, {"throughputBps", st.ThroughputEstimate}, {"variant", st.CurrentVariant}, {"variantSwitches", st.VariantSwitches}, {"ended", session.Ended()}, {"events", event_counts}};
    std::printf("summary-json %s\n", j.dump().c_str());
    std::fflush(stdout);
    if (const auto& fatal = session.FatalError())
    {
        std::fprintf(stderr, "livescope-probe: %s: %s (%s)\n", fatal->Code.c_str(), fatal->Message.c_str(), KindNote(fatal->Kind));
        return ExitFor(fatal->Kind);
    }
    if (!any_playlist)
    {
        std::fprintf(stderr, "livescope-probe: no playlist could be loaded from %s\n", url.c_str());
        return 1;
    }
    return 0;
}

} // namespace

int main(int argc, char** argv)
{
    double follow = -1.0;
    int parse_bench = 0;
    bool verbose = false;
    HlsSessionConfig cfg;
    cfg.Decryptor = MakeAes128CbcDecryptor; // METHOD=AES-128, as in the widget
    std::string source;
    for (int i = 1; i < argc; i++)
    {
        const std::string a = argv[i];
        if (a == "--follow" && i + 1 < argc)
        {
            char* end = nullptr;
            follow = std::strtod(argv[++i], &end);
            if (*end != '\0' || !std::isfinite(follow) || follow <= 0) return Usage();
        }
        else if (a == "--parse-bench" && i + 1 < argc)
        {
            parse_bench = std::atoi(argv[++i]);
            if (parse_bench <= 0) return Usage();
        }
        else if (a == "--verbose")
            verbose = true;
        else if (a == "--no-low-latency")
            cfg.LowLatency = false;
        else if (a == "--no-preload-hints")
            cfg.UsePreloadHints = false;
        else if (a == "--variant" && i + 1 < argc)
        {
            cfg.StartVariant = std::atoi(argv[++i]);
            cfg.AutoAbr = false;
        }
        else if (a == "--start-variant" && i + 1 < argc)
            cfg.StartVariant = std::atoi(argv[++i]); // ABR stays on
        else if (a == "-h" || a == "--help")
        {
            Usage();
            return 0;
        }
        else if (!a.empty() && a[0] == '-' && a != "-")
            return Usage();
        else if (source.empty())
            source = a;
        else
            return Usage();
    }
    if (source.empty()) return Usage();
    try
    {
        if (parse_bench > 0) return ParseBench(parse_bench, source);
        if (follow > 0)
        {
            if (!IsHttp(source))
            {
                std::fprintf(stderr, "livescope-probe: --follow needs an http:// URL\n");
                return 1;
            }
            if (source.rfind("https://", 0) == 0)
            {
                std::fprintf(stderr, "livescope-probe: https is not supported (use http://)\n");
                return 1;
            }
            return Follow(follow, source, verbose, cfg);
        }
        return PrintPlaylist(source);
    }
    catch (const std::exception& e)
    {
        std::fprintf(stderr, "livescope-probe: %s\n", e.what());
        return 1;
    }
}
