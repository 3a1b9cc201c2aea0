// Tests for the worker's demuxer-switch C API (src/app/worker/worker_app.cpp, worker_hls.cpp), natively with the light
// module's pure demuxers (LIVESCOPE_WORKER_PURE_DEMUX): the refusing app names the refusal, the app switched to gives the
// fatal on a second one, and the session switched to continues the old one's serial and broadcast state.
#include <doctest/doctest.h>
#include "test_media.h"

#include "worker_app.h"

#include <string>
#include <vector>

using namespace livescope;

LS_EXPORT WorkerApp* ls_worker_create();
LS_EXPORT int ls_worker_fatal(WorkerApp* app);
LS_EXPORT const char* ls_worker_fatal_name(WorkerApp* app);
LS_EXPORT const char* ls_worker_demux_switch(WorkerApp* app);
LS_EXPORT void ls_worker_set_demux_switched(WorkerApp* app, const char* reason);
LS_EXPORT const char* ls_worker_demux_switched(WorkerApp* app);
LS_EXPORT void ls_worker_hls_start(WorkerApp* app, const char* url, double now, double wall_now, double latency_option);
LS_EXPORT int ls_worker_hls_serial(WorkerApp* app);
LS_EXPORT const char* ls_worker_hls_state(WorkerApp* app, double now);
LS_EXPORT const char* ls_worker_hls_health(WorkerApp* app, double now);
LS_EXPORT int ls_worker_hls_carry(WorkerApp* app);
LS_EXPORT void ls_worker_hls_continue(WorkerApp* app, int serial, int carry);

TEST_SUITE_BEGIN("app_worker/demux_switch");

namespace {
void FeedTs(WorkerApp* app, const std::vector<uint8_t>& bytes)
{
    app->Pipeline.SetAudioOutput(48000, 2);
    app->Pipeline.BeginChunk(false, true, 1, 0.0);
    app->Pipeline.Feed(bytes.data(), bytes.size());
    app->Pipeline.EndChunk(true);
}
} // namespace

TEST_CASE("the refusing app names the refusal; the app switched to reports the same stream as the fatal, with the reason in its stats")
{
    const std::vector<uint8_t> pce = ReadMedia("aac_pce.ts");
    WorkerApp* light = ls_worker_create();
    FeedTs(light, pce);
    CHECK(ls_worker_fatal(light) != 0);
    CHECK(std::string(ls_worker_fatal_name(light)) == "unsupported-codec");
    CHECK(std::string(ls_worker_demux_switch(light)) == "aac channel configuration 0");
    CHECK(std::string(ls_worker_demux_switched(light)).empty());

    WorkerApp* again = ls_worker_create();
    ls_worker_set_demux_switched(again, ls_worker_demux_switch(light));
    FeedTs(again, pce);
    CHECK(ls_worker_fatal(again) != 0);
    CHECK(std::string(ls_worker_demux_switch(again)).empty()); // no second switch
    CHECK(std::string(ls_worker_demux_switched(again)) == "aac channel configuration 0");
    delete light;
    delete again;
}

TEST_CASE("the session switched to goes on after the old serial and does not report the old broadcast state again")
{
    WorkerApp* light = ls_worker_create();
    ls_worker_hls_start(light, "http://127.0.0.1:1/live.m3u8", 1.0, 1e9, 0.0);
    ls_worker_hls_health(light, 1.0);
    CHECK(std::string(ls_worker_hls_state(light, 1.0)) == "starting");

    // Without the carry, a new app reports 'starting' a second time.
    WorkerApp* plain = ls_worker_create();
    ls_worker_hls_start(plain, "http://127.0.0.1:1/live.m3u8", 1.0, 1e9, 0.0);
    ls_worker_hls_health(plain, 1.0);
    CHECK(std::string(ls_worker_hls_state(plain, 1.0)) == "starting");

    WorkerApp* full = ls_worker_create();
    ls_worker_hls_continue(full, ls_worker_hls_serial(light), ls_worker_hls_carry(light));
    ls_worker_hls_start(full, "http://127.0.0.1:1/live.m3u8", 1.0, 1e9, 0.0);
    CHECK(ls_worker_hls_serial(full) == ls_worker_hls_serial(light) + 1);
    ls_worker_hls_health(full, 1.0);
    CHECK(std::string(ls_worker_hls_state(full, 1.0)).empty());

    // Media seen before the switch: the app switched to stays 'live' rather than 'starting' until its own media.
    WorkerApp* seen = ls_worker_create();
    ls_worker_hls_continue(seen, 1, (1 /* BroadcastState::Live */ + 1) * 2 + 1);
    ls_worker_hls_start(seen, "http://127.0.0.1:1/live.m3u8", 1.0, 1e9, 0.0);
    ls_worker_hls_health(seen, 1.0);
    CHECK(std::string(ls_worker_hls_state(seen, 1.0)).empty());
    delete light;
    delete plain;
    delete full;
    delete seen;
}

TEST_SUITE_END();
