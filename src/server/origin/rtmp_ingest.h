// RTMP ingest (docs/ingest.md): Debian's nginx with its RTMP module as a supervised child of the origin (config in a
// private temp folder), a loopback HTTP endpoint for nginx's callbacks (its path carries a per-run secret), and for each
// admitted publisher an ffmpeg that pulls the stream back from nginx as MPEG-TS and feeds it to the broadcast through
// SessionHost, as a WebSocket publisher's bytes are. The rules (config text, argv, callback answers) are in rtmp.h.
#pragma once
#include "http_session.h"
#include <livescope/server/origin/encoder_args.h>
#include <livescope/server/origin/rtmp.h>

#include <utility> // Boost 1.74 asio/awaitable.hpp needs std::exchange under C++20

#include <boost/asio/io_context.hpp>

#include <memory>
#include <string>

namespace livescope {

class RtmpIngest
{
public:
    virtual ~RtmpIngest() = default;
    // Cuts every RTMP publisher and stops nginx (waits for it, at most a second), removing the temp folder.
    virtual void Stop() = 0;
    virtual const std::string& Url() const = 0; // rtmp://HOST:PORT/live
};

// Starts nginx on options.Port (0: a free port) at `listen_host` and waits until it accepts connections (at most
// RtmpStartTimeoutMs). nullptr with a reason when it cannot (port busy, nginx or its module missing). Thread: the
// io_context's; `host` (the origin) must outlive the returned object's use, which it owns.
std::shared_ptr<RtmpIngest> StartRtmpIngest(boost::asio::io_context& io, const std::shared_ptr<SessionHost>& host, const RtmpOptions& options,
                                            const std::string& listen_host, const std::string& secret, const EncoderConfig& encoder,
                                            std::string& error);

} // namespace livescope
