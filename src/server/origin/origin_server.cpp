// The livescope-origin edge: the Origin object holds the broadcasts (the demo test pattern and publishers' streams),
// each with its ffmpeg child (encoder_process.h) and live windows (live_playlist.h); it answers the HTTP sessions
// (http_session.h) with the pure router (router.h) and the broadcast rules (broadcasts.h); plus /control/ and webhooks.
// [SECTION] Declarations
// [SECTION] Broadcasts: encoder runs
// [SECTION] Broadcasts: media
// [SECTION] Broadcasts: publishers and life
// [SECTION] Origin
// [SECTION] Requests
// [SECTION] Run
#include "origin_server.h"

#include <livescope/base/query.h>
#include <livescope/server/origin/broadcasts.h>
#include <livescope/server/origin/capture_clock.h>
#include <livescope/server/origin/control.h>
#include "encoder_process.h"
#include <livescope/server/origin/faults.h>
#include <livescope/server/origin/fmp4.h>
#include <livescope/server/origin/ingest_frames.h>
#include <livescope/server/origin/input_probe.h>
#include "http_session.h"
#include <livescope/server/origin/live_playlist.h>
#include <livescope/server/origin/recording.h>
#include <livescope/server/origin/router.h>
#include "srt_ingest.h"
#include "rtmp_ingest.h"
#include "vod_store.h"
#include "webhook.h"

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>

#include <nlohmann/json.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <fcntl.h>
#include <signal.h>
#include <sys/wait.h>

namespace livescope {

namespace asio = boost::asio;
namespace beast = boost::beast;
using tcp = boost::asio::ip::tcp;

constexpr int AcceptRetryMs = 50; // ms between accept attempts while accept fails (as the relay)
// A connected publisher whose stream gives the encoder no media for this long is closed (garbage that ffmpeg keeps
// reading, a silent connection): its broadcast then follows the grace like any dropped publisher (docs/ingest.md).
constexpr int IngestNoMediaMs = 10000; // ms

// [SECTION] Declarations

namespace {

int64_t WallNowMs()
{
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch()).count();
}

struct RenditionState
{
    RenditionSpec Spec;
    LiveRendition Live;
    Fmp4StreamSplitter Splitter;
    Mp4InitInfo Init;
    bool HaveInit = false;
    uint64_t FragmentsThisGeneration = 0;
    // Recording (docs/replay.md "Origin"): complete segments are written as they complete and listed in the DVR window.
    DvrWindow Dvr;
    uint64_t NextRecordMsn = 0; // segments below it were written (or failed)
    std::string RecordDir;      // <data-dir>/<name>/<id>/<rendition>
};

// A recorded media file (a DVR segment, a VOD segment or init segment), read whole.
RouteDecision FileReply(const std::string& path)
{
    RouteDecision decision;
    decision.CacheControl = "no-store";
    decision.ContentType = "text/plain";
    std::string body;
    if (!RecordingStore::ReadFile(path, body))
    {
        decision.Status = 404;
        decision.Body = "no such recorded file\n";
        return decision;
    }
    decision.Status = 200;
    decision.ContentType = "video/mp4";
    decision.CacheControl = "public, max-age=31536000, immutable";
    decision.Body = std::move(body);
    return decision;
}

RouteDecision ControlReply(int status, std::string body)
{
    RouteDecision decision;
    decision.Status = status;
    decision.ContentType = "application/json";
    decision.CacheControl = "no-store";
    decision.Body = std::move(body);
    return decision;
}

class Origin;

// One broadcast: its encoder runs, live windows and life. The demo restarts its encoder when it exits and never ends;
// a published broadcast runs one encoder per publisher connection (stdin = the publisher's bytes).
class Broadcast
{
public:
    Broadcast(Origin& owner, asio::io_context& io, std::string name, std::string title, const EncoderConfig& config, bool demo,
              size_t window_segments);
    // Only broadcasts whose encoder has been reaped are destroyed while the origin runs (Origin::Remove retires the
    // others until then); at exit a child still running is killed (it would die with the origin anyway).
    ~Broadcast() { Encoder.Signal(SIGKILL); }

    bool StartEncoder(std::string& error);
    void End();
    BroadcastSummary Summary() const
    {
        BroadcastSummary summary{Name, Title, Life.Phase, Life.Publishing, Life.StartedMs, Life.EndedMs, RecordingId, {}, TopPath};
        if (Recording && Meta.Ended)
            summary.Replay = ReplayPath(Name, RecordingId);
        return summary;
    }
    // Recording: writes the complete segments of a rendition not yet written; the recording's metadata; its end.
    void RecordCompleted(size_t index);
    void WriteMeta();
    void FinishRecording(int64_t ended_ms);
    bool Ready() const; // every rendition has a complete segment
    RouterState View() const;
    void WatchMedia(); // arms MediaWatchdog (a publisher was admitted)

    Origin& Owner;
    asio::io_context& Io;
    const std::string Name;
    const std::string Title;
    const bool Demo;
    EncoderConfig Config;
    std::string TopPath; // published: "copy" or "transcode", the top rendition's video path (DecideTopRenditionCopy)
    std::string Session; // id in media URIs, unique per broadcast life
    BroadcastLife Life;
    EncoderProcess Encoder;
    std::vector<std::unique_ptr<RenditionState>> Renditions;
    asio::steady_timer RestartTimer;
    asio::steady_timer GraceTimer;

    // The publisher (published broadcasts).
    std::weak_ptr<Publisher> CurrentPublisher;
    const Publisher* PublisherId = nullptr;
    uint64_t PublisherSerial = 0;                    // admissions so far (0: none connected now)
    uint64_t RunPublisher = 0;                       // PublisherSerial of the publisher feeding the current encoder run
    std::shared_ptr<const std::string> PendingBytes; // arrived while no encoder could take them
    std::function<void(bool)> PendingDone;
    std::function<void(bool)> FailedDone;            // a write the encoder refused: answered (false) when it exits
    bool Probing = false;                            // the publisher's first bytes are kept until their layout is known (input_probe.h)
    asio::steady_timer MediaWatchdog;                // every second while a publisher is connected: IngestNoMediaMs without media kicks it
    std::string ProbeBytes;                          // at most InputProbeMaxBytes (+ one message)
    std::chrono::steady_clock::time_point LastMedia; // the last chunk from the encoder, or the publisher's admission

    uint32_t Generation = 0; // encoder runs so far; also the init id
    bool GenerationProducedMedia = false;
    bool RestartRequested = false; // this run was stopped by /control/restart-encoder
    int ConsecutiveFailures = 0;
    bool HaveAnchor = false;
    int64_t AnchorWallMs = 0;      // ms since epoch at media time 0 of this generation
    int64_t CaptureAnchorMs = 0;   // the publisher's capture stamp of media time 0 (capture_clock.h)
    int64_t NextInputArrivalMs = 0; // when the first bytes of the next encoder run arrived (0: none yet)
    int64_t RunInputArrivalMs = 0;  // the same for the running encoder (capture_clock.h: the anchor without a stamp)
    uint64_t CapturePublisher = 0; // PublisherSerial of the publisher that stamped it (0: none)

