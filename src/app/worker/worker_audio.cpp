// Worker C API for the audio path through the browser's AudioDecoder (ls_worker_ad_*, ls_worker_audio_path*): decisions are
// the pipeline's second DecodePathPolicy; web/runtime/player-worker.js only moves chunks and AudioData (docs/decode.md, Audio).
//
// Thread: every function is called from the Worker's thread only. Pointers returned stay valid until the next call that
// feeds, pops or resets.
#include "worker_app.h"

#include <cstdio>
#include <string>

namespace {

// {generation, codec, sampleRate, numberOfChannels, descriptionSize}: an AudioDecoderConfig less its description bytes.
std::string AdConfigJson(const livescope::WebCodecsConfig& c)
{
    char buf[256];
    std::snprintf(buf, sizeof buf, "{\"generation\":%d,\"codec\":\"%s\",\"sampleRate\":%d,\"numberOfChannels\":%d,\"descriptionSize\":%zu}",
                  c.Generation, c.Codec.c_str(), c.Width, c.Height, c.Description.size());
    return buf;
}

} // namespace

using livescope::WorkerApp;

// The `decoder` option (as ls_worker_set_decoder's) and whether the Worker has AudioDecoder. Returns 0 for an unknown name.
LS_EXPORT int ls_worker_set_audio_decoder(WorkerApp* app, const char* choice, int audio_decoder_available)
{
    if (!app) return 0;
    const std::optional<livescope::DecoderChoice> c = livescope::DecoderChoiceFromName(choice ? choice : "");
    app->Pipeline.SetAudioDecoder(c.value_or(livescope::DecoderChoice::Auto), audio_decoder_available != 0);
    return c ? 1 : 0;
}
// The active audio path ("wasm": FFmpeg's AAC decoder, "probing", "webcodecs": AudioDecoder), why, and the switches.
LS_EXPORT const char* ls_worker_audio_path(WorkerApp* app) { return app ? livescope::DecodePathName(app->Pipeline.AudioPath().Path()) : ""; }
LS_EXPORT const char* ls_worker_audio_reason(WorkerApp* app) { return app ? app->Pipeline.AudioPath().Reason().c_str() : ""; }
LS_EXPORT int ls_worker_audio_switches(WorkerApp* app) { return app ? app->Pipeline.AudioPath().Switches() : 0; }
// Jumps forward in the audio output (DecodeCounters::AudioGaps): lost audio, e.g. at a switch of decoder.
LS_EXPORT double ls_worker_audio_gaps(WorkerApp* app) { return app ? static_cast<double>(app->Pipeline.Counters.AudioGaps) : 0.0; }
// 1 while the browser's AudioDecoder is in use: decoding, or (a new configuration being asked about) finishing the chunks
// it has. JS closes it otherwise.
LS_EXPORT int ls_worker_ad_active(WorkerApp* app)
{
    return app && app->Pipeline.AudioPath().Path() != livescope::DecodePath::Wasm ? 1 : 0;
}

// A configuration to ask AudioDecoder.isConfigSupported about (JSON above, the AudioSpecificConfig at
// ls_worker_ad_description); "" when there is no new question.
LS_EXPORT const char* ls_worker_ad_question(WorkerApp* app)
{
    if (!app) return "";
    const livescope::WebCodecsConfig* q = app->Pipeline.TakeAudioQuestion();
    app->AdJson = q ? AdConfigJson(*q) : "";
    return app->AdJson.c_str();
}
LS_EXPORT const char* ls_worker_ad_config(WorkerApp* app)
{
    if (!app) return "";
    app->AdJson = AdConfigJson(app->Pipeline.CurrentAudioConfig());
    return app->AdJson.c_str();
}
LS_EXPORT const uint8_t* ls_worker_ad_description(WorkerApp* app) { return app ? app->Pipeline.CurrentAudioConfig().Description.data() : nullptr; }
LS_EXPORT void ls_worker_ad_answer(WorkerApp* app, int generation, int supported)
{
    if (app) app->Pipeline.OnAudioSupport(generation, supported != 0);
}
// AudioDecoder failed (error callback, configure, decode or copyTo threw): FFmpeg decodes the chunks in flight and on.
LS_EXPORT void ls_worker_ad_error(WorkerApp* app, const char* reason)
{
    if (app) app->Pipeline.OnAudioError(reason ? reason : "error");
}

// Encoded AAC chunks for the browser's AudioDecoder, oldest first: count (0 or 1), the wcChunk record (app_abi.h), pop.
LS_EXPORT int ls_worker_ad_chunk_count(WorkerApp* app) { return app && app->Pipeline.HasAudioChunk() ? 1 : 0; }
LS_EXPORT const double* ls_worker_ad_chunk_info(WorkerApp* app)
{
    using livescope::Field;
    using F = livescope::WcChunkField;
    if (!app || !app->Pipeline.HasAudioChunk()) return nullptr;
    const livescope::WebCodecsChunk& c = app->Pipeline.PeekAudioChunk();
    double* o = app->AdChunkOut;
    o[Field(F::Ptr)] = static_cast<double>(reinterpret_cast<uintptr_t>(c.Data.data()));
    o[Field(F::Size)] = static_cast<double>(c.Data.size());
    o[Field(F::Timestamp)] = static_cast<double>(c.Timestamp);
    o[Field(F::DurationUs)] = static_cast<double>(c.DurationUs);
    o[Field(F::Key)] = 1.0;
    o[Field(F::Generation)] = c.Generation;
    o[Field(F::Epoch)] = c.Epoch;
    return o;
}
LS_EXPORT void ls_worker_ad_chunk_pop(WorkerApp* app)
{
    if (app && app->Pipeline.HasAudioChunk()) app->Pipeline.PopAudioChunk();
}

// Staging for one AudioData: `channels` planes of `frames` float32 samples, one after the other. Null when too large.
LS_EXPORT float* ls_worker_ad_pcm(WorkerApp* app, int channels, int frames)
{
    if (!app || channels < 1 || channels > 8 || frames < 0 || frames > (1 << 20)) return nullptr;
    const size_t n = static_cast<size_t>(channels) * static_cast<size_t>(frames);
    if (app->AdPcm.size() < n) app->AdPcm.resize(n);
    return app->AdPcm.data();
}
// The AudioData staged at ls_worker_ad_pcm came out with `timestamp` (microseconds) at `rate` Hz: resampled into the
// audio output (ls_worker_audio_*), or dropped when stale.
LS_EXPORT void ls_worker_ad_output(WorkerApp* app, double timestamp, int channels, int frames, int rate)
{
    if (!app || channels < 1 || channels > 8 || frames < 0 || static_cast<size_t>(channels) * static_cast<size_t>(frames) > app->AdPcm.size()) return;
    const float* planes[8] = {};
    for (int c = 0; c < channels; ++c) planes[c] = app->AdPcm.data() + static_cast<size_t>(c) * static_cast<size_t>(frames);
    app->Pipeline.OnAudioOutput(static_cast<int64_t>(timestamp), planes, channels, frames, rate);
}
