// livescope-relay: the interaction relay (comments, hearts, viewers, moderation) and its token-minting subcommand.
#include "relay/server.h"
#include "relay/token.h"

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

using namespace livescope;

namespace
{
void Usage()
{
    std::fprintf(stderr,
                 "usage: livescope-relay [--host 127.0.0.1] [--port N] [--secret S] [--allow-origin URL]... [--tick-ms 200]\n"
                 "       livescope-relay mint-token --secret S --name NAME [--role viewer|broadcaster] [--ttl SECONDS]\n"
                 "                                  [--sub USER_ID] [--room ROOM]\n"
                 "The secret may also come from the environment variable LIVESCOPE_RELAY_SECRET.\n");
}

bool ParseInt(const char* text, long long min_value, long long max_value, long long& out)
{
    char* end = nullptr;
    const long long v = std::strtoll(text, &end, 10);
    if (!end || *end != '\0' || end == text || v < min_value || v > max_value)
        return false;
    out = v;
    return true;
}

std::string SecretFromEnv()
{
    const char* env = std::getenv("LIVESCOPE_RELAY_SECRET");
    return env ? std::string(env) : std::string();
}

int MintTokenCommand(int argc, char** argv)
{
    TokenClaims claims;
    std::string secret = SecretFromEnv();
    long long ttl = 3600;
    for (int i = 2; i < argc; i++)
    {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--secret" && has_value)
            secret = argv[++i];
        else if (arg == "--name" && has_value)
            claims.Name = argv[++i];
        else if (arg == "--role" && has_value)
        {
            const std::string role = argv[++i];
            if (role != "viewer" && role != "broadcaster")
            {
                std::fprintf(stderr, "mint-token: --role must be viewer or broadcaster\n");
                return 2;
            }
            claims.UserRole = role == "broadcaster" ? Role::Broadcaster : Role::Viewer;
        }
        else if (arg == "--ttl" && has_value)
        {
            if (!ParseInt(argv[++i], 1, 10LL * 365 * 24 * 3600, ttl))
            {
                std::fprintf(stderr, "mint-token: bad --ttl\n");
                return 2;
            }
        }
        else if (arg == "--sub" && has_value)
            claims.Subject = argv[++i];
        else if (arg == "--room" && has_value)
            claims.Room = argv[++i];
        else
        {
            Usage();
            return 2;
        }
    }
    if (secret.empty() || !IsValidDisplayName(claims.Name))
    {
        std::fprintf(stderr, "mint-token: need --secret (or LIVESCOPE_RELAY_SECRET) and a --name of 1..32 characters\n");
        return 2;
    }
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    claims.ExpiresAt = now_s + ttl;
    std::printf("%s\n", MintToken(secret, claims).c_str());
    return 0;
}
} // namespace

int main(int argc, char** argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "mint-token") == 0)
        return MintTokenCommand(argc, argv);

    RelayServerOptions options;
    options.Core.Secret = SecretFromEnv();
    options.Core.Seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int i = 1; i < argc; i++)
    {
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        long long v = 0;
        if (arg == "--host" && has_value)
            options.Host = argv[++i];
        else if (arg == "--port" && has_value && ParseInt(argv[i + 1], 0, 65535, v))
        {
            options.Port = static_cast<uint16_t>(v);
            i++;
        }
        else if (arg == "--secret" && has_value)
            options.Core.Secret = argv[++i];
        else if (arg == "--allow-origin" && has_value)
            options.AllowOrigins.push_back(argv[++i]);
        else if (arg == "--tick-ms" && has_value && ParseInt(argv[i + 1], 10, 5000, v))
        {
            options.Core.TickMs = v;
            i++;
        }
        else if (arg == "--help" || arg == "-h")
        {
            Usage();
            return 0;
        }
        else
        {
            Usage();
            return 2;
        }
    }

    boost::asio::io_context io(1);
    RelayServer server(io, options);
    std::string error;
    if (!server.Start(error))
    {
        std::fprintf(stderr, "livescope-relay: %s\n", error.c_str());
        return 1;
    }
    std::printf("livescope-relay listening on ws://%s:%u\n", options.Host.c_str(), static_cast<unsigned>(server.Port()));
    std::fflush(stdout);

    boost::asio::signal_set signals(io, SIGINT, SIGTERM);
    signals.async_wait([&](const boost::system::error_code& ec, int) {
        if (ec)
            return;
        server.Shutdown([&io] { io.stop(); });
    });
    io.run();
    const RelayStats stats = server.Stats();
    std::printf("livescope-relay: stopped (frames in %lld, out %lld, comments %lld, hearts %lld, excess hearts %lld)\n",
                static_cast<long long>(stats.FramesIn), static_cast<long long>(stats.FramesOut),
                static_cast<long long>(stats.CommentsAccepted), static_cast<long long>(stats.HeartsAccepted),
                static_cast<long long>(stats.HeartsExcess));
    return 0;
}