    std::string RecordingId; // this run's id (also listed when not recorded)
    bool Recording = false;  // written under --data-dir (false when off, deleted, or forgotten)
    bool RecordErrorLogged = false;
    RecordingMeta Meta;

private:
    bool OnEncoderBytes(size_t index, const uint8_t* data, size_t size);
    void OnPipeClosed(size_t index, const std::string& why);
    void OnAllPipesClosed();
    void OnEncoderExited(int status);
    void OnChunk(size_t index, Fmp4Chunk& chunk);
};

class Origin : public SessionHost, public std::enable_shared_from_this<Origin>
{
public:
    Origin(asio::io_context& io, const OriginOptions& options);
    bool Start(std::string& error);
    void Stop();
    int ExitCode() const { return ExitCodeValue; }

    // SessionHost
    RouteDecision Evaluate(const PendingRequest& request, bool timed_out) override;
    void AddWaiter(const std::shared_ptr<HeldRequest>& waiter) override { Waiters.push_back(waiter); }
    double HoldTimeout() const override; // seconds
    bool ReadPart(const std::string& broadcast, size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out,
                  bool& complete) const override;
    bool Stopping() const override { return StoppingFlag; }
    const std::string& ControlToken() const override { return Options.ControlToken; }
    IngestAdmission AdmitPublisher(const std::string& name, const std::string& query, const std::string& protocols,
                                   const std::shared_ptr<Publisher>& publisher) override;
    void PublisherBytes(const std::string& name, const Publisher* who, std::shared_ptr<const std::string> bytes,
                        std::function<void(bool ok)> done) override;
    void PublisherGone(const std::string& name, const Publisher* who) override;
    void PublisherCaptureClock(const std::string& name, const Publisher* who, int64_t capture_ms) override;
    bool PublisherCopyTop(const std::string& name, const Publisher* who, const TopCopyFacts& facts) override;
    std::string IngestHello() const override { return IngestHelloMessage(Options.Encoder); }

    // From broadcasts.
    void NotifyWaiters();
    void CheckReady(const Broadcast& broadcast);
    void Announce(const char* event, const Broadcast& broadcast);
    void EncoderGaveUp(int code);
    void EncoderExited(Broadcast& broadcast);
    const OriginOptions& Config() const { return Options; }
    std::string NewSession();
    RecordingStore& Recordings() { return Store; }
    std::string NewRecordingId(const std::string& name);

private:
    void DoAccept();
    RouteDecision EvaluateControl(const PendingRequest& request);
    RouteDecision EvaluateVod(const PendingRequest& request);
    void SweepRetention();
    void Unrecorded(const std::string& name, const std::string& id); // its recording was deleted
    Broadcast* Find(const std::string& name) const;
    void Remove(const std::string& name);
    void Destroy(std::shared_ptr<Broadcast> broadcast);
    void TrimEnded();
    size_t ActiveCount() const;

