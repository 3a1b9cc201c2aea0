// The relay's join tokens: the shared token library (src/server/common/token.h), kept at this path for relay code.
#pragma once
#include "common/token.h"
