// Token-bucket rate limiter with an injected clock (pure; one per connection and kind of input).
#pragma once
#include <cstdint>

namespace livescope {

class TokenBucket
{
public:
    // `rate`: tokens per second; `burst`: bucket capacity. The bucket starts full.
    TokenBucket(double rate, double burst) : Rate(rate), Burst(burst), Tokens(burst) {}

    // Takes `n` tokens at `now_ms` (ms, any monotonic-ish origin) if all are available. Time going backwards adds nothing.
    bool TryTake(int64_t now_ms, double n = 1.0)
    {
        Refill(now_ms);
        if (Tokens + 1e-9 < n)
            return false;
        Tokens -= n;
        return true;
    }

    // Takes as many whole tokens as available, up to `n`; returns how many were taken.
    int64_t TakeUpTo(int64_t now_ms, int64_t n)
    {
        Refill(now_ms);
        int64_t taken = static_cast<int64_t>(Tokens + 1e-9);
        if (taken > n)
            taken = n;
        if (taken < 0)
            taken = 0;
        Tokens -= static_cast<double>(taken);
        return taken;
    }

    double Available(int64_t now_ms)
    {
        Refill(now_ms);
        return Tokens;
    }
    // Charges `n` tokens spent elsewhere (another relay node's report): the bucket may go into debt, down to
    // -`max_debt` tokens, and refills from there.
    void Charge(int64_t now_ms, double n, double max_debt)
    {
        Refill(now_ms);
        Tokens -= n;
        if (Tokens < -max_debt)
            Tokens = -max_debt;
    }
    // True when the bucket is full (forgetting it changes nothing).
    bool Full(int64_t now_ms)
    {
        Refill(now_ms);
        return Tokens >= Burst - 1e-6;
    }
    double Capacity() const { return Burst; }
    double RatePerS() const { return Rate; }
    // ms from `now_ms` until `n` tokens are available (0 when they are now).
    int64_t RetryAfterMs(int64_t now_ms, double n = 1.0)
    {
        Refill(now_ms);
        if (Tokens + 1e-9 >= n || Rate <= 0.0)
            return 0;
        const double ms = (n - Tokens) * 1000.0 / Rate;
        return static_cast<int64_t>(ms) + 1;
    }

private:
    void Refill(int64_t now_ms)
    {
        if (!Started)
        {
            Started = true;
            LastMs = now_ms;
            return;
        }
        if (now_ms > LastMs)
        {
            Tokens += Rate * static_cast<double>(now_ms - LastMs) / 1000.0;
            if (Tokens > Burst)
                Tokens = Burst;
            LastMs = now_ms;
        }
    }

    double Rate;        // tokens per second
    double Burst;       // tokens
    double Tokens;      // tokens
    int64_t LastMs = 0; // ms
    bool Started = false;
};

} // namespace livescope