    asio::io_context& Io;
    OriginOptions Options;
    tcp::acceptor Acceptor;
    asio::signal_set Signals;
    asio::steady_timer AcceptRetry; // backoff after a failed accept (out of file descriptors)
    std::string BaseUrl;            // http://host:port
    std::map<std::string, std::shared_ptr<Broadcast>> Broadcasts;
    std::vector<std::shared_ptr<Broadcast>> Retired; // removed while their encoder still ran: destroyed once it exits
    std::vector<std::weak_ptr<HeldRequest>> Waiters;
    std::unique_ptr<SrtIngest> Srt; // SRT publishers (--srt-port)
    FaultPlan Faults;
    std::shared_ptr<RtmpIngest> Rtmp; // RTMP ingest (an nginx child), when enabled
    HttpUrl Webhook;
    bool HaveWebhook = false;
    uint64_t SessionCounter = 0;
    bool AcceptFailing = false; // logged the current run of accept errors
    bool ReadyPrinted = false;
    bool StoppingFlag = false;
    int ExitCodeValue = 0;
    RecordingStore Store;
    asio::steady_timer RetentionTimer;
};

// [SECTION] Broadcasts: encoder runs

Broadcast::Broadcast(Origin& owner, asio::io_context& io, std::string name, std::string title, const EncoderConfig& config, bool demo,
                     size_t window_segments)
    : Owner(owner), Io(io), Name(std::move(name)), Title(std::move(title)), Demo(demo), Config(config), Session(owner.NewSession()),
      Encoder(io, EncoderProcess::Events{
                      [this](size_t index, const uint8_t* data, size_t size) { return OnEncoderBytes(index, data, size); },
                      [this](size_t index, const std::string& why) { OnPipeClosed(index, why); },
                      [this]() { OnAllPipesClosed(); },
                      [this](int status) { OnEncoderExited(status); },
                  }),
      RestartTimer(io), GraceTimer(io), MediaWatchdog(io)
{
    LiveWindowConfig window;
    window.PartTarget = Config.PartMs / 1000.0;
    window.SegmentTarget = Config.SegmentMs / 1000.0;
    window.WindowSegments = window_segments;
    RecordingId = owner.NewRecordingId(Name);
    Recording = owner.Recordings().Enabled() && (!Demo || owner.Config().DataDirGiven);
    Meta.Name = Name;
    Meta.Id = RecordingId;
    Meta.Title = Title;
    Meta.StartedMs = WallNowMs();
    for (const RenditionSpec& spec : Config.Renditions)
    {
        auto state = std::make_unique<RenditionState>();
        state->Spec = spec;
        state->Live = LiveRendition(window);
        state->Dvr = DvrWindow(owner.Config().DvrWindowSeconds);
        state->RecordDir = owner.Recordings().RenditionDir(Name, RecordingId, spec.Name);
        Meta.Renditions.push_back(RecordedRendition{spec.Name, RenditionBandwidth(spec), uint16_t(spec.Width), uint16_t(spec.Height), double(Config.FrameRate), {}});
        Renditions.push_back(std::move(state));
    }
}

bool Broadcast::StartEncoder(std::string& error)
{
    const size_t count = Renditions.size();
    if (!Encoder.Start(BuildFfmpegArgs(Config), count, error, !Demo))
        return false;
    Generation++;
    RunPublisher = PublisherId ? PublisherSerial : 0;
    GenerationProducedMedia = false;
    RestartRequested = false;
    HaveAnchor = false;
    RunInputArrivalMs = NextInputArrivalMs;
    NextInputArrivalMs = 0;
    std::fprintf(stderr, "livescope-origin: %s: ffmpeg started (pid %d, run %u, %zu rendition(s), source %s%s)\n", Name.c_str(), int(Encoder.ProcessId()),
                 Generation, count, Config.Source.c_str(), Demo ? "" : Config.TopCopy ? ", top rendition copied" : ", all renditions transcoded");
    for (auto& state : Renditions)
    {
        state->Splitter.Reset();
        state->HaveInit = false;
        state->FragmentsThisGeneration = 0;
    }
    if (PendingBytes)
    {
        auto bytes = std::move(PendingBytes);
        auto done = std::move(PendingDone);
        PendingBytes.reset();
        PendingDone = nullptr;
        Encoder.WriteInput(std::move(bytes), std::move(done));
    }
    return true;
}

bool Broadcast::OnEncoderBytes(size_t index, const uint8_t* data, size_t size)
{
    RenditionState& rendition = *Renditions[index];
    std::vector<Fmp4Chunk> chunks;
    if (!rendition.Splitter.Feed(data, size, chunks))
    {
        std::fprintf(stderr, "livescope-origin: %s/%s: bad fMP4 from ffmpeg: %s\n", Name.c_str(), rendition.Spec.Name.c_str(),
                     rendition.Splitter.ErrorReason().c_str());
        Encoder.Signal(SIGTERM);
    }
    for (Fmp4Chunk& chunk : chunks)
        OnChunk(index, chunk);
    if (!chunks.empty())
    {
        if (Life.Phase == BroadcastPhase::Starting)
            for (auto& state : Renditions)
            {
                uint64_t msn = 0, part = 0;
                if (state->Live.LastPosition(msn, part) &&
                    Life.PartArrived(WallNowMs(), state->Live.Segments().empty() ? 0 : state->Live.Segments().front().ProgramDateTimeMs))
                {
                    Meta.StartedMs = Life.StartedMs;
                    WriteMeta();
                    std::fprintf(stderr, "livescope-origin: broadcast %s is live\n", Name.c_str());
                    Owner.Announce("broadcast.started", *this);
                    break;
                }
            }
        Owner.NotifyWaiters();
        Owner.CheckReady(*this);
    }
    return !rendition.Splitter.Failed();
}

void Broadcast::OnPipeClosed(size_t index, const std::string& why)
{
    if (!Owner.Stopping() && why != "end of stream")
        std::fprintf(stderr, "livescope-origin: %s/%s: pipe closed: %s\n", Name.c_str(), Renditions[index]->Spec.Name.c_str(), why.c_str());
}

void Broadcast::OnAllPipesClosed()
{
    for (auto& rendition : Renditions)
        rendition->Live.CloseOpenSegment();
    for (size_t i = 0; i < Renditions.size(); i++)
        RecordCompleted(i);
    Owner.NotifyWaiters();
}

void Broadcast::OnEncoderExited(int status)
{
    if (Owner.Stopping())
    {
        Owner.EncoderExited(*this);
        return;
    }
    char how[64];
    if (WIFEXITED(status))
        std::snprintf(how, sizeof(how), "exit status %d", WEXITSTATUS(status));
    else if (WIFSIGNALED(status))
        std::snprintf(how, sizeof(how), "signal %d", WTERMSIG(status));
    else
        std::snprintf(how, sizeof(how), "status %d", status);
    if (!Demo)
    {
        std::fprintf(stderr, "livescope-origin: %s: ffmpeg exited (%s)\n", Name.c_str(), how);
        if (FailedDone)
            asio::post(Io, [failed = std::move(FailedDone)]() { failed(false); }); // after the kick below
        FailedDone = nullptr;
        auto publisher = CurrentPublisher.lock();
        if (publisher && PublisherId && Life.Active())
        {
            if (RunPublisher == PublisherSerial)
            {
                // Its own publisher is still connected: the encoder stopped on its own (input it cannot read).
                publisher->Kick(GenerationProducedMedia ? "the encoder stopped" : "the encoder could not read this stream (send MPEG-TS or Matroska/WebM)");
                Owner.EncoderExited(*this);
                return;
            }
            // The publisher came back while the last run was flushing: the next run starts now (or once its stream's
            // layout is known).
            if (Probing)
            {
                Owner.EncoderExited(*this);
                return;
            }
            std::string error;
            if (!StartEncoder(error))
                publisher->Kick("cannot start the encoder: " + error);
            return;
        }
        Owner.EncoderExited(*this);
        return;
    }
    const EncoderExitDecision decision = DecideEncoderExit(ConsecutiveFailures, GenerationProducedMedia, RestartRequested, Owner.Config().MaxEncoderFailures);
    ConsecutiveFailures = decision.ConsecutiveFailures;
    if (decision.GiveUp)
    {
        std::fprintf(stderr, "livescope-origin: error: ffmpeg (%s) exited (%s) %d times without producing media; giving up\n", Config.FfmpegPath.c_str(),
                     how, ConsecutiveFailures);
        Owner.EncoderGaveUp(2);
        return;
    }
    std::fprintf(stderr, "livescope-origin: ffmpeg exited (%s%s); restarting in 1 s (the stream continues after a discontinuity)\n", how,
                 RestartRequested ? ", restart asked for" : "");
    RestartTimer.expires_after(std::chrono::seconds(1));
    RestartTimer.async_wait([this](beast::error_code ec) {
        if (ec || Owner.Stopping())
            return;
        std::string error;
        if (!StartEncoder(error))
        {
            std::fprintf(stderr, "livescope-origin: %s\n", error.c_str());
            Owner.EncoderGaveUp(1);
        }
    });
}

// [SECTION] Broadcasts: media

void Broadcast::OnChunk(size_t index, Fmp4Chunk& chunk)
{
    RenditionState& state = *Renditions[index];
    auto bytes = std::make_shared<const std::vector<uint8_t>>(std::move(chunk.Bytes));
    Mp4Error error;
    if (chunk.ChunkKind == Fmp4Chunk::Kind::Init)
    {
        Mp4InitInfo info;
        if (!ParseMp4Init(bytes->data(), bytes->size(), info, error))
        {
            std::fprintf(stderr, "livescope-origin: %s/%s: bad init segment: %s\n", Name.c_str(), state.Spec.Name.c_str(), error.Reason.c_str());
            return;
        }
        state.Init = info;
        state.HaveInit = true;
        state.Live.SetInit(bytes, Generation);
        RecordCompleted(index); // SetInit closed the open segment
        if (Recording)
        {
            std::string write_error;
            if (!Owner.Recordings().WriteInit(state.RecordDir, Generation, *bytes, write_error))
                std::fprintf(stderr, "livescope-origin: %s: recording: %s\n", Name.c_str(), write_error.c_str());
            if (Meta.Renditions[index].Codecs != info.CodecsAttribute())
            {
                Meta.Renditions[index].Codecs = info.CodecsAttribute();
                WriteMeta();
            }
        }
        return;
    }
    if (!state.HaveInit)
        return;
    Mp4FragmentInfo info;
    if (!ParseMp4Fragment(bytes->data(), bytes->size(), state.Init, info, error))
    {
        std::fprintf(stderr, "livescope-origin: %s/%s: bad fragment: %s\n", Name.c_str(), state.Spec.Name.c_str(), error.Reason.c_str());
        return;
    }
    const int64_t now = WallNowMs();
    const bool has_video = info.SampleCount > 0;
    if (!HaveAnchor && has_video)
    {
        // The first fragment leaves the encoder right after its last frame was produced (input paced at real time).
        // A publisher that stamped its capture clock (the studio) gives media time 0 itself: PDT is then capture time.
        const MediaAnchor anchor = ChooseMediaAnchor(now - int64_t((info.StartTime + info.Duration) * 1000.0 + 0.5),
                                                     RunPublisher != 0 && CapturePublisher == RunPublisher, CaptureAnchorMs, RunInputArrivalMs);
        AnchorWallMs = anchor.WallMs;
        HaveAnchor = true;
        if (!Demo)
            std::fprintf(stderr, "livescope-origin: %s: PROGRAM-DATE-TIME from %s (media time 0 at %lld ms, first fragment at %.3f s)\n", Name.c_str(),
                         anchor.FromCapture ? "the publisher's capture clock"
                         : anchor.FromInput ? "the arrival of the first input bytes"
                                            : "the encoder's first fragment", static_cast<long long>(anchor.WallMs), info.StartTime);
    }
    GenerationProducedMedia = true;
    LastMedia = std::chrono::steady_clock::now();
    state.FragmentsThisGeneration++;
    state.Live.AppendChunk(bytes->data(), bytes->size(), info.Duration, has_video, info.Independent,
                           AnchorWallMs + int64_t(info.StartTime * 1000.0 + 0.5));
    RecordCompleted(index);
}

void Broadcast::RecordCompleted(size_t index)
{
    if (!Recording)
        return;
    RenditionState& state = *Renditions[index];
    for (const LiveSegment& segment : state.Live.Segments())
    {
        if (segment.Msn < state.NextRecordMsn)
            continue;
        if (!segment.Complete)
            break;
        state.NextRecordMsn = segment.Msn + 1;
        DvrSegment recorded{segment.Msn, segment.Duration, segment.ProgramDateTimeMs, segment.Discontinuity, segment.InitId, 0};
        std::string error;
        if (!Owner.Recordings().WriteSegment(state.RecordDir, recorded, segment.Parts, error))
        {
            if (!RecordErrorLogged)
                std::fprintf(stderr, "livescope-origin: %s: recording: %s (further errors not logged)\n", Name.c_str(), error.c_str());
            RecordErrorLogged = true;
            continue; // not listed in the DVR window; the VOD skips it
        }
        state.Dvr.Add(recorded);
    }
}

void Broadcast::WriteMeta()
{
    if (!Recording)
        return;
    std::string error;
    if (!Owner.Recordings().WriteMeta(Meta, error))
        std::fprintf(stderr, "livescope-origin: %s: recording: %s\n", Name.c_str(), error.c_str());
}

void Broadcast::FinishRecording(int64_t ended_ms)
{
    if (!Recording || Meta.Ended)
        return;
    for (size_t i = 0; i < Renditions.size(); i++)
        RecordCompleted(i);
    Meta.Ended = true;
    Meta.EndedMs = ended_ms;
    WriteMeta();
    std::fprintf(stderr, "livescope-origin: %s: recorded; replay at %s\n", Name.c_str(), ReplayPath(Name, RecordingId).c_str());
}

bool Broadcast::Ready() const
{
    for (const auto& rendition : Renditions)
        if (rendition->Live.CompleteSegmentCount() == 0)
            return false;
    return !Renditions.empty();
}

RouterState Broadcast::View() const
{
    RouterState state;
    state.Session = Session;
    state.Ready = Ready();
    state.FrameRate = Config.FrameRate;
    for (const auto& rendition : Renditions)
        state.Renditions.push_back(RouterRendition{&rendition->Spec, &rendition->Live, &rendition->Init, rendition->HaveInit,
                                                   Recording ? &rendition->Dvr : nullptr, Recording ? rendition->RecordDir : std::string()});
    return state;
}

// [SECTION] Broadcasts: publishers and life

void Broadcast::WatchMedia()
{
    MediaWatchdog.expires_after(std::chrono::seconds(1));
    MediaWatchdog.async_wait([this](beast::error_code ec) {
        if (ec || Owner.Stopping())
            return;
        auto publisher = CurrentPublisher.lock();
        if (!publisher)
            return; // watched again when a publisher is admitted
        if (std::chrono::steady_clock::now() - LastMedia < std::chrono::milliseconds(IngestNoMediaMs))
        {
            WatchMedia();
            return;
        }
        std::fprintf(stderr, "livescope-origin: %s: no media from the publisher's stream for %d ms; closing it\n", Name.c_str(), IngestNoMediaMs);
        publisher->Kick("no media from this stream for " + std::to_string(IngestNoMediaMs / 1000) + " s (send MPEG-TS or Matroska/WebM)");
    });
}

void Broadcast::End()
{
    for (auto& rendition : Renditions)
        rendition->Live.End();
    GraceTimer.cancel();
    std::fprintf(stderr, "livescope-origin: broadcast %s ended\n", Name.c_str());
    FinishRecording(Life.EndedMs);
    Owner.NotifyWaiters();
    Owner.Announce("broadcast.ended", *this);
}

// [SECTION] Origin

Origin::Origin(asio::io_context& io, const OriginOptions& options)
    : Io(io), Options(options), Acceptor(io), Signals(io, SIGINT, SIGTERM), AcceptRetry(io), Store(options.DataDir), RetentionTimer(io)
{
}

std::string Origin::NewRecordingId(const std::string& name)
{
    std::vector<std::string> taken;
    if (const Broadcast* existing = Find(name))
        taken.push_back(existing->RecordingId);
    for (const auto& retired : Retired)
        if (retired->Name == name)
            taken.push_back(retired->RecordingId);
    return Store.NewId(name, WallNowMs(), taken);
}

void Origin::Unrecorded(const std::string& name, const std::string& id)
{
    if (Broadcast* broadcast = Find(name); broadcast && broadcast->RecordingId == id)
        broadcast->Recording = false;
}

void Origin::SweepRetention()
{
    if (Options.RetentionSeconds <= 0 || !Store.Enabled() || StoppingFlag)
        return;
    const std::vector<RecordingSummary> list = Store.List();
    std::vector<RecordingMeta> metas;
    for (const RecordingSummary& summary : list)
        metas.push_back(summary.Meta);
    for (size_t index : ExpiredRecordings(metas, WallNowMs(), Options.RetentionSeconds * 1000))
    {
        const RecordingMeta& meta = metas[index];
        if (Store.Remove(meta.Name, meta.Id))
            std::fprintf(stderr, "livescope-origin: retention: deleted recording %s/%s\n", meta.Name.c_str(), meta.Id.c_str());
        Unrecorded(meta.Name, meta.Id);
    }
    RetentionTimer.expires_after(std::chrono::milliseconds(RetentionSweepMs(Options.RetentionSeconds * 1000)));
    RetentionTimer.async_wait([self = shared_from_this()](beast::error_code ec) {
        if (!ec)
            self->SweepRetention();
    });
}

std::string Origin::NewSession()
{
    char session[40];
    std::snprintf(session, sizeof(session), "%llx", static_cast<unsigned long long>(WallNowMs()));
    std::string id = session;
    if (SessionCounter > 0)
        id += "s" + std::to_string(SessionCounter);
    SessionCounter++;
    return id;
}

double Origin::HoldTimeout() const
{
    if (const Broadcast* demo = Find(DemoBroadcastName); demo && !demo->Renditions.empty())
        return 3.0 * demo->Renditions.front()->Live.TargetDuration();
    return 3.0 * std::max(1, (Options.Encoder.SegmentMs + 999) / 1000);
}

Broadcast* Origin::Find(const std::string& name) const
{
    const auto it = Broadcasts.find(name);
    return it == Broadcasts.end() ? nullptr : it->second.get();
}

bool Origin::ReadPart(const std::string& broadcast, size_t rendition, uint64_t number, size_t offset, std::vector<uint8_t>& out, bool& complete) const
{
    const Broadcast* found = Find(broadcast);
    return found && rendition < found->Renditions.size() && found->Renditions[rendition]->Live.ReadPartBytes(number, offset, out, complete);
}

size_t Origin::ActiveCount() const
{
    size_t active = 0;
    for (const auto& [name, broadcast] : Broadcasts)
        if (broadcast->Life.Active())
            active++;
    return active;
}

void Origin::Remove(const std::string& name)
{
    const auto it = Broadcasts.find(name);
    if (it == Broadcasts.end())
        return;
    std::shared_ptr<Broadcast> removed = std::move(it->second);
    Broadcasts.erase(it);
    if (removed->Encoder.Running())
    {
        // Its encoder's handlers hold it: keep it until the encoder is reaped (EncoderExited).
        removed->Encoder.Terminate();
        Retired.push_back(std::move(removed));
        return;
    }
    Destroy(std::move(removed));
}

void Origin::Destroy(std::shared_ptr<Broadcast> broadcast)
{
    // Handlers of its encoder may still be queued (aborted pipe reads): destroy it after them.
    asio::post(Io, [broadcast]() mutable { asio::post(broadcast->Io, [broadcast]() {}); });
}

void Origin::TrimEnded()
{
    // Keep the newest KeepEnded ended broadcasts whose encoders are gone.
    std::vector<std::pair<int64_t, std::string>> ended;
    for (const auto& [name, broadcast] : Broadcasts)
        if (!broadcast->Life.Active() && !broadcast->Encoder.Running())
            ended.emplace_back(broadcast->Life.EndedMs, name);
    if (ended.size() <= Options.KeepEnded)
        return;
    std::sort(ended.begin(), ended.end());
    for (size_t i = 0; i + Options.KeepEnded < ended.size(); i++)
        Remove(ended[i].second);
}

bool Origin::Start(std::string& error)
{
    beast::error_code ec;
    const auto address = asio::ip::make_address(Options.Host, ec);
    if (ec)
    {
        error = "bad --host '" + Options.Host + "': " + ec.message();
        return false;
    }
    if (!Options.WebhookUrl.empty())
    {
        if (!ParseHttpUrl(Options.WebhookUrl, Webhook, error))
        {
            error = "bad --webhook '" + Options.WebhookUrl + "': " + error;
            return false;
        }
        HaveWebhook = true;
    }
    if (Store.Enabled())
    {
        if (!Store.Open(error))
        {
            error = "cannot use --data-dir: " + error;
            return false;
        }
        std::fprintf(stderr, "livescope-origin: recording to %s (DVR window %s, retention %s)\n", Store.Root().c_str(),
                     Options.DvrWindowSeconds > 0 ? (std::to_string(int64_t(Options.DvrWindowSeconds)) + " s").c_str() : "the whole broadcast",
                     Options.RetentionSeconds > 0 ? (std::to_string(Options.RetentionSeconds) + " s").c_str() : "forever");
    }
    const tcp::endpoint endpoint(address, Options.Port);
    Acceptor.open(endpoint.protocol(), ec);
    if (!ec)
        Acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec)
        Acceptor.bind(endpoint, ec);
    if (!ec)
        Acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec)
    {
        error = "cannot listen on " + Options.Host + ":" + std::to_string(Options.Port) + ": " + ec.message();
        return false;
    }
    ::fcntl(Acceptor.native_handle(), F_SETFD, FD_CLOEXEC);
    const uint16_t port = Acceptor.local_endpoint().port();
    const std::string host = address.is_v6() ? "[" + Options.Host + "]" : Options.Host;
    BaseUrl = "http://" + host + ":" + std::to_string(port);
    std::printf("livescope-origin listening on %s\n", BaseUrl.c_str());
    if (Options.SrtPort >= 0)
    {
        Srt = StartSrtIngest(Io, shared_from_this(), Options.Host, uint16_t(Options.SrtPort), Options.Secret, error);
        if (!Srt)
            return false;
        std::printf("livescope-origin srt listening on srt://%s:%u\n", host.c_str(), unsigned(Srt->Port()));
    }
    std::fflush(stdout);

    Signals.async_wait([self = shared_from_this()](beast::error_code signal_ec, int signal_number) {
        if (signal_ec)
            return;
        std::fprintf(stderr, "livescope-origin: signal %d, stopping\n", signal_number);
        self->Stop();
    });
    DoAccept();
    SweepRetention();
    if (Options.Rtmp.Enabled)
    {
        Rtmp = StartRtmpIngest(Io, shared_from_this(), Options.Rtmp, Options.Host, Options.Secret, Options.Encoder, error);
        if (!Rtmp)
            return false;
        std::printf("livescope-origin rtmp %s (stream key: a broadcaster token)\n", Rtmp->Url().c_str());
        std::fflush(stdout);
    }
    if (Options.Demo)
    {
        auto demo = std::make_shared<Broadcast>(*this, Io, DemoBroadcastName, "Test pattern", Options.Encoder, true, Options.WindowSegments);
        demo->Life.PublisherConnected();
        Broadcasts[DemoBroadcastName] = demo;
        if (!demo->StartEncoder(error))
            return false;
    }
    else
    {
        ReadyPrinted = true;
        std::printf("livescope-origin ready %s/live/index.json\n", BaseUrl.c_str());
        std::fflush(stdout);
    }
    return true;
}

