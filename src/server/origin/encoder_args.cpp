// Pure encoder configuration: rendition presets and the ffmpeg argv for the live CMAF encode.
#include <livescope/server/origin/encoder_args.h>

#include <algorithm>

namespace livescope {

bool ParseRenditionList(std::string_view list, std::vector<RenditionSpec>& out, std::string& error)
{
    static constexpr struct
    {
        const char* Name;
        int Width, Height, VideoKbps;
    } presets[] = {{"1080p", 1920, 1080, 4500}, {"720p", 1280, 720, 2000}, {"540p", 960, 540, 1200}, {"360p", 640, 360, 600}, {"240p", 426, 240, 300}};
    out.clear();
    while (!list.empty())
    {
        const size_t comma = list.find(',');
        const std::string_view name = list.substr(0, comma);
        list = comma == std::string_view::npos ? std::string_view() : list.substr(comma + 1);
        bool found = false;
        for (const auto& preset : presets)
            if (name == preset.Name)
            {
                for (const RenditionSpec& existing : out)
                    if (existing.Name == name)
                    {
                        error = "rendition listed twice: " + std::string(name);
                        return false;
                    }
                out.push_back(RenditionSpec{preset.Name, preset.Width, preset.Height, preset.VideoKbps, 96});
                found = true;
            }
        if (!found)
        {
            error = "unknown rendition '" + std::string(name) + "' (known: 1080p, 720p, 540p, 360p, 240p)";
            return false;
        }
    }
    if (out.empty())
    {
        error = "no renditions";
        return false;
    }
    std::stable_sort(out.begin(), out.end(), [](const RenditionSpec& a, const RenditionSpec& b) { return a.Height > b.Height; });
    return true;
}

bool ValidateEncoderConfig(const EncoderConfig& config, std::string& error)
{
    if (config.Renditions.empty())
        error = "no renditions";
    else if (config.FrameRate < 1 || config.FrameRate > 120)
        error = "frame rate must be 1..120";
    else if (config.PartMs < 50 || config.PartMs > 5000)
        error = "--part-ms must be 50..5000";
    else if (config.SegmentMs < config.PartMs || config.SegmentMs > 20000)
        error = "--segment-ms must be at least --part-ms and at most 20000";
    else if (config.SegmentMs % config.PartMs != 0)
        error = "--segment-ms must be a multiple of --part-ms";
    else if ((config.PartMs * config.FrameRate) % 1000 != 0)
        error = "--part-ms must hold a whole number of frames";
    else if (!(config.Source == "testsrc" || config.Source == "pipe" || (config.Source.rfind("file:", 0) == 0 && config.Source.size() > 5) ||
               (config.Source.rfind("v4l2:", 0) == 0 && config.Source.size() > 5)))
        error = "--source must be testsrc, file:PATH or v4l2:/dev/videoN";
    else
        return true;
    return false;
}

TopCopyDecision DecideTopRenditionCopy(const TopCopyFacts& facts, const EncoderConfig& config)
{
    TopCopyDecision decision;
    if (config.Renditions.empty() || config.Source != "pipe")
        decision.Reason = "not a publisher's stream";
    else if (!config.AllowTopCopy)
        decision.Reason = "copy turned off (--top-copy off)";
    else if (!facts.Framed)
        decision.Reason = "not a livescope-frames stream (its key frames and codec are not declared)";
    else if (!facts.H264)
        decision.Reason = "the video is not H.264";
    else if (!config.InputVideo)
        decision.Reason = "the stream has no video";
    else if (facts.Width != config.Renditions.front().Width || facts.Height != config.Renditions.front().Height)
        decision.Reason = std::to_string(facts.Width) + "x" + std::to_string(facts.Height) + " is not the top rendition's " +
                          std::to_string(config.Renditions.front().Width) + "x" + std::to_string(config.Renditions.front().Height);
    else if (facts.ProfileIdc != 66)
        decision.Reason = "H.264 profile " + std::to_string(facts.ProfileIdc) + " may reorder frames (only Baseline, 66, is copied)";
    else if (facts.KeyframeMs != config.SegmentMs)
        decision.Reason = facts.KeyframeMs == 0 ? "no key frame cadence declared"
                                                : "key frames every " + std::to_string(facts.KeyframeMs) + " ms, segments of " +
                                                      std::to_string(config.SegmentMs) + " ms";
    else if (facts.VideoBitrate <= 0 || facts.VideoBitrate > int64_t(config.Renditions.front().VideoKbps) * 1000)
        decision.Reason = facts.VideoBitrate <= 0 ? "bitrate not declared"
                                                  : std::to_string(facts.VideoBitrate / 1000) + " kbit/s is above the top rendition's " +
                                                        std::to_string(config.Renditions.front().VideoKbps);
    else
    {
        decision.Copy = true;
        decision.Reason = "H.264 Baseline " + std::to_string(facts.Width) + "x" + std::to_string(facts.Height) + ", a key frame every " +
                          std::to_string(facts.KeyframeMs) + " ms";
    }
    return decision;
}

unsigned RenditionBandwidth(const RenditionSpec& spec)
{
    // Peak: x264's cap plus AAC plus about 10 % container overhead.
    return unsigned((spec.VideoKbps + spec.AudioKbps) * 1100);
}

std::vector<std::string> BuildFfmpegArgs(const EncoderConfig& config)
{
    const RenditionSpec& top = config.Renditions.front();
    const std::string fps = std::to_string(config.FrameRate);
    const int keyint = std::max(1, config.SegmentMs * config.FrameRate / 1000);
    std::vector<std::string> args = {config.FfmpegPath, "-hide_banner", "-nostdin", "-nostats", "-loglevel", config.LogLevel};

    // Inputs: 0 is video, 1 is audio (for file:, audio comes from the file when it has any).
    bool audio_from_file = false;
    if (config.Source == "testsrc")
    {
        args.insert(args.end(), {"-re", "-f", "lavfi", "-i", "testsrc2=size=" + std::to_string(top.Width) + "x" + std::to_string(top.Height) + ":rate=" + fps});
        args.insert(args.end(), {"-re", "-f", "lavfi", "-i", "sine=frequency=440:sample_rate=48000"});
    }
    else if (config.Source == "pipe")
    {
        // A publisher's byte stream on stdin (MPEG-TS, Matroska/WebM...): its own pace, its own audio when it has any.
        args.insert(args.end(), {"-analyzeduration", "1000000", "-fflags", "+genpts", "-i", "pipe:0"});
        audio_from_file = config.InputAudio;
        // What the stream lacks comes from input 1, paced by the stream (ffmpeg reads the input that is behind).
        if (!config.InputVideo)
            args.insert(args.end(), {"-f", "lavfi", "-i", "color=c=black:size=" + std::to_string(top.Width) + "x" + std::to_string(top.Height) + ":rate=" + fps});
        else if (!config.InputAudio)
            args.insert(args.end(), {"-f", "lavfi", "-i", "anullsrc=r=48000:cl=stereo"});
    }
    else if (config.Source.rfind("file:", 0) == 0)
    {
        args.insert(args.end(), {"-re", "-stream_loop", "-1", "-i", config.Source.substr(5)});
        audio_from_file = true;
    }
    else
    {
        args.insert(args.end(), {"-f", "v4l2", "-framerate", fps, "-i", config.Source.substr(5)});
        args.insert(args.end(), {"-re", "-f", "lavfi", "-i", "anullsrc=r=48000:cl=mono"});
    }

    // Video graph: normalize, draw the wall clock once, then split and scale per rendition. With the top rendition
    // copied, the graph feeds only the lower renditions (no clock drawn: every rendition shows the same picture).
    const bool copy_top = config.TopCopy && config.Source == "pipe" && config.InputVideo;
    const int font_size = std::max(12, top.Height / 14);
    const bool padded = config.Source == "pipe" && (!config.InputVideo || !config.InputAudio); // an input is made up
    const size_t count = config.Renditions.size();
    if (copy_top)
    {
        if (count > 1)
        {
            std::string graph = "[0:v]fps=" + fps + ",format=yuv420p";
            if (count > 2)
            {
                graph += ",split=" + std::to_string(count - 1);
                for (size_t i = 1; i < count; i++)
                    graph += "[s" + std::to_string(i) + "]";
                for (size_t i = 1; i < count; i++)
                    graph += ";[s" + std::to_string(i) + "]scale=" + std::to_string(config.Renditions[i].Width) + ":" +
                             std::to_string(config.Renditions[i].Height) + "[v" + std::to_string(i) + "]";
            }
            else
                graph += ",scale=" + std::to_string(config.Renditions[1].Width) + ":" + std::to_string(config.Renditions[1].Height) + "[v1]";
            args.insert(args.end(), {"-filter_complex", graph});
        }
    }
    else
    {
        std::string graph = config.Source == "pipe" && !config.InputVideo ? "[1:v]" : "[0:v]";
        if (config.Source != "testsrc")
            graph += "fps=" + fps + ",scale=" + std::to_string(top.Width) + ":" + std::to_string(top.Height) + ":force_original_aspect_ratio=decrease,pad=" +
                     std::to_string(top.Width) + ":" + std::to_string(top.Height) + ":(ow-iw)/2:(oh-ih)/2,";
        graph += "format=yuv420p,drawtext=fontfile=" + config.FontFile + ":text='%{localtime\\:%X}':fontsize=" + std::to_string(font_size) +
                 ":fontcolor=white:box=1:boxcolor=black@0.6:boxborderw=8:x=20:y=h-th-20";
        if (count == 1)
            graph += "[v0]";
        else
        {
            graph += ",split=" + std::to_string(count);
            for (size_t i = 0; i < count; i++)
                graph += "[s" + std::to_string(i) + "]";
            for (size_t i = 0; i < count; i++)
            {
                const RenditionSpec& spec = config.Renditions[i];
                graph += ";[s" + std::to_string(i) + "]";
                if (i == 0)
                    graph += "null";
                else
                    graph += "scale=" + std::to_string(spec.Width) + ":" + std::to_string(spec.Height);
                graph += "[v" + std::to_string(i) + "]";
            }
        }
        args.insert(args.end(), {"-filter_complex", graph});
    }

    // One CMAF chunk (moof+mdat) per video frame; the origin groups chunks into parts, so a part can be streamed
    // to a client while it is still being encoded.
    const std::string frag_us = std::to_string(1000000 / config.FrameRate);
    for (size_t i = 0; i < count; i++)
    {
        const RenditionSpec& spec = config.Renditions[i];
        const std::string kbps = std::to_string(spec.VideoKbps) + "k";
        const bool copied = copy_top && i == 0;
        args.insert(args.end(), {"-map", copied ? "0:v:0" : "[v" + std::to_string(i) + "]", "-map", audio_from_file ? "0:a:0?" : "1:a:0"});
        if (padded)
            args.push_back("-shortest"); // the made-up input never ends: stop with the publisher's
        if (copied)
            args.insert(args.end(), {"-c:v", "copy"}); // the publisher's frames, times and key frames as they are
        else
            args.insert(args.end(), {"-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-pix_fmt", "yuv420p", "-r", fps,
                                     "-x264-params", "keyint=" + std::to_string(keyint) + ":min-keyint=" + std::to_string(keyint) + ":scenecut=0",
                                     "-b:v", kbps, "-maxrate", kbps, "-bufsize", std::to_string(spec.VideoKbps / 2) + "k"});
        args.insert(args.end(), {"-c:a", "aac", "-b:a", std::to_string(spec.AudioKbps) + "k", "-ar", "48000"});
        // A copied stream has a variable frame rate: a fragment at every packet keeps one frame per chunk (its sample
        // durations come from the Matroska block durations, ingest_frames.h).
        args.insert(args.end(), {"-f", "mp4", "-movflags", "+frag_keyframe+empty_moov+default_base_moof", "-frag_duration", copied ? "1000" : frag_us,
                                 "-flush_packets", "1", "pipe:" + std::to_string(3 + i)});
    }
    return args;
}

} // namespace livescope
