// livescope-origin: the live LL-HLS origin (test pattern, file or camera, and publishers over WebSocket in; CMAF LL-HLS out).
#include <livescope/server/origin/control.h>
#include "origin_server.h"

#include <cerrno>
#include <charconv>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>
#include <string>
#include <string_view>

namespace {

const char* const UsageText =
    "usage: livescope-origin [options]\n"
    "  --port N            TCP port (0 = pick one; default 8080)\n"
    "  --host ADDR         bind address (default 127.0.0.1)\n"
    "  --part-ms N         part (fragment) duration in ms (default 200)\n"
    "  --segment-ms N      segment duration and keyframe interval in ms (default 2000)\n"
    "  --source SRC        testsrc | file:PATH | v4l2:/dev/video0 (default testsrc)\n"
    "  --renditions LIST   comma list of 1080p,720p,540p,360p,240p (default 720p,360p)\n"
    "  --window N          complete segments kept per rendition (default 10)\n"
    "  --fps N             frames per second (default 30)\n"
    "  --ffmpeg PATH       ffmpeg binary (default ffmpeg from PATH)\n"
    "  --ffmpeg-loglevel L ffmpeg -loglevel (default warning)\n"
    "  --print-ffmpeg-args print the ffmpeg command line, one argument per line, and exit\n"
    "  --control-token-file PATH  enable /control/ for test tools: POST with 'Authorization: Bearer <token>',\n"
    "                      the token being the file's trimmed content (or set LIVESCOPE_CONTROL_TOKEN); off by default\n"
    "  --no-demo           no test-pattern broadcast (default: broadcast 'demo', also at /live/master.m3u8)\n"
    "  --max-broadcasts N  broadcasts not ended at once, the demo included (default 4); past it publishers are refused\n"
    "  --grace SECONDS     how long a dropped publisher has to come back before its broadcast ends (default 30)\n"
    "  --top-copy on|off   copy a studio's H.264 into the top rendition when it fits (default on; docs/ingest.md)\n"
    "  --secret-file PATH  the shared secret (trimmed file content; or set LIVESCOPE_SECRET): stream keys are broadcaster\n"
    "                      tokens signed with it, webhooks are signed with it; without it publishers are refused\n"
    "  --webhook URL       POST broadcast.started / broadcast.ended JSON to http://host:port/path, signed in\n"
    "                      X-Livescope-Signature: sha256=<hex HMAC-SHA256 of the body>\n"
    "  --srt-port N        take SRT publishers on UDP port N (0 = pick one; off when not given; 8890 is usual):\n"
    "                      srt://HOST:N?streamid=<stream key> carrying MPEG-TS (or streamid=#!::r=<name>,s=<key>)\n"
    "  --rtmp              RTMP ingest on port 1935 (nginx with its RTMP module as a child; needs the secret):\n"
    "                      server rtmp://HOST:PORT/live, stream key = a broadcaster token; prints 'livescope-origin rtmp URL'\n"
    "  --rtmp-port N       RTMP ingest on port N (0 = pick a free one); implies --rtmp\n"
    "  --data-dir DIR      record every broadcast under DIR/<name>/<id>/ (default $LIVESCOPE_DATA_DIR, else\n"
    "                      ./livescope-data; the demo test pattern only when --data-dir is given);\n"
    "                      ended ones at /vod/<name>/<id>/master.m3u8\n"
    "  --no-record         record nothing (no VOD, no DVR window)\n"
    "  --dvr-window S      seconds of recorded segments live playlists list (default 7200; 0 = the whole broadcast)\n"
    "  --retention S       delete recordings whose end is older than S seconds (default 0 = keep forever)\n"
    "Publishers: WebSocket /ingest/<name>?token=<stream key> carrying MPEG-TS or Matroska/WebM (see docs/ingest.md).\n"
    "GET /live/index.json lists broadcasts; each is at /live/<name>/master.m3u8.\n"
    "Prints 'livescope-origin listening on URL' at start and 'livescope-origin ready URL/live/master.m3u8' once\n"
    "every rendition of the demo has a full segment (with --no-demo: 'ready URL/live/index.json' at once). Control (when enabled): POST /control/faults?drop=N&corrupt=N&delay_ms=M&status=S&count=N|clear=1,\n"
    "POST /control/status (JSON), POST /control/restart-encoder (continue after a discontinuity). See docs/origin.md.\n";

bool ParseInt(std::string_view text, int& value, int low, int high)
{
    int parsed = 0;
    const auto result = std::from_chars(text.data(), text.data() + text.size(), parsed);
    if (result.ec != std::errc() || result.ptr != text.data() + text.size() || parsed < low || parsed > high)
        return false;
    value = parsed;
    return true;
}

// The control token from --control-token-file (wins) or LIVESCOPE_CONTROL_TOKEN; empty when neither is given.
bool LoadControlToken(const std::string& path, std::string& token, std::string& error)
{
    if (!path.empty())
    {
        std::ifstream file(path, std::ios::binary);
        if (!file)
        {
            error = "cannot read --control-token-file " + path + ": " + std::strerror(errno);
            return false;
        }
        std::ostringstream text;
        text << file.rdbuf();
        token = livescope::TrimControlToken(text.str());
    }
    else if (const char* env = std::getenv("LIVESCOPE_CONTROL_TOKEN"); env && *env)
        token = livescope::TrimControlToken(env);
    else
        return true;
    if (!livescope::ValidateControlToken(token, error))
    {
        error = (path.empty() ? std::string("LIVESCOPE_CONTROL_TOKEN: ") : "--control-token-file " + path + ": ") + error;
        return false;
    }
    return true;
}

// The shared secret from --secret-file (wins) or LIVESCOPE_SECRET, trimmed; empty when neither is given (ingest off).
bool LoadSecret(const std::string& path, std::string& secret, std::string& error)
{
    if (!path.empty())
    {
        std::ifstream file(path, std::ios::binary);
        if (!file)
        {
            error = "cannot read --secret-file " + path + ": " + std::strerror(errno);
            return false;
        }
        std::ostringstream text;
        text << file.rdbuf();
        secret = livescope::TrimControlToken(text.str());
        if (secret.empty())
        {
            error = "--secret-file " + path + " is empty";
            return false;
        }
    }
    else if (const char* env = std::getenv("LIVESCOPE_SECRET"); env && *env)
        secret = livescope::TrimControlToken(env);
    return true;
}

} // namespace