void Origin::EncoderGaveUp(int code)
{
    ExitCodeValue = code;
    Stop();
}

void Origin::EncoderExited(Broadcast& broadcast)
{
    if (StoppingFlag)
    {
        for (const auto& [name, other] : Broadcasts)
            if (other->Encoder.Running())
                return;
        for (const auto& retired : Retired)
            if (retired->Encoder.Running())
                return;
        Io.stop();
        return;
    }
    for (auto it = Retired.begin(); it != Retired.end(); ++it)
        if (it->get() == &broadcast)
        {
            std::shared_ptr<Broadcast> retired = std::move(*it);
            Retired.erase(it);
            Destroy(std::move(retired));
            return;
        }
    TrimEnded();
}

void Origin::Stop()
{
    if (StoppingFlag)
        return;
    StoppingFlag = true;
    beast::error_code ignored;
    Acceptor.close(ignored);
    Signals.cancel(ignored);
    AcceptRetry.cancel();
    RetentionTimer.cancel();
    for (const auto& [name, broadcast] : Broadcasts)
        broadcast->FinishRecording(WallNowMs()); // the recording ends with the origin (a crash: recovered at start-up)
    for (auto& weak : Waiters)
        if (auto session = weak.lock())
            session->Wake();
    Waiters.clear();
    bool any = false;
    for (const auto& [name, broadcast] : Broadcasts)
    {
        broadcast->RestartTimer.cancel();
        broadcast->GraceTimer.cancel();
        broadcast->MediaWatchdog.cancel();
        if (auto publisher = broadcast->CurrentPublisher.lock())
            publisher->Kick("the origin is stopping");
        if (broadcast->Encoder.Terminate()) // SIGKILL after 3 s; the last exit stops the io_context
            any = true;
    }
    if (Srt)
        Srt->Stop(); // closes SRT publishers, joins the SRT thread
    if (Rtmp)
        Rtmp->Stop(); // after the kicks above: its pullers are already stopping
    for (const auto& retired : Retired)
        if (retired->Encoder.Running())
            any = true; // already terminating
    if (!any)
        Io.stop();
}

