// Page-side playback: video frames from the worker, A/V sync against the audio clock, WebGL2 YUV drawing.
#pragma once
#include <cstdint>

namespace livescope {

struct PageApp;
struct PagePlayback; // defined in playback.cpp

PagePlayback* PagePlaybackCreate(PageApp* app);
void PagePlaybackDestroy(PagePlayback* playback);
// Called each frame before the overlay: picks the frame to show (A/V sync) and draws it letterboxed.
// `fb_width`/`fb_height` are framebuffer pixels.
void PagePlaybackRender(PagePlayback* playback, double now, int fb_width, int fb_height);
// The size of the last uploaded video frame, in pixels. Returns false before the first frame (the
// overlay's layout uses the picture's aspect for the letterbox band).
bool PagePlaybackFrameSize(const PagePlayback* playback, int* width, int* height);
// True once the source is known to be a recording (ENDLIST or PLAYLIST-TYPE VOD).
bool PagePlaybackIsReplay(const PagePlayback* playback);
// True while a live DVR window plays behind its edge (after −30 s or a seek; "Live" clears it).
bool PagePlaybackBehindLive(const PagePlayback* playback);
// The live broadcast ended (its card shows) or not: a DVR bar goes with the end (a replay's stays).
void PagePlaybackSetBroadcastEnded(PagePlayback* playback, bool ended);
// Pixels the overlay keeps free at the bottom for the replay / DVR bar (0 when there is none), at font size `unit`.
float PagePlaybackReserveBottom(const PagePlayback* playback, float unit);
// The PROGRAM-DATE-TIME of the frame on screen, in ms since the Unix epoch (the room log's stream_time). Returns
// false before the first frame or when the stream carries no PDT.
bool PagePlaybackStreamTimeMs(const PagePlayback* playback, std::int64_t* stream_time_ms);
// Called inside the ImGui frame: the replay / DVR bar, debug/stats panel and fatal-error message on the canvas.
void PagePlaybackDrawUi(PagePlayback* playback, double now);
// The page frame's CPU cost (ms) of ImGui (NewFrame .. Render) and of composition (clear .. ImGui's draws); the video
// uploads since the previous frame are added here (page_app.cpp calls it at the end of each frame).
void PagePlaybackOnFrameCost(PagePlayback* playback, double now, double imgui_ms, double compose_ms);
// True once after a video frame was uploaded or the renderer rebuilt (the canvas must be redrawn).
bool PagePlaybackTakeVideoChanged(PagePlayback* playback);

} // namespace livescope