int main(int argc, char** argv)
{
    livescope::OriginOptions options;
    options.Port = 8080;
    std::string renditions = "720p,360p";
    bool print_args = false;
    std::string control_token_file;
    std::string secret_file;
    // LIVESCOPE_DATA_DIR moves the default recording folder (the test and bench runners point it into build/);
    // unlike --data-dir it does not make the demo test pattern recorded.
    if (const char* env = std::getenv("LIVESCOPE_DATA_DIR"); env && *env)
        options.DataDir = env;
    for (int i = 1; i < argc; i++)
    {
        const std::string_view arg = argv[i];
        if (arg == "--help" || arg == "-h")
        {
            std::fputs(UsageText, stdout);
            return 0;
        }
        if (arg == "--print-ffmpeg-args")
        {
            print_args = true;
            continue;
        }
        if (arg == "--no-demo")
        {
            options.Demo = false;
            continue;
        }
        if (arg == "--no-record")
        {
            options.DataDir.clear();
            continue;
        }
        if (arg == "--rtmp")
        {
            options.Rtmp.Enabled = true;
            continue;
        }
        if (i + 1 >= argc)
        {
            std::fprintf(stderr, "livescope-origin: %s needs a value\n%s", argv[i], UsageText);
            return 2;
        }
        const std::string_view value = argv[++i];
        int number = 0;
        bool ok = true;
        if (arg == "--port")
        {
            ok = ParseInt(value, number, 0, 65535);
            options.Port = uint16_t(number);
        }
        else if (arg == "--host")
            options.Host = value;
        else if (arg == "--part-ms")
            ok = ParseInt(value, options.Encoder.PartMs, 1, 100000);
        else if (arg == "--segment-ms")
            ok = ParseInt(value, options.Encoder.SegmentMs, 1, 100000);
        else if (arg == "--fps")
            ok = ParseInt(value, options.Encoder.FrameRate, 1, 120);
        else if (arg == "--window")
        {
            ok = ParseInt(value, number, 3, 1000);
            options.WindowSegments = size_t(number);
        }
        else if (arg == "--source")
            options.Encoder.Source = value;
        else if (arg == "--renditions")
            renditions = value;
        else if (arg == "--ffmpeg")
            options.Encoder.FfmpegPath = value;
        else if (arg == "--ffmpeg-loglevel")
            options.Encoder.LogLevel = value;
        else if (arg == "--max-broadcasts")
        {
            ok = ParseInt(value, number, 1, 64);
            options.MaxBroadcasts = size_t(number);
        }
        else if (arg == "--top-copy")
        {
            ok = value == "on" || value == "off";
            options.Encoder.AllowTopCopy = value == "on";
        }
        else if (arg == "--grace")
        {
            ok = ParseInt(value, number, 0, 3600);
            options.GraceMs = number * 1000;
        }
        else if (arg == "--secret-file")
        {
            secret_file = value;
            ok = !secret_file.empty();
        }
        else if (arg == "--webhook")
            options.WebhookUrl = value;
        else if (arg == "--srt-port")
            ok = ParseInt(value, options.SrtPort, 0, 65535);
        else if (arg == "--rtmp-port")
        {
            ok = ParseInt(value, number, 0, 65535);
            options.Rtmp.Enabled = true;
            options.Rtmp.Port = uint16_t(number);
        }
        else if (arg == "--data-dir")
        {
            options.DataDir = value;
            options.DataDirGiven = true;
            ok = !options.DataDir.empty();
        }
        else if (arg == "--dvr-window")
        {
            ok = ParseInt(value, number, 0, 30 * 86400);
            options.DvrWindowSeconds = number;
        }
        else if (arg == "--retention")
        {
            ok = ParseInt(value, number, 0, 2000000000);
            options.RetentionSeconds = number;
        }
        else if (arg == "--control-token-file")
        {
            control_token_file = value;
            ok = !control_token_file.empty();
        }
        else
        {
            std::fprintf(stderr, "livescope-origin: unknown option %s\n%s", argv[i - 1], UsageText);
            return 2;
        }
        if (!ok)
        {
            std::fprintf(stderr, "livescope-origin: bad value for %s: %s\n", argv[i - 1], argv[i]);
            return 2;
        }
    }
    std::string error;
    if (!livescope::ParseRenditionList(renditions, options.Encoder.Renditions, error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 2;
    }
    if (!LoadControlToken(control_token_file, options.ControlToken, error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 2;
    }
    if (!LoadSecret(secret_file, options.Secret, error))
    {
        std::fprintf(stderr, "livescope-origin: error: %s\n", error.c_str());
        return 2;
    }
    if (!options.WebhookUrl.empty() && options.Secret.empty())
    {
        std::fprintf(stderr, "livescope-origin: error: --webhook needs the secret (--secret-file or LIVESCOPE_SECRET) to sign its POSTs\n");
        return 2;
    }
    if (options.SrtPort >= 0 && options.Secret.empty())
        std::fprintf(stderr, "livescope-origin: warning: --srt-port without the secret (--secret-file or LIVESCOPE_SECRET): every SRT publisher is refused\n");
    if (options.Rtmp.Enabled && options.Secret.empty() && !print_args)
    {
        std::fprintf(stderr, "livescope-origin: error: RTMP ingest needs the secret (--secret-file or LIVESCOPE_SECRET) to check stream keys\n");
        return 2;
    }
    if (!options.ControlToken.empty())
        std::fprintf(stderr, "livescope-origin: control enabled: POST /control/... with the bearer token\n");
    if (print_args)
    {
        // One argument per line: what the origin would run (outputs go to fds 3, 4, ...). Used by tests/bench/origin.sh.
        for (const std::string& arg : livescope::BuildFfmpegArgs(options.Encoder))
            std::printf("%s\n", arg.c_str());
        return 0;
    }
    return livescope::RunOrigin(options);
}