void Origin::NotifyWaiters()
{
    std::vector<std::weak_ptr<HeldRequest>> waiters;
    waiters.swap(Waiters);
    for (auto& weak : waiters)
        if (auto session = weak.lock())
            session->Wake();
}

void Origin::CheckReady(const Broadcast& broadcast)
{
    if (ReadyPrinted || !broadcast.Demo || !broadcast.Ready())
        return;
    ReadyPrinted = true;
    std::printf("livescope-origin ready %s/live/master.m3u8\n", BaseUrl.c_str());
    std::fflush(stdout);
}

void Origin::Announce(const char* event, const Broadcast& broadcast)
{
    if (!HaveWebhook || broadcast.Demo)
        return;
    PostWebhook(Io, Webhook, Options.Secret, WebhookBody(event, broadcast.Summary(), WallNowMs()));
}

IngestAdmission Origin::AdmitPublisher(const std::string& name, const std::string& query, const std::string& protocols,
                                       const std::shared_ptr<Publisher>& publisher)
{
    IngestAdmission admission;
    if (StoppingFlag)
        return {503, "the origin is stopping", {}};
    if (!ValidBroadcastName(name) || name == DemoBroadcastName)
        return {400, name == DemoBroadcastName ? "'demo' is the test pattern's name" : PublishRefusal(PublishVerdict::BadName, name, 0), {}};
    const std::string key = FindStreamKey(query, protocols, admission.Subprotocol);
    const KeyCheck check = CheckStreamKey(Options.Secret, key, name, WallNowMs() / 1000);
    if (check.Status != 200)
    {
        std::fprintf(stderr, "livescope-origin: publisher for %s refused: %s\n", name.c_str(), check.Message.c_str());
        return {check.Status, check.Message, {}};
    }
    Broadcast* existing = Find(name);
    const PublishVerdict verdict = DecidePublish(name, existing ? &existing->Life : nullptr, ActiveCount(), Options.MaxBroadcasts);
    if (verdict == PublishVerdict::Busy || verdict == PublishVerdict::Full || verdict == PublishVerdict::BadName)
    {
        const std::string message = PublishRefusal(verdict, name, Options.MaxBroadcasts);
        std::fprintf(stderr, "livescope-origin: publisher for %s refused: %s\n", name.c_str(), message.c_str());
        return {verdict == PublishVerdict::Busy ? 409 : verdict == PublishVerdict::Full ? 503
                                                                                        : 400,
                message,
                {}};
    }
    if (verdict == PublishVerdict::Start)
    {
        if (existing)
            Remove(name); // an ended life of this name: the new one replaces it
        std::string title = QueryValue(query, "title");
        if (title.empty())
            title = name;
        if (title.size() > BroadcastTitleMaxBytes)
            title.resize(BroadcastTitleMaxBytes);
        EncoderConfig config = Options.Encoder;
        config.Source = "pipe";
        auto created = std::make_shared<Broadcast>(*this, Io, name, title, config, false, Options.WindowSegments);
        Broadcasts[name] = created;
        existing = created.get();
    }
    Broadcast& broadcast = *existing;
    broadcast.GraceTimer.cancel();
    broadcast.Life.PublisherConnected();
    broadcast.CurrentPublisher = publisher;
    broadcast.PublisherId = publisher.get();
    broadcast.PublisherSerial++;
    broadcast.Config.TopCopy = false; // until a livescope-frames stream shows it fits (PublisherCopyTop)
    broadcast.TopPath = "transcode";
    std::fprintf(stderr, "livescope-origin: publisher for %s admitted (%s)\n", name.c_str(), verdict == PublishVerdict::Start ? "new broadcast" : "resumed");
    // The encoder starts once the first bytes say what the stream carries (PublisherBytes).
    broadcast.Probing = true;
    broadcast.ProbeBytes.clear();
    broadcast.NextInputArrivalMs = 0;
    broadcast.LastMedia = std::chrono::steady_clock::now();
    broadcast.WatchMedia();
    return admission;
}

