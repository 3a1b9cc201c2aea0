// livescope-relay: the interaction relay (comments, hearts, viewers, moderation) and its token-minting subcommand.
// [SECTION] Options
// [SECTION] mint-token
// [SECTION] main
#include <livescope/server/relay/client_address.h>
#include <livescope/server/relay/room_bus_redis.h>
#include <livescope/server/relay/room_log_redis.h>
#include <livescope/server/relay/room_log_sqlite.h>
#include <livescope/server/relay/server.h>
#include <livescope/server/common/token.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/signal_set.hpp>

#include <chrono>
#include <csignal>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#if defined(__linux__)
#include <sys/prctl.h>
#include <unistd.h>
#endif

using namespace livescope;

namespace {
//-----------------------------------------------------------------------------
// [SECTION] Options
//-----------------------------------------------------------------------------

void Usage()
{
    std::fprintf(stderr,
                 "usage: livescope-relay [--host 127.0.0.1] [--port N] [--secret-file PATH] [--allow-origin URL]... [--tick-ms 200]\n"
                 "                       [--tick adaptive|fixed]\n"
                 "                       [--trust-proxy IP]... [--max-conns-per-ip N] [--ip-comment-rate R] [--ip-comment-burst N]\n"
                 "                       [--ip-heart-rate R] [--ip-heart-burst N] [--ip-join-rate R] [--ip-join-burst N]\n"
                 "                       [--max-rooms N] [--max-rooms-per-ip N] [--max-queued-kib N] [--max-queued-kib-per-ip N]\n"
                 "                       [--log-db PATH | --log redis://HOST:PORT | --no-log] [--bus redis://HOST:PORT]\n"
                 "                       [--outlive-parent]\n"
                 "       livescope-relay mint-token [--secret-file PATH] --name NAME [--role viewer|moderator|broadcaster] [--ttl SECONDS]\n"
                 "                                  [--sub USER_ID] [--room ROOM]\n"
                 "The secret: --secret-file PATH (its content, trimmed), else the environment variable LIVESCOPE_RELAY_SECRET\n"
                 "or LIVESCOPE_SECRET. --secret S also works but shows the secret to every local user in ps.\n"
                 "The room log: --log-db PATH (default ./livescope-rooms.sqlite, or LIVESCOPE_RELAY_LOG_DB when set; :memory: keeps\n"
                 "it in memory only); --log redis://HOST:PORT shares one log between relay nodes (Redis Streams, appendonly\n"
                 "yes, docs/scale-out.md); --no-log turns it off.\n"
                 "Scale-out: --bus redis://HOST:PORT shares rooms with other relay nodes through Redis (default: this process only).\n"
                 "Defaults and the reasons for them: docs/relay.md.\n");
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

bool ParseRate(const char* text, double& out)
{
    char* end = nullptr;
    const double v = std::strtod(text, &end);
    if (!end || *end != '\0' || end == text || !(v > 0.0) || v > 1e9)
        return false;
    out = v;
    return true;
}

std::string SecretFromEnv()
{
    for (const char* name : {"LIVESCOPE_RELAY_SECRET", "LIVESCOPE_SECRET"})
        if (const char* env = std::getenv(name); env && *env)
            return env;
    return std::string();
}

// The file's content without leading and trailing whitespace (a trailing newline is usual). False when unreadable.
bool ReadSecretFile(const std::string& path, std::string& out)
{
    std::ifstream in(path, std::ios::binary);
    if (!in)
        return false;
    std::ostringstream text;
    text << in.rdbuf();
    std::string s = text.str();
    const char* space = " \t\r\n";
    const size_t first = s.find_first_not_of(space);
    out = first == std::string::npos ? std::string() : s.substr(first, s.find_last_not_of(space) - first + 1);
    return true;
}

// --secret S: accepted, with a warning; the argument is overwritten so later ps listings show stars (the secret
// was visible until now, hence the warning).
std::string TakeSecretArgument(char* arg, const char* who)
{
    std::string secret = arg;
    std::memset(arg, '*', std::strlen(arg));
    std::fprintf(stderr, "%s: warning: --secret shows the secret to every local user (ps, /proc); use --secret-file PATH or LIVESCOPE_RELAY_SECRET\n", who);
    return secret;
}

// Secret sources in order: --secret-file / --secret (the last given), else the environment.
struct SecretOption
{
    std::string Value;
    bool Given = false;
    bool Failed = false;

    // Consumes `--secret-file PATH` or `--secret S` at argv[i]; true when it was one of them.
    bool Take(int argc, char** argv, int& i, const char* who)
    {
        const std::string arg = argv[i];
        if (i + 1 >= argc || (arg != "--secret-file" && arg != "--secret"))
            return false;
        i++;
        Given = true;
        if (arg == "--secret")
        {
            Value = TakeSecretArgument(argv[i], who);
            return true;
        }
        if (!ReadSecretFile(argv[i], Value) || Value.empty())
        {
            std::fprintf(stderr, "%s: --secret-file %s: cannot read it, or it is empty\n", who, argv[i]);
            Failed = true;
        }
        return true;
    }

    std::string Resolve() const { return Given ? Value : SecretFromEnv(); }
};

// The relay ends with the process that started it (a demo killed with SIGKILL leaves no relay behind): the kernel
// sends SIGTERM when the parent dies, and a parent already gone before the prctl is caught by the check after it.
bool FollowParent()
{
#if defined(__linux__)
    const pid_t parent = ::getppid();
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent)
        return false;
#endif
    return true;
}

//-----------------------------------------------------------------------------
// [SECTION] mint-token
//-----------------------------------------------------------------------------

int MintTokenCommand(int argc, char** argv)
{
    TokenClaims claims;
    SecretOption secret;
    long long ttl = 3600;
    for (int i = 2; i < argc; i++)
    {
        if (secret.Take(argc, argv, i, "mint-token"))
            continue;
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        if (arg == "--name" && has_value)
            claims.Name = argv[++i];
        else if (arg == "--role" && has_value)
        {
            const std::string role = argv[++i];
            if (role != "viewer" && role != "moderator" && role != "broadcaster")
            {
                std::fprintf(stderr, "mint-token: --role must be viewer, moderator or broadcaster\n");
                return 2;
            }
            claims.UserRole = role == "broadcaster" ? Role::Broadcaster : role == "moderator" ? Role::Moderator : Role::Viewer;
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
    if (secret.Failed)
        return 2;
    const std::string key = secret.Resolve();
    if (key.empty() || !IsValidDisplayName(claims.Name))
    {
        std::fprintf(stderr, "mint-token: need a secret (--secret-file, or LIVESCOPE_RELAY_SECRET) and a --name of 1..32 visible characters\n");
        return 2;
    }
    const auto now_s = std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
    claims.ExpiresAt = now_s + ttl;
    std::printf("%s\n", MintToken(key, claims).c_str());
    return 0;
}
} // namespace

//-----------------------------------------------------------------------------
// [SECTION] main
//-----------------------------------------------------------------------------

int main(int argc, char** argv)
{
    if (argc >= 2 && std::strcmp(argv[1], "mint-token") == 0)
        return MintTokenCommand(argc, argv);

    RelayServerOptions options;
    SecretOption secret;
    bool outlive_parent = false;
    const char* env_log = std::getenv("LIVESCOPE_RELAY_LOG_DB");
    std::string log_db = env_log && *env_log ? env_log : "./livescope-rooms.sqlite";
    bool no_log = false;
    std::string bus_host; // scale-out: --bus redis://HOST:PORT
    int bus_port = 0;
    std::string log_host; // the shared room log: --log redis://HOST:PORT
    int log_port = 0;
    options.Core.Seed = static_cast<uint64_t>(std::chrono::steady_clock::now().time_since_epoch().count());
    for (int i = 1; i < argc; i++)
    {
        if (secret.Take(argc, argv, i, "livescope-relay"))
            continue;
        const std::string arg = argv[i];
        const bool has_value = i + 1 < argc;
        long long v = 0;
        double rate = 0;
        auto size_flag = [&](const char* name, long long max_value, size_t& out, size_t scale = 1) {
            if (arg != name || !has_value || !ParseInt(argv[i + 1], 1, max_value, v))
                return false;
            out = static_cast<size_t>(v) * scale;
            i++;
            return true;
        };
        auto rate_flag = [&](const char* name, double& out) {
            if (arg != name || !has_value || !ParseRate(argv[i + 1], rate))
                return false;
            out = rate;
            i++;
            return true;
        };
        RelayConfig& core = options.Core;
        if (arg == "--host" && has_value)
            options.Host = argv[++i];
        else if (arg == "--port" && has_value && ParseInt(argv[i + 1], 0, 65535, v))
        {
            options.Port = static_cast<uint16_t>(v);
            i++;
        }
        else if (arg == "--allow-origin" && has_value)
            options.AllowOrigins.push_back(argv[++i]);
        else if (arg == "--tick-ms" && has_value && ParseInt(argv[i + 1], 10, 5000, v))
        {
            core.TickMs = v;
            i++;
        }
        else if (arg == "--tick" && has_value && (std::strcmp(argv[i + 1], "adaptive") == 0 || std::strcmp(argv[i + 1], "fixed") == 0))
            core.AdaptiveTick = std::strcmp(argv[++i], "adaptive") == 0; // docs/relay.md "The tick"
        else if (arg == "--trust-proxy" && has_value)
        {
            if (!IsIpAddress(argv[i + 1]))
            {
                std::fprintf(stderr, "livescope-relay: --trust-proxy wants an IP address, not %s\n", argv[i + 1]);
                return 2;
            }
            options.TrustedProxies.push_back(argv[++i]);
        }
        else if (size_flag("--max-conns-per-ip", 1000000, core.MaxConnsPerAddress) || rate_flag("--ip-comment-rate", core.AddressCommentRate) ||
                 rate_flag("--ip-comment-burst", core.AddressCommentBurst) || rate_flag("--ip-heart-rate", core.AddressHeartRate) ||
                 rate_flag("--ip-heart-burst", core.AddressHeartBurst) || rate_flag("--ip-join-rate", core.AddressJoinRate) ||
                 rate_flag("--ip-join-burst", core.AddressJoinBurst) || size_flag("--max-rooms", 10000000, core.MaxRooms) ||
                 size_flag("--max-rooms-per-ip", 10000000, core.MaxRoomsPerAddress) ||
                 size_flag("--max-queued-kib", 1 << 22, options.MaxQueuedBytes, 1024) ||
                 size_flag("--max-queued-kib-per-ip", 1 << 26, options.MaxQueuedBytesPerAddress, 1024))
        {
        }
        else if (arg == "--outlive-parent")
            outlive_parent = true;
        else if (arg == "--log-db" && has_value && argv[i + 1][0] != '\0')
            log_db = argv[++i];
        else if (arg == "--log" && has_value)
        {
            if (!ParseRedisUrl(argv[++i], log_host, log_port))
            {
                std::fprintf(stderr, "livescope-relay: --log wants redis://HOST:PORT, not %s\n", argv[i]);
                return 2;
            }
        }
        else if (arg == "--no-log")
            no_log = true;
        else if (arg == "--bus" && has_value)
        {
            if (!ParseRedisUrl(argv[++i], bus_host, bus_port))
            {
                std::fprintf(stderr, "livescope-relay: --bus wants redis://HOST:PORT, not %s\n", argv[i]);
                return 2;
            }
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
    if (secret.Failed)
        return 2;
    options.Core.Secret = secret.Resolve();
    if (!outlive_parent && !FollowParent())
    {
        std::fprintf(stderr, "livescope-relay: the parent process exited before the relay started\n");
        return 1;
    }

    std::unique_ptr<RoomLog> room_log;
    if (!no_log && !log_host.empty())
        room_log = std::make_unique<RedisRoomLog>(log_host, log_port); // never fails: degraded while Redis is down
    else if (!no_log && log_db == ":memory:")
        room_log = std::make_unique<MemoryRoomLog>();
    else if (!no_log)
    {
        std::string log_error;
        room_log = SqliteRoomLog::Open(log_db, log_error);
        if (!room_log)
        {
            std::fprintf(stderr, "livescope-relay: %s\n", log_error.c_str());
            return 1;
        }
    }
    options.Log = room_log.get();

    boost::asio::io_context io(1);
    std::unique_ptr<RedisRoomBus> bus; // outlives the server (declared before it)
    if (!bus_host.empty())
    {
        bus = std::make_unique<RedisRoomBus>(io, bus_host, bus_port);
        options.Bus = bus.get();
    }
    RelayServer server(io, options);
    std::string error;
    if (!server.Start(error))
    {
        std::fprintf(stderr, "livescope-relay: %s\n", error.c_str());
        return 1;
    }
    const std::string log_name = !log_host.empty() ? "redis://" + log_host + ":" + std::to_string(log_port) : log_db;
    std::printf("livescope-relay room log: %s\n", no_log ? "off" : log_name.c_str());
    if (bus)
        std::printf("livescope-relay bus: redis://%s:%d (node %016llx)\n", bus_host.c_str(), bus_port, static_cast<unsigned long long>(bus->NodeId()));
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
    std::printf("livescope-relay: stopped (frames in %lld, out %lld, comments %lld, hearts %lld, excess hearts %lld, refused %lld)\n",
                static_cast<long long>(stats.FramesIn), static_cast<long long>(stats.FramesOut),
                static_cast<long long>(stats.CommentsAccepted), static_cast<long long>(stats.HeartsAccepted),
                static_cast<long long>(stats.HeartsExcess), static_cast<long long>(stats.Refused));
    if (room_log)
        std::printf("livescope-relay: room log: %lld records written, %lld batches failed\n", static_cast<long long>(stats.LogRecords),
                    static_cast<long long>(room_log->Failures()));
    return 0;
}