void Origin::PublisherBytes(const std::string& name, const Publisher* who, std::shared_ptr<const std::string> bytes, std::function<void(bool ok)> done)
{
    Broadcast* broadcast = Find(name);
    if (!broadcast || broadcast->PublisherId != who || StoppingFlag)
    {
        asio::post(Io, [done = std::move(done)]() { done(false); });
        return;
    }
    if (broadcast->Probing || !broadcast->Encoder.Running() || !broadcast->Encoder.InputOpen())
        if (broadcast->NextInputArrivalMs == 0)
            broadcast->NextInputArrivalMs = WallNowMs(); // these bytes start the next encoder run
    if (broadcast->Probing)
    {
        // Keep the first bytes until their layout is known, then start the encoder with them (black video or silence
        // added for what the stream lacks).
        broadcast->ProbeBytes += *bytes;
        const InputLayout layout = ProbeInputLayout(broadcast->ProbeBytes);
        if (layout.LayoutKind == InputLayout::Kind::NeedMore)
        {
            asio::post(Io, [done = std::move(done)]() { done(true); });
            return;
        }
        broadcast->Probing = false;
        broadcast->Config.InputVideo = layout.LayoutKind != InputLayout::Kind::Known || layout.Video;
        broadcast->Config.InputAudio = layout.LayoutKind != InputLayout::Kind::Known || layout.Audio;
        std::fprintf(stderr, "livescope-origin: %s: the stream carries %s\n", name.c_str(),
                     layout.LayoutKind != InputLayout::Kind::Known ? "what ffmpeg finds (layout unknown)"
                     : layout.Video && layout.Audio                ? "video and audio"
                     : layout.Video                                ? "video only (silence added)"
                                                                   : "audio only (black video added)");
        bytes = std::make_shared<const std::string>(std::move(broadcast->ProbeBytes));
        broadcast->ProbeBytes.clear();
        if (broadcast->Encoder.Running())
        {
            // The last run is still flushing: the next one starts when it exits, with these bytes.
            broadcast->PendingBytes = std::move(bytes);
            broadcast->PendingDone = std::move(done);
            return;
        }
        std::string error;
        if (!broadcast->StartEncoder(error))
        {
            std::fprintf(stderr, "livescope-origin: %s: cannot start the encoder: %s\n", name.c_str(), error.c_str());
            if (auto publisher = broadcast->CurrentPublisher.lock())
                publisher->Kick("cannot start the encoder");
            asio::post(Io, [done = std::move(done)]() { done(false); });
            return;
        }
    }
    if (broadcast->Encoder.Running() && broadcast->Encoder.InputOpen())
    {
        // A failed write means ffmpeg closed its input: its exit follows and kicks the publisher with the reason,
        // then answers `done` (kept until then, so the connection lives to hear the reason).
        broadcast->Encoder.WriteInput(std::move(bytes), [self = shared_from_this(), name, serial = broadcast->PublisherSerial,
                                                         done = std::move(done)](bool ok) mutable {
            Broadcast* current = self->Find(name);
            if (ok || !current || current->PublisherSerial != serial || current->FailedDone || !current->Encoder.Running())
            {
                done(ok);
                return;
            }
            current->FailedDone = std::move(done);
        });
        return;
    }
    // The last run is still flushing (the publisher came back quickly): hold this message until the next run starts.
    if (broadcast->PendingDone)
        asio::post(Io, [old = std::move(broadcast->PendingDone)]() { old(false); });
    broadcast->PendingBytes = std::move(bytes);
    broadcast->PendingDone = std::move(done);
}

void Origin::PublisherCaptureClock(const std::string& name, const Publisher* who, int64_t capture_ms)
{
    Broadcast* broadcast = Find(name);
    if (!broadcast || broadcast->PublisherId != who)
        return;
    broadcast->CaptureAnchorMs = capture_ms;
    broadcast->CapturePublisher = broadcast->PublisherSerial;
}

bool Origin::PublisherCopyTop(const std::string& name, const Publisher* who, const TopCopyFacts& facts)
{
    Broadcast* broadcast = Find(name);
    if (!broadcast || broadcast->PublisherId != who)
        return false;
    const TopCopyDecision decision = DecideTopRenditionCopy(facts, broadcast->Config);
    broadcast->Config.TopCopy = decision.Copy;
    broadcast->TopPath = decision.Copy ? "copy" : "transcode";
    std::fprintf(stderr, "livescope-origin: %s: top rendition %s (%s)\n", name.c_str(), decision.Copy ? "copied" : "transcoded", decision.Reason.c_str());
    return decision.Copy;
}

void Origin::PublisherGone(const std::string& name, const Publisher* who)
{
    Broadcast* broadcast = Find(name);
    if (!broadcast || broadcast->PublisherId != who)
        return;
    broadcast->CurrentPublisher.reset();
    broadcast->PublisherId = nullptr;
    if (broadcast->PendingDone)
        asio::post(Io, [old = std::move(broadcast->PendingDone)]() { old(false); });
    broadcast->PendingDone = nullptr;
    broadcast->PendingBytes.reset();
    if (broadcast->FailedDone)
        asio::post(Io, [old = std::move(broadcast->FailedDone)]() { old(false); });
    broadcast->FailedDone = nullptr;
    broadcast->Probing = false;
    broadcast->ProbeBytes.clear();
    broadcast->Encoder.CloseInput(); // ffmpeg flushes what it has and exits
    if (StoppingFlag)
        return;
    const bool forget = broadcast->Life.PublisherGone(WallNowMs());
    if (forget && broadcast->Recording)
    {
        broadcast->Recording = false; // never went live: nothing to replay
        Store.Remove(name, broadcast->RecordingId);
    }
    std::fprintf(stderr, "livescope-origin: publisher for %s gone; %s\n", name.c_str(),
                 forget ? "it never went live" : ("the broadcast ends unless it is back within " + std::to_string(Options.GraceMs) + " ms").c_str());
    if (forget)
    {
        Remove(name); // retired until its encoder exits, when it still runs
        return;
    }
    broadcast->GraceTimer.expires_after(std::chrono::milliseconds(Options.GraceMs));
    broadcast->GraceTimer.async_wait([self = shared_from_this(), name, who = broadcast](beast::error_code ec) {
        if (ec || self->StoppingFlag)
            return;
        Broadcast* current = self->Find(name);
        if (current != who || !current->Life.Expire(WallNowMs(), self->Options.GraceMs))
            return;
        current->End();
        self->TrimEnded();
    });
}

void Origin::DoAccept()
{
    Acceptor.async_accept([self = shared_from_this()](beast::error_code ec, tcp::socket socket) {
        if (self->StoppingFlag || ec == asio::error::operation_aborted || !self->Acceptor.is_open())
            return;
        if (ec)
        {
            // Out of file descriptors (EMFILE/ENFILE) or similar: the pending connection stays in the backlog, so
            // retrying at once would spin. Wait, as the relay does, and log once per run of failures.
            if (!self->AcceptFailing)
                std::fprintf(stderr, "livescope-origin: accept: %s; retrying every %d ms\n", ec.message().c_str(), AcceptRetryMs);
            self->AcceptFailing = true;
            self->AcceptRetry.expires_after(std::chrono::milliseconds(AcceptRetryMs));
            self->AcceptRetry.async_wait([self](beast::error_code wait_ec) {
                if (!wait_ec)
                    self->DoAccept();
            });
            return;
        }
        if (self->AcceptFailing)
            std::fprintf(stderr, "livescope-origin: accept works again\n");
        self->AcceptFailing = false;
        ::fcntl(socket.native_handle(), F_SETFD, FD_CLOEXEC);
        beast::error_code ignored;
        socket.set_option(tcp::no_delay(true), ignored);
        StartHttpSession(std::move(socket), self);
        self->DoAccept();
    });
}

// [SECTION] Requests

RouteDecision Origin::EvaluateControl(const PendingRequest& request)
{
    // Reached only for POST with the control token (the HTTP session's gate).
    if (request.Path == "/control/faults")
    {
        std::string error;
        if (!Faults.Configure(request.Query, error))
            return ControlReply(400, ControlErrorJson(error));
        std::fprintf(stderr, "livescope-origin: faults now %s\n", Faults.DescribeJson().c_str());
        return ControlReply(200, Faults.DescribeJson() + "\n");
    }
    Broadcast* demo = Find(DemoBroadcastName);
    if (!demo && (request.Path == "/control/restart-encoder" || request.Path == "/control/status"))
        return ControlReply(404, ControlErrorJson("no demo broadcast (--no-demo)"));
    if (request.Path == "/control/restart-encoder")
    {
        // For player tests: the encoder restarts and the stream continues after EXT-X-DISCONTINUITY. A run stopped
        // here never counts as a failed run (DecideEncoderExit), however early it is stopped.
        const bool restarting = demo->Encoder.Running();
        if (restarting)
        {
            demo->RestartRequested = true;
            demo->Encoder.Signal(SIGTERM);
        }
        return ControlReply(200, RestartReplyJson(restarting));
    }
    if (request.Path == "/control/status")
    {
        nlohmann::json renditions = nlohmann::json::array();
        for (const auto& rendition : demo->Renditions)
        {
            const RenditionState& state = *rendition;
            uint64_t msn = 0, part = 0;
            const bool any = state.Live.LastPosition(msn, part);
            renditions.push_back({
                {"name", state.Spec.Name},
                {"codecs", state.Init.CodecsAttribute()},
                {"segments", state.Live.CompleteSegmentCount()},
                {"last_msn", any ? nlohmann::json(msn) : nlohmann::json(nullptr)},
                {"last_part", any ? nlohmann::json(part) : nlohmann::json(nullptr)},
                {"next_part", state.Live.NextPartNumber()},
            });
        }
        const nlohmann::json body = {
            {"session", demo->Session},
            {"encoder_runs", demo->Generation},
            {"encoder_failures", demo->ConsecutiveFailures},
            {"ready", ReadyPrinted},
            {"broadcasts", Broadcasts.size()},
            {"renditions", std::move(renditions)},
            {"faults", nlohmann::json::parse(Faults.DescribeJson())},
        };
        return ControlReply(200, body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n");
    }
    return ControlReply(404, ControlErrorJson("no such control endpoint"));
}

RouteDecision Origin::Evaluate(const PendingRequest& request, bool timed_out)
{
    RouterRequest routed;
    routed.Path = request.Path;
    routed.Query = request.Query;
    routed.Head = request.Head;
    routed.Version = request.Version;
    routed.TimedOut = timed_out;
    if (request.Path.rfind("/vod/", 0) == 0)
        return EvaluateVod(request);
    const LivePath live = SplitLivePath(request.Path);
    if (live.PathKind == LivePath::Kind::Index && !StoppingFlag)
    {
        std::vector<BroadcastSummary> list;
        for (const auto& [name, broadcast] : Broadcasts)
            list.push_back(broadcast->Summary());
        RouteDecision index;
        index.Status = 200;
        index.ContentType = "application/json";
        index.CacheControl = "no-store";
        index.Body = RenderBroadcastIndex(list);
        return index;
    }
    RouterState state;
    state.Stopping = StoppingFlag;
    Broadcast* broadcast = nullptr;
    if (live.PathKind == LivePath::Kind::Broadcast)
    {
        broadcast = Find(live.Broadcast);
        if (!broadcast && !StoppingFlag)
        {
            RouteDecision missing;
            missing.Status = 404;
            missing.ContentType = "text/plain";
            missing.CacheControl = "no-store";
            missing.Body = "no such broadcast\n";
            return missing;
        }
        if (broadcast)
        {
            state = broadcast->View();
            state.Stopping = StoppingFlag;
            routed.Path = live.Inner;
        }
    }
    RouteDecision decision = Route(routed, state, Faults);
    if (decision.DecisionKind == RouteDecision::Kind::Control)
        return EvaluateControl(request);
    if (decision.DecisionKind == RouteDecision::Kind::StreamPart && broadcast)
        decision.StreamBroadcast = broadcast->Name;
    if (decision.DecisionKind == RouteDecision::Kind::SendFile)
        return FileReply(decision.FilePath);
    return decision;
}

RouteDecision Origin::EvaluateVod(const PendingRequest& request)
{
    auto reply = [](int status, std::string body, const char* type = "text/plain", const char* cache = "no-store") {
        RouteDecision decision;
        decision.Status = status;
        decision.ContentType = type;
        decision.CacheControl = cache;
        decision.Body = std::move(body);
        return decision;
    };
    if (StoppingFlag)
        return reply(503, "shutting down\n");
    const VodPath vod = SplitVodPath(request.Path);
    if (request.Delete)
    {
        if (vod.PathKind != VodPath::Kind::Recording)
            return reply(405, "DELETE takes /vod/<name>/<id>\n");
        const KeyCheck check = CheckStreamKey(Options.Secret, BearerToken(request.Authorization), vod.Name, WallNowMs() / 1000);
        if (check.Status != 200)
            return reply(check.Status, check.Message + "\n");
        RecordingMeta meta;
        if (!Store.LoadMeta(vod.Name, vod.Id, meta))
            return reply(404, "no such recording\n");
        if (!meta.Ended)
            return reply(409, "the broadcast is still live\n");
        Store.Remove(vod.Name, vod.Id);
        Unrecorded(vod.Name, vod.Id);
        std::fprintf(stderr, "livescope-origin: deleted recording %s/%s (DELETE by its broadcaster)\n", vod.Name.c_str(), vod.Id.c_str());
        return reply(204, {});
    }
    if (vod.PathKind == VodPath::Kind::Index)
        return reply(200, RenderVodIndex(Store.List()), "application/json");
    RecordingMeta meta;
    if (vod.PathKind == VodPath::Kind::Invalid || vod.PathKind == VodPath::Kind::Recording || !Store.LoadMeta(vod.Name, vod.Id, meta))
        return reply(404, "no such recording\n");
    if (!meta.Ended)
        return reply(404, "not ended yet: watch it at /live/" + vod.Name + "/master.m3u8\n");
    if (vod.PathKind == VodPath::Kind::Master)
        return reply(200, RenderVodMaster(meta), "application/vnd.apple.mpegurl", "public, max-age=60");
    const bool known = std::any_of(meta.Renditions.begin(), meta.Renditions.end(), [&](const RecordedRendition& r) { return r.Name == vod.Rendition; });
    if (!known)
        return reply(404, "no such rendition\n");
    if (vod.PathKind == VodPath::Kind::Media)
    {
        std::vector<DvrSegment> segments;
        Store.LoadSegments(vod.Name, vod.Id, vod.Rendition, segments);
        return reply(200, RenderVodMediaPlaylist(segments), "application/vnd.apple.mpegurl", "public, max-age=60");
    }
    return ApplyByteRange(FileReply(Store.RenditionDir(vod.Name, vod.Id, vod.Rendition) + "/" + vod.File), request.Range);
}

} // namespace

// [SECTION] Run

int RunOrigin(const OriginOptions& options)
{
    std::string error;
    if (!ValidateEncoderConfig(options.Encoder, error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 2;
    }
    ::signal(SIGPIPE, SIG_IGN);
    asio::io_context io(1);
    auto origin = std::make_shared<Origin>(io, options);
    if (!origin->Start(error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 1;
    }
    io.run();
    const int code = origin->ExitCode();
    std::fprintf(stderr, "livescope-origin: stopped\n");
    return code;
}

} // namespace livescope
